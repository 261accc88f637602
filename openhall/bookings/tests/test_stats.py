"""Center statistics: the figures the center and the street office read, computed from records.

The week used throughout: Monday 2025-03-03 … Sunday 2025-03-09, Asia/Shanghai.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhall import factories
from openhall.bookings import stats
from openhall.bookings.models import Booking
from openhall.venues.models import OpeningHours

S = Booking.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2025, 3, 3)
FRIDAY, SATURDAY, SUNDAY = MONDAY + timedelta(4), MONDAY + timedelta(5), MONDAY + timedelta(6)


def on(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def book(space, start: datetime, end: datetime, status: str = S.APPROVED, **fields) -> Booking:
    # Statistics read bookings, not claims; overlapping test bookings must not trip the
    # PostgreSQL exclusion constraint on claims.
    return factories.BookingFactory(
        center=space.center,
        space=space,
        start=start,
        end=end,
        status=status,
        claims=False,
        **fields,
    )


def week_of_hours(center, *, weekend: bool = True) -> None:
    """Open 08:00–21:00 on weekdays with staff 09:00–17:00; Saturday open 09:00–17:00 with
    nobody on duty; closed on Sunday."""
    for weekday in range(5):
        OpeningHours.objects.create(
            center=center,
            weekday=weekday,
            opens=time(8),
            closes=time(21),
            staffed_from=time(9),
            staffed_until=time(17),
        )
    if weekend:
        OpeningHours.objects.create(center=center, weekday=5, opens=time(9), closes=time(17))


def row_of(rows: list[dict], space) -> dict:
    return next(r for r in rows if r["space"] == space)


# --- utilisation -------------------------------------------------------------------------------


def test_utilisation_counts_only_the_hours_inside_the_range(center_a, dance_room):
    # 22:00 Monday to 02:00 Tuesday: two hours on each side of midnight
    book(dance_room, on(MONDAY, 22), on(MONDAY + timedelta(1), 2))

    monday = row_of(
        stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY), dance_room
    )
    tuesday = row_of(
        stats.utilisation(
            center=center_a, since_day=MONDAY + timedelta(1), until_day=MONDAY + timedelta(1)
        ),
        dance_room,
    )

    assert monday["booked_hours"] == pytest.approx(2)
    assert tuesday["booked_hours"] == pytest.approx(2)
    # counted once, on the day it starts
    assert (monday["bookings"], tuesday["bookings"]) == (1, 0)


def test_consecutive_ranges_add_up_to_the_range_they_cover(center_a, dance_room):
    book(dance_room, on(MONDAY, 9), on(MONDAY, 11))
    book(dance_room, on(MONDAY + timedelta(2), 23), on(MONDAY + timedelta(3), 1))
    book(dance_room, on(FRIDAY, 20), on(FRIDAY, 23))

    def figures(since_day, until_day):
        row = row_of(
            stats.utilisation(center=center_a, since_day=since_day, until_day=until_day),
            dance_room,
        )
        return row["bookings"], row["booked_hours"]

    first = figures(MONDAY, MONDAY + timedelta(2))
    second = figures(MONDAY + timedelta(3), SUNDAY)
    whole = figures(MONDAY, SUNDAY)
    assert (first[0] + second[0], first[1] + second[1]) == (whole[0], pytest.approx(whole[1]))
    assert whole == (3, pytest.approx(7))


def test_a_center_without_opening_hours_is_open_around_the_clock(center_a, dance_room):
    book(dance_room, on(MONDAY, 9), on(MONDAY, 15))
    row = row_of(stats.utilisation(center=center_a, since_day=MONDAY, until_day=SUNDAY), dance_room)
    assert row["open_hours"] == pytest.approx(7 * 24)
    assert row["utilisation"] == pytest.approx(6 / (7 * 24))


def test_utilisation_is_booked_hours_over_opening_hours(center_a, dance_room):
    week_of_hours(center_a)
    book(dance_room, on(MONDAY, 9), on(MONDAY, 13))
    book(dance_room, on(SATURDAY, 9), on(SATURDAY, 15))
    row = row_of(stats.utilisation(center=center_a, since_day=MONDAY, until_day=SUNDAY), dance_room)
    assert row["open_hours"] == pytest.approx(5 * 13 + 8)
    assert row["booked_hours"] == pytest.approx(10)
    assert row["utilisation"] == pytest.approx(10 / 73)
    assert row["bookings"] == 2


def test_utilisation_is_zero_when_the_center_is_closed_all_range(center_a, dance_room):
    week_of_hours(center_a, weekend=False)
    book(dance_room, on(SUNDAY, 10), on(SUNDAY, 12))  # staff may still book a closed day
    row = row_of(stats.utilisation(center=center_a, since_day=SUNDAY, until_day=SUNDAY), dance_room)
    assert (row["open_hours"], row["utilisation"]) == (0, 0)
    assert row["booked_hours"] == pytest.approx(2)


@pytest.mark.parametrize("status", [S.REQUESTED, S.CANCELLED, S.REJECTED, S.NO_SHOW])
def test_bookings_that_were_not_used_add_no_hours(center_a, dance_room, status):
    book(dance_room, on(MONDAY, 9), on(MONDAY, 11), status=status)
    row = row_of(stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY), dance_room)
    assert (row["bookings"], row["booked_hours"]) == (0, 0)


@pytest.mark.parametrize("status", [S.APPROVED, S.CHECKED_IN, S.COMPLETED])
def test_approved_checked_in_and_completed_bookings_add_their_hours(center_a, dance_room, status):
    book(dance_room, on(MONDAY, 9), on(MONDAY, 11), status=status)
    row = row_of(stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY), dance_room)
    assert (row["bookings"], row["booked_hours"]) == (1, pytest.approx(2))


def test_a_room_booked_whole_counts_for_the_room_and_not_again_for_its_zones(
    center_a, multimedia, dance_room
):
    room, zone_a, zone_b = multimedia
    book(room, on(MONDAY, 9), on(MONDAY, 12))
    book(zone_a, on(MONDAY, 14), on(MONDAY, 15))
    rows = stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY)
    assert [(r["name"], r["booked_hours"]) for r in rows] == [
        ("多媒体活动室", pytest.approx(3)),
        ("多媒体活动室 · A区", pytest.approx(1)),
        ("多媒体活动室 · B区", 0),
        ("舞蹈教室", 0),
    ]


def test_a_space_no_longer_bookable_keeps_the_hours_it_was_used(center_a, dance_room):
    closed = factories.SpaceFactory(center=center_a, name="旧会议室", is_bookable=False)
    never_used = factories.SpaceFactory(center=center_a, name="储藏室", is_bookable=False)
    book(closed, on(MONDAY, 9), on(MONDAY, 11))
    rows = stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY)
    assert row_of(rows, closed)["booked_hours"] == pytest.approx(2)
    assert never_used not in [r["space"] for r in rows]


def test_another_centers_bookings_are_not_counted(center_a, center_b, dance_room):
    book(factories.SpaceFactory(center=center_b), on(MONDAY, 9), on(MONDAY, 11))
    rows = stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY)
    assert {r["space"] for r in rows} == {dance_room}
    assert stats.by_hour(center=center_a, since_day=MONDAY, until_day=MONDAY)[9] == 0


def test_a_range_that_ends_before_it_starts_is_refused(center_a):
    with pytest.raises(ValueError):
        stats.utilisation(center=center_a, since_day=SUNDAY, until_day=MONDAY)


# --- hours of the day, purposes ----------------------------------------------------------------


def test_by_hour_spreads_a_booking_over_the_local_hours_it_covers(center_a, dance_room):
    book(dance_room, on(MONDAY, 9, 30), on(MONDAY, 11, 15))
    book(dance_room, on(MONDAY, 23), on(MONDAY + timedelta(1), 1))
    hours = stats.by_hour(center=center_a, since_day=MONDAY, until_day=MONDAY)
    assert sorted(hours) == list(range(24))
    assert {h: v for h, v in hours.items() if v} == {
        9: pytest.approx(0.5),
        10: pytest.approx(1),
        11: pytest.approx(0.25),
        23: pytest.approx(1),  # the hour after midnight belongs to Tuesday
    }


def test_by_purpose_counts_bookings_and_hours_per_purpose(center_a, dance_room):
    book(dance_room, on(MONDAY, 9), on(MONDAY, 11), purpose="team")
    book(dance_room, on(MONDAY, 14), on(MONDAY, 17), purpose="team")
    book(dance_room, on(MONDAY, 19), on(MONDAY, 20), purpose="paid_course")
    book(dance_room, on(MONDAY, 20), on(MONDAY, 21), purpose="paid_course", status=S.CANCELLED)
    purposes = stats.by_purpose(center=center_a, since_day=MONDAY, until_day=MONDAY)
    assert purposes["team"] == {"count": 2, "hours": pytest.approx(5)}
    assert purposes["paid_course"] == {"count": 1, "hours": pytest.approx(1)}
    assert purposes["meeting"] == {"count": 0, "hours": 0}


# --- staffed and unstaffed use -----------------------------------------------------------------


def test_evening_use_counts_as_unstaffed(center_a, dance_room):
    week_of_hours(center_a)
    book(dance_room, on(MONDAY, 16), on(MONDAY, 20))  # one staffed hour, three in the evening
    assert stats.unstaffed_share(
        center=center_a, since_day=MONDAY, until_day=MONDAY
    ) == pytest.approx(0.75)


def test_daytime_use_on_a_weekday_is_staffed(center_a, dance_room):
    week_of_hours(center_a)
    book(dance_room, on(MONDAY, 9), on(MONDAY, 17))
    assert stats.unstaffed_share(center=center_a, since_day=MONDAY, until_day=MONDAY) == 0


def test_a_day_without_staffed_hours_counts_wholly_unstaffed(center_a, dance_room):
    week_of_hours(center_a)
    book(dance_room, on(MONDAY, 10), on(MONDAY, 12))
    book(dance_room, on(SATURDAY, 10), on(SATURDAY, 12))  # open, but nobody on duty
    book(dance_room, on(SUNDAY, 10), on(SUNDAY, 12))  # no opening hours at all
    assert stats.unstaffed_share(
        center=center_a, since_day=MONDAY, until_day=SUNDAY
    ) == pytest.approx(4 / 6)


def test_unstaffed_share_is_zero_when_nothing_was_booked(center_a):
    assert stats.unstaffed_share(center=center_a, since_day=MONDAY, until_day=SUNDAY) == 0


# --- no-shows ----------------------------------------------------------------------------------


def test_the_no_show_rate_is_no_shows_among_bookings_that_came_due(center_a, dance_room):
    book(dance_room, on(MONDAY, 8), on(MONDAY, 9), status=S.NO_SHOW)
    book(dance_room, on(MONDAY, 9), on(MONDAY, 10), status=S.CHECKED_IN)
    book(dance_room, on(MONDAY, 10), on(MONDAY, 11), status=S.COMPLETED)
    book(dance_room, on(MONDAY, 11), on(MONDAY, 12), status=S.APPROVED)  # not yet due
    book(dance_room, on(MONDAY, 12), on(MONDAY, 13), status=S.CANCELLED)
    # a no-show of the day before, ending inside the range, belongs to that day
    book(dance_room, on(SUNDAY - timedelta(7), 23), on(MONDAY, 1), status=S.NO_SHOW)
    assert stats.no_show_rate(center=center_a, since_day=MONDAY, until_day=MONDAY) == (
        pytest.approx(1 / 3)
    )


def test_the_no_show_rate_is_zero_without_bookings(center_a):
    assert stats.no_show_rate(center=center_a, since_day=MONDAY, until_day=SUNDAY) == 0


# --- against a brute-force model ---------------------------------------------------------------

QUARTER = timedelta(minutes=15)
MODEL_START = on(MONDAY + timedelta(3), 0)  # Thursday; the range is Friday and Saturday
bookings = st.lists(
    st.tuples(
        st.integers(0, 4 * 24 * 4 - 1),  # start, in quarter hours from Thursday 00:00
        st.integers(1, 8 * 4),  # length, in quarter hours
        st.sampled_from(list(S)),
        st.sampled_from(["team", "meeting"]),
    ),
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bookings=bookings)
def test_the_figures_match_a_quarter_hour_by_quarter_hour_count(
    center_a, dance_room, alice, bookings
):
    Booking.objects.all().delete()
    if not OpeningHours.objects.filter(center=center_a).exists():
        week_of_hours(center_a)
    booked = unstaffed = 0.0
    hours = dict.fromkeys(range(24), 0.0)
    purposes = {"team": [0, 0.0], "meeting": [0, 0.0]}
    no_shows = attended = 0
    for start_q, length_q, status, purpose in bookings:
        start = MODEL_START + start_q * QUARTER
        end = start + length_q * QUARTER
        # one booker for all: a new user per booking would hash a password each time
        book(dance_room, start, end, status=status, purpose=purpose, booker=alice)
        starts_inside = FRIDAY <= start.date() <= SATURDAY
        no_shows += starts_inside and status == S.NO_SHOW
        attended += starts_inside and status in (S.CHECKED_IN, S.COMPLETED)
        if status not in (S.APPROVED, S.CHECKED_IN, S.COMPLETED):
            continue
        purposes[purpose][0] += starts_inside
        for q in range(start_q, start_q + length_q):
            moment = MODEL_START + q * QUARTER
            if not FRIDAY <= moment.date() <= SATURDAY:
                continue
            booked += 0.25
            hours[moment.hour] += 0.25
            purposes[purpose][1] += 0.25
            unstaffed += 0.25 * (moment.weekday() == 5 or not 9 <= moment.hour < 17)

    window = {"center": center_a, "since_day": FRIDAY, "until_day": SATURDAY}
    row = row_of(stats.utilisation(**window), dance_room)
    assert row["booked_hours"] == pytest.approx(booked)
    assert row["bookings"] == sum(count for count, _ in purposes.values())
    assert stats.by_hour(**window) == pytest.approx(hours)
    result = stats.by_purpose(**window)
    for purpose, (count, purpose_hours) in purposes.items():
        assert result[purpose] == {"count": count, "hours": pytest.approx(purpose_hours)}
    assert stats.unstaffed_share(**window) == pytest.approx(unstaffed / booked if booked else 0)
    rate = no_shows / (no_shows + attended) if no_shows + attended else 0
    assert stats.no_show_rate(**window) == pytest.approx(rate)
