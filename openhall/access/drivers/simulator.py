"""The simulator: virtual locks kept in the database (SimulatedCode), with a web keypad per door
and injectable faults for tests — what `make run` uses. Windows are enforced by the virtual lock
itself, like a TTLock with its clock (`clock_skew` shifts that clock)."""

import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openhall.access.drivers.base import LockError
from openhall.access.models import SimulatedCode, SimulatedKeypad
from openhall.core.crypto import blind_index

# Real keypads freeze after about five wrong codes in a row for 3–5 minutes (igloohome, eufy);
# the simulator does the same, so it is no easier to guess at than the locks it stands in for.
WRONG_CODES_BEFORE_FREEZE = 5
FREEZE = timedelta(minutes=3)

# door id → "offline" | "busy" | ("skew", seconds) | ("slow", seconds); set by tests.
FAULTS: dict[int, object] = {}
OPENED: set[int] = set()  # doors opened remotely (until they lock again)


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
        # A real lock refuses a code it already holds (TTLock -3007, which its driver adopts):
        # the same write repeated — its worker killed between the lock's answer and the record
        # of it — must not leave a second copy that nothing tracks (tests/test_faults.py).
        same = SimulatedCode.objects.filter(door=door, kind=kind, code_index=blind_index(code),
                                            starts_at=starts_at, ends_at=ends_at).first()  # fmt: skip
        if same is not None:
            return f"sim-{same.pk}"
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

    def our_passcodes(self, door) -> list[str]:
        _fault(door)
        rows = SimulatedCode.objects.filter(door=door, kind="pin").values_list("pk", flat=True)
        return [f"sim-{pk}" for pk in rows]

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
        with transaction.atomic():
            # The row lock makes guesses on one door queue: each reads the count the previous
            # one wrote, so twenty at once still get five looks at the codes (on SQLite the
            # IMMEDIATE transaction serialises them the same way).
            pad, _ = SimulatedKeypad.objects.select_for_update().get_or_create(door=door)
            if pad.frozen_until and pad.frozen_until > now:
                return KeypadAnswer(False, "", pad.frozen_until, checked=False)
            row = SimulatedCode.objects.filter(door=door, kind=kind, code_index=blind_index(code.strip()),
                                               starts_at__lte=now, ends_at__gt=now).first()  # fmt: skip
            if row is not None:
                pad.wrong_in_a_row, pad.frozen_until = 0, None
            else:
                pad.wrong_in_a_row += 1
                if pad.wrong_in_a_row >= WRONG_CODES_BEFORE_FREEZE:
                    # Thawed, the keypad gives another five tries, as the real ones do.
                    pad.wrong_in_a_row, pad.frozen_until = 0, now + FREEZE
            pad.save(update_fields=["wrong_in_a_row", "frozen_until"])
        if row is not None:
            return KeypadAnswer(True, f"sim-{row.pk}", None, checked=True)
        return KeypadAnswer(False, "", pad.frozen_until, checked=True)


class KeypadAnswer(NamedTuple):
    opened: bool
    external_id: str  # the lock's id of the code that opened it
    frozen_until: datetime | None  # the keypad refuses everything until then
    checked: bool  # False: refused without looking at the code (frozen, offline, off)


def new_event_id() -> str:
    return "sim-" + secrets.token_hex(8)
