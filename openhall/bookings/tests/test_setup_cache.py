"""The center setup (spaces, rules, hours, closures) is cached per process; a change made by any
path must apply to the very next booking."""

import pytest

from openhall.bookings.services import BookingRefused
from openhall.bookings.tests.conftest import at, book
from openhall.venues.models import BookingRule, Closure, Space
from openhall.venues.rules import center_setup, effective_rules

pytestmark = pytest.mark.django_db


def refusal_codes(space, who, start, end) -> set[str]:
    with pytest.raises(BookingRefused) as refused:
        book(space, who, start, end)
    return {v.code for v in refused.value.violations}


def test_a_closure_saved_directly_applies_to_the_next_booking(multimedia, alice):
    multimedia, *_zones = multimedia
    book(multimedia, alice, at(3, 9), at(3, 10))  # the setup is now cached
    Closure.objects.create(
        center=multimedia.center, start=at(3, 0), end=at(4, 0), reason="消防检查"
    )
    assert "closed" in refusal_codes(multimedia, alice, at(3, 14), at(3, 15))


def test_a_rule_change_applies_at_once(multimedia, alice):
    multimedia, *_zones = multimedia
    assert effective_rules(multimedia).max_duration_minutes == 240
    BookingRule.objects.update_or_create(
        center=multimedia.center, space=None, defaults={"max_duration_minutes": 60}
    )
    assert "too_long" in refusal_codes(multimedia, alice, at(3, 9), at(3, 11))


def test_a_new_zone_is_claimed_by_the_next_whole_room_booking(multimedia, alice):
    multimedia, *_zones = multimedia
    center_setup(multimedia.center_id)
    zone = Space.objects.create(center=multimedia.center, parent=multimedia, name="C区")
    booking = book(multimedia, alice, at(3, 9), at(3, 10))
    assert zone.pk in set(booking.claims.values_list("unit_id", flat=True))


def test_a_rule_changed_between_two_api_bookings_applies_to_the_second(
    api_client, multimedia, alice
):
    """The booking API hands the service the setup token it read with the space, instead of a
    second read: that token must still be the one a change just replaced."""
    multimedia, *_zones = multimedia
    client = api_client(alice)

    def post(start, end):
        return client.post(
            "/api/v1/bookings",
            {
                "space_id": multimedia.pk,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "title": "读书会",
                "purpose": "public_benefit",
                "attendees": 8,
            },
            content_type="application/json",
        )

    assert post(at(2, 9), at(2, 11)).status_code == 201  # the setup is now cached
    BookingRule.objects.update_or_create(
        center=multimedia.center, space=None, defaults={"max_duration_minutes": 60}
    )
    refused = post(at(3, 9), at(3, 11))
    assert refused.status_code == 422
    assert "too_long" in str(refused.json()["details"])
