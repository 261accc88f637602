"""The H5 home page's "open now?" line: hours, staffed part, and closures."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openhall.venues.models import Closure, OpeningHours
from openhall.venues.selectors import center_today

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, tzinfo=SHANGHAI)


def at(hour: int, minute: int = 0, day: datetime = WEDNESDAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


@pytest.fixture
def hours(center_a):
    # Open 08:00–22:00 on Wednesdays, staff present 09:00–17:00; no hours on Thursdays.
    return OpeningHours.objects.create(
        center=center_a,
        weekday=2,
        opens=time(8),
        closes=time(22),
        staffed_from=time(9),
        staffed_until=time(17),
    )


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        (at(10), "staffed"),
        (at(19, 30), "unstaffed"),
        (at(8, 30), "unstaffed"),
        (at(7, 59), "closed_now"),
        (at(22), "closed_now"),
    ],
)
def test_open_staffed_or_not_follows_the_days_hours(center_a, hours, moment, state):
    assert center_today(center=center_a, now=moment).state == state


def test_a_day_without_hours_is_closed_all_day(center_a, hours):
    assert center_today(center=center_a, now=at(10).replace(day=26)).state == "closed_today"


def test_a_closure_of_the_whole_center_says_why(center_a, hours):
    Closure.objects.create(center=center_a, start=at(0), end=at(23), reason="设备检修")
    today = center_today(center=center_a, now=at(10))
    assert (today.state, today.closure_reason) == ("closure", "设备检修")


@pytest.mark.parametrize(
    ("moment", "words"),
    [(at(10), "有工作人员值班"), (at(19, 30), "无人值守"), (at(23), "现在闭馆")],
)
def test_the_home_page_tells_residents_whether_staff_are_there(
    client, center_a, hours, moment, words
):
    with time_machine.travel(moment, tick=False):
        page = client.get("/").content.decode()
    assert words in page


def test_a_center_without_hours_is_open_around_the_clock(center_a):
    assert center_today(center=center_a, now=at(3)).state == "open"
