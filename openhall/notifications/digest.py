"""The weekly figures digest: what the center did last week, in a few lines residents read in
WeChat. Staff get it pre-filled on the broadcasts page, check it, and send it (a preview first,
like every broadcast).

Each source of figures registers one function `(center, since_day, until_day) -> str | None`
returning a line, or None when it has nothing to say; bookings are built in, and apps that
land later (activities, the service ledger, door entries) add theirs with `register_figure`.
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.core.models import Center

FigureLine = Callable[[Center, date, date], str | None]
_figures: list[FigureLine] = []


def register_figure(line: FigureLine) -> None:
    if line not in _figures:
        _figures.append(line)


def last_week(today: date) -> tuple[date, date]:
    """Monday–Sunday of the last full week before `today`."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def booking_figures(center: Center, since_day: date, until_day: date) -> str | None:
    from openhall.bookings import stats
    from openhall.bookings.models import Booking

    span = stats.DateRange.of(since_day, until_day)
    held = Booking.objects.filter(
        center=center, status__in=stats.BOOKED, start__gte=span.start, start__lt=span.end
    )
    count = held.count()
    if not count:
        return None
    hours = sum(
        row["hours"]
        for row in stats.by_purpose(
            center=center, since_day=since_day, until_day=until_day
        ).values()
    )
    people = held.aggregate(n=Sum("attendees"))["n"] or 0
    return _("Rooms were used %(count)d times for %(hours)s hours by %(people)d people.") % {
        "count": count,
        "hours": f"{hours:g}",
        "people": people,
    }


register_figure(booking_figures)


def weekly_digest(*, center: Center, today: date | None = None) -> dict[str, str]:
    """Title (≤ 20 characters, WeChat's limit) and text of last week's digest."""
    since_day, until_day = last_week(today or timezone.localdate())
    lines = [line for figure in _figures if (line := figure(center, since_day, until_day))]
    if not lines:
        lines = [_("A quiet week: nothing was booked or held. Come and use the center!")]
    period = f"{since_day:%-m.%-d}–{until_day:%-m.%-d}"
    return {
        "title": _("Last week at the center %(period)s") % {"period": period},
        "body": "\n".join(
            [_("%(center)s, %(period)s:") % {"center": center.name, "period": period}, *lines]
        ),
    }
