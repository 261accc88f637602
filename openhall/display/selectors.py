"""The lobby screen's picture of a center, built once per change and sent to every screen of
that center. Public facts only: rooms, times, titles of organised events, counts — never who
booked (a resident's own booking shows its purpose, not its title)."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.bookings.models import Booking
from openhall.bookings.selectors import HELD, local_day_bounds, public_title
from openhall.civic import selectors as ledger
from openhall.core.models import Center
from openhall.display import sources
from openhall.venues.rules import center_setup, space_ancestry
from openhall.venues.selectors import CenterToday, center_today

CHART_DAYS = 30


def _hhmm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def bookings_today(center: Center, day: date) -> list[Booking]:
    start, end = local_day_bounds(day)
    return list(
        Booking.objects.filter(center=center, status__in=HELD, start__lt=end, end__gt=start)
        .select_related("space")
        .only(
            "pk",
            "space__name",
            "space__parent_id",
            "space_id",
            "start",
            "end",
            "title",
            "purpose",
            "team_id",
            "enterprise_id",
            "booker_id",
            "status",
        )
        .order_by("start", "pk")
    )


NEXT_DAYS = 7  # a room free today still shows its next use this week


def _coming(center: Center, now: datetime) -> list[Booking]:
    """Held bookings starting within NEXT_DAYS, earliest first (one query, on (center, start))."""
    return list(
        Booking.objects.filter(
            center=center, status__in=HELD, start__gt=now, start__lt=now + timedelta(days=NEXT_DAYS)
        )
        .only(
            "pk",
            "space_id",
            "start",
            "end",
            "title",
            "purpose",
            "team_id",
            "enterprise_id",
            "booker_id",
        )
        .order_by("start", "pk")
    )


def _next(booking: Booking | None, today: date) -> dict | None:
    if booking is None:
        return None
    day = timezone.localtime(booking.start).date()
    return {
        "date": "" if day == today else f"{day:%-m月%-d日}",
        "start": _hhmm(booking.start),
        "end": _hhmm(booking.end),
        "title": public_title(booking),
    }


def _space_rows(center: Center, now: datetime, bookings: list[Booking], closed: bool) -> list:
    setup = center_setup(center.pk)
    coming = _coming(center, now)
    today = timezone.localtime(now).date()
    units_of = {pk: {leaf.pk for leaf in leaves} for pk, leaves in setup.leaves.items()}
    rows = []
    for space in sorted(setup.spaces.values(), key=lambda s: (s.parent_id or s.pk, s.pk)):
        if not space.is_bookable and not setup.children.get(space.pk):
            continue
        mine = [b for b in bookings if units_of.get(b.space_id, set()) & units_of[space.pk]]
        family = {s.pk for s in space_ancestry(space, setup)}
        shut = closed or any(
            c.start <= now < c.end and (c.space_id is None or c.space_id in family)
            for c in setup.closures
        )
        current = next((b for b in mine if b.start <= now < b.end), None)
        upcoming = next(
            (b for b in coming if units_of.get(b.space_id, set()) & units_of[space.pk]), None
        )
        state = "closed" if shut else "in_use" if current else "free"
        rows.append(
            {
                "id": space.pk,
                "name": space.name,
                "zone_of": setup.spaces[space.parent_id].name if space.parent_id else "",
                "state": state,
                "now": public_title(current) if current else "",
                "next": _next(upcoming, today),
            }
        )
    return rows


def _schedule(center: Center, day: date, bookings: list[Booking]) -> list[dict]:
    items: list[dict[str, Any]] = [
        {
            "start": b.start,
            "end": b.end,
            "title": public_title(b),
            "place": b.space.name,
            "kind": "booking",
        }
        for b in bookings
    ]
    for source in sources.schedule_sources():
        items.extend(source(center, day))
    items.sort(key=lambda item: (item["start"], item["title"]))
    return [{**item, "start": _hhmm(item["start"]), "end": _hhmm(item["end"])} for item in items]


def _chart(center: Center, today: date) -> dict:
    since = today - timedelta(days=CHART_DAYS - 1)
    start, _end = local_day_bounds(since)
    booked = dict(
        Booking.objects.filter(
            center=center, status__in=HELD, start__gte=start, start__lt=local_day_bounds(today)[1]
        )
        .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    services = ledger.by_day([center.pk], since, today)
    return {
        "days": [f"{d:%-m/%-d}" for d, _n in services],
        "bookings": [booked.get(d, 0) for d, _n in services],
        "services": [n for _d, n in services],
    }


def closed_for_the_day(status: CenterToday, now: datetime) -> bool:
    """The center will not open again today: a closed weekday, or past today's closing time.
    (Before opening in the morning it is only "closed now".)"""
    if status.state == "closed_today":
        return True
    return (
        status.state == "closed_now"
        and status.hours is not None
        and timezone.localtime(now).time() >= status.hours.closes
    )


def snapshot(center_id: int, now: datetime | None = None) -> dict:
    from openhall.news.selectors import published

    now = now or timezone.now()
    center = Center.objects.get(pk=center_id)
    today = timezone.localtime(now).date()
    bookings = bookings_today(center, today)
    status = center_today(center=center, now=now)
    checked_in = sum(1 for b in bookings if b.status != Booking.Status.APPROVED and b.start <= now)
    figures = [
        {"key": "bookings", "label": _("Bookings today"), "value": len(bookings)},
        {"key": "checked_in", "label": _("Checked in"), "value": checked_in},
        {
            "key": "services",
            "label": _("Services today"),
            "value": ledger.totals([center.pk], today, today)["services"],
        },
    ]
    figures += [
        {"key": c.key, "label": str(c.label), "value": c.count(center, today)}
        for c in sources.counters()
    ]
    return {
        "center": center.name,
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "status": status.state,
        # The screen then says 今日已闭馆 once and shows each room's next use, instead of
        # 暂停开放 on every room.
        "closed_for_the_day": closed_for_the_day(status, now),
        "spaces": _space_rows(center, now, bookings, closed=status.state.startswith("clos")),
        "schedule": _schedule(center, today, bookings),
        "today": figures,
        "ledger": ledger.counters(center.pk, today),
        # Named by staff (typed text): the page carries them in json_script, the JS sets text.
        "service_counters": ledger.counter_figures(center, today),
        "notices": [a.title for a in published(center=center)[:5]],
        "chart": _chart(center, today),
    }
