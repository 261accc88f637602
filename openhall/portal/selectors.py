from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from openhall.core.models import Center

CENTER_COOKIE = "center"


@dataclass(frozen=True)
class ServiceEntry:
    name: str | Promise
    icon: str
    url: str | None  # None: not open yet, shown greyed out rather than as a broken link


def service_entries() -> list[ServiceEntry]:
    # Each entry gets its URL when its app lands (booking, activities, civic services …).
    return [
        ServiceEntry(_("Book a room"), "▦", reverse("portal:book")),
        ServiceEntry(_("My bookings"), "✓", reverse("portal:my_bookings")),
        ServiceEntry(_("Activities"), "★", None),
        ServiceEntry(_("Report an issue"), "✎", None),
        ServiceEntry(_("Ask us"), "?", None),
        ServiceEntry(_("Enterprise board"), "⌘", None),
        ServiceEntry(_("Notices"), "✉", reverse("news:column", args=["notices"])),
        ServiceEntry(_("How-to guides"), "☰", reverse("news:column", args=["guides"])),
    ]


def active_centers():
    return Center.objects.filter(is_active=True).select_related("street").order_by("id")


def current_center(request: HttpRequest) -> Center | None:
    """The center the resident chose (cookie), else the first one: most deployments run one."""
    centers = active_centers()
    slug = request.COOKIES.get(CENTER_COOKIE)
    return (slug and centers.filter(slug=slug).first()) or centers.first()
