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
        .prefetch_related("doors", "credentials").select_related("booking__space")
        .order_by("starts_at")
    )  # fmt: skip
    rows = []
    for grant in grants:
        for credential in grant.credentials.all():
            for door in grant.doors.all():
                rows.append({
                    "grant": grant, "door": door, "door_id": door.pk, "door_name": door.name,
                    "kind": credential.kind,
                    "secret": credential.secret if credential.kind == Credential.Kind.PIN else "",
                    "raw": credential.secret,
                    "valid_from": grant.starts_at, "valid_until": grant.ends_at,
                    "status": "active" if grant.starts_at <= now else "upcoming",
                })  # fmt: skip
    return rows


def door_entries(center, day: date) -> int:
    start, end = local_day_bounds(day)
    return AccessEvent.objects.filter(center=center, opened=True, at__gte=start, at__lt=end).count()
