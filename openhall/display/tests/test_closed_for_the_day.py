"""After closing time, and on a day the center does not open, the screen says 今日已闭馆 once
and lists each room with its next use (tomorrow's first booking), instead of 暂停开放 on every
room. Before opening in the morning the day is still ahead: nothing of that."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from openhall import factories
from openhall.display.selectors import snapshot
from openhall.venues.models import OpeningHours

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 6, 3, tzinfo=SHANGHAI)


@pytest.fixture
def open_weekdays(center_a):
    for weekday in range(5):  # Monday to Friday, 8:30–20:00; closed at the weekend
        OpeningHours.objects.create(
            center=center_a, weekday=weekday, opens=time(8, 30), closes=time(20)
        )


@pytest.fixture
def tomorrow_morning_class(center_a, dance_room):
    start = WEDNESDAY + timedelta(days=1, hours=9)
    return factories.BookingFactory(
        center=center_a,
        space=dance_room,
        start=start,
        end=start + timedelta(hours=2),
        status="approved",
        purpose="party",
    )


def at(day: datetime, hour: int, minute: int = 0):
    return time_machine.travel(day.replace(hour=hour, minute=minute), tick=False)


def room(picture, name="舞蹈教室"):
    return next(r for r in picture["spaces"] if r["name"] == name)


def test_after_closing_time_the_screen_says_closed_for_today_and_shows_tomorrows_first_use(
    center_a, dance_room, open_weekdays, tomorrow_morning_class
):
    with at(WEDNESDAY, 20, 30):
        picture = snapshot(center_a.pk)
    assert picture["closed_for_the_day"] is True
    assert room(picture)["next"] == {
        "date": "6月4日",
        "start": "09:00",
        "end": "11:00",
        "title": "党群活动",
    }


def test_on_a_closed_day_the_screen_says_so_from_the_morning(center_a, dance_room, open_weekdays):
    saturday = WEDNESDAY + timedelta(days=3)
    with at(saturday, 10):
        assert snapshot(center_a.pk)["closed_for_the_day"] is True


@pytest.mark.parametrize("hour, minute", [(7, 0), (10, 0), (19, 59)])
def test_before_opening_and_during_the_day_rooms_keep_their_own_state(
    center_a, dance_room, open_weekdays, hour, minute
):
    with at(WEDNESDAY, hour, minute):
        picture = snapshot(center_a.pk)
    assert picture["closed_for_the_day"] is False


def test_the_page_carries_the_words_once(client, adam, center_a, dance_room, open_weekdays):
    from openhall.display.services import screen_create

    _screen, token = screen_create(center=center_a, by=adam, name="大厅")
    with at(WEDNESDAY, 21):
        page = client.get(f"/display/{token}/").content.decode()
        assert timezone.localtime().hour == 21
    assert page.count("今日已闭馆") == 1  # the one word the script shows, not one per room
    assert '"closed_for_the_day": true' in page
