"""Codes on a lock that our database does not know: after a restore from a backup, the locks
still hold codes written after that backup was taken. They carry our marker (TTLock: the name
"OpenHall"), so they are ours to remove; a code with another name is never touched.

Run by hand after a restore (`openhall lock_orphans`, then `--remove`), not every minute: a
code being written this very moment is not on record yet, so doors with a write in flight are
skipped."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from openhall.access.drivers import LockError, driver_for
from openhall.access.models import Door, LockCredential
from openhall.core.audit import audit_record


@dataclass
class DoorOrphans:
    door: Door
    orphans: list[str]
    removed: int = 0
    error: str = ""


def lock_orphans(*, remove: bool = False, center_id: int | None = None) -> list[DoorOrphans]:
    """Per door that can list its codes: ours on the lock with no row here; removed on request
    (and audited, one entry a door)."""
    doors = Door.objects.select_related("center")
    if center_id is not None:
        doors = doors.filter(center_id=center_id)
    found = []
    for door in doors.order_by("pk"):
        in_flight = LockCredential.objects.filter(door=door, claimed_until__gt=timezone.now())
        if in_flight.exists():
            found.append(DoorOrphans(door, [], error="有密码正在写入，稍后再查"))
            continue
        try:
            listed = driver_for(door.lock).our_passcodes(door.lock)
        except LockError as exc:
            found.append(DoorOrphans(door, [], error=str(exc)))
            continue
        if listed is None:
            continue  # this kind of lock cannot list its codes
        known = set(
            LockCredential.objects.filter(door=door, credential__kind="pin")
            .exclude(Q(external_id="") | Q(status=LockCredential.Status.REMOVED))
            .values_list("external_id", flat=True)
        )
        report = DoorOrphans(door, sorted(set(listed) - known))
        if remove and report.orphans:
            driver = driver_for(door.lock)
            for external_id in report.orphans:
                try:
                    driver.delete_passcode(door.lock, external_id)
                    report.removed += 1
                except LockError as exc:
                    report.error = str(exc)
            audit_record(
                actor=None,
                action="lock.orphans_removed",
                center=door.center,
                obj=door,
                after={"removed": report.removed, "found": len(report.orphans)},
            )
        found.append(report)
    return found
