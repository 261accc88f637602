"""The contract every lock driver keeps. Drivers know their lock, never our models: they are
handed a `Lock` (plain values read from the door), and they raise LockError — transient or
not — so the reconciler knows whether to try again."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Lock:
    """What a driver is told of a door (`Door.lock` makes one)."""

    door_id: int  # our id for the door: the simulator's memory is kept by it
    device_id: str  # the lock's own id: TTLock's lockId, the Zigbee2MQTT friendly name
    driver: str  # "simulator" | "ttlock" | "mqtt"


class LockError(Exception):
    def __init__(self, message: str, *, transient: bool = True, code: str = ""):
        super().__init__(message)
        self.transient, self.code = transient, code


class LockDriver(Protocol):
    # True: the lock itself enforces a code's window (it expires even with the server gone).
    native_windows: bool

    def add_passcode(self, lock: Lock, code: str, starts_at: datetime, ends_at: datetime) -> str:
        """Put a code on the lock for the window; returns the lock's id for it."""

    def delete_passcode(self, lock: Lock, external_id: str) -> None:
        """Take it off. Deleting what is already gone is not an error."""

    def add_card(self, lock: Lock, card_number: str, starts_at: datetime, ends_at: datetime) -> str:
        """Let an IC card open the lock in the window; returns the lock's id for it."""

    def delete_card(self, lock: Lock, external_id: str) -> None: ...

    def set_fingerprint(
        self, lock, fingerprint_id: str, starts_at: datetime, ends_at: datetime
    ) -> str:
        """Fingerprints are enrolled at the lock (Bluetooth); this gives an enrolled one its
        window. Returns the lock's id for it."""

    def delete_fingerprint(self, lock: Lock, external_id: str) -> None: ...

    def unlock(self, lock: Lock) -> None:
        """Open the door now (remote unlock)."""

    def our_passcodes(self, lock: Lock) -> list[str] | None:
        """The lock's ids of every passcode carrying our marker (ours, whether or not our
        database still knows it), or None where the lock cannot list them."""

    def open_state(self, lock: Lock) -> str:
        """ "locked", "unlocked" or "unknown", as the lock reports it."""
