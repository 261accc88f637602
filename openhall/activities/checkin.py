"""Tickets and check-in at the door, and the attendance they add up to."""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils import timezone

from openhall.accounts.models import User
from openhall.activities.models import Activity, CheckIn, Registration
from openhall.activities.rules import (
    TICKET_SALT,
    check_in_hours_text,
    check_in_open,
)
from openhall.core import permissions
from openhall.core.events import publish_on_commit
from openhall.core.permissions import Perm


def ticket_token(registration: Registration) -> str:
    """What the QR code holds: signed, so it can be neither forged nor guessed."""
    return signing.dumps({"r": registration.pk, "c": registration.code}, salt=TICKET_SALT)


@dataclass(frozen=True)
class CheckInResult:
    # "ok" | "again" | "wrong_activity" | "unknown" | "not_confirmed" | "outside_window"
    outcome: str
    registration: Registration | None = None
    message: str = ""  # outside the window: when check-in is open


def _registration_from(scanned: str) -> Registration | None:
    scanned = (scanned or "").strip()
    try:
        data = signing.loads(scanned, salt=TICKET_SALT)
        return Registration.objects.filter(pk=data.get("r"), code=data.get("c")).first()
    except signing.BadSignature:
        return Registration.objects.filter(code=scanned.upper().replace(" ", "")[:8]).first()


def check_in(
    *, activity: Activity, scanned: str, by: User, now: datetime | None = None
) -> CheckInResult:
    """A scanned QR or a typed code, at the door of today's session. Scanning twice (or two
    phones uploading the same scan) records one check-in."""
    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    now = now or timezone.now()
    registration = _registration_from(scanned)
    if registration is None:
        return CheckInResult("unknown")
    if registration.activity_id != activity.pk:
        return CheckInResult("wrong_activity", registration)
    if registration.status != Registration.Status.CONFIRMED:
        return CheckInResult("not_confirmed", registration)
    sessions = list(activity.sessions.order_by("start"))
    if not sessions:
        return CheckInResult("unknown")
    session = next((s for s in sessions if check_in_open(s, now)), None)
    if session is None:
        # Not counted anywhere (attendance, the lobby screen): say when the door opens.
        upcoming = next((s for s in sessions if s.end > now), sessions[-1])
        return CheckInResult("outside_window", registration, check_in_hours_text(upcoming, now))
    _row, created = CheckIn.objects.get_or_create(
        registration=registration, session=session, defaults={"by": by}
    )
    if created:
        publish_on_commit(
            "activity.checked_in", center_id=activity.center_id, activity_id=activity.pk
        )
    return CheckInResult("ok" if created else "again", registration)


def attendance(activity: Activity) -> int:
    """People who came: registrations checked in at one session at least."""
    return (
        CheckIn.objects.filter(session__activity=activity).values("registration").distinct().count()
    )
