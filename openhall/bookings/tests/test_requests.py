from datetime import time, timedelta

import pytest

from openhall import factories
from openhall.bookings import services
from openhall.bookings.models import Booking, BookingClaim
from openhall.bookings.tests.conftest import at, book
from openhall.core.models import AuditEntry
from openhall.core.refusals import NotFound
from openhall.notifications.models import Message
from openhall.venues.models import BookingRule, Closure, OpeningHours


def refusal_codes(call) -> list[str]:
    with pytest.raises(services.BookingRefused) as refused:
        call()
    return [v.code for v in refused.value.violations]


def test_a_resident_requests_a_zone_and_it_waits_for_approval(
    alice, multimedia, django_capture_on_commit_callbacks
):
    room, zone_a, _ = multimedia
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(zone_a, alice, at(2, 19), at(2, 21))
    assert booking.status == Booking.Status.REQUESTED
    assert list(booking.claims.values_list("unit", flat=True)) == [zone_a.pk]
    assert AuditEntry.objects.filter(action="booking.request", object_id=str(booking.pk)).exists()
    assert Message.objects.get(user=alice).title == "预约已提交"


def test_booking_the_whole_room_claims_every_zone(alice, multimedia):
    room, zone_a, zone_b = multimedia
    booking = book(room, alice, at(2, 9), at(2, 11))
    assert set(booking.claims.values_list("unit", flat=True)) == {zone_a.pk, zone_b.pk}


def test_the_whole_room_is_refused_while_a_zone_is_held(alice, tom, multimedia):
    room, zone_a, zone_b = multimedia
    book(zone_a, alice, at(2, 9), at(2, 11))
    with pytest.raises(services.BookingConflict) as conflict:
        book(room, tom, at(2, 10), at(2, 12))
    assert conflict.value.conflicts[0].space == "多媒体活动室 · A区"
    assert "已被预约" in str(conflict.value)
    book(zone_b, tom, at(2, 10), at(2, 12))  # the other zone is free


def test_a_zone_is_refused_while_the_whole_room_is_held(alice, tom, multimedia):
    room, zone_a, _ = multimedia
    book(room, alice, at(2, 9), at(2, 11))
    with pytest.raises(services.BookingConflict):
        book(zone_a, tom, at(2, 10, 30), at(2, 11, 30))


def test_back_to_back_bookings_fit_without_a_buffer(alice, tom, dance_room):
    book(dance_room, alice, at(2, 9), at(2, 11))
    book(dance_room, tom, at(2, 11), at(2, 13))


def test_a_buffer_keeps_a_gap_on_both_sides(alice, tom, dance_room, center_a):
    BookingRule.objects.create(center=center_a, space=dance_room, buffer_minutes=30)
    book(dance_room, alice, at(2, 9), at(2, 11))
    with pytest.raises(services.BookingConflict):
        book(dance_room, tom, at(2, 11), at(2, 12))
    with pytest.raises(services.BookingConflict):
        book(dance_room, tom, at(2, 7), at(2, 8, 45))
    book(dance_room, tom, at(2, 11, 30), at(2, 12, 30))


def test_a_rejected_or_cancelled_booking_frees_its_slot(alice, tom, olivia, dance_room):
    first = book(dance_room, alice, at(2, 9), at(2, 11))
    services.booking_reject(booking=first, by=olivia, reason="场地维修")
    second = book(dance_room, tom, at(2, 9), at(2, 11))
    services.booking_cancel(booking=second, by=tom)
    book(dance_room, alice, at(2, 9), at(2, 11))
    assert BookingClaim.objects.filter(live=True).count() == 1


def test_staff_book_on_behalf_and_it_is_approved_at_once(olivia, alice, dance_room):
    booking = book(dance_room, alice, at(2, 9), at(2, 11), by=olivia)
    assert booking.status == Booking.Status.APPROVED
    assert (booking.booker, booking.booked_by, booking.decided_by) == (alice, olivia, olivia)


def test_a_resident_cannot_book_for_someone_else(alice, tom, dance_room):
    # Not found, as the API has always answered: a resident learns nothing of staff powers.
    with pytest.raises(NotFound):
        book(dance_room, tom, at(2, 9), at(2, 11), by=alice)


def test_a_space_without_approval_books_straight_away(alice, dance_room, center_a):
    BookingRule.objects.create(center=center_a, requires_approval=False)
    assert book(dance_room, alice, at(2, 9), at(2, 11)).status == Booking.Status.APPROVED


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (at(-1, 9), at(-1, 10), "in_the_past"),
        (at(0, 0) + timedelta(days=31), at(0, 1) + timedelta(days=31), "too_far_ahead"),
        (at(2, 9), at(2, 9, 15), "too_short"),
        (at(2, 9), at(2, 14), "too_long"),
        (at(2, 11), at(2, 9), "invalid_time"),
    ],
)
def test_time_rules_refuse_with_a_named_rule(alice, dance_room, start, end, code):
    assert code in refusal_codes(lambda: book(dance_room, alice, start, end))
    assert not Booking.objects.exists()


def test_too_little_notice_is_refused_in_plain_words(alice, dance_room, time_machine):
    start, end = at(1, 8, 30), at(1, 10)
    time_machine.move_to(at(1, 8), tick=False)
    with pytest.raises(services.BookingRefused) as refused:
        book(dance_room, alice, start, end)
    assert refused.value.violations[0].code == "too_soon"
    assert "请至少提前 1 小时预约" in str(refused.value)


def test_more_people_than_the_room_holds_is_refused(alice, dance_room):
    assert refusal_codes(lambda: book(dance_room, alice, at(2, 9), at(2, 11), attendees=41)) == [
        "over_capacity"
    ]


def test_a_purpose_the_space_does_not_take_is_refused(alice, dance_room, center_a):
    BookingRule.objects.create(
        center=center_a, space=dance_room, purposes=["public_benefit", "team"]
    )
    assert refusal_codes(
        lambda: book(dance_room, alice, at(2, 9), at(2, 11), purpose="enterprise")
    ) == ["purpose_not_allowed"]


def test_rules_are_inherited_from_the_room_by_its_zones(alice, multimedia, center_a):
    room, zone_a, _ = multimedia
    BookingRule.objects.create(center=center_a, space=room, max_duration_minutes=60)
    assert refusal_codes(lambda: book(zone_a, alice, at(2, 9), at(2, 11))) == ["too_long"]


def test_opening_hours_and_unstaffed_hours(alice, dance_room, center_a):
    day = at(2, 0).weekday()
    OpeningHours.objects.create(
        center=center_a,
        weekday=day,
        opens=time(8),
        closes=time(21),
        staffed_from=time(8, 30),
        staffed_until=time(17),
    )
    assert refusal_codes(lambda: book(dance_room, alice, at(2, 20), at(2, 22))) == [
        "outside_opening_hours"
    ]
    codes = refusal_codes(lambda: book(dance_room, alice, at(2, 18), at(2, 20)))
    assert codes == ["unstaffed_hours"]
    book(dance_room, alice, at(2, 9), at(2, 11))
    BookingRule.objects.create(center=center_a, space=dance_room, allow_unstaffed=True)
    book(dance_room, alice, at(2, 18), at(2, 20))


def test_a_day_without_opening_hours_is_closed(alice, dance_room, center_a):
    other_day = (at(2, 0).weekday() + 1) % 7
    OpeningHours.objects.create(center=center_a, weekday=other_day, opens=time(8), closes=time(21))
    assert refusal_codes(lambda: book(dance_room, alice, at(2, 9), at(2, 11))) == ["closed_day"]


def test_a_closure_refuses_with_its_reason(alice, multimedia, center_a):
    room, zone_a, _ = multimedia
    Closure.objects.create(
        center=center_a, space=room, start=at(2, 0), end=at(3, 0), reason="设备检修"
    )
    with pytest.raises(services.BookingRefused) as refused:
        book(zone_a, alice, at(2, 9), at(2, 11))
    assert "设备检修" in str(refused.value)


def test_active_bookings_per_person_are_capped(alice, dance_room, center_a):
    BookingRule.objects.create(center=center_a, max_active_per_booker=2)
    book(dance_room, alice, at(2, 9), at(2, 10))
    book(dance_room, alice, at(3, 9), at(3, 10))
    assert refusal_codes(lambda: book(dance_room, alice, at(4, 9), at(4, 10))) == [
        "too_many_active"
    ]


def test_paid_courses_are_capped_per_week(alice, tom, dance_room, center_a):
    BookingRule.objects.create(center=center_a, paid_hours_per_week=3, max_days_ahead=60)
    monday = at(7 - at(0, 0).weekday() + 7, 9)  # a Monday at least a week away
    book(dance_room, alice, monday, monday + timedelta(hours=2), purpose="paid_course")
    with pytest.raises(services.BookingRefused) as refused:
        book(
            dance_room,
            tom,
            monday + timedelta(days=1),
            monday + timedelta(days=1, hours=2),
            purpose="paid_course",
        )
    assert refused.value.violations[0].code == "paid_cap"
    book(
        dance_room,
        tom,
        monday + timedelta(days=1),
        monday + timedelta(days=1, hours=2),
        purpose="public_benefit",
    )
    book(
        dance_room,
        tom,
        monday + timedelta(days=7),
        monday + timedelta(days=7, hours=2),
        purpose="paid_course",
    )


def test_a_team_is_booked_only_by_its_leader(alice, tom, dance_room, center_a):
    team = factories.TeamFactory(center=center_a, leader=tom)
    assert "not_team_leader" in refusal_codes(
        lambda: book(dance_room, alice, at(2, 9), at(2, 11), team=team)
    )
    assert book(dance_room, tom, at(2, 9), at(2, 11), team=team).team == team


def test_an_unverified_enterprise_cannot_book(alice, dance_room, center_a, olivia):
    enterprise = factories.EnterpriseFactory(center=center_a)
    enterprise.memberships.create(user=alice)
    assert "enterprise_unverified" in refusal_codes(
        lambda: book(
            dance_room, alice, at(2, 9), at(2, 11), enterprise=enterprise, purpose="enterprise"
        )
    )
    from openhall.accounts.services import enterprise_verify

    enterprise_verify(enterprise=enterprise, by=olivia)
    enterprise.refresh_from_db()
    book(dance_room, alice, at(2, 9), at(2, 11), enterprise=enterprise, purpose="enterprise")


def test_every_refusal_is_explained_and_nothing_is_saved(alice, dance_room):
    with pytest.raises(services.BookingRefused) as refused:
        book(dance_room, alice, at(-1, 9), at(-1, 9, 10), attendees=100)
    codes = [v.code for v in refused.value.violations]
    assert {"in_the_past", "too_short", "over_capacity"} <= set(codes)
    assert all(v.message for v in refused.value.violations)
    assert not Booking.objects.exists() and not BookingClaim.objects.exists()
