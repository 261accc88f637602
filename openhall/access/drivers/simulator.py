"""The simulator: virtual locks kept in the database (SimulatedCode), with a web keypad per door
and injectable faults for tests — what `make run` uses. Windows are enforced by the virtual lock
itself, like a TTLock with its clock (`clock_skew` shifts that clock)."""

import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from openhall.access.drivers.base import LockError
from openhall.access.models import SimulatedCode
from openhall.core.crypto import blind_index

# door id → "offline" | "busy" | ("skew", seconds) | ("slow", seconds); set by tests.
FAULTS: dict[int, object] = {}
OPENED: set[int] = set()  # doors opened remotely (until they lock again)


def _fault(door) -> None:
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
        row = SimulatedCode.objects.create(door=door, kind=kind, code=code,
                                           code_index=blind_index(code),
                                           starts_at=starts_at, ends_at=ends_at)  # fmt: skip
        return f"sim-{row.pk}"

    def _delete(self, door, external_id: str) -> None:
        _fault(door)
        if external_id.startswith("sim-"):
            SimulatedCode.objects.filter(door=door, pk=int(external_id[4:])).delete()

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

    def unlock(self, door) -> None:
        _fault(door)
        OPENED.add(door.pk)

    def open_state(self, door) -> str:
        _fault(door)
        return "unlocked" if door.pk in OPENED else "locked"

    # --- the keypad: what the lock decides on its own ---------------------------------------
    @staticmethod
    def keypad(door, code: str, kind: str = "pin") -> tuple[bool, str]:
        """(opened, external id of the code) — the lock's own check, by its own clock. `kind`:
        a typed PIN, a card held to the reader, a finger on the sensor."""
        if FAULTS.get(door.pk) == "offline":
            return False, ""
        now = lock_clock(door)
        row = SimulatedCode.objects.filter(door=door, kind=kind, code_index=blind_index(code.strip()),
                                           starts_at__lte=now, ends_at__gt=now).first()  # fmt: skip
        return (True, f"sim-{row.pk}") if row else (False, "")


def new_event_id() -> str:
    return "sim-" + secrets.token_hex(8)
