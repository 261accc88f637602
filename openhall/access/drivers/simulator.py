"""The simulator: virtual locks kept in the database (SimulatedCode), with a web keypad per door
— what `make run` uses. Windows are enforced by the virtual lock itself, like a TTLock with its
clock. What the virtual locks remember is in access/simulated_locks.py, handed over by
AccessConfig.ready (`use_memory`). Tests make a lock misbehave (offline, busy, slow, its clock
off) through `use_faults` (openhall/access/tests/lock_faults.py): nothing here is for tests."""

import secrets
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from django.conf import settings
from django.utils import timezone

from openhall.access.drivers.base import Lock, LockError

# Real keypads freeze after about five wrong codes in a row for 3–5 minutes (igloohome, eufy);
# the simulator does the same, so it is no easier to guess at than the locks it stands in for.
WRONG_CODES_BEFORE_FREEZE = 5
FREEZE = timedelta(minutes=3)

OPENED: set[int] = set()  # doors opened remotely (until they lock again)

# The virtual locks' memory (openhall.access.simulated_locks), set by AccessConfig.ready: the
# drivers package imports no model, so the module is handed in rather than imported.
MEMORY = None


def use_memory(memory) -> None:
    global MEMORY
    MEMORY = memory


class Faults(Protocol):
    """How a virtual lock misbehaves, as real ones do; none unless one is handed in."""

    def before_call(self, door_id: int) -> None:
        """Raise LockError (offline, busy) or answer late, before the lock does anything."""

    def unreachable(self, door_id: int) -> bool:
        """The keypad gets no answer from the lock."""

    def clock_skew(self, door_id: int) -> timedelta:
        """How far the lock's own clock is off."""


_faults: Faults | None = None


def use_faults(faults: Faults | None) -> None:
    global _faults
    _faults = faults


def enabled() -> bool:
    """OPENHALL_LOCK_SIMULATOR: off in production unless turned on on purpose; when off no
    simulated door takes a code or opens."""
    return bool(getattr(settings, "OPENHALL_LOCK_SIMULATOR", False))


def _before_call(lock: Lock) -> None:
    if not enabled():
        raise LockError("模拟锁未启用", transient=False, code="simulator_off")
    if _faults is not None:
        _faults.before_call(lock.door_id)


def lock_clock(lock: Lock) -> datetime:
    skew = _faults.clock_skew(lock.door_id) if _faults is not None else timedelta(0)
    return timezone.now() + skew


class SimulatorDriver:
    native_windows = True

    def _add(self, lock: Lock, kind: str, code: str, starts_at: datetime, ends_at: datetime) -> str:
        _before_call(lock)
        code_id = MEMORY.code_add(
            door_id=lock.door_id, kind=kind, code=code, starts_at=starts_at, ends_at=ends_at
        )
        return f"sim-{code_id}"

    def _delete(self, lock: Lock, external_id: str) -> None:
        _before_call(lock)
        if external_id.startswith("sim-"):
            MEMORY.code_delete(door_id=lock.door_id, code_id=int(external_id[4:]))

    def add_passcode(self, lock: Lock, code: str, starts_at: datetime, ends_at: datetime) -> str:
        return self._add(lock, "pin", code, starts_at, ends_at)

    def delete_passcode(self, lock: Lock, external_id: str) -> None:
        self._delete(lock, external_id)

    def add_card(self, lock: Lock, card_number: str, starts_at: datetime, ends_at: datetime) -> str:
        return self._add(lock, "card", card_number, starts_at, ends_at)

    def delete_card(self, lock: Lock, external_id: str) -> None:
        self._delete(lock, external_id)

    def set_fingerprint(self, lock: Lock, fingerprint_id: str, starts_at, ends_at) -> str:
        return self._add(lock, "fingerprint", fingerprint_id, starts_at, ends_at)

    def delete_fingerprint(self, lock: Lock, external_id: str) -> None:
        self._delete(lock, external_id)

    def our_passcodes(self, lock: Lock) -> list[str]:
        _before_call(lock)
        return [f"sim-{pk}" for pk in MEMORY.code_ids(door_id=lock.door_id)]

    def unlock(self, lock: Lock) -> None:
        _before_call(lock)
        OPENED.add(lock.door_id)

    def open_state(self, lock: Lock) -> str:
        _before_call(lock)
        return "unlocked" if lock.door_id in OPENED else "locked"

    # --- the keypad: what the lock decides on its own ---------------------------------------
    @staticmethod
    def keypad(lock: Lock, code: str, kind: str = "pin") -> "KeypadAnswer":
        """The lock's own check, by its own clock. `kind`: a typed PIN, a card held to the
        reader, a finger on the sensor — all count as guesses on this door's one keypad."""
        if not enabled() or (_faults is not None and _faults.unreachable(lock.door_id)):
            return KeypadAnswer(False, "", None, checked=False)
        now = lock_clock(lock)
        code_id, frozen_until, checked = MEMORY.keypad_try(
            door_id=lock.door_id,
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
