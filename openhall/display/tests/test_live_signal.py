"""A booking tells its center's lobby screens after it commits, on every booking's hot path:
the event names the center, so the signal costs no query."""

import pytest

from openhall.bookings.tests.conftest import at, book
from openhall.core import events
from openhall.display import subscribers

pytestmark = pytest.mark.django_db


def test_a_booking_signals_its_centers_screens_without_a_query(
    dance_room, alice, monkeypatch, django_capture_on_commit_callbacks, django_assert_num_queries
):
    signalled, told = [], []
    real_signal = events._signal
    monkeypatch.setattr(
        events, "_signal", lambda event, live, payload: signalled.append((event, live, payload))
    )
    monkeypatch.setattr(subscribers, "changed", told.append)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(dance_room, alice, at(2, 9), at(2, 10))
    [(event, live, payload)] = signalled
    assert payload == {"booking_id": booking.pk, "center_id": dance_room.center_id}
    with django_assert_num_queries(0):
        real_signal(event, [s for s in live if s.handler is subscribers.booking_changed], payload)
    assert told == [dance_room.center_id]


def test_an_event_without_its_center_still_reaches_the_screens(dance_room, alice, monkeypatch):
    told = []
    monkeypatch.setattr(subscribers, "changed", told.append)
    booking = book(dance_room, alice, at(2, 9), at(2, 10))
    subscribers.booking_changed(booking_id=booking.pk)  # an event stored before it named one
    assert told == [dance_room.center_id]
