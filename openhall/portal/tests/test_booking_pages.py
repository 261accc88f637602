"""A resident books on the H5 portal: rooms, a day's free times, the form, 我的预约, check-in."""

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from openhall.accounts.models import Team
from openhall.bookings.models import Booking
from openhall.bookings.tests.conftest import at
from openhall.bookings.tests.test_availability import center_like_the_demo  # noqa: F401


@pytest.fixture
def zone(multimedia):
    return multimedia[1]


def test_the_rooms_page_lists_rooms_and_zones(client, center_a, multimedia, dance_room):
    page = client.get("/book/").content.decode()
    assert "多媒体活动室" in page and "A区" in page and "舞蹈教室" in page


def test_a_room_page_shows_free_and_booked_times(client, alice, zone):
    from openhall import factories

    factories.BookingFactory(
        center=zone.center, space=zone, start=at(2, 9), end=at(2, 11), status="approved"
    )
    page = client.get(
        f"/book/space/{zone.pk}/", {"date": at(2, 0).date().isoformat()}
    ).content.decode()
    assert 'class="slot is-unavailable is-taken" data-start="09:00" data-end="11:00"' in page
    # A center without hours is open all day.
    assert 'class="slot is-free" data-start="00:00" data-end="09:00"' in page
    assert f"/login/?next=/book/space/{zone.pk}/" in page


def test_a_resident_books_a_zone_and_sees_it_waiting(client, alice, zone):
    client.force_login(alice)
    response = client.post(
        f"/book/space/{zone.pk}/",
        {
            "date": at(2, 0).date().isoformat(),
            "start": "19:00",
            "end": "21:00",
            "title": "书法交流",
            "purpose": "public_benefit",
            "attendees": "12",
        },
    )
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.pk}/"
    assert (booking.space, booking.start, booking.end, booking.status) == (
        zone,
        at(2, 19),
        at(2, 21),
        "requested",
    )
    assert "书法交流" in client.get("/bookings/").content.decode()


def test_a_refused_booking_keeps_what_was_typed_and_says_why(client, alice, zone):
    client.force_login(alice)
    response = client.post(
        f"/book/space/{zone.pk}/",
        {
            "date": at(2, 0).date().isoformat(),
            "start": "19:00",
            "end": "21:00",
            "title": "大型讲座",
            "purpose": "public_benefit",
            "attendees": "300",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "最多 30 人" in page and 'value="大型讲座"' in page
    assert not Booking.objects.exists()


def test_the_time_first_search_lists_only_free_rooms(client, center_a, multimedia, dance_room):
    from openhall import factories

    room, zone_a, _ = multimedia
    factories.BookingFactory(
        center=center_a, space=zone_a, start=at(2, 9), end=at(2, 11), status="approved"
    )
    page = client.get(
        "/book/find/", {"date": at(2, 0).date().isoformat(), "start": "10:00", "end": "11:00"}
    ).content.decode()
    offered = {
        space.pk
        for space in (room, *multimedia[1:], dance_room)
        if f"/book/space/{space.pk}/" in page
    }
    assert offered == {multimedia[2].pk, dance_room.pk}


def test_the_booker_cancels_from_the_detail_page(client, alice, zone):
    from openhall import factories

    booking = factories.BookingFactory(
        center=zone.center, space=zone, booker=alice, start=at(3, 9), end=at(3, 11)
    )
    client.force_login(alice)
    assert (
        f'href="/bookings/{booking.pk}/cancel/"'
        in client.get(f"/bookings/{booking.pk}/").content.decode()
    )
    client.post(f"/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_cancelling_asks_once_more_and_changes_nothing_until_confirmed(client, alice, zone):
    from openhall import factories

    booking = factories.BookingFactory(
        center=zone.center, space=zone, booker=alice, start=at(3, 9), end=at(3, 11)
    )
    client.force_login(alice)
    page = client.get(f"/bookings/{booking.pk}/cancel/").content.decode()
    booking.refresh_from_db()
    assert booking.status != "cancelled"
    assert "确定取消这个预约吗？" in page
    assert '<form method="post"' in page and "是的，取消" in page
    assert f'href="/bookings/{booking.pk}/"' in page  # 不取消了 goes back


def test_nobody_else_sees_my_booking(client, alice, tom, zone):
    from openhall import factories

    booking = factories.BookingFactory(center=zone.center, space=zone, booker=alice)
    client.force_login(tom)
    assert client.get(f"/bookings/{booking.pk}/").status_code == 404
    assert client.post(f"/bookings/{booking.pk}/cancel/").status_code == 404


def test_the_room_qr_checks_in_the_booking_there_now(client, alice, zone, time_machine):
    from openhall import factories

    booking = factories.BookingFactory(
        center=zone.center,
        space=zone,
        booker=alice,
        start=at(2, 9),
        end=at(2, 11),
        status="approved",
    )
    time_machine.move_to(booking.start - timedelta(minutes=10), tick=False)
    client.force_login(alice)
    client.post(f"/rooms/{zone.pk}/check-in/")
    booking.refresh_from_db()
    assert booking.status == "checked_in"


def test_garbage_in_the_booking_form_is_explained_and_nothing_is_saved(client, alice, zone):
    client.force_login(alice)
    response = client.post(
        f"/book/space/{zone.pk}/",
        {
            "date": "not-a-date",
            "start": "25:00",
            "end": "",
            "title": "",
            "purpose": "bribe",
            "attendees": "-3",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('role="alert"') + page.count("field-message") >= 3
    assert not Booking.objects.exists()


def test_a_team_books_every_week_skipping_a_taken_date(client, alice, tom, zone):
    from openhall import factories
    from openhall.venues.models import BookingRule

    BookingRule.objects.create(center=zone.center, max_days_ahead=60, max_active_per_booker=20)
    first = at(2, 0).date()
    taken = factories.BookingFactory(
        center=zone.center,
        space=zone,
        start=at(9, 19),
        end=at(9, 21),
        status="approved",
    )
    form = {
        "weekdays": [first.weekday()],
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(weeks=3)).isoformat(),
        "start": "19:00",
        "end": "21:00",
        "title": "舞蹈队排练",
        "purpose": "team",
        "attendees": "12",
    }
    client.force_login(tom)
    preview = client.post(f"/book/space/{zone.pk}/weekly/", {**form, "action": "preview"})
    page = preview.content.decode()
    assert page.count('class="occurrence is-free"') == 3
    assert page.count('class="occurrence is-taken"') == 1 and "已被预约" in page
    assert not Booking.objects.filter(booker=tom).exists()  # checking books nothing

    done = client.post(f"/book/space/{zone.pk}/weekly/", {**form, "action": "confirm"})
    assert done.status_code == 302
    mine = Booking.objects.filter(booker=tom).order_by("start")
    assert [b.start for b in mine] == [at(2, 19), at(16, 19), at(23, 19)]
    assert taken.start not in [b.start for b in mine]
    assert len({b.series_id for b in mine}) == 1


def test_the_booker_cancels_the_rest_of_a_weekly_booking(client, tom, zone):
    from openhall.bookings import services
    from openhall.venues.models import BookingRule

    BookingRule.objects.create(center=zone.center, max_days_ahead=60, cancel_deadline_minutes=0)
    _, created, _ = services.booking_series_create(
        space=zone,
        booker=tom,
        by=tom,
        start=at(2, 19),
        end=at(2, 21),
        rrule="FREQ=WEEKLY;COUNT=4",
        title="排练",
        purpose="team",
        attendees=10,
    )
    client.force_login(tom)
    assert "cancel-rest" in client.get(f"/bookings/{created[1].pk}/").content.decode()
    assert (
        "以及之后每一次" in client.get(f"/bookings/{created[1].pk}/cancel-rest/").content.decode()
    )
    assert not Booking.objects.filter(status="cancelled").exists()
    client.post(f"/bookings/{created[1].pk}/cancel-rest/")
    statuses = [b.status for b in Booking.objects.filter(booker=tom).order_by("start")]
    assert statuses == ["requested", "cancelled", "cancelled", "cancelled"]


def test_a_weekly_booking_with_the_last_day_first_is_explained(client, tom, zone):
    client.force_login(tom)
    first = at(2, 0).date()
    response = client.post(
        f"/book/space/{zone.pk}/weekly/",
        {
            "weekdays": [first.weekday()],
            "first_day": first.isoformat(),
            "last_day": (first - timedelta(days=1)).isoformat(),
            "start": "19:00",
            "end": "21:00",
            "title": "排练",
            "purpose": "team",
            "attendees": "5",
            "action": "confirm",
        },
    )
    assert response.status_code == 200 and not Booking.objects.exists()
    assert "最后一天不能早于第一天" in response.content.decode()


WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50 NetType/WIFI"


def _requested_booking(client, alice, zone) -> Booking:
    client.force_login(alice)
    client.post(
        f"/book/space/{zone.pk}/",
        {
            "date": at(2, 0).date().isoformat(),
            "start": "19:00",
            "end": "21:00",
            "title": "书法交流",
            "purpose": "public_benefit",
            "attendees": "12",
        },
    )
    return Booking.objects.get()


def test_inside_wechat_a_booking_offers_the_subscribe_button(client, alice, zone, settings):
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx1234567890abcdef", "s3cret"
    settings.WECHAT_TEMPLATES = {"booking_subscribe": "TPL-booking-1"}
    booking = _requested_booking(client, alice, zone)

    page = client.get(f"/bookings/{booking.pk}/", HTTP_USER_AGENT=WECHAT_UA).content.decode()

    assert "vendor/weixin/jweixin.js" in page and "openhall/wx.js" in page
    assert '<wx-open-subscribe template="TPL-booking-1"' in page


def test_outside_wechat_pages_stay_without_the_sdk(client, alice, zone, settings):
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx1234567890abcdef", "s3cret"
    settings.WECHAT_TEMPLATES = {"booking_subscribe": "TPL-booking-1"}
    booking = _requested_booking(client, alice, zone)

    page = client.get(f"/bookings/{booking.pk}/", HTTP_USER_AGENT="Mozilla/5.0").content.decode()

    assert "jweixin" not in page and "wx-open-subscribe" not in page


def test_without_an_official_account_wechat_gets_no_sdk(client, alice, zone, settings):
    settings.WECHAT_APP_ID = ""
    booking = _requested_booking(client, alice, zone)

    page = client.get(f"/bookings/{booking.pk}/", HTTP_USER_AGENT=WECHAT_UA).content.decode()

    assert "jweixin" not in page


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to load the vendored script")
def test_the_vendored_jssdk_defines_wx_in_a_plain_script_tag():
    # The npm package is CommonJS; the vendored copy must work without a bundler.
    script = Path(__file__).parents[2] / "static/vendor/weixin/jweixin.js"
    probe = (
        "const window = {navigator: {userAgent: 'MicroMessenger', platform: 'iPhone'},"
        " location: {href: ''}, document: {addEventListener() {}, title: ''}};"
        "window.window = window; const vm = require('vm');"
        f"vm.runInContext(require('fs').readFileSync({str(script)!r}, 'utf8'),"
        " vm.createContext(window));"
        "console.log(typeof window.wx.config, typeof window.wx.ready)"
    )
    out = subprocess.run(["node", "-e", probe], capture_output=True, text=True, check=True)  # noqa: S603,S607
    assert out.stdout.split() == ["function", "function"]


def test_an_approved_bookings_page_shows_its_doors_and_the_code_behind_a_tap(
    client, center_a, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from openhall import factories
    from openhall.access.models import Door, Grant
    from openhall.bookings.services import booking_approve

    Door.objects.create(center=center_a, name="大门", is_entrance=True)
    Door.objects.create(center=center_a, name="舞蹈教室门").spaces.add(dance_room)
    start = timezone.now() + timedelta(hours=3)
    booking = factories.BookingFactory(
        center=center_a, space=dance_room, booker=alice, start=start, end=start + timedelta(hours=2)
    )
    client.force_login(alice)
    assert "开门密码" not in client.get(f"/bookings/{booking.pk}/").content.decode()  # waiting

    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    page = client.get(f"/bookings/{booking.pk}/").content.decode()
    pin = Grant.objects.get(booking=booking).credentials.get(kind="pin").secret
    assert "大门、舞蹈教室门" in page
    assert '<details class="pin-reveal">' in page and pin in page  # behind a tap
    assert 'href="/access/"' in page  # 我的门禁 for phone unlock
    from openhall.notifications.models import Message

    notice = Message.objects.get(user=alice, idempotency_key=f"booking.approved:{booking.pk}")
    assert "开门密码" in notice.body and notice.url == f"/bookings/{booking.pk}/"

    client.force_login(factories.UserFactory())
    assert client.get(f"/bookings/{booking.pk}/").status_code == 404  # only the holder


@pytest.fixture
def demo_rooms(request):
    """The rooms of bookings' availability tests: hours, staffed hours, a buffer, bookings."""
    return request.getfixturevalue("center_like_the_demo")


def test_the_day_view_offers_only_what_the_rules_allow_in_time_order(
    client, alice, demo_rooms, time_machine
):
    import re

    from openhall.bookings.tests.test_availability import WEDNESDAY, local

    time_machine.move_to(local(WEDNESDAY, 10, 3, 27), tick=False)
    client.force_login(alice)
    table_tennis = demo_rooms["table_tennis"]
    page = client.get(f"/book/space/{table_tennis.pk}/", {"date": "2026-12-02"}).content.decode()
    shown = re.findall(
        r'data-start="([\d:]+)" data-end="([\d:]+)"><span class="slot-time">'
        r'[^<]*</span> <span class="slot-label">([^<]*)</span>',
        page,
    )
    assert shown == [
        ("08:00", "10:05", "已过去"),
        ("10:05", "11:05", "需提前预约"),
        ("11:05", "14:50", "空闲"),
        ("14:50", "15:00", "预约间隔"),
        ("15:00", "16:00", "已预约"),
        ("16:00", "16:10", "预约间隔"),
        ("16:10", "17:00", "空闲"),
        ("17:00", "21:30", "无人值守"),
    ]
    starts = re.search(r'<select name="start".*?</select>', page, re.S).group(0)
    offered = re.findall(r'value="([\d:]+)"', starts)
    assert offered[0] == "11:05" and "10:30" not in offered
    assert "15:00" not in offered and "19:00" not in offered and "16:30" in offered
    assert 'value="11:05" selected' in starts

    # After a booking ending at 11:00 and its 10 minutes kept free, 11:10 can be picked.
    dance = demo_rooms["dance"]
    page = client.get(f"/book/space/{dance.pk}/", {"date": "2026-12-02"}).content.decode()
    assert '<option value="11:10"' in page


def test_a_room_only_teams_may_book_offers_its_times_to_a_team_leader_not_to_a_resident(
    client, alice, tom, demo_rooms, time_machine
):
    from openhall import factories
    from openhall.bookings.tests.test_availability import WEDNESDAY, local
    from openhall.venues.models import BookingRule
    from openhall.venues.rules import setup_changed

    time_machine.move_to(local(WEDNESDAY, 8, 0), tick=False)
    table_tennis = demo_rooms["table_tennis"]
    BookingRule.objects.create(
        center=table_tennis.center, space=table_tennis, booker_kinds=["team"]
    )
    setup_changed(table_tennis.center_id)
    factories.TeamFactory(center=table_tennis.center, name="乒乓球队", leader=tom)
    url = f"/book/space/{table_tennis.pk}/"

    client.force_login(alice)
    page = client.get(url, {"date": "2026-12-03"}).content.decode()
    assert 'class="slot is-free"' not in page and 'name="start"' not in page
    assert "不接受居民预约" in page

    client.force_login(tom)
    page = client.get(url, {"date": "2026-12-03"}).content.decode()
    assert 'class="slot is-free" data-start="08:30" data-end="17:00"' in page
    response = client.post(
        url,
        {
            "date": "2026-12-03",
            "start": "08:30",
            "end": "10:00",
            "title": "乒乓球队训练",
            "purpose": "team",
            "attendees": "8",
            "team": Team.objects.get(name="乒乓球队").pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
