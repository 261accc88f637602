"""Reads of access for pages, the API and the lobby screen."""

from datetime import date

from django.utils import timezone

from openhall.access.models import AccessEvent, Credential, Grant
from openhall.bookings.selectors import local_day_bounds


def my_credentials(user, *, now=None) -> list[dict]:
    """A person's current and upcoming credentials, with the PIN (shown only to its holder)."""
    now = now or timezone.now()
    grants = (
        Grant.objects.filter(user=user, revoked_at__isnull=True, ends_at__gt=now)
        .prefetch_related("doors", "credentials")
        .select_related("booking__space", "door_member__booking__space")
        .order_by("starts_at")
    )
    rows = []
    for grant in grants:
        # The booking it opens doors for: their own, or a team's booking they were let in on.
        member = getattr(grant, "door_member", None)  # none: DoesNotExist is an AttributeError
        booking = grant.booking or (member.booking if member is not None else None)
        for credential in grant.credentials.all():
            for door in grant.doors.all():
                rows.append(
                    {
                        "grant": grant,
                        "booking": booking,
                        "door": door,
                        "door_id": door.pk,
                        "door_name": door.name,
                        "kind": credential.kind,
                        "secret": credential.secret
                        if credential.kind == Credential.Kind.PIN
                        else "",
                        "raw": credential.secret,
                        "valid_from": grant.starts_at,
                        "valid_until": grant.ends_at,
                        "status": "active" if grant.starts_at <= now else "upcoming",
                    }
                )
    return rows


def door_entries(center, day: date) -> int:
    start, end = local_day_bounds(day)
    return AccessEvent.objects.filter(center=center, opened=True, at__gte=start, at__lt=end).count()


def booking_door_access(booking, *, now=None) -> dict | None:
    """What a booking's holder needs to get in: which doors open when, the PIN, and whether
    the phone may open them now. None when the booking opens no door (no smart lock, or not
    approved)."""
    now = now or timezone.now()
    grant = (
        Grant.objects.filter(booking=booking, revoked_at__isnull=True, ends_at__gt=now)
        .prefetch_related("doors", "credentials")
        .first()
    )
    if grant is None:
        return None
    kinds = {c.kind: c for c in grant.credentials.all()}
    pin = kinds.get(Credential.Kind.PIN)
    in_window = grant.starts_at <= now < grant.ends_at
    return {
        "doors": [door.name for door in grant.doors.all()],
        "valid_from": grant.starts_at,
        "valid_until": grant.ends_at,
        "pin": pin.secret if pin else "",
        "on_locks": written(grant),
        "phone_unlock": Credential.Kind.REMOTE in kinds,
        "open_now": in_window,
        **_sharing(booking, now=now),
    }


def _sharing(booking, *, now) -> dict:
    """For a team's booking: the members who share its doors, and whom the booker may add."""
    if booking.team_id is None:
        return {"team_booking": False, "members": [], "candidates": [], "can_add": False}
    from openhall.access.door_members import door_members_cap

    members = booking_door_members(booking, now=now)
    candidates = door_member_candidates(booking)
    return {
        "team_booking": True,
        "members": members,
        "candidates": candidates,
        "members_cap": door_members_cap(booking),
        "can_add": bool(candidates) and len(members) < door_members_cap(booking),
    }


def booking_door_members(booking, *, now=None) -> list[dict]:
    """The members the booker let in, and whether their access is live now or to come."""
    now = now or timezone.now()
    rows = booking.door_members.select_related("user", "grant").order_by("added_at", "pk")
    return [
        {
            "user_id": row.user_id,
            "name": str(row.user),
            "added_at": row.added_at,
            "has_access": row.grant is not None
            and row.grant.revoked_at is None
            and row.grant.ends_at > now,
        }
        for row in rows
    ]


def door_member_candidates(booking) -> list:
    """Current members of the booking's team, other than the booker, not yet let in."""
    from openhall.accounts.models import User

    if booking.team_id is None:
        return []
    return list(
        User.objects.filter(team_memberships__team_id=booking.team_id, is_active=True)
        .exclude(pk=booking.booker_id)
        .exclude(pk__in=booking.door_members.values("user_id"))
        .order_by("real_name", "pk")
    )


def written(grant) -> bool:
    """Every lock already holds the code (else: being written, a minute or two)."""
    from openhall.access.models import LockCredential

    return (
        not LockCredential.objects.filter(credential__grant=grant)
        .exclude(status=LockCredential.Status.SET)
        .exists()
    )
