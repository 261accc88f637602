"""Calendar feeds: what a subscribed calendar shows, what it never shows, and who can open it."""

from datetime import UTC, timedelta
from urllib.parse import quote

import pytest
from django.core import signing
from icalendar import Calendar

from openhall import factories
from openhall.bookings import services
from openhall.bookings.feeds import (
    SPACE_FEED,
    USER_FEED,
    feed_object,
    feed_token,
    ical_for_space,
    ical_for_user,
)
from openhall.bookings.models import Booking
from openhall.bookings.tests.conftest import at
from openhall.venues.models import Purpose

S = Booking.Status


def parse(feed: bytes) -> Calendar:
    return Calendar.from_ical(feed)


def events_by_uid(feed: bytes) -> dict:
    return {str(e["uid"]): e for e in parse(feed).walk("VEVENT")}


def uid(booking: Booking) -> str:
    return f"booking-{booking.pk}@openhall"


def space_feed(space) -> bytes:
    return ical_for_space(space=space, since=at(0, 0), until=at(8, 0))


def user_feed(user) -> bytes:
    return ical_for_user(user=user, since=at(0, 0), until=at(8, 0))


def book(space, *, booker=None, **fields) -> Booking:
    if booker is not None:
        fields["booker"] = booker
    fields.setdefault("start", at(2, 10))
    fields.setdefault("end", fields["start"] + timedelta(hours=2))
    return factories.BookingFactory(center=space.center, space=space, **fields)


# --- the feed of a space -----------------------------------------------------------------------


def test_a_space_feed_is_a_calendar_named_after_the_space(dance_room):
    calendar = parse(space_feed(dance_room))
    assert str(calendar["prodid"]) == "-//OpenHall//Bookings//ZH"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["x-wr-calname"]) == "舞蹈教室"
    assert str(calendar["x-wr-timezone"]) == "Asia/Shanghai"


def test_a_space_feed_shows_approved_use_confirmed_and_never_a_request(dance_room):
    bookings = {
        status: book(dance_room, status=status, start=at(2, 8 + 2 * i))
        for i, status in enumerate([S.REQUESTED, S.APPROVED, S.CHECKED_IN, S.COMPLETED])
    }
    events = events_by_uid(space_feed(dance_room))
    # A request is only a wish until staff approve it; the room's subscribers see held use.
    assert {
        status: str(events[uid(b)]["status"]) for status, b in bookings.items() if uid(b) in events
    } == {
        S.APPROVED: "CONFIRMED",
        S.CHECKED_IN: "CONFIRMED",
        S.COMPLETED: "CONFIRMED",
    }


def test_a_space_feed_shows_what_the_lobby_shows_not_a_residents_own_words(dance_room, alice):
    """A resident's title may carry a name, a phone number, an illness: the room's feed is public
    to whoever holds its link, so it shows the purpose, as the lobby screen does."""
    private = "陈静 13900000003 看病复诊"
    waiting = book(
        dance_room, booker=alice, title=private, purpose="other", status=S.REQUESTED, start=at(2, 8)
    )
    held = book(
        dance_room,
        booker=alice,
        title=private,
        purpose="public_benefit",
        status=S.APPROVED,
        start=at(2, 12),
    )
    team = factories.TeamFactory(center=dance_room.center, name="夕阳红舞蹈队")
    rehearsal = book(
        dance_room, booker=alice, team=team, title="舞蹈队排练", status=S.APPROVED, start=at(2, 16)
    )

    feed = space_feed(dance_room)
    events = events_by_uid(feed)

    assert "13900000003" not in feed.decode() and "看病" not in feed.decode()
    assert uid(waiting) not in events
    assert str(events[uid(held)]["summary"]) == str(Purpose("public_benefit").label)
    assert str(events[uid(rehearsal)]["summary"]) == "舞蹈队排练"
    # The person's own feed keeps their words: it is theirs alone.
    assert str(events_by_uid(user_feed(alice))[uid(held)]["summary"]).startswith(private)


def test_a_space_feed_shows_the_title_and_the_time_in_utc(dance_room):
    team = factories.TeamFactory(center=dance_room.center, name="广场舞队")
    booking = book(dance_room, team=team, title="广场舞排练", status=S.APPROVED, start=at(2, 19))
    feed = space_feed(dance_room)
    event = events_by_uid(feed)[uid(booking)]
    assert str(event["summary"]) == "广场舞排练"
    assert event.decoded("dtstart") == booking.start
    assert event.decoded("dtend") == booking.end
    # 19:00 in Shanghai is 11:00Z: written in UTC so no client has to resolve a time zone
    utc_start = booking.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{utc_start}".encode() in feed
    assert "DTSTAMP" in event


def test_a_space_feed_never_names_the_booker(dance_room, alice, olivia):
    factories.BookingFactory(
        center=dance_room.center,
        space=dance_room,
        booker=alice,
        booked_by=olivia,
        team=factories.TeamFactory(center=dance_room.center, name="夕阳红舞蹈队"),
        status=S.APPROVED,
        decided_by=olivia,
        note="联系我：" + alice.mobile,
    )
    text = space_feed(dance_room).decode()
    assert "VEVENT" in text
    for secret in (alice.real_name, alice.mobile, alice.masked_mobile, olivia.real_name):
        assert secret not in text
    for field in ("ORGANIZER", "ATTENDEE", "DESCRIPTION", "CONTACT"):
        assert field not in text


def test_a_cancelled_booking_disappears_from_the_space_feed(dance_room, alice):
    booking = book(dance_room, booker=alice, status=S.APPROVED, start=at(3, 10))
    assert uid(booking) in events_by_uid(space_feed(dance_room))

    services.booking_cancel(booking=booking, by=alice)

    assert uid(booking) not in events_by_uid(space_feed(dance_room))


@pytest.mark.parametrize("status", [S.CANCELLED, S.REJECTED, S.NO_SHOW])
def test_a_booking_that_does_not_hold_the_space_is_not_in_its_feed(dance_room, status):
    book(dance_room, status=status)
    assert parse(space_feed(dance_room)).walk("VEVENT") == []


def test_a_zone_feed_shows_whole_room_bookings_but_not_the_other_zone(multimedia):
    room, zone_a, zone_b = multimedia
    whole = book(room, status=S.APPROVED, start=at(2, 8))
    in_a = book(zone_a, status=S.APPROVED, start=at(2, 12))
    in_b = book(zone_b, status=S.APPROVED, start=at(2, 12))

    assert set(events_by_uid(space_feed(zone_a))) == {uid(whole), uid(in_a)}
    assert set(events_by_uid(space_feed(room))) == {uid(whole), uid(in_a), uid(in_b)}
    event = events_by_uid(space_feed(room))[uid(in_b)]
    assert str(event["location"]) == "多媒体活动室 · B区"


def test_a_space_feed_shows_only_bookings_overlapping_its_window(dance_room):
    since, until = at(2, 12), at(3, 12)
    before = book(dance_room, status=S.APPROVED, start=at(2, 8), end=at(2, 10))
    across_start = book(dance_room, status=S.APPROVED, start=at(2, 11), end=at(2, 13))
    inside = book(dance_room, status=S.APPROVED, start=at(3, 8), end=at(3, 10))
    ends_at_since = book(dance_room, status=S.APPROVED, start=at(2, 10), end=at(2, 11))
    after = book(dance_room, status=S.APPROVED, start=at(3, 12), end=at(3, 14))

    feed = ical_for_space(space=dance_room, since=since, until=until)

    assert set(events_by_uid(feed)) == {uid(across_start), uid(inside)}
    assert not {uid(before), uid(ends_at_since), uid(after)} & set(events_by_uid(feed))


def test_a_booking_keeps_its_uid_and_stamp_from_one_refresh_to_the_next(dance_room):
    booking = book(dance_room, status=S.APPROVED)
    first = events_by_uid(space_feed(dance_room))[uid(booking)]
    second = events_by_uid(space_feed(dance_room))[uid(booking)]
    # Calendar apps update an event by UID; a new UID or stamp each refresh would churn them.
    assert first.decoded("dtstamp") == second.decoded("dtstamp")


def test_another_centers_space_feed_shows_only_its_own_bookings(dance_room, center_b):
    hall_b = factories.SpaceFactory(center=center_b, name="舞蹈教室")
    ours = book(dance_room, status=S.APPROVED)
    book(hall_b, status=S.APPROVED)
    assert set(events_by_uid(space_feed(dance_room))) == {uid(ours)}


# --- a person's own feed -----------------------------------------------------------------------


def test_my_feed_shows_my_bookings_with_the_space_and_the_center_address(
    alice, dance_room, center_a
):
    booking = book(dance_room, booker=alice, title="读书会", status=S.APPROVED)
    calendar = parse(user_feed(alice))
    event = events_by_uid(user_feed(alice))[uid(booking)]
    assert str(event["summary"]) == "读书会 · 舞蹈教室"
    assert str(event["location"]) == f"{center_a.name} {center_a.address}"
    assert str(event["status"]) == "CONFIRMED"
    assert str(calendar["x-wr-timezone"]) == "Asia/Shanghai"


def test_my_feed_marks_a_cancelled_booking_cancelled_so_calendars_remove_it(alice, dance_room):
    booking = book(dance_room, booker=alice, status=S.APPROVED, start=at(3, 10))
    services.booking_cancel(booking=booking, by=alice)
    assert str(events_by_uid(user_feed(alice))[uid(booking)]["status"]) == "CANCELLED"


def test_my_feed_shows_a_request_as_tentative_and_leaves_out_rejections(alice, dance_room):
    waiting = book(dance_room, booker=alice, status=S.REQUESTED, start=at(2, 8))
    rejected = book(dance_room, booker=alice, status=S.REJECTED, start=at(2, 12))
    events = events_by_uid(user_feed(alice))
    assert str(events[uid(waiting)]["status"]) == "TENTATIVE"
    assert uid(rejected) not in events


def test_my_feed_never_shows_someone_elses_bookings(alice, tom, dance_room):
    mine = book(dance_room, booker=alice, status=S.APPROVED, start=at(2, 8))
    book(dance_room, booker=tom, status=S.APPROVED, start=at(2, 12))
    assert set(events_by_uid(user_feed(alice))) == {uid(mine)}


# --- secret feed links -------------------------------------------------------------------------


def test_a_feed_token_names_its_feed_and_version():
    assert feed_object(feed_token(SPACE_FEED, 42, 3)) == (SPACE_FEED, 42, 3)
    assert feed_object(feed_token(USER_FEED, 7, 0)) == (USER_FEED, 7, 0)


def test_a_feed_token_fits_in_a_url_path_as_it_is():
    token = feed_token(USER_FEED, 7, 0)
    assert quote(token, safe=":") == token


def test_a_tampered_feed_token_is_refused():
    token = feed_token(USER_FEED, 7, 0)
    value, signature = token.rsplit(":", 1)
    assert feed_object(token.replace("user:7:", "user:8:")) is None
    assert feed_object(token.replace("user:", "space:")) is None
    assert feed_object(token.replace(":0:", ":1:")) is None
    assert feed_object(f"{value}:{signature[::-1]}") is None
    assert feed_object(value) is None
    assert feed_object("") is None


def test_a_value_signed_elsewhere_in_the_app_is_not_a_feed_token():
    other = signing.Signer(salt="openhall.something-else").sign("user:7:0")
    assert feed_object(other) is None
    assert feed_object(signing.Signer().sign("user:7:0")) is None


def test_rotating_the_version_gives_a_new_link_and_the_old_one_names_the_old_version():
    old, new = feed_token(USER_FEED, 7, 0), feed_token(USER_FEED, 7, 1)
    assert old != new
    # The caller compares with its stored counter (now 1) and refuses the old link.
    assert feed_object(old) == (USER_FEED, 7, 0)


def test_a_feed_kind_with_a_separator_is_refused():
    with pytest.raises(ValueError):
        feed_token("user:7", 1, 0)
