from icalendar import Calendar

from openhall import factories
from openhall.bookings.feeds import feed_token
from openhall.bookings.tests.conftest import at


def test_my_calendar_link_serves_my_bookings(client, alice, dance_room):
    factories.BookingFactory(
        center=dance_room.center, space=dance_room, booker=alice, title="书法课", status="approved"
    )
    client.force_login(alice)
    page = client.get("/bookings/").content.decode()
    url = page.split('class="feed-link"><a href="', 1)[1].split('"', 1)[0]
    client.logout()  # calendar apps fetch without a session
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/calendar"), url
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["书法课 · 舞蹈教室"]


def test_a_new_link_revokes_the_old_one(client, alice):
    old = f"/feeds/{feed_token('user', alice.pk, alice.calendar_feed_version)}.ics"
    assert client.get(old).status_code == 200
    client.force_login(alice)
    client.post("/bookings/calendar-link/rotate/")
    assert client.get(old).status_code == 404


def test_a_space_feed_lists_bookings_without_names(client, alice, dance_room):
    factories.BookingFactory(
        center=dance_room.center,
        space=dance_room,
        booker=alice,
        team=factories.TeamFactory(center=dance_room.center, name="合唱团"),
        title="合唱排练",
        status="approved",
        start=at(2, 9),
        end=at(2, 10),
    )
    response = client.get(
        f"/feeds/{feed_token('space', dance_room.pk, dance_room.feed_version)}.ics"
    )
    body = response.content.decode()
    assert "合唱排练" in body and alice.real_name not in body and alice.mobile not in body


def test_a_forged_token_is_404(client, alice):
    assert client.get(f"/feeds/user:{alice.pk}:1:forged.ics").status_code == 404
