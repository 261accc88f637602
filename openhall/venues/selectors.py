from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from openhall.core.models import Center
from openhall.venues.models import OpeningHours, Space
from openhall.venues.rules import center_setup


def space_tree(*, center: Center) -> QuerySet[Space]:
    """The center's rooms, each with its zones prefetched, in display order."""
    return (
        Space.objects.filter(center=center, parent__isnull=True)
        .prefetch_related(
            Prefetch("children", queryset=Space.objects.order_by("sort_order", "name"))
        )
        .order_by("sort_order", "name")
    )


@dataclass(frozen=True)
class CenterToday:
    """What the H5 home page and the lobby screen say about the center right now."""

    # "open" (no hours set: open around the clock) | "staffed" | "unstaffed" | "closed_now" |
    # "closed_today" | "closure"
    state: str
    hours: OpeningHours | None  # today's opening hours, None when closed all day
    closure_reason: str = ""


def center_today(*, center: Center, now: datetime | None = None) -> CenterToday:
    """Open now? Staffed? Read from the cached center setup (no query beyond its token)."""
    now = timezone.localtime(now or timezone.now())
    setup = center_setup(center.pk)
    for closure in setup.closures:
        if closure.space_id is None and closure.start <= now < closure.end:
            return CenterToday("closure", setup.hours.get(now.weekday()), closure.reason)
    if not setup.hours:
        return CenterToday("open", None)  # as the booking rules read it
    hours = setup.hours.get(now.weekday())
    if hours is None:
        return CenterToday("closed_today", None)
    moment = now.time()
    if not hours.opens <= moment < hours.closes:
        return CenterToday("closed_now", hours)
    staffed = (
        hours.staffed_from is not None
        and hours.staffed_until is not None
        and hours.staffed_from <= moment < hours.staffed_until
    )
    return CenterToday("staffed" if staffed else "unstaffed", hours)
