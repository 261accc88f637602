"""The report's figures, checked against figures worked out here, independently, from the same
seeded records: a month of random bookings and ledger entries in two centers, one with opening
and staffed hours, one open around the clock (no hours set)."""

import calendar
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from openhall import factories
from openhall.civic.models import ServiceRecord
from openhall.civic.services import service_type
from openhall.reports import selectors
from openhall.venues.models import OpeningHours, Purpose

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SINCE, UNTIL = date(2026, 10, 1), date(2026, 10, 31)
OPENS, CLOSES, STAFFED_FROM, STAFFED_UNTIL = 8, 21, 9, 17  # center A, Monday to Friday
STATUSES = ["approved", "checked_in", "completed", "no_show", "cancelled", "requested", "rejected"]
USED = {"approved", "checked_in", "completed"}
KINDS = ["legal", "counselling", "materials"]


def seeded_month(center, rooms, rng: random.Random, count: int) -> list[dict]:
    """Bookings as plain values (whole hours on one local day), written to the database too.
    A few fall just outside the month and must not count."""
    made = []
    for _ in range(count):
        day = SINCE + timedelta(days=rng.randrange(-2, 33))  # 29 Sep … 2 Nov
        hour, length = rng.randrange(7, 21), rng.randrange(1, 4)
        b = {
            "day": day,
            "hour": hour,
            "length": length,
            "room": rng.choice(rooms),
            "status": rng.choice(STATUSES),
            "purpose": rng.choice(Purpose.values),
        }
        start = datetime.combine(day, time(hour), tzinfo=SHANGHAI)
        factories.BookingFactory(
            center=center,
            space=b["room"],
            start=start,
            end=start + timedelta(hours=length),
            status=b["status"],
            purpose=b["purpose"],
            claims=False,  # statistics only: bookings may overlap
        )
        made.append(b)
    return made


def expected_center_row(name, bookings, rooms: int, open_hours_per_room: float, ledger) -> list:
    inside = [b for b in bookings if SINCE <= b["day"] <= UNTIL]
    used = [b for b in inside if b["status"] in USED]
    hours = sum(b["length"] for b in used)
    staffed = 0
    if name == "A":
        for b in used:
            if b["day"].weekday() < 5:
                span = set(range(b["hour"], b["hour"] + b["length"]))
                staffed += len(span & set(range(STAFFED_FROM, STAFFED_UNTIL)))
    no_shows = sum(1 for b in inside if b["status"] == "no_show")
    came = sum(1 for b in inside if b["status"] in {"checked_in", "completed"})
    opened = open_hours_per_room * rooms
    return [
        len(used),
        round(hours, 1),
        round(hours / opened, 3),
        round((hours - staffed) / hours, 3) if hours else 0.0,
        round(no_shows / (no_shows + came), 3) if no_shows + came else 0.0,
        len(ledger),
        sum(people for _, people in ledger),
    ]


@pytest.fixture
def month(center_a, center_b):
    rng = random.Random(20261031)  # fixed: the same month on every run
    for weekday in range(5):
        OpeningHours.objects.create(
            center=center_a,
            weekday=weekday,
            opens=time(OPENS),
            closes=time(CLOSES),
            staffed_from=time(STAFFED_FROM),
            staffed_until=time(STAFFED_UNTIL),
        )
    rooms_a = [factories.SpaceFactory(center=center_a, name=f"甲{n}号室") for n in range(3)]
    rooms_b = [factories.SpaceFactory(center=center_b, name=f"乙{n}号室") for n in range(2)]
    bookings = {
        "A": seeded_month(center_a, rooms_a, rng, 60),
        "B": seeded_month(center_b, rooms_b, rng, 40),
    }
    ledger = {"A": [], "B": []}
    for name, center in (("A", center_a), ("B", center_b)):
        for _ in range(rng.randrange(5, 15)):
            day = SINCE + timedelta(days=rng.randrange(-3, 34))
            kind, people = rng.choice(KINDS), rng.randrange(1, 9)
            ServiceRecord.objects.create(
                center=center, kind=service_type(center, kind), date=day, people=people
            )
            if SINCE <= day <= UNTIL:
                ledger[name].append((kind, people))
    weekdays = sum(
        1 for d in range(1, calendar.monthrange(2026, 10)[1] + 1) if date(2026, 10, d).weekday() < 5
    )
    return {
        "bookings": bookings,
        "ledger": ledger,
        "rooms": {"A": len(rooms_a), "B": len(rooms_b)},
        "open_hours": {"A": weekdays * (CLOSES - OPENS), "B": 31 * 24.0},
    }


def test_each_centers_figures_match_the_records(month, center_a, center_b):
    report = selectors.report(centers=[center_a, center_b], since=SINCE, until=UNTIL)
    rows = {row[0]: row[1:] for row in report["sections"][0].rows}
    for name, center in (("A", center_a), ("B", center_b)):
        expected = expected_center_row(
            name,
            month["bookings"][name],
            month["rooms"][name],
            month["open_hours"][name],
            month["ledger"][name],
        )
        assert rows[center.name] == expected, name
        assert all(expected[:5])  # a month with use, no-shows and unstaffed hours
        # B sets no hours: all of it unstaffed; A's staff are there for part of it.
        assert (expected[3] < 1) if name == "A" else (expected[3] == 1.0)


def test_the_total_row_adds_the_centers_up(month, center_a, center_b):
    report = selectors.report(centers=[center_a, center_b], since=SINCE, until=UNTIL)
    total = report["sections"][0].rows[-1]
    used = [
        b
        for name in "AB"
        for b in month["bookings"][name]
        if SINCE <= b["day"] <= UNTIL and b["status"] in USED
    ]
    hours = sum(b["length"] for b in used)
    opened = sum(month["open_hours"][n] * month["rooms"][n] for n in "AB")
    ledger = month["ledger"]["A"] + month["ledger"]["B"]
    assert total[1:4] == [len(used), round(hours, 1), round(hours / opened, 3)]
    assert total[6:8] == [len(ledger), sum(p for _, p in ledger)]


def test_bookings_by_purpose_match_the_records(month, center_a, center_b):
    report = selectors.report(centers=[center_a, center_b], since=SINCE, until=UNTIL)
    used = [
        b
        for name in "AB"
        for b in month["bookings"][name]
        if SINCE <= b["day"] <= UNTIL and b["status"] in USED
    ]
    counts = Counter(b["purpose"] for b in used)
    hours = Counter()
    for b in used:
        hours[b["purpose"]] += b["length"]
    expected = [[str(p.label), counts[p.value], round(hours[p.value], 1)] for p in Purpose]
    assert report["sections"][1].rows == expected


def test_the_ledger_section_matches_the_records(month, center_a, center_b):
    report = selectors.report(centers=[center_a, center_b], since=SINCE, until=UNTIL)
    entries = month["ledger"]["A"] + month["ledger"]["B"]
    times, people = Counter(k for k, _ in entries), Counter()
    for kind, n in entries:
        people[kind] += n
    rows = report["sections"][2].rows
    by_name = {row[0]: row[1:] for row in rows[:-1]}
    expected = {service_type(center_a, kind).name: [times[kind], people[kind]] for kind in times}
    assert by_name == expected
    assert rows[-1][1:] == [len(entries), sum(people.values())]
