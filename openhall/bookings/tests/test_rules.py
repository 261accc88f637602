"""Rules checked once, in bookings/rules.py, whichever edge a request comes through."""

import pytest

from openhall import factories
from openhall.bookings import services
from openhall.bookings.models import Booking
from openhall.bookings.tests.conftest import at, book
from openhall.bookings.tests.test_api import payload


@pytest.fixture
def enterprise_of_b(center_b, olivia, alice):
    """A verified enterprise of center B, with alice as its member."""
    from openhall.accounts.services import enterprise_verify

    enterprise = factories.EnterpriseFactory(center=center_b)
    enterprise.memberships.create(user=alice)
    oscar = factories.UserFactory(real_name="周运营二")
    factories.StaffFactory(user=oscar, role="operator", center=center_b)
    enterprise_verify(enterprise=enterprise, by=oscar)
    enterprise.refresh_from_db()
    return enterprise


def test_an_operator_cannot_book_for_an_enterprise_of_another_center(
    api_client, olivia, alice, dance_room, enterprise_of_b
):
    response = api_client(olivia).post(
        "/api/v1/bookings",
        payload(
            dance_room,
            at(2, 9),
            at(2, 11),
            purpose="enterprise",
            booker_id=alice.pk,
            enterprise_id=enterprise_of_b.pk,
        ),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_the_service_refuses_an_enterprise_of_another_center(
    olivia, alice, dance_room, enterprise_of_b
):
    with pytest.raises(services.BookingRefused) as refused:
        book(
            dance_room,
            alice,
            at(2, 9),
            at(2, 11),
            by=olivia,
            purpose="enterprise",
            enterprise=enterprise_of_b,
        )
    assert "enterprise_other_center" in [v.code for v in refused.value.violations]


def test_the_service_refuses_a_team_of_another_center(olivia, tom, dance_room, center_b):
    team_of_b = factories.TeamFactory(center=center_b)
    team_of_b.memberships.create(user=tom, role="leader")
    with pytest.raises(services.BookingRefused) as refused:
        book(dance_room, tom, at(2, 9), at(2, 11), team=team_of_b)
    other_center = [v for v in refused.value.violations if v.code == "team_other_center"]
    assert other_center and "不属于“舞蹈教室”所在的中心" in other_center[0].message


def test_a_resident_cannot_preview_a_series_for_someone_else(api_client, alice, tom, dance_room):
    body = payload(dance_room, at(2, 19), at(2, 21), rrule="FREQ=DAILY;COUNT=3", booker_id=tom.pk)
    response = api_client(alice).post(
        "/api/v1/booking-series/preview", body, content_type="application/json"
    )
    assert response.status_code == 404


def test_an_operator_previews_a_series_for_a_resident(api_client, olivia, alice, dance_room):
    body = payload(dance_room, at(2, 19), at(2, 21), rrule="FREQ=DAILY;COUNT=3", booker_id=alice.pk)
    response = api_client(olivia).post(
        "/api/v1/booking-series/preview", body, content_type="application/json"
    )
    assert response.status_code == 200 and len(response.json()) == 3


def _series(tom, dance_room):
    series, created, _ = services.booking_series_create(
        space=dance_room,
        booker=tom,
        by=tom,
        start=at(2, 19),
        end=at(2, 21),
        rrule="FREQ=DAILY;COUNT=3",
        title="排练",
        purpose="public_benefit",
        attendees=10,
    )
    assert [b.status for b in created] == [Booking.Status.REQUESTED] * 3
    return series


def _failing_on_the_second_date(monkeypatch):
    real, calls = services._transition, []

    def transition(booking, **kwargs):
        calls.append(booking.pk)
        if len(calls) == 2:
            raise RuntimeError("the database went away on the second date")
        return real(booking, **kwargs)

    monkeypatch.setattr(services, "_transition", transition)


def test_a_series_is_approved_whole_or_not_at_all(monkeypatch, tom, olivia, dance_room):
    series = _series(tom, dance_room)
    _failing_on_the_second_date(monkeypatch)
    with pytest.raises(RuntimeError):
        services.booking_series_approve(series=series, by=olivia)
    statuses = set(series.bookings.values_list("status", flat=True))
    assert statuses == {Booking.Status.REQUESTED}


def test_a_series_is_cancelled_whole_or_not_at_all(monkeypatch, tom, dance_room):
    series = _series(tom, dance_room)
    _failing_on_the_second_date(monkeypatch)
    with pytest.raises(RuntimeError):
        services.booking_series_cancel(series=series, by=tom)
    statuses = set(series.bookings.values_list("status", flat=True))
    assert statuses == {Booking.Status.REQUESTED}
    assert series.bookings.filter(claims__live=True).distinct().count() == 3
