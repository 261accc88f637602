"""Grants derive from bookings, always: whatever happened between a booking's change and its
follow-up, the booking's doors end up open exactly when its state says so."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from openhall import factories
from openhall.access.alerts import alerts
from openhall.access.drivers import simulator
from openhall.access.grants import _rewrite, grant_move, grant_repair_sweep
from openhall.access.lock_events import keypad
from openhall.access.models import Door, Grant, LockCredential, SimulatedCode
from openhall.access.reconcile import reconcile
from openhall.bookings.models import Booking
from openhall.bookings.services import booking_approve, booking_reschedule
from openhall.core import outbox
from openhall.core.models import AuditEntry, OutboxMessage


@pytest.fixture
def doors(center_a, dance_room):
    entrance = Door.objects.create(center=center_a, name="大门", is_entrance=True)
    dance = Door.objects.create(center=center_a, name="舞蹈教室门")
    dance.spaces.add(dance_room)
    return {"entrance": entrance, "dance": dance}


def a_booking(space, booker, *, hours_ahead=0.1, hours=2) -> Booking:
    start = timezone.now() + timedelta(hours=hours_ahead)
    return factories.BookingFactory(
        center=space.center,
        space=space,
        booker=booker,
        start=start,
        end=start + timedelta(hours=hours),
    )


def opens(door, grant) -> bool:
    """Typed on the lock inside the grant's window (by the lock's own clock)."""
    with time_machine.travel(max(timezone.now(), grant.starts_at + timedelta(minutes=1))):
        return keypad(door=door, code=grant.credentials.get(kind="pin").secret)[0]


@pytest.mark.django_db
def test_a_booking_moved_back_to_awaiting_approval_closes_its_doors_until_approved_again(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    booking = a_booking(dance_room, alice, hours_ahead=30)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    grant = Grant.objects.get(booking=booking)
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"set"}

    start = booking.start + timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking, by=alice, start=start, end=start + timedelta(hours=2)
        )
    assert booking.status == Booking.Status.REQUESTED  # the resident's move needs approval
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert not opens(doors["dance"], grant)
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"removed"}

    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert grant.starts_at == booking.start - timedelta(minutes=15)
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"set"}
    assert opens(doors["dance"], grant)
    assert AuditEntry.objects.filter(action="grant.restore").count() == 1


@pytest.mark.django_db
def test_an_approval_whose_grant_step_failed_is_repaired_by_the_sweep_and_shown_to_staff(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks, monkeypatch
):
    def dies(*args, **kwargs):
        raise ConnectionError("the connection was killed after the approval committed")

    monkeypatch.setattr("openhall.access.grants.grant_sync", dies)
    booking = a_booking(dance_room, alice)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)  # the approval stands
    assert not Grant.objects.filter(booking=booking).exists()
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).exists()  # on record
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        assert grant_repair_sweep() == 1
    grant = Grant.objects.get(booking=booking)
    assert opens(doors["dance"], grant)
    assert AuditEntry.objects.filter(action="grant.repaired").count() == 1
    assert any(a["kind"] == "repaired" for a in alerts(dance_room.center))
    assert grant_repair_sweep() == 0  # nothing left to repair
    # The follow-up that failed, retried later, changes nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.relay()
    for message in OutboxMessage.objects.all():
        outbox.deliver(message.pk)
    assert Grant.objects.filter(booking=booking).count() == 1


@pytest.mark.django_db
def test_the_sweep_withdraws_a_grant_its_booking_no_longer_wants(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks
):
    booking = a_booking(dance_room, alice)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    grant = Grant.objects.get(booking=booking)
    # A cancellation whose follow-up never ran (written past the services, as a fault would).
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_repair_sweep() == 1
    assert not opens(doors["dance"], grant)


def test_no_database_transaction_is_open_while_a_lock_is_called(
    committed_db, doors, dance_room, alice, olivia, monkeypatch
):
    seen = []
    original = simulator.SimulatorDriver.add_passcode

    def add_passcode(self, *args):
        seen.append(connection.in_atomic_block)
        return original(self, *args)

    monkeypatch.setattr(simulator.SimulatorDriver, "add_passcode", add_passcode)
    booking = a_booking(dance_room, alice)
    with transaction.atomic():
        booking_approve(booking=booking, by=olivia)
    assert seen and not any(seen)  # two locks written, neither inside a transaction
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"set"}


@pytest.mark.django_db
def test_a_grant_moved_while_its_lock_was_being_written_is_written_again(
    doors, dance_room, alice, olivia, django_capture_on_commit_callbacks, monkeypatch
):
    booking = a_booking(dance_room, alice, hours_ahead=3)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    grant = Grant.objects.get(booking=booking)
    row = LockCredential.objects.get(credential__grant=grant, door=doors["dance"])
    original = simulator.SimulatorDriver.add_passcode
    new_start = grant.starts_at + timedelta(hours=1)

    def add_passcode(self, *args):
        # Someone moves the grant while this worker talks to the lock.
        grant_move(grant=grant, starts_at=new_start, ends_at=new_start + timedelta(hours=2))
        return original(self, *args)

    _rewrite(grant)
    monkeypatch.setattr(simulator.SimulatorDriver, "add_passcode", add_passcode)
    reconcile(row.pk)
    row.refresh_from_db()
    assert row.status == LockCredential.Status.PENDING  # not marked done with the old window
    monkeypatch.undo()
    reconcile(row.pk)
    row.refresh_from_db()
    assert row.status == LockCredential.Status.SET
    on_lock = SimulatedCode.objects.filter(door=doors["dance"])
    assert [(c.starts_at, c.ends_at) for c in on_lock] == [
        (new_start, new_start + timedelta(hours=2))
    ]


@pytest.mark.django_db
def test_a_resident_moving_to_another_room_gets_that_rooms_door_when_approved_again(
    doors, dance_room, multimedia, center_a, alice, olivia, django_capture_on_commit_callbacks
):
    room = multimedia[0]
    room_door = Door.objects.create(center=center_a, name="多媒体活动室门")
    room_door.spaces.add(room)
    booking = a_booking(dance_room, alice, hours_ahead=30)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking, by=alice, start=booking.start, end=booking.end, space=room
        )
    assert booking.status == Booking.Status.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)

    grant = Grant.objects.get(booking=booking)
    assert grant.revoked_at is None
    assert opens(room_door, grant) and opens(doors["entrance"], grant)
    assert not opens(doors["dance"], grant)
    on_dance = LockCredential.objects.filter(credential__grant=grant, door=doors["dance"])
    assert set(on_dance.values_list("status", flat=True)) == {"removed"}
