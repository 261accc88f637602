"""The day's availability tells the truth: every free interval it offers can be booked, and a
start in every unavailable interval is refused for the reason it gives — for several people,
spaces and moments, through the API and against the booking service itself."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from openhall import factories
from openhall.bookings import services
from openhall.bookings.availability import bookable_day
from openhall.bookings.tests.conftest import book
from openhall.venues.models import BookingRule, Closure, OpeningHours
from openhall.venues.rules import setup_changed

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = date(2026, 12, 2)
# What each reason promises a booking starting in that interval is refused with.
REFUSED_WITH = {
    "past": {"in_the_past"},
    "notice": {"too_soon"},
    "horizon": {"too_far_ahead"},
    "closed": {"closed_day", "outside_opening_hours", "closed"},
    "unstaffed": {"unstaffed_hours"},
    "taken": {"conflict"},
    "buffer": {"conflict"},
}


def hm(moment: datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%H:%M}"


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI)


@pytest.fixture
def center_like_the_demo(center_a, multimedia, dance_room, olivia, time_machine):
    """Open 08:00–21:30 every day, staffed on weekdays 08:30–17:00; 10 minutes kept free after
    each booking; the dance room may be booked when no staff are present, the table-tennis
    room only when they are."""
    time_machine.move_to(local(WEDNESDAY, 8, 0), tick=False)
    for weekday in range(7):
        OpeningHours.objects.create(
            center=center_a,
            weekday=weekday,
            opens=time(8),
            closes=time(21, 30),
            staffed_from=time(8, 30) if weekday < 5 else None,
            staffed_until=time(17) if weekday < 5 else None,
        )
    BookingRule.objects.create(center=center_a, max_days_ahead=60, buffer_minutes=10)
    BookingRule.objects.create(center=center_a, space=dance_room, allow_unstaffed=True)
    table_tennis = factories.SpaceFactory(center=center_a, name="乒乓球室", capacity=12)
    thursday = WEDNESDAY + timedelta(days=1)
    Closure.objects.create(
        center=center_a,
        space=dance_room,
        start=local(thursday, 19),
        end=local(thursday, 20),
        reason="地板保养",
    )
    setup_changed(center_a.pk)
    bob = factories.UserFactory(real_name="鲍勃")
    _, zone_a, _ = multimedia
    for space, day, start, end in [
        (dance_room, WEDNESDAY, (9, 0), (11, 0)),  # free again from 11:10
        (dance_room, thursday, (9, 0), (11, 0)),
        (dance_room, thursday, (11, 30), (12, 0)),  # leaves 11:10–11:20, too short
        (zone_a, thursday, (14, 0), (15, 0)),  # takes the whole multimedia room
        (table_tennis, WEDNESDAY, (15, 0), (16, 0)),
    ]:
        book(space, bob, local(day, *start), local(day, *end), by=olivia)
    return {"dance": dance_room, "multimedia": multimedia[0], "table_tennis": table_tennis}


def attempt(space, person, start, end) -> set[str]:
    """The codes a booking of [start, end) is refused with (empty: it was made), undone after."""
    try:
        with transaction.atomic():
            book(space, person, start, end)
            transaction.set_rollback(True)
    except services.BookingRefused as refused:
        return {v.code for v in refused.violations}
    except services.BookingConflict:
        return {"conflict"}
    return set()


def full_quota(center_a, olivia):
    """A resident who already holds as many active bookings as the rules allow."""
    kim = factories.UserFactory(real_name="金")
    room = factories.SpaceFactory(center=center_a, name="备用室")
    setup_changed(center_a.pk)
    for n in range(5):
        day = WEDNESDAY + timedelta(weeks=1 + n)
        book(room, kim, local(day, 9), local(day, 10), by=olivia)
    return kim


INSTANTS = [
    local(WEDNESDAY, 10, 3, 27),  # a weekday morning, seconds past a minute
    local(WEDNESDAY, 16, 40),  # the end of the staffed day
    local(WEDNESDAY, 21, 45),  # after closing
    local(WEDNESDAY + timedelta(days=4), 10, 0),  # a Sunday: open, unstaffed
]


@pytest.mark.parametrize("instant", INSTANTS, ids=lambda i: f"{i:%a-%H%M}")
def test_every_offered_interval_can_be_booked_and_every_other_is_refused_for_its_reason(
    instant, center_like_the_demo, center_a, alice, olivia, time_machine
):
    kim = full_quota(center_a, olivia)
    time_machine.move_to(instant, tick=False)
    today = instant.date()
    days = [today, today + timedelta(days=1), today + timedelta(days=60)]
    seen_reasons, offered = set(), 0
    for person in (alice, olivia, kim):
        for space in center_like_the_demo.values():
            for day in days:
                result = bookable_day(space=space, day=day, booker=person)
                stretches = result.stretches
                assert stretches == sorted(stretches, key=lambda s: s.start)
                assert all(a.end == b.start for a, b in zip(stretches, stretches[1:], strict=False))
                shortest = timedelta(minutes=result.rules.min_duration_minutes)
                longest = timedelta(minutes=result.rules.max_duration_minutes)
                for free in result.free:
                    offered += 1
                    where = f"{person} {space} {free.start.astimezone(SHANGHAI):%m-%d %H:%M}"
                    assert attempt(space, person, free.start, free.start + shortest) == set(), where
                    assert attempt(space, person, free.end - shortest, free.end) == set(), where
                    end = min(free.end, free.start + longest)
                    assert attempt(space, person, free.start, end) == set(), where
                for gap in result.unavailable:
                    seen_reasons.add(gap.reason)
                    where = f"{person} {space} {gap.start.astimezone(SHANGHAI):%m-%d %H:%M} {gap.reason}"
                    codes = attempt(space, person, gap.start, gap.start + shortest)
                    assert codes, where
                    if gap.reason == "refused":
                        assert gap.rule in codes, where
                    elif gap.reason != "too_short":
                        # A person refused all day (kim's full quota) is told that first.
                        expected = REFUSED_WITH[gap.reason] | {r.code for r in result.refusals}
                        assert codes & expected, (where, codes)
    assert offered
    assert "refused" in seen_reasons  # kim's full quota


def test_the_weekday_morning_names_every_reason(center_like_the_demo, alice, time_machine):
    time_machine.move_to(local(WEDNESDAY, 10, 3, 27), tick=False)
    table_tennis, dance = center_like_the_demo["table_tennis"], center_like_the_demo["dance"]

    today = bookable_day(space=table_tennis, day=WEDNESDAY, booker=alice)
    assert [(hm(s.start), hm(s.end), s.reason) for s in today.stretches] == [
        ("08:00", "10:05", "past"),
        ("10:05", "11:05", "notice"),
        ("11:05", "14:50", ""),
        ("14:50", "15:00", "buffer"),
        ("15:00", "16:00", "taken"),
        ("16:00", "16:10", "buffer"),
        ("16:10", "17:00", ""),
        ("17:00", "21:30", "unstaffed"),
    ]
    thursday = bookable_day(space=dance, day=WEDNESDAY + timedelta(days=1), booker=alice)
    reasons = [(hm(s.start), s.reason) for s in thursday.stretches]
    assert ("11:10", "too_short") in reasons and ("19:00", "closed") in reasons
    # After a booking ending at 11:00 with its 10-minute buffer, 11:10 can be picked.
    assert (
        local(WEDNESDAY, 11, 10)
        in bookable_day(space=dance, day=WEDNESDAY, booker=alice).start_times()
    )
    last = bookable_day(space=dance, day=WEDNESDAY + timedelta(days=60), booker=alice)
    assert [(hm(s.start), s.reason) for s in last.stretches] == [
        ("08:00", ""),
        ("10:04", "horizon"),
    ]


def test_the_api_lists_free_and_unavailable_in_time_order(
    api_client, center_like_the_demo, alice, time_machine
):
    time_machine.move_to(local(WEDNESDAY, 10, 3, 27), tick=False)
    table_tennis = center_like_the_demo["table_tennis"]
    body = (
        api_client(alice)
        .get(f"/api/v1/spaces/{table_tennis.pk}/availability", {"date": "2026-12-02"})
        .json()
    )
    assert body["free"] == [
        {"start": "2026-12-02T11:05:00+08:00", "end": "2026-12-02T14:50:00+08:00"},
        {"start": "2026-12-02T16:10:00+08:00", "end": "2026-12-02T17:00:00+08:00"},
    ]
    assert [u["reason"] for u in body["unavailable"]] == [
        "past",
        "notice",
        "buffer",
        "taken",
        "buffer",
        "unstaffed",
    ]
    assert body["unavailable"][-1]["start"] == "2026-12-02T17:00:00+08:00"
    assert "无人值守" in body["unavailable"][-1]["message"]
    # What stood before stays: the opening window and the claims.
    assert body["open"] == {
        "start": "2026-12-02T08:00:00+08:00",
        "end": "2026-12-02T21:30:00+08:00",
    }
    assert body["taken"] == [
        {"start": "2026-12-02T15:00:00+08:00", "end": "2026-12-02T16:10:00+08:00"}
    ]


def test_a_busy_day_costs_no_more_queries_than_a_quiet_one(
    center_like_the_demo, alice, olivia, time_machine
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to(local(WEDNESDAY, 8, 0), tick=False)
    dance, friday = center_like_the_demo["dance"], WEDNESDAY + timedelta(days=2)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            bookable_day(space=dance, day=friday, booker=alice)
        return len(captured)

    queries()  # the center's setup is read and kept once per process
    quiet = queries()
    bob = factories.UserFactory(real_name="鲍勃二")
    for hour in range(9, 20):  # a booking every hour, each with its buffer
        book(dance, bob, local(friday, hour), local(friday, hour, 30), by=olivia, for_activity=True)
    assert queries() == quiet


def test_a_space_not_open_for_booking_offers_nothing_even_to_a_visitor(
    center_like_the_demo, time_machine
):
    time_machine.move_to(local(WEDNESDAY, 8, 0), tick=False)
    dance = center_like_the_demo["dance"]
    dance.is_bookable = False
    dance.save()
    setup_changed(dance.center_id)
    day = bookable_day(space=dance, day=WEDNESDAY + timedelta(days=1), booker=None)
    assert day.free == [] and day.start_times() == []
    assert {s.rule for s in day.unavailable if s.reason == "refused"} == {"space_not_bookable"}


def test_every_rule_of_the_booking_service_has_its_place_in_the_day_view():
    # A new rule about the time of day must name its reason here, or every free stretch would
    # read "you cannot book" (an unknown rule counts as one that holds all day).
    import inspect
    import re

    from openhall.bookings import availability, rules

    codes = set(re.findall(r'(?:RuleViolation|refuse)\(\s*"([a-z_]+)"', inspect.getsource(rules)))
    assert {"unstaffed_hours", "too_many_active", "outside_opening_hours"} <= codes
    known = (
        set(availability.REASON_OF_RULE)
        | availability.REQUEST_RULES
        | availability.PERSON_RULES
        | availability.BOOKED_FOR_RULES
        | {"space_not_bookable"}  # holds all day for everyone
    )
    assert codes - known == set()
