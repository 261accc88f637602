"""Access follows rights: a booking's PIN opens its room and the entrance inside the window and
nowhere else, cancelling closes it at once, the first unlock checks the booking in, and the
locks come to agree with the grants whatever faults happen on the way."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from openhall import factories
from openhall.access.alerts import DENIED_BURST, alerts
from openhall.access.grants import (
    grant_create,
    grant_create_recurring,
    grant_revoke_series,
    settings_for,
)
from openhall.access.lock_events import keypad, record_event, remote_unlock
from openhall.access.models import AccessEvent, Credential, Door, Grant, LockCredential
from openhall.access.reconcile import sweep
from openhall.access.refusals import AccessRefused
from openhall.access.tests.lock_faults import FAULTS
from openhall.bookings.models import Booking
from openhall.core.models import AuditEntry
from openhall.core.refusals import Forbidden, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def doors(center_a, dance_room, multimedia):
    entrance = Door.objects.create(center=center_a, name="大门", is_entrance=True)
    dance = Door.objects.create(center=center_a, name="舞蹈教室门")
    dance.spaces.add(dance_room)
    media = Door.objects.create(center=center_a, name="多媒体室门")
    media.spaces.add(multimedia[0])
    return {"entrance": entrance, "dance": dance, "media": media}


def approved_booking(space, booker, hours_ahead=3, django_capture=None):
    from openhall.bookings.services import booking_approve

    start = timezone.now() + timedelta(hours=hours_ahead)
    booking = factories.BookingFactory(
        center=space.center, space=space, booker=booker, start=start, end=start + timedelta(hours=2)
    )
    return booking, booking_approve


def approve(booking, by, capture):
    from openhall.bookings.services import booking_approve

    with capture(execute=True):
        booking_approve(booking=booking, by=by)
    return Grant.objects.get(booking=booking)


def next_monday():
    """A Monday 1–2 weeks ahead: a term that has not begun whatever day the suite runs."""
    today = timezone.localdate()
    return today + timedelta(days=7 + (7 - today.weekday()) % 7 or 7)


def pin_of(grant) -> str:
    return grant.credentials.get(kind="pin").secret


def test_a_booking_pin_opens_its_room_and_the_entrance_only_in_its_window(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    booking, _ = approved_booking(dance_room, alice)
    grant = approve(booking, olivia, django_capture_on_commit_callbacks)
    assert set(grant.doors.all()) == {doors["entrance"], doors["dance"]}
    assert grant.starts_at == booking.start - timedelta(minutes=15)
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"set"}
    pin = pin_of(grant)

    with time_machine.travel(grant.starts_at - timedelta(minutes=1)):
        assert keypad(door=doors["dance"], code=pin)[0] is False  # too early
    with time_machine.travel(grant.starts_at + timedelta(minutes=1)):
        assert keypad(door=doors["entrance"], code=pin)[0] is True
        assert keypad(door=doors["media"], code=pin)[0] is False  # not this room
    with time_machine.travel(grant.ends_at + timedelta(minutes=1)):
        assert keypad(door=doors["dance"], code=pin)[0] is False  # expired on the lock


def test_cancelling_closes_the_doors_at_once(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    from openhall.bookings.services import booking_cancel

    booking, _ = approved_booking(dance_room, alice, hours_ahead=0.2)  # its window is open
    grant = approve(booking, olivia, django_capture_on_commit_callbacks)
    assert LockCredential.objects.filter(status="set").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by=olivia, reason="场地维修")
    assert keypad(door=doors["dance"], code=pin_of(grant))[0] is False
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"removed"}


def test_the_first_unlock_checks_the_booking_in_and_is_logged_once(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    booking, _ = approved_booking(dance_room, alice, hours_ahead=0.2)
    grant = approve(booking, olivia, django_capture_on_commit_callbacks)
    keypad(door=doors["entrance"], code=pin_of(grant))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    event = AccessEvent.objects.get(opened=True)
    assert (event.user, event.grant, event.booking) == (alice, grant, booking)
    again = record_event(
        door=doors["entrance"], method="pin", opened=True, external_id=event.external_id
    )
    assert again is None and AccessEvent.objects.filter(opened=True).count() == 1


def test_locks_that_fail_are_retried_with_backoff_until_they_agree(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    FAULTS[doors["dance"].pk] = "offline"
    booking, _ = approved_booking(dance_room, alice)
    grant = approve(booking, olivia, django_capture_on_commit_callbacks)
    row = LockCredential.objects.get(door=doors["dance"])
    assert (row.status, row.attempts) == ("pending", 1) and "离线" in row.last_error
    doors["dance"].refresh_from_db()
    assert doors["dance"].online is False  # shown as an alert
    assert "offline" in {a["kind"] for a in alerts(doors["dance"].center)}
    assert sweep() == 0  # not due yet: no lock is called before the backoff
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)

    FAULTS.clear()  # the lock comes back
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert sweep() == 1  # the one row that was due, retried; the entrance was already set
    row.refresh_from_db()
    doors["dance"].refresh_from_db()
    assert row.status == "set" and doors["dance"].online is True
    with time_machine.travel(grant.starts_at + timedelta(minutes=1)):
        assert keypad(door=doors["dance"], code=pin_of(grant))[0] is True


def test_pins_never_repeat_on_a_lock_among_overlapping_grants(doors, center_a, olivia):
    start = timezone.now() + timedelta(hours=1)
    people = [factories.UserFactory() for _ in range(30)]
    grants = [
        grant_create(
            center=center_a,
            by=olivia,
            user=p,
            doors=[doors["dance"]],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        for p in people
    ]
    pins = [pin_of(g) for g in grants]
    assert len(set(pins)) == 30 and all(len(p) == 6 and p.isdigit() for p in pins)
    stored = Credential.objects.filter(kind="pin").values_list("secret_index", flat=True)
    assert pins[0] not in "".join(stored)  # kept as an index and ciphertext, never plain


def test_a_manual_grant_by_staff_is_audited_and_a_resident_cannot_give_one(
    doors, center_a, olivia, alice, tom
):
    start = timezone.now()
    grant = grant_create(
        center=center_a,
        by=olivia,
        user=tom,
        doors=[doors["entrance"]],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        reason="保洁",
    )
    assert AuditEntry.objects.filter(action="grant.create", object_id=str(grant.pk)).exists()
    with pytest.raises(NotFound):  # the center's doors do not exist for a resident
        grant_create(
            center=center_a,
            by=alice,
            user=alice,
            doors=[doors["entrance"]],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )


def test_remote_unlock_for_the_grantee_in_window_or_staff_with_a_reason(
    doors, center_a, olivia, alice, tom
):
    start = timezone.now() - timedelta(minutes=5)
    grant_create(
        center=center_a,
        by=olivia,
        user=alice,
        doors=[doors["dance"]],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    assert remote_unlock(door=doors["dance"], by=alice).opened
    with pytest.raises(Forbidden):
        remote_unlock(door=doors["dance"], by=tom)
    with pytest.raises(AccessRefused):
        remote_unlock(door=doors["media"], by=olivia)  # staff: a reason first
    remote_unlock(door=doors["media"], by=olivia, reason="维修师傅进场")
    assert AuditEntry.objects.filter(action="door.remote_unlock").count() == 1


def test_a_burst_of_refusals_and_a_stuck_credential_raise_alerts(doors, center_a, olivia):
    for _ in range(DENIED_BURST):
        keypad(door=doors["entrance"], code="000000")
    FAULTS[doors["dance"].pk] = "offline"
    start = timezone.now()
    grant = grant_create(
        center=center_a,
        by=olivia,
        user=factories.UserFactory(),
        doors=[doors["dance"]],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    LockCredential.objects.filter(credential__grant=grant).update(
        status="failed", last_error="锁离线（模拟）"
    )
    kinds = {a["kind"] for a in alerts(center_a)}
    assert {"denied", "failed"} <= kinds


def test_an_ic_card_opens_the_reader_in_its_window_only(
    doors, center_a, olivia, tom, django_capture_on_commit_callbacks
):
    start = timezone.now() - timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        grant_create(
            center=center_a,
            by=olivia,
            user=tom,
            doors=[doors["dance"]],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            kinds=[],
            card_number="3A7F0921",
            reason="舞蹈老师的门卡",
        )
    assert keypad(door=doors["dance"], code="3A7F0921", kind="card")[0] is True
    assert keypad(door=doors["dance"], code="3A7F0921")[0] is False  # not as a PIN
    assert AccessEvent.objects.filter(method="card", opened=True, user=tom).exists()


def test_a_cleaner_every_weekday_morning_gets_one_pin_for_the_whole_term(
    doors, center_a, olivia, tom, django_capture_on_commit_callbacks
):
    from datetime import time

    monday = next_monday()
    with django_capture_on_commit_callbacks(execute=True):
        grants = grant_create_recurring(
            center=center_a,
            by=olivia,
            user=tom,
            doors=[doors["entrance"]],
            first_day=monday,
            last_day=monday + timedelta(days=13),
            weekdays=[0, 1, 2, 3, 4],
            daily_from=time(7),
            daily_until=time(8),
            reason="保洁",
        )
    assert len(grants) == 10 and len({pin_of(g) for g in grants}) == 1
    pin = pin_of(grants[0])
    tuesday_7_30 = timezone.make_aware(
        timezone.datetime.combine(monday + timedelta(days=1), time(7, 30))
    )
    with time_machine.travel(tuesday_7_30):
        assert keypad(door=doors["entrance"], code=pin)[0] is True
    with time_machine.travel(tuesday_7_30 + timedelta(hours=2)):
        assert keypad(door=doors["entrance"], code=pin)[0] is False  # not 9:30
    saturday = timezone.make_aware(
        timezone.datetime.combine(monday + timedelta(days=5), time(7, 30))
    )
    with time_machine.travel(saturday):
        assert keypad(door=doors["entrance"], code=pin)[0] is False
    with time_machine.travel(tuesday_7_30 - timedelta(days=2)):  # Sunday: withdraw the rest
        assert grant_revoke_series(grant=grants[0], by=olivia) == 10


def test_staff_give_a_repeating_grant_with_a_card_from_the_console(
    client, doors, center_a, olivia, tom
):
    client.force_login(olivia)
    monday = next_monday()
    response = client.post(
        f"/console/c/{center_a.pk}/access/",
        {
            "mobile": tom.mobile,
            "doors": [doors["entrance"].pk],
            "starts_at": f"{monday}T07:00",
            "ends_at": f"{monday}T08:00",
            "reason": "保洁",
            "weekdays": ["0", "2", "4"],
            "last_day": str(monday + timedelta(days=13)),
            "card_number": "CARD-77",
        },
    )
    assert response.status_code == 302
    grants = Grant.objects.filter(user=tom).order_by("starts_at")
    assert grants.count() == 6  # Mon, Wed, Fri for two weeks
    assert {c.kind for c in grants[0].credentials.all()} == {"pin", "card"}
    client.post(f"/console/c/{center_a.pk}/access/{grants[0].pk}/revoke/")
    assert not Grant.objects.filter(user=tom, revoked_at__isnull=True).exists()


def test_a_team_grant_gives_every_member_a_pin_of_their_own(
    client, doors, center_a, olivia, alice, tom
):
    from openhall.accounts.models import TeamMembership

    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    for person in (alice, tom):
        TeamMembership.objects.create(team=team, user=person)
    client.force_login(olivia)
    client.post(
        f"/console/c/{center_a.pk}/access/",
        {
            "team": team.pk,
            "doors": [doors["dance"].pk],
            "starts_at": "2026-12-07T19:00",
            "ends_at": "2026-12-07T21:00",
            "reason": "排练",
        },
    )
    pins = {g.user: pin_of(g) for g in Grant.objects.filter(reason="排练")}
    assert set(pins) == {alice, tom} and len(set(pins.values())) == 2


def test_a_slow_lock_still_ends_set(doors, center_a, olivia, django_capture_on_commit_callbacks):
    FAULTS[doors["dance"].pk] = ("slow", 0.3)
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=factories.UserFactory(),
            doors=[doors["dance"]],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            kinds=["pin"],
        )
    assert LockCredential.objects.get(credential__grant=grant).status == "set"


def test_the_center_admin_sets_how_early_doors_open_for_bookings(
    client, doors, center_a, adam, olivia, alice, dance_room, django_capture_on_commit_callbacks
):
    client.force_login(olivia)
    client.post(f"/console/c/{center_a.pk}/doors/settings/", {"early": "30", "late": "5"})
    assert settings_for(center_a).early_minutes == 15  # an operator may not
    client.force_login(adam)
    client.post(f"/console/c/{center_a.pk}/doors/settings/", {"early": "30", "late": "5"})
    booking, _ = approved_booking(dance_room, alice)
    grant = approve(booking, olivia, django_capture_on_commit_callbacks)
    assert (booking.start - grant.starts_at, grant.ends_at - booking.end) == (
        timedelta(minutes=30),
        timedelta(minutes=5),
    )
    assert AuditEntry.objects.filter(action="access.settings").count() == 1
