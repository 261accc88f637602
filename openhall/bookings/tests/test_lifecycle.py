from datetime import time, timedelta

import pytest

from openhall.bookings import services
from openhall.bookings.models import Booking, BookingClaim
from openhall.bookings.tests.conftest import at, book
from openhall.core.models import AuditEntry
from openhall.core.refusals import Forbidden, NotFound
from openhall.notifications.models import Message
from openhall.venues.models import BookingRule


@pytest.fixture
def requested(alice, dance_room):
    return book(dance_room, alice, at(2, 9), at(2, 11), title="读书会", purpose="team", attendees=8)


def test_an_operator_approves_and_the_booker_is_told_once(
    requested, olivia, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_approve(booking=requested, by=olivia)
        services.booking_approve(booking=requested, by=olivia)
    requested.refresh_from_db()
    assert requested.status == Booking.Status.APPROVED and requested.decided_by == olivia
    assert Message.objects.filter(user=alice, title="预约已通过").count() == 1
    entry = AuditEntry.objects.get(action="booking.approve")
    assert entry.before["status"] == "requested" and entry.after["status"] == "approved"


def test_an_operator_of_another_center_cannot_approve(requested, oscar):
    with pytest.raises(NotFound):
        services.booking_approve(booking=requested, by=oscar)
    requested.refresh_from_db()
    assert requested.status == Booking.Status.REQUESTED


def test_a_rejection_needs_a_reason_the_booker_reads(
    requested, olivia, alice, django_capture_on_commit_callbacks
):
    with pytest.raises(services.InvalidTransition):
        services.booking_reject(booking=requested, by=olivia, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reject(booking=requested, by=olivia, reason="当天有街道活动")
    assert "当天有街道活动" in Message.objects.get(user=alice, title="预约未通过").body
    assert not requested.claims.filter(live=True).exists()


def test_the_booker_cancels_before_the_deadline_but_not_after(alice, dance_room, time_machine):
    booking = book(
        dance_room, alice, at(2, 9), at(2, 11), title="读书会", purpose="team", attendees=8
    )
    time_machine.move_to(booking.start - timedelta(hours=1), tick=False)
    with pytest.raises(services.InvalidTransition) as late:
        services.booking_cancel(booking=booking, by=alice)
    assert late.value.code == "cancel_deadline_passed"
    time_machine.move_to(booking.start - timedelta(hours=3), tick=False)
    assert services.booking_cancel(booking=booking, by=alice).status == Booking.Status.CANCELLED


def test_staff_cancel_any_time_but_must_say_why(requested, olivia):
    with pytest.raises(services.InvalidTransition):
        services.booking_cancel(booking=requested, by=olivia)
    assert (
        services.booking_cancel(booking=requested, by=olivia, reason="停电").decision_reason
        == "停电"
    )


def test_someone_else_cannot_cancel_my_booking(requested, tom, oscar, rita):
    with pytest.raises(NotFound):
        services.booking_cancel(booking=requested, by=tom)
    with pytest.raises(NotFound):
        services.booking_cancel(booking=requested, by=oscar, reason="试试")
    with pytest.raises(Forbidden):  # a street reviewer sees the center but does not run it
        services.booking_cancel(booking=requested, by=rita, reason="试试")
    requested.refresh_from_db()
    assert requested.status == Booking.Status.REQUESTED


def test_check_in_opens_half_an_hour_before_the_start(requested, olivia, alice, time_machine):
    services.booking_approve(booking=requested, by=olivia)
    time_machine.move_to(requested.start - timedelta(minutes=45), tick=False)
    with pytest.raises(services.InvalidTransition):
        services.booking_check_in(booking=requested, by=alice)
    time_machine.move_to(requested.start - timedelta(minutes=20), tick=False)
    booking = services.booking_check_in(booking=requested, by=alice)
    assert booking.status == Booking.Status.CHECKED_IN and booking.checked_in_at is not None


def test_the_sweep_marks_no_shows_completes_visits_and_expires_undecided_requests(
    alice, tom, olivia, dance_room, time_machine
):
    shown = book(
        dance_room, alice, at(2, 9), at(2, 10), by=olivia, title="到场", purpose="team", attendees=3
    )
    absent = book(
        dance_room, tom, at(2, 10), at(2, 11), by=olivia, title="缺席", purpose="team", attendees=3
    )
    undecided = book(
        dance_room, alice, at(2, 11), at(2, 12), title="未审", purpose="team", attendees=3
    )
    time_machine.move_to(at(2, 9, 5), tick=False)
    services.booking_check_in(booking=shown, by=alice)
    time_machine.move_to(at(2, 12, 30), tick=False)
    assert services.booking_sweep() == {"no_show": 1, "completed": 1, "expired": 1}
    assert services.booking_sweep() == {"no_show": 0, "completed": 0, "expired": 0}  # idempotent
    statuses = {b.title: b.status for b in Booking.objects.all()}
    assert statuses == {"到场": "completed", "缺席": "no_show", "未审": "cancelled"}
    assert (
        not absent.claims.filter(live=True).exists()
        and not undecided.claims.filter(live=True).exists()
    )


def test_repeated_no_shows_suspend_booking_rights(
    alice, olivia, dance_room, center_a, time_machine, settings
):
    settings.OPENHALL_NO_SHOW_LIMIT = 2
    BookingRule.objects.create(center=center_a, max_days_ahead=60)
    for day in (2, 3):
        book(
            dance_room,
            alice,
            at(day, 9),
            at(day, 10),
            by=olivia,
            title="缺席",
            purpose="team",
            attendees=3,
        )
    later = at(10, 9)
    time_machine.move_to(at(4, 9), tick=False)
    services.booking_sweep()
    with pytest.raises(services.BookingRefused) as refused:
        book(
            dance_room,
            alice,
            later,
            later + timedelta(hours=1),
            title="再来",
            purpose="team",
            attendees=3,
        )
    assert refused.value.violations[0].code == "suspended"
    assert "暂停至" in str(refused.value)


def test_a_weekly_series_lists_conflicts_and_may_skip_them(tom, alice, dance_room, center_a):
    BookingRule.objects.create(center=center_a, max_days_ahead=90)
    first = at(7 - at(0, 0).weekday() + 1, 19)  # next week's Tuesday 19:00
    clash = book(
        dance_room,
        alice,
        first + timedelta(days=7),
        first + timedelta(days=7, hours=2),
        title="占用",
        purpose="team",
        attendees=3,
    )
    rule = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6"
    preview = services.series_preview(
        space=dance_room,
        booker=tom,
        start=first,
        end=first + timedelta(hours=2),
        rrule=rule,
        purpose="team",
        attendees=10,
    )
    assert [o.start for o in preview if o.problem] == [clash.start]
    assert [o.start.weekday() for o in preview] == [1, 3, 1, 3, 1, 3]
    with pytest.raises(services.BookingRefused):
        services.booking_series_create(
            space=dance_room,
            booker=tom,
            by=tom,
            start=first,
            end=first + timedelta(hours=2),
            rrule=rule,
            title="舞蹈队排练",
            purpose="team",
            attendees=10,
        )
    series, created, skipped = services.booking_series_create(
        space=dance_room,
        booker=tom,
        by=tom,
        start=first,
        end=first + timedelta(hours=2),
        rrule=rule,
        title="舞蹈队排练",
        purpose="team",
        attendees=10,
        skip_conflicts=True,
    )
    assert len(created) == 5 and [o.start for o in skipped] == [clash.start]
    assert all(b.series == series for b in created)


def test_cancelling_the_rest_of_a_series_keeps_the_past(tom, dance_room, center_a, time_machine):
    BookingRule.objects.create(center=center_a, max_days_ahead=90, cancel_deadline_minutes=0)
    first = at(2, 19)
    series, created, _ = services.booking_series_create(
        space=dance_room,
        booker=tom,
        by=tom,
        start=first,
        end=first + timedelta(hours=2),
        rrule="FREQ=DAILY;COUNT=4",
        title="排练",
        purpose="team",
        attendees=10,
    )
    time_machine.move_to(at(3, 22), tick=False)
    cancelled = services.booking_series_cancel(series=series, by=tom)
    assert [b.start for b in cancelled] == [b.start for b in created[2:]]


def test_a_bad_repeat_rule_is_refused_in_words(tom, dance_room):
    with pytest.raises(services.BookingRefused) as refused:
        services.series_preview(
            space=dance_room,
            booker=tom,
            start=at(2, 9),
            end=at(2, 10),
            rrule="FREQ=HOURLY;COUNT=3",
            purpose="team",
            attendees=3,
        )
    assert "每天、每周或每月" in str(refused.value)


def test_the_booker_moves_a_booking_and_it_waits_for_approval_again(alice, olivia, dance_room):
    booking = book(
        dance_room, alice, at(2, 9), at(2, 11), title="读书会", purpose="team", attendees=8
    )
    services.booking_approve(booking=booking, by=olivia)
    moved = services.booking_reschedule(booking=booking, by=alice, start=at(3, 14), end=at(3, 16))
    assert (moved.start, moved.status) == (at(3, 14), Booking.Status.REQUESTED)
    assert list(moved.claims.values_list("start", "live")) == [(at(3, 14), True)]
    entry = AuditEntry.objects.get(action="booking.reschedule")
    assert entry.before["status"] == "approved" and entry.after["status"] == "requested"


def test_staff_move_a_booking_into_its_own_old_slot_overlap_and_it_stays_approved(
    alice, olivia, multimedia
):
    room, zone_a, _ = multimedia
    booking = book(
        zone_a, alice, at(2, 9), at(2, 11), by=olivia, title="读书会", purpose="team", attendees=8
    )
    moved = services.booking_reschedule(
        booking=booking, by=olivia, start=at(2, 10), end=at(2, 12), space=room
    )
    assert moved.status == Booking.Status.APPROVED
    assert set(moved.claims.values_list("unit", flat=True)) == {u.pk for u in multimedia[1:]}


def test_a_move_onto_someone_elses_slot_is_refused_and_nothing_changes(alice, tom, dance_room):
    mine = book(dance_room, alice, at(2, 9), at(2, 11), title="读书会", purpose="team", attendees=8)
    book(dance_room, tom, at(3, 9), at(3, 11), title="合唱", purpose="team", attendees=8)
    with pytest.raises(services.BookingConflict):
        services.booking_reschedule(booking=mine, by=alice, start=at(3, 10), end=at(3, 12))
    mine.refresh_from_db()
    assert mine.start == at(2, 9) and mine.claims.get().start == at(2, 9)


def _daily_series(tom, dance_room, center_a, count=4):
    BookingRule.objects.create(center=center_a, max_days_ahead=90, cancel_deadline_minutes=0)
    series, created, _ = services.booking_series_create(
        space=dance_room,
        booker=tom,
        by=tom,
        start=at(2, 19),
        end=at(2, 21),
        rrule=f"FREQ=DAILY;COUNT={count}",
        title="排练",
        purpose="team",
        attendees=10,
    )
    return series, created


def test_the_rest_of_a_series_moves_to_new_times_on_the_same_dates(
    tom, dance_room, center_a, time_machine
):
    series, created = _daily_series(tom, dance_room, center_a)
    kept = [at(2, 19), at(3, 19)]
    later = [at(4, 19, 30), at(5, 19, 30)]
    time_machine.move_to(at(3, 22), tick=False)  # the first two dates are past
    moved = services.booking_series_reschedule(
        series=series, by=tom, start_time=time(19, 30), end_time=time(21, 30)
    )
    assert [b.start for b in moved] == later
    assert [b.start for b in series.bookings.order_by("start")] == kept + later
    claims = BookingClaim.objects.filter(booking__in=moved, live=True).order_by("start")
    assert [c.start for c in claims] == later


def test_a_series_that_cannot_move_on_one_date_does_not_move_at_all(
    tom, alice, dance_room, center_a
):
    series, created = _daily_series(tom, dance_room, center_a)
    book(dance_room, alice, at(4, 21), at(4, 22), title="占用", purpose="team", attendees=3)
    with pytest.raises(services.BookingConflict) as conflict:
        services.booking_series_reschedule(
            series=series, by=tom, start_time=time(20), end_time=time(22)
        )
    assert conflict.value.conflicts[0].start == at(4, 21)
    assert [b.start for b in series.bookings.order_by("start")] == [b.start for b in created]


def test_only_the_booker_or_staff_move_a_series(tom, alice, dance_room, center_a):
    series, _ = _daily_series(tom, dance_room, center_a)
    with pytest.raises(NotFound):
        services.booking_series_reschedule(
            series=series, by=alice, start_time=time(20), end_time=time(22)
        )
