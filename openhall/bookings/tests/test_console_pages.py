"""Staff work bookings in the console: approvals inbox, calendar, on-behalf booking, closures, rules."""

from openhall import factories
from openhall.bookings.models import Booking
from openhall.bookings.tests.conftest import at
from openhall.core.models import AuditEntry
from openhall.venues.models import BookingRule, Closure


def test_the_inbox_lists_requests_and_approves_one(client, olivia, center_a, dance_room):
    booking = factories.BookingFactory(center=center_a, space=dance_room, title="老年合唱")
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/bookings/approvals/").content.decode()
    assert "老年合唱" in page
    assert '<span class="count">1</span>' in page  # the menu shows how many wait
    client.post(f"/console/c/{center_a.pk}/bookings/{booking.pk}/approve/")
    booking.refresh_from_db()
    assert booking.status == "approved"
    assert (
        "老年合唱"
        not in client.get(f"/console/c/{center_a.pk}/bookings/approvals/").content.decode()
    )


def test_rejecting_without_a_reason_is_refused_with_a_message(client, olivia, center_a, dance_room):
    booking = factories.BookingFactory(center=center_a, space=dance_room)
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/bookings/{booking.pk}/reject/", {"reason": ""}, follow=True
    )
    assert "请填写驳回理由" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_bulk_approval_approves_only_this_centers_requests(
    client, olivia, center_a, center_b, dance_room
):
    mine = [
        factories.BookingFactory(center=center_a, space=dance_room, at_hour=h) for h in (8, 11, 14)
    ]
    theirs = factories.BookingFactory(center=center_b)
    client.force_login(olivia)
    client.post(
        f"/console/c/{center_a.pk}/bookings/bulk-approve/",
        {"booking": [b.pk for b in mine] + [theirs.pk]},
    )
    assert set(Booking.objects.filter(status="approved").values_list("pk", flat=True)) == {
        b.pk for b in mine
    }


def test_the_day_calendar_shows_each_booking_in_its_row(client, olivia, center_a, dance_room):
    factories.BookingFactory(
        center=center_a,
        space=dance_room,
        title="舞蹈排练",
        start=at(2, 19),
        end=at(2, 21),
        status="approved",
    )
    client.force_login(olivia)
    page = client.get(
        f"/console/c/{center_a.pk}/bookings/calendar/", {"date": at(2, 0).date().isoformat()}
    ).content.decode()
    assert "舞蹈排练" in page and 'data-left="' in page


def test_staff_book_for_a_resident_by_mobile_number(client, olivia, alice, center_a, dance_room):
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/bookings/new/",
        {
            "mobile": alice.mobile,
            "space": dance_room.pk,
            "day": at(2, 0).date().isoformat(),
            "start": "10:00",
            "end": "11:30",
            "title": "电话预约",
            "purpose": "public_benefit",
            "attendees": 6,
        },
    )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert (booking.booker, booking.booked_by, booking.status) == (alice, olivia, "approved")


def test_an_unknown_mobile_number_is_explained(client, olivia, center_a, dance_room):
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/bookings/new/",
        {
            "mobile": "13999999999",
            "space": dance_room.pk,
            "day": at(2, 0).date().isoformat(),
            "start": "10:00",
            "end": "11:00",
            "title": "电话预约",
            "purpose": "public_benefit",
            "attendees": 6,
        },
    )
    assert response.status_code == 200 and not Booking.objects.exists()


def test_an_admin_adds_a_closure_that_refuses_bookings(client, adam, center_a, dance_room):
    client.force_login(adam)
    client.post(
        f"/console/c/{center_a.pk}/closures/",
        {
            "space": "",
            "start": at(5, 0).strftime("%Y-%m-%dT%H:%M"),
            "end": at(6, 0).strftime("%Y-%m-%dT%H:%M"),
            "reason": "国庆假期",
        },
    )
    closure = Closure.objects.get()
    assert closure.reason == "国庆假期" and closure.space is None
    assert AuditEntry.objects.filter(action="closure.create", center=center_a).exists()


def test_an_operator_may_not_edit_rules(client, olivia, center_a):
    client.force_login(olivia)
    assert client.get(f"/console/c/{center_a.pk}/booking-rules/").status_code == 403


def test_an_admin_edits_a_spaces_rules_and_it_is_audited(client, adam, center_a, dance_room):
    client.force_login(adam)
    client.post(
        f"/console/c/{center_a.pk}/booking-rules/?space={dance_room.pk}",
        {"space": dance_room.pk, "max_duration_minutes": "90", "allow_unstaffed": "true"},
    )
    rule = BookingRule.objects.get(space=dance_room)
    assert (
        rule.max_duration_minutes == 90
        and rule.allow_unstaffed is True
        and rule.buffer_minutes is None
    )
    entry = AuditEntry.objects.get(action="booking_rule.update")
    assert entry.before is None and entry.after["max_duration_minutes"] == 90


def test_staff_move_a_booking_from_its_page(client, olivia, center_a, dance_room):
    booking = factories.BookingFactory(
        center=center_a, space=dance_room, status="approved", start=at(2, 9), end=at(2, 10)
    )
    client.force_login(olivia)
    assert (
        'name="start" value="09:00"'
        in client.get(f"/console/c/{center_a.pk}/bookings/{booking.pk}/").content.decode()
    )
    client.post(
        f"/console/c/{center_a.pk}/bookings/{booking.pk}/reschedule/",
        {"day": at(3, 0).date().isoformat(), "start": "15:00", "end": "16:30"},
    )
    booking.refresh_from_db()
    assert (booking.start, booking.end, booking.status) == (at(3, 15), at(3, 16, 30), "approved")


def test_a_bad_time_when_moving_is_explained_and_changes_nothing(
    client, olivia, center_a, dance_room
):
    booking = factories.BookingFactory(
        center=center_a, space=dance_room, start=at(2, 9), end=at(2, 10)
    )
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/bookings/{booking.pk}/reschedule/",
        {"day": "", "start": "x", "end": ""},
        follow=True,
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.start == at(2, 9)


def hours_form(**days):
    """POST data for the opening-hours table; days not given are left empty (closed)."""
    data = {}
    for weekday in range(7):
        opens, closes, staffed_from, staffed_until = days.get(f"d{weekday}", ("", "", "", ""))
        data |= {
            f"opens_{weekday}": opens,
            f"closes_{weekday}": closes,
            f"staffed_from_{weekday}": staffed_from,
            f"staffed_until_{weekday}": staffed_until,
        }
    return data


def test_an_admin_sets_the_opening_hours_of_the_week(client, adam, center_a):
    from openhall.venues.models import OpeningHours

    client.force_login(adam)
    client.post(
        f"/console/c/{center_a.pk}/opening-hours/",
        hours_form(d0=("08:00", "21:30", "08:30", "17:00"), d5=("09:00", "17:00", "", "")),
    )
    hours = {h.weekday: h for h in OpeningHours.objects.filter(center=center_a)}
    assert set(hours) == {0, 5}
    assert hours[5].staffed_from is None and f"{hours[0].closes:%H:%M}" == "21:30"
    assert AuditEntry.objects.filter(action="opening_hours.update", center=center_a).count() == 2


def test_staffed_hours_outside_opening_hours_are_refused_with_the_day_named(client, adam, center_a):
    from openhall.venues.models import OpeningHours

    client.force_login(adam)
    response = client.post(
        f"/console/c/{center_a.pk}/opening-hours/",
        hours_form(d1=("08:00", "17:00", "07:00", "18:00")),
        follow=True,
    )
    assert "周二" in response.content.decode() and "值守时间" in response.content.decode()
    assert not OpeningHours.objects.filter(center=center_a, weekday=1).exists()


def test_an_operator_may_not_change_opening_hours(client, olivia, center_a):
    client.force_login(olivia)
    assert client.post(f"/console/c/{center_a.pk}/opening-hours/", hours_form()).status_code == 403


def test_the_week_calendar_puts_each_booking_on_its_day(client, olivia, center_a, dance_room):
    first = factories.BookingFactory(
        center=center_a, space=dance_room, title="周初排练", start=at(7, 9), end=at(7, 10)
    )
    factories.BookingFactory(
        center=center_a, space=dance_room, title="下周活动", start=at(21, 9), end=at(21, 10)
    )
    client.force_login(olivia)
    page = client.get(
        f"/console/c/{center_a.pk}/bookings/calendar/",
        {"view": "week", "date": at(7, 0).date().isoformat()},
    ).content.decode()
    assert "周初排练" in page and "下周活动" not in page
    row = page[page.index(f'<th scope="row">{dance_room}</th>') :]
    row = row[: row.index("</tr>")]
    cells = row.split("<td>")[1:]
    weekday = at(7, 0).weekday()
    assert "周初排练" in cells[weekday] and f"/bookings/{first.pk}/" in cells[weekday]
