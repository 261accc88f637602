"""Statistics of one center's bookings over local days [since_day, until_day], both included.

Every figure is computed from the booking records themselves, never from stored counters.

Bookings that cross an edge of the range: their hours are clipped to the range, and they are
counted (as a booking, a no-show …) in the range where they start. So the figures of two
consecutive ranges add up to the figures of both together — a quarter is the sum of its months.

Python over a bounded queryset: a month or a quarter of one center is a few thousand rows.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from openhall.bookings.models import Booking
from openhall.bookings.selectors import local_day_bounds
from openhall.core.models import Center
from openhall.venues.models import OpeningHours, Purpose, Space
from openhall.venues.rules import MAX_CLAIM_MINUTES

# Hours that were actually held for use. Requests never decided and cancellations are not use;
# a no-show held the room but is reported by its own rate.
BOOKED = (Booking.Status.APPROVED, Booking.Status.CHECKED_IN, Booking.Status.COMPLETED)
SHOWED_UP = (Booking.Status.CHECKED_IN, Booking.Status.COMPLETED)
HOUR = timedelta(hours=1)
# Statistics and reports open on the last 30 days and the next 30: a center that started this
# week, or on the 1st of a month, sees its bookings (the coming ones too) instead of zeros.
AROUND_TODAY = timedelta(days=30)


def default_range(today: date) -> tuple[date, date]:
    return today - AROUND_TODAY, today + AROUND_TODAY


@dataclass(frozen=True)
class DateRange:
    since_day: date
    until_day: date
    start: datetime  # local midnight opening since_day
    end: datetime  # local midnight closing until_day

    @classmethod
    def of(cls, since_day: date, until_day: date) -> "DateRange":
        if until_day < since_day:
            raise ValueError(f"range ends ({until_day}) before it starts ({since_day})")
        return cls(
            since_day, until_day, local_day_bounds(since_day)[0], local_day_bounds(until_day)[1]
        )

    def days(self) -> Iterator[date]:
        day = self.since_day
        while day <= self.until_day:
            yield day
            day += timedelta(days=1)

    def clip(self, booking: Booking) -> tuple[datetime, datetime] | None:
        start, end = max(booking.start, self.start), min(booking.end, self.end)
        return (start, end) if start < end else None

    def starts_inside(self, booking: Booking) -> bool:
        return self.start <= booking.start < self.end


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _bookings(center: Center, span: DateRange, statuses: tuple[str, ...]) -> QuerySet[Booking]:
    # No booking is longer than MAX_CLAIM_MINUTES (venues.rules), which bounds the scan of the
    # (center, start) index on both sides instead of reading the center's whole history.
    return Booking.objects.filter(
        center=center,
        status__in=statuses,
        start__gte=span.start - timedelta(minutes=MAX_CLAIM_MINUTES),
        start__lt=span.end,
        end__gt=span.start,
    ).order_by("start", "pk")


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def _by_local_day(start: datetime, end: datetime) -> Iterator[tuple[date, datetime, datetime]]:
    """[start, end) cut at local midnights: (day, start, end) per local day it touches."""
    while start < end:
        day = timezone.localdate(start)
        piece_end = min(end, local_day_bounds(day)[1])
        yield day, start, piece_end
        start = piece_end


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> timedelta:
    return max(timedelta(0), min(a_end, b_end) - max(a_start, b_start))


def _opening_hours(center: Center) -> dict[int, OpeningHours]:
    return {h.weekday: h for h in OpeningHours.objects.filter(center=center)}


def open_hours(*, center: Center, since_day: date, until_day: date) -> float:
    """Hours the center is open in the range; around the clock if it has set no hours, as the
    booking rules treat it."""
    span = DateRange.of(since_day, until_day)
    hours = _opening_hours(center)
    if not hours:
        return _hours(span.end - span.start)
    total = timedelta(0)
    for day in span.days():
        today = hours.get(day.weekday())
        if today is not None:
            total += _at(day, today.closes) - _at(day, today.opens)
    return _hours(total)


def _space_order(space: Space) -> tuple:
    """A room, then its zones, in the order the center set."""
    room = space.parent or space
    return (room.sort_order, room.pk, space.parent_id is not None, space.sort_order, space.pk)


def utilisation(*, center: Center, since_day: date, until_day: date) -> list[dict]:
    """Per space: bookings, booked hours, open hours and their ratio.

    A booking counts for the space it was made for: a room booked whole counts for the room,
    not again for each of its zones, so the rows add up to the center's total. The ratio can
    exceed 1 when staff booked outside opening hours.
    """
    span = DateRange.of(since_day, until_day)
    opened = open_hours(center=center, since_day=since_day, until_day=until_day)
    booked: dict[int, timedelta] = {}
    counts: dict[int, int] = {}
    for booking in _bookings(center, span, BOOKED):
        clipped = span.clip(booking)
        if clipped is not None:
            booked[booking.space_id] = booked.get(booking.space_id, timedelta(0)) + (
                clipped[1] - clipped[0]
            )
        if span.starts_inside(booking):
            counts[booking.space_id] = counts.get(booking.space_id, 0) + 1
    # A space no longer bookable keeps its row while it has use in the range: hours must not
    # vanish from a report because a setting changed afterwards.
    spaces = Space.objects.filter(center=center).select_related("parent")
    rows = []
    for space in sorted(spaces, key=_space_order):
        if not space.is_bookable and space.pk not in booked and space.pk not in counts:
            continue
        hours = _hours(booked.get(space.pk, timedelta(0)))
        rows.append(
            {
                "space": space,
                "name": str(space),
                "bookings": counts.get(space.pk, 0),
                "booked_hours": hours,
                "open_hours": opened,
                "utilisation": hours / opened if opened else 0.0,
            }
        )
    return rows


def by_hour(*, center: Center, since_day: date, until_day: date) -> dict[int, float]:
    """Booked hours per local hour of the day, 0..23: one row of a heat map."""
    span = DateRange.of(since_day, until_day)
    buckets = dict.fromkeys(range(24), 0.0)
    for booking in _bookings(center, span, BOOKED):
        clipped = span.clip(booking)
        if clipped is None:
            continue
        cursor, end = clipped
        while cursor < end:
            local = timezone.localtime(cursor)
            # Step to the next local hour boundary in absolute time, so the walk stays right
            # in zones whose offset is not a whole number of hours.
            to_next_hour = HOUR - timedelta(
                minutes=local.minute, seconds=local.second, microseconds=local.microsecond
            )
            step_end = min(end, cursor + to_next_hour)
            buckets[local.hour] += _hours(step_end - cursor)
            cursor = step_end
    return buckets


def by_purpose(*, center: Center, since_day: date, until_day: date) -> dict[str, dict]:
    """{purpose code: {"count": bookings starting in the range, "hours": booked hours}}, with
    every purpose present so tables and charts keep their shape."""
    span = DateRange.of(since_day, until_day)
    result: dict[str, dict] = {code: {"count": 0, "hours": 0.0} for code in Purpose.values}
    for booking in _bookings(center, span, BOOKED):
        row = result.setdefault(booking.purpose, {"count": 0, "hours": 0.0})
        clipped = span.clip(booking)
        if clipped is not None:
            row["hours"] += _hours(clipped[1] - clipped[0])
        if span.starts_inside(booking):
            row["count"] += 1
    return result


def unstaffed_share(*, center: Center, since_day: date, until_day: date) -> float:
    """The share of booked hours with no staff present: outside OpeningHours.staffed_from–
    staffed_until of that weekday. A day without staffed hours (or without opening hours at
    all) is wholly unstaffed, the same reading as the booking rules."""
    span = DateRange.of(since_day, until_day)
    hours = _opening_hours(center)
    total = unstaffed = timedelta(0)
    for booking in _bookings(center, span, BOOKED):
        clipped = span.clip(booking)
        if clipped is None:
            continue
        for day, start, end in _by_local_day(*clipped):
            total += end - start
            today = hours.get(day.weekday())
            staffed = timedelta(0)
            if (
                today is not None
                and today.staffed_from is not None
                and today.staffed_until is not None
            ):
                staffed = _overlap(
                    start, end, _at(day, today.staffed_from), _at(day, today.staffed_until)
                )
            unstaffed += end - start - staffed
    return unstaffed / total if total else 0.0


def no_show_rate(*, center: Center, since_day: date, until_day: date) -> float:
    """No-shows among bookings whose time has come and gone: no_show / (no_show + checked in +
    completed), by start in the range."""
    span = DateRange.of(since_day, until_day)
    no_shows = attended = 0
    for booking in _bookings(center, span, (Booking.Status.NO_SHOW, *SHOWED_UP)):
        if not span.starts_inside(booking):
            continue
        if booking.status == Booking.Status.NO_SHOW:
            no_shows += 1
        else:
            attended += 1
    return no_shows / (no_shows + attended) if no_shows + attended else 0.0
