"""Reads for bookings: availability, free-space search, lists, the day calendar, statistics."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from openhall.bookings.models import Booking, BookingClaim
from openhall.bookings.services import overlapping_claims
from openhall.core.models import Center
from openhall.venues.models import Purpose, Space
from openhall.venues.rules import center_setup, leaf_units
from openhall.venues.selectors import space_tree

# Bookings that hold their space: what the public (lobby screen, a room's calendar feed) sees.
HELD = (Booking.Status.APPROVED, Booking.Status.CHECKED_IN, Booking.Status.COMPLETED)


def public_title(booking: Booking) -> str:
    """What a booking is called where anyone may read it. Teams, enterprises and staff book
    under their own name; a resident's title may carry a name, a phone number or an illness,
    so the public sees what it is for instead."""
    if booking.team_id or booking.enterprise_id or booking.booker_id is None:
        return booking.title
    return str(Purpose(booking.purpose).label) if booking.purpose in Purpose.values else ""


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def opening_window(center: Center, day: date) -> Interval | None:
    """The part of `day` the center is open (all day if it has set no hours)."""
    hours = list(center_setup(center.pk).hours.values())
    day_start, day_end = local_day_bounds(day)
    if not hours:
        return Interval(day_start, day_end)
    today = next((h for h in hours if h.weekday == day.weekday()), None)
    if today is None:
        return None
    return Interval(
        timezone.make_aware(datetime.combine(day, today.opens)),
        timezone.make_aware(datetime.combine(day, today.closes)),
    )


def merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged


def availability(*, space: Space, day: date) -> dict:
    """Taken and free intervals of `space` on a local day, within opening hours.

    A whole room is taken when any of its zones is; buffers count as taken.
    """
    day_start, day_end = local_day_bounds(day)
    window = opening_window(space.center, day)
    units = [u.pk for u in leaf_units(space)]
    claims = overlapping_claims(unit_ids=units, start=day_start, end=day_end).values_list(
        "start", "end"
    )
    taken = merge([Interval(max(s, day_start), min(e, day_end)) for s, e in claims])
    free: list[Interval] = []
    if window is not None:
        cursor = window.start
        for interval in taken:
            if interval.start > cursor:
                free.append(Interval(cursor, min(interval.start, window.end)))
            cursor = max(cursor, interval.end)
            if cursor >= window.end:
                break
        if cursor < window.end:
            free.append(Interval(cursor, window.end))
        free = [f for f in free if f.start < f.end]
    return {"space": space, "day": day, "open": window, "taken": taken, "free": free}


def free_spaces(
    *, center: Center, start: datetime, end: datetime, attendees: int = 0
) -> list[Space]:
    """Every bookable space with nothing booked over [start, end) (time first, then the room)."""
    setup = center_setup(center.pk)
    # A subquery, not a list of ids: a center's units go to the database as one join however
    # many rooms it has, and the (unit, start) index is probed once per unit.
    units = Space.objects.filter(center_id=center.pk).values("pk")
    busy = set(
        overlapping_claims(unit_ids=units, start=start, end=end).values_list("unit_id", flat=True)
    )
    spaces = sorted(
        (s for s in setup.spaces.values() if s.is_bookable), key=lambda s: (s.sort_order, s.pk)
    )
    return [
        s
        for s in spaces
        if busy.isdisjoint(u.pk for u in setup.leaves[s.pk])
        and (not attendees or not s.capacity or s.capacity >= attendees)
    ]


def bookings_for(
    *,
    centers: QuerySet[Center] | None = None,
    booker=None,
    space_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str = "",
) -> QuerySet[Booking]:
    bookings = Booking.objects.select_related("space", "space__parent", "booker", "team", "center")
    if centers is not None:
        bookings = bookings.filter(center__in=centers)
    if booker is not None:
        bookings = bookings.filter(booker=booker)
    if space_id:
        bookings = bookings.filter(Q(space_id=space_id) | Q(space__parent_id=space_id))
    if since:
        bookings = bookings.filter(end__gt=since)
    if until:
        bookings = bookings.filter(start__lt=until)
    if status:
        bookings = bookings.filter(status__in=status.split(","))
    return bookings.order_by("start", "pk")


def pending_approvals(*, center: Center) -> QuerySet[Booking]:
    return bookings_for(
        centers=Center.objects.filter(pk=center.pk), status=Booking.Status.REQUESTED
    ).filter(start__gt=timezone.now())


def day_calendar(*, center: Center, day: date) -> list[dict]:
    """Rows of the staff day calendar: each space with its bookings that day."""
    day_start, day_end = local_day_bounds(day)
    bookings = list(
        bookings_for(
            centers=Center.objects.filter(pk=center.pk), since=day_start, until=day_end
        ).filter(status__in=[*Booking.LIVE, Booking.Status.COMPLETED, Booking.Status.NO_SHOW])
    )
    rows = []
    for room in space_tree(center=center):  # each room followed by its zones
        for space in (room, *room.children.all()):
            rows.append(
                {"space": space, "bookings": [b for b in bookings if b.space_id == space.pk]}
            )
    return rows


def week_calendar(*, center: Center, monday: date) -> list[dict]:
    """Rows of the staff week calendar: each space with its bookings on each of seven days."""
    week_start, _ = local_day_bounds(monday)
    _, week_end = local_day_bounds(monday + timedelta(days=6))
    bookings = list(
        bookings_for(centers=Center.objects.filter(pk=center.pk), since=week_start, until=week_end)
        .filter(status__in=[*Booking.LIVE, Booking.Status.COMPLETED, Booking.Status.NO_SHOW])
        .order_by("start")
    )
    rows = []
    for room in space_tree(center=center):
        for space in (room, *room.children.all()):
            days: list[list[Booking]] = [[] for _ in range(7)]
            for booking in bookings:
                if booking.space_id == space.pk:
                    offset = (timezone.localtime(booking.start).date() - monday).days
                    days[min(max(offset, 0), 6)].append(booking)
            rows.append({"space": space, "days": days})
    return rows


def claims_between(*, center: Center, since: datetime, until: datetime) -> QuerySet[BookingClaim]:
    return BookingClaim.objects.filter(
        unit__center=center, live=True, start__lt=until, end__gt=since
    )
