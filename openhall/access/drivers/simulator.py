"""The simulator: virtual locks kept in the database (SimulatedCode), with a web keypad per door
and injectable faults for tests — what `make run` uses. Windows are enforced by the virtual lock
itself, like a TTLock with its clock (`clock_skew` shifts that clock). What the virtual locks
remember is in access/simulated_locks.py, handed over by AccessConfig.ready (`use_memory`)."""

import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone

from openhall.access.drivers.base import LockError

# Real keypads freeze after about five wrong codes in a row for 3–5 minutes (igloohome, eufy);
# the simulator does the same, so it is no easier to guess at than the locks it stands in for.
WRONG_CODES_BEFORE_FREEZE = 5
FREEZE = timedelta(minutes=3)

# door id → "offline" | "busy" | ("skew", seconds) | ("slow", seconds); set by tests.
FAULTS: dict[int, object] = {}
OPENED: set[int] = set()  # doors opened remotely (until they lock again)

# The virtual locks' memory (openhall.access.simulated_locks), set by AccessConfig.ready: the
# drivers package imports no model, so the module is handed in rather than imported.
MEMORY = None


def use_memory(memory) -> None:
    global MEMORY
    MEMORY = memory


def enabled() -> bool:
    """OPENHALL_LOCK_SIMULATOR: off in production unless turned on on purpose; when off no
    simulated door takes a code or opens."""
    return bool(getattr(settings, "OPENHALL_LOCK_SIMULATOR", False))


def _fault(door) -> None:
    if not enabled():
        raise LockError("模拟锁未启用", transient=False, code="simulator_off")
    fault = FAULTS.get(door.pk)
    if isinstance(fault, tuple) and fault[0] == "slow":  # a lock that answers late
        import time

        time.sleep(fault[1])
    if fault == "offline":
        raise LockError("锁离线（模拟）", code="offline")
    if fault == "busy":
        raise LockError("锁忙（模拟）", code="busy")


def lock_clock(door) -> datetime:
    fault = FAULTS.get(door.pk)
    skew = fault[1] if isinstance(fault, tuple) and fault[0] == "skew" else 0
    return timezone.now() + timedelta(seconds=skew)


class SimulatorDriver:
    native_windows = True

    def _add(self, door, kind: str, code: str, starts_at: datetime, ends_at: datetime) -> str:
        _fault(door)
        code_id = MEMORY.code_add(
            door_id=door.pk, kind=kind, code=code, starts_at=starts_at, ends_at=ends_at
        )
        return f"sim-{code_id}"

    def _delete(self, door, external_id: str) -> None:
        _fault(door)
        if external_id.startswith("sim-"):
            MEMORY.code_delete(door_id=door.pk, code_id=int(external_id[4:]))

    def add_passcode(self, door, code: str, starts_at: datetime, ends_at: datetime) -> str:
        return self._add(door, "pin", code, starts_at, ends_at)

    def delete_passcode(self, door, external_id: str) -> None:
        self._delete(door, external_id)

    def add_card(self, door, card_number: str, starts_at: datetime, ends_at: datetime) -> str:
        return self._add(door, "card", card_number, starts_at, ends_at)

    def delete_card(self, door, external_id: str) -> None:
        self._delete(door, external_id)

    def set_fingerprint(self, door, fingerprint_id: str, starts_at, ends_at) -> str:
        return self._add(door, "fingerprint", fingerprint_id, starts_at, ends_at)

    def delete_fingerprint(self, door, external_id: str) -> None:
        self._delete(door, external_id)

    def our_passcodes(self, door) -> list[str]:
        _fault(door)
        return [f"sim-{pk}" for pk in MEMORY.code_ids(door_id=door.pk)]

    def unlock(self, door) -> None:
        _fault(door)
        OPENED.add(door.pk)

    def open_state(self, door) -> str:
        _fault(door)
        return "unlocked" if door.pk in OPENED else "locked"

    # --- the keypad: what the lock decides on its own ---------------------------------------
    @staticmethod
    def keypad(door, code: str, kind: str = "pin") -> "KeypadAnswer":
        """The lock's own check, by its own clock. `kind`: a typed PIN, a card held to the
        reader, a finger on the sensor — all count as guesses on this door's one keypad."""
        if not enabled() or FAULTS.get(door.pk) == "offline":
            return KeypadAnswer(False, "", None, checked=False)
        now = lock_clock(door)
        code_id, frozen_until, checked = MEMORY.keypad_try(
            door_id=door.pk,
            kind=kind,
            code=code,
            now=now,
            freeze_after=WRONG_CODES_BEFORE_FREEZE,
            freeze=FREEZE,
        )
        if code_id is not None:
            return KeypadAnswer(True, f"sim-{code_id}", None, checked=True)
        return KeypadAnswer(False, "", frozen_until, checked=checked)


class KeypadAnswer(NamedTuple):
    opened: bool
    external_id: str  # the lock's id of the code that opened it
    frozen_until: datetime | None  # the keypad refuses everything until then
    checked: bool  # False: refused without looking at the code (frozen, offline, off)


def new_event_id() -> str:
    return "sim-" + secrets.token_hex(8)
