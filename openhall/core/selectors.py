from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openhall.core.models import AuditEntry, Center

# The resident's chosen center, remembered in a cookie. Here, not in the portal, because the
# pages of several apps (activities, news, bookings) are shown for the chosen center.
CENTER_COOKIE = "center"


def audit_entries(
    *,
    center: Center,
    action: str = "",
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """A center's audit log, newest first; dates are whole local (Asia/Shanghai) days."""
    entries = AuditEntry.objects.filter(center=center).select_related("actor")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if since:
        entries = entries.filter(at__gte=local_midnight(since))
    if until:
        entries = entries.filter(at__lt=local_midnight(until + timedelta(days=1)))
    return entries.order_by("-at", "-id")


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_actions(*, center: Center) -> list[str]:
    return list(
        AuditEntry.objects.filter(center=center)
        .values_list("action", flat=True)
        .distinct()
        .order_by("action")
    )


def active_centers() -> QuerySet[Center]:
    return Center.objects.filter(is_active=True).select_related("street").order_by("id")


def current_center(request: HttpRequest) -> Center | None:
    """The center the resident chose (cookie), else the first one: most deployments run one."""
    centers = active_centers()
    slug = request.COOKIES.get(CENTER_COOKIE)
    return (slug and centers.filter(slug=slug).first()) or centers.first()
