"""The lobby screen: what it shows (public facts, figures from records), who may open it (its
secret URL), and how changes reach every screen of the center at once."""

import asyncio
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import AsyncClient
from django.utils import timezone

from openhall import factories
from openhall.bookings.models import Booking
from openhall.civic import selectors as ledger
from openhall.civic.services import record_add, service_type
from openhall.display import live, services
from openhall.display.models import Screen
from openhall.display.selectors import snapshot
from openhall.venues.models import Closure

SHANGHAI = ZoneInfo("Asia/Shanghai")


def booking_now(space, **values):
    now = timezone.now()
    values.setdefault("status", "approved")
    return factories.BookingFactory(
        center=space.center,
        space=space,
        start=now - timedelta(minutes=30),
        end=now + timedelta(minutes=90),
        **values,
    )


@pytest.mark.django_db
def test_rooms_show_free_in_use_or_closed_and_zones_follow_their_room(
    center_a, multimedia, dance_room
):
    room, zone_a, _zone_b = multimedia
    booking_now(zone_a)
    library = factories.SpaceFactory(center=center_a, name="图书室")
    Closure.objects.create(
        center=center_a,
        space=library,
        reason="盘点",
        start=timezone.now() - timedelta(hours=1),
        end=timezone.now() + timedelta(hours=1),
    )

    states = {row["name"]: row["state"] for row in snapshot(center_a.pk)["spaces"]}

    assert states == {
        "多媒体活动室": "in_use",
        "A区": "in_use",
        "B区": "free",
        "舞蹈教室": "free",
        "图书室": "closed",
    }


@pytest.mark.django_db
def test_the_screen_never_shows_who_booked(center_a, dance_room, alice):
    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    booking_now(dance_room, booker=alice, title="王爱丽的生日会", purpose="team")
    later = timezone.now() + timedelta(hours=3)
    factories.BookingFactory(
        center=center_a,
        space=dance_room,
        team=team,
        title="舞蹈队排练",
        start=later,
        end=later + timedelta(hours=1),
        status="approved",
    )

    text = json.dumps(snapshot(center_a.pk), ensure_ascii=False)

    assert "王爱丽" not in text and alice.mobile not in text
    assert "团体活动" in text  # a resident's booking shows its purpose
    assert "舞蹈队排练" in text  # a team's shows its title


@pytest.mark.django_db
def test_every_figure_equals_a_query_over_the_records(olivia, center_a, dance_room, multimedia):
    booking_now(dance_room)
    booking_now(multimedia[1], status="checked_in")
    factories.BookingFactory(center=center_a, space=dance_room, status="cancelled")
    yesterday = timezone.localdate() - timedelta(days=1)
    record_add(
        center=center_a,
        by=olivia,
        kind=service_type(center_a, "legal"),
        day=timezone.localdate(),
        people=3,
    )
    record_add(
        center=center_a, by=olivia, kind=service_type(center_a, "salon"), day=yesterday, people=20
    )

    picture = snapshot(center_a.pk)
    today = {f["key"]: f["value"] for f in picture["today"]}

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    held = Booking.objects.filter(
        center=center_a,
        start__lt=start + timedelta(days=1),
        end__gt=start,
        status__in=["approved", "checked_in", "completed"],
    )
    assert today["bookings"] == held.count() == 2
    assert today["checked_in"] == held.filter(status="checked_in").count() == 1
    assert today["services"] == 1
    assert picture["ledger"] == ledger.counters(center_a.pk, timezone.localdate())
    assert picture["chart"]["services"][-2:] == [1, 1]


@pytest.mark.django_db
def test_the_screen_opens_with_its_url_and_closes_when_re_keyed(client, adam, center_a):
    screen, token = services.screen_create(center=center_a, by=adam, name="大厅")
    page = client.get(f"/display/{token}/")
    assert page.status_code == 200 and center_a.name in page.content.decode()
    assert Screen.objects.get().last_seen_at is not None
    assert client.get("/display/not-a-token/").status_code == 404

    new = services.screen_rotate(screen=screen, by=adam)

    assert client.get(f"/display/{token}/").status_code == 404
    assert client.get(f"/display/{new}/").status_code == 200
    screen.refresh_from_db()
    assert token not in screen.token_hash  # only a hash is kept


@pytest.mark.django_db
def test_the_command_line_prints_a_url_that_opens(client, center_a, capsys):
    call_command(
        "screen",
        "create",
        "--center",
        str(center_a.pk),
        "--name",
        "门口竖屏",
        "--layout",
        "portrait",
    )
    url = capsys.readouterr().out.strip()
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "layout-portrait" in page.content.decode()


@pytest.mark.django_db
def test_staff_make_a_screen_and_see_its_url_once(client, adam, center_a):
    client.force_login(adam)
    client.post(
        f"/console/c/{center_a.pk}/screens/",
        {"name": "大厅屏", "layout": "landscape", "counters": ["today", "ledger"]},
    )
    first = client.get(f"/console/c/{center_a.pk}/screens/").content.decode()
    again = client.get(f"/console/c/{center_a.pk}/screens/").content.decode()
    assert "/display/" in first and "/display/" not in again
    assert Screen.objects.get().counters == ["today", "ledger"]


# --- live ---------------------------------------------------------------------------------------


def test_one_change_builds_one_picture_for_all_screens_of_the_center(
    committed_db, center_a, center_b
):
    hub = live.Hub()

    async def scenario():
        screens = [await hub.subscribe(center_a.pk) for _ in range(5)]
        other = await hub.subscribe(center_b.pk)
        for queue in [*screens, other]:
            queue.get_nowait()  # the picture each gets on connecting
        builds = hub.builds
        for _ in range(3):  # a burst of changes: folded into one build
            hub.changed(center_a.pk)
        pictures = [await asyncio.wait_for(q.get(), timeout=5) for q in screens]
        await asyncio.sleep(live.DEBOUNCE * 2)
        hub.close()
        return hub.builds - builds, pictures, other.empty()

    builds, pictures, other_untouched = asyncio.run(scenario())
    assert builds == 1
    assert len({id(p) for p in pictures}) == 1  # the very same text for every screen
    assert other_untouched


def test_an_approval_reaches_the_open_stream(committed_db, center_a, dance_room, adam):
    from openhall.bookings.services import booking_approve

    _screen, token = services.screen_create(center=center_a, by=adam, name="大厅")
    later = timezone.now() + timedelta(hours=2)
    booking = factories.BookingFactory(
        center=center_a,
        space=dance_room,
        start=later,
        end=later + timedelta(hours=1),
        title="书法班",
        team=factories.TeamFactory(center=center_a),
    )

    async def scenario():
        response = await AsyncClient().get(f"/display/{token}/events")
        assert response["Content-Type"].startswith("text/event-stream")
        chunks = aiter(response.streaming_content)
        assert (await anext(chunks)).startswith(b"retry:")
        first = await anext(chunks)
        assert b"event: snapshot" in first and "书法班".encode() not in first
        from asgiref.sync import sync_to_async

        def approve():
            try:
                booking_approve(booking=booking, by=adam)
            finally:
                connection.close()

        await sync_to_async(approve, thread_sensitive=False)()
        update = await asyncio.wait_for(anext(chunks), timeout=5)
        await response.streaming_content.aclose()
        live.hub.close()
        return update

    update = asyncio.run(scenario())
    assert "书法班".encode() in update


def test_changes_made_in_another_process_arrive_through_redis(committed_db, center_a, redis_url):
    listening, elsewhere = live.Hub(redis_url), live.Hub(redis_url)

    async def scenario():
        queue = await listening.subscribe(center_a.pk)
        queue.get_nowait()
        # A change published before Redis confirms the subscription would not be heard.
        await asyncio.wait_for(listening.listening.wait(), timeout=5)
        builds = listening.builds
        elsewhere.changed(center_a.pk)  # e.g. the worker process finishing a booking
        picture = await asyncio.wait_for(queue.get(), timeout=5)
        listening.close()
        return listening.builds - builds, picture

    builds, picture = asyncio.run(scenario())
    assert builds == 1 and center_a.name in picture


@pytest.mark.django_db
def test_a_room_free_today_shows_its_next_use_this_week(center_a, dance_room):
    later = timezone.localtime() + timedelta(days=2)
    factories.BookingFactory(
        center=center_a,
        space=dance_room,
        start=later,
        end=later + timedelta(hours=1),
        status="approved",
        purpose="party",
    )
    row = next(r for r in snapshot(center_a.pk)["spaces"] if r["name"] == "舞蹈教室")
    assert row["state"] == "free"
    assert row["next"]["date"] == f"{later:%-m月%-d日}" and row["next"]["title"] == "党群活动"


# --- what people type stays text ----------------------------------------------------------------

HOSTILE = "</script><h1 id=pwn>x</h1><img src=x onerror=alert(1)>"


@pytest.mark.django_db
def test_a_hostile_team_title_stays_text_on_the_screen_page(client, adam, center_a, dance_room):
    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    with time_machine.travel(datetime(2026, 6, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        now = timezone.now()
        factories.BookingFactory(
            center=center_a,
            space=dance_room,
            team=team,
            title=HOSTILE,
            start=now + timedelta(hours=1),
            end=now + timedelta(hours=2),
            status="approved",
        )
        _screen, token = services.screen_create(center=center_a, by=adam, name="大厅")
        page = client.get(f"/display/{token}/").content.decode()

    # The title reaches the page only inside the JSON block, with < and > escaped, so the
    # browser never closes the script element early and never builds the heading or image.
    assert "<h1 id=pwn>" not in page and "<img src=x" not in page
    start = page.index('<script id="initial" type="application/json">')
    block = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert HOSTILE in json.dumps(json.loads(block)["schedule"], ensure_ascii=False)
