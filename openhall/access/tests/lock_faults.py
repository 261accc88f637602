"""Simulated locks that misbehave, for tests: offline, busy, slow to answer, their clock off.

    from openhall.access.tests.lock_faults import FAULTS
    FAULTS[door.pk] = "offline" | "busy" | ("slow", seconds) | ("skew", seconds)

Importing this module hands it to the simulator (`simulator.use_faults`); the access tests'
autouse fixture empties FAULTS before and after each test."""

import time
from datetime import timedelta

from openhall.access.drivers import simulator
from openhall.access.drivers.base import LockError

FAULTS: dict[int, object] = {}


class _DictFaults:
    def before_call(self, door_id: int) -> None:
        fault = FAULTS.get(door_id)
        if isinstance(fault, tuple) and fault[0] == "slow":  # a lock that answers late
            time.sleep(fault[1])
        if fault == "offline":
            raise LockError("锁离线（模拟）", code="offline")
        if fault == "busy":
            raise LockError("锁忙（模拟）", code="busy")

    def unreachable(self, door_id: int) -> bool:
        return FAULTS.get(door_id) == "offline"

    def clock_skew(self, door_id: int) -> timedelta:
        fault = FAULTS.get(door_id)
        return timedelta(seconds=fault[1] if isinstance(fault, tuple) and fault[0] == "skew" else 0)


simulator.use_faults(_DictFaults())
