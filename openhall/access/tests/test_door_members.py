"""A team booking's doors shared with named members: only the booker (or the center's staff)
lets a current member of the booking's team in; each member gets their own PIN and a notice,
and their grant follows the booking exactly as the booker's does.

tom     team leader, books the dance room for the team
alice   member of tom's team
bob     member of tom's team
carol   member of another team of the same center
dan     in no team at all
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from openhall import factories
from openhall.access.door_members import door_member_add, door_member_remove
from openhall.access.lock_events import keypad
from openhall.access.models import BookingDoorMember, Door, Grant, LockCredential
from openhall.access.refusals import AccessRefused
from openhall.accounts import services as accounts
from openhall.accounts.models import TeamMembership
from openhall.bookings.models import Booking
from openhall.bookings.services import booking_approve, booking_cancel, booking_reschedule
from openhall.core.models import AuditEntry
from openhall.core.refusals import Conflict, Forbidden, NotFound
from openhall.notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def doors(center_a, dance_room):
    entrance = Door.objects.create(center=center_a, name="大门", is_entrance=True)
    dance = Door.objects.create(center=center_a, name="舞蹈教室门")
    dance.spaces.add(dance_room)
    return {"entrance": entrance, "dance": dance}


@pytest.fixture
def bob(db):
    return factories.UserFactory(real_name="鲍勃")


@pytest.fixture
def carol(center_a):
    other = factories.TeamFactory(center=center_a, name="乒乓球队")
    carol = factories.UserFactory(real_name="卡罗尔")
    TeamMembership.objects.create(team=other, user=carol)
    return carol


@pytest.fixture
def dan(db):
    return factories.UserFactory(real_name="丹")


@pytest.fixture
def team(center_a, tom, alice, bob):
    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    TeamMembership.objects.create(team=team, user=tom, role=TeamMembership.Role.LEADER)
    TeamMembership.objects.create(team=team, user=alice)
    TeamMembership.objects.create(team=team, user=bob)
    return team


def team_booking(space, booker, team, *, hours_ahead=0.1, attendees=10) -> Booking:
    start = timezone.now() + timedelta(hours=hours_ahead)
    return factories.BookingFactory(
        center=space.center,
        space=space,
        booker=booker,
        team=team,
        attendees=attendees,
        start=start,
        end=start + timedelta(hours=2),
    )


@pytest.fixture
def booking(dance_room, tom, team, olivia, doors, django_capture_on_commit_callbacks):
    """Tom's approved booking for the team, its doors open from now (15 minutes early)."""
    booking = team_booking(dance_room, tom, team)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    return booking


def add(booking, user, by, callbacks):
    with callbacks(execute=True):
        return door_member_add(booking=booking, user_id=user.pk, by=by)


def pin_of(grant) -> str:
    return grant.credentials.get(kind="pin").secret


def opens(door, grant) -> bool:
    """Typed on the lock inside the grant's window (by the lock's own clock)."""
    with time_machine.travel(max(timezone.now(), grant.starts_at + timedelta(minutes=1))):
        return keypad(door=door, code=pin_of(grant)).opened


def grant_of(booking, user) -> Grant:
    return BookingDoorMember.objects.get(booking=booking, user=user).grant


# --- attacks first ---------------------------------------------------------------------------
def test_only_current_members_of_the_bookings_team_can_be_let_in(
    booking, tom, carol, dan, django_capture_on_commit_callbacks
):
    for outsider in (dan, carol):  # no team; another team of the same center
        with pytest.raises(AccessRefused) as refused:
            add(booking, outsider, tom, django_capture_on_commit_callbacks)
        assert refused.value.code == "not_team_member"
    with pytest.raises(AccessRefused):  # no such person reads the same
        door_member_add(booking=booking, user_id=987654, by=tom)
    assert not BookingDoorMember.objects.exists()
    assert Grant.objects.filter(user__in=[carol, dan]).count() == 0


def test_a_member_who_is_not_the_booker_cannot_add_or_remove_anyone(
    booking, tom, alice, bob, django_capture_on_commit_callbacks
):
    with pytest.raises(NotFound):
        add(booking, bob, alice, django_capture_on_commit_callbacks)
    add(booking, bob, tom, django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        door_member_remove(booking=booking, user_id=bob.pk, by=alice)
    assert BookingDoorMember.objects.filter(booking=booking, user=bob).exists()


def test_staff_of_another_center_cannot_share_this_centers_booking(
    booking, alice, oscar, rita, olivia, django_capture_on_commit_callbacks
):
    with pytest.raises(NotFound):
        add(booking, alice, oscar, django_capture_on_commit_callbacks)
    with pytest.raises(Forbidden):  # the street's reviewer sees the center but runs no doors
        add(booking, alice, rita, django_capture_on_commit_callbacks)
    add(booking, alice, olivia, django_capture_on_commit_callbacks)  # this center's operator
    assert BookingDoorMember.objects.get(booking=booking).added_by == olivia


def test_a_removed_members_pin_stops_opening_the_keypad(
    booking, doors, tom, alice, django_capture_on_commit_callbacks
):
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    grant = grant_of(booking, alice)
    assert opens(doors["dance"], grant)
    with django_capture_on_commit_callbacks(execute=True):
        door_member_remove(booking=booking, user_id=alice.pk, by=tom)
    assert not opens(doors["dance"], grant)
    assert not opens(doors["entrance"], grant)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert set(
        LockCredential.objects.filter(credential__grant=grant).values_list("status", flat=True)
    ) == {"removed"}
    assert AuditEntry.objects.filter(action="booking.door_member_remove").count() == 1
    with pytest.raises(NotFound):  # removed twice
        door_member_remove(booking=booking, user_id=alice.pk, by=tom)


def test_the_number_of_members_is_capped_by_the_bookings_attendees(
    dance_room, doors, tom, alice, bob, team, olivia, django_capture_on_commit_callbacks
):
    booking = team_booking(dance_room, tom, team, attendees=2)  # tom and one more
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    with pytest.raises(AccessRefused) as refused:
        add(booking, bob, tom, django_capture_on_commit_callbacks)
    assert refused.value.code == "too_many_members"
    with pytest.raises(Conflict):
        add(booking, alice, tom, django_capture_on_commit_callbacks)


def test_a_booking_without_a_team_shares_with_no_one(
    dance_room, doors, alice, bob, olivia, django_capture_on_commit_callbacks
):
    booking = team_booking(dance_room, alice, None)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    with pytest.raises(AccessRefused) as refused:
        add(booking, bob, alice, django_capture_on_commit_callbacks)
    assert refused.value.code == "not_team_booking"


# --- what the booker gives -------------------------------------------------------------------
def test_a_member_let_in_gets_their_own_pin_a_notice_and_an_audit_entry(
    client, booking, doors, tom, alice, django_capture_on_commit_callbacks
):
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    toms, alices = Grant.objects.get(booking=booking), grant_of(booking, alice)
    assert alices.user == alice and pin_of(alices) != pin_of(toms)
    assert (alices.starts_at, alices.ends_at) == (toms.starts_at, toms.ends_at)
    assert opens(doors["dance"], alices) and opens(doors["entrance"], alices)
    notice = Message.objects.get(user=alice, title="已为您开通门禁")
    assert notice.url == "/access/"  # 我的门禁, where her code is
    client.force_login(alice)
    mine = client.get(notice.url).content.decode()
    assert pin_of(alices) in mine and "舞蹈教室" in mine and pin_of(toms) not in mine
    entry = AuditEntry.objects.get(action="booking.door_member_add")
    assert (entry.actor, entry.after) == (tom, {"member": alice.pk})


def test_a_members_first_unlock_is_logged_against_the_booking(
    booking, doors, tom, alice, django_capture_on_commit_callbacks
):
    from openhall.access.models import AccessEvent

    add(booking, alice, tom, django_capture_on_commit_callbacks)
    grant = grant_of(booking, alice)
    assert opens(doors["dance"], grant)
    event = AccessEvent.objects.get(opened=True)
    assert (event.user, event.grant, event.booking) == (alice, grant, booking)


def test_members_grants_follow_the_booking_like_the_bookers(
    dance_room, doors, tom, alice, team, olivia, django_capture_on_commit_callbacks
):
    booking = team_booking(dance_room, tom, team, hours_ahead=30)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    grant = grant_of(booking, alice)

    start = booking.start + timedelta(minutes=30)  # the booker's move needs approval again
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking, by=tom, start=start, end=start + timedelta(hours=2)
        )
    assert booking.status == Booking.Status.REQUESTED
    grant.refresh_from_db()
    assert grant.revoked_at is not None and not opens(doors["dance"], grant)

    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    grant.refresh_from_db()
    toms = Grant.objects.get(booking=booking)
    assert grant.revoked_at is None  # the same member, let in again with the booking
    assert (grant.starts_at, grant.ends_at) == (toms.starts_at, toms.ends_at)
    on_locks = LockCredential.objects.filter(credential__grant=grant, credential__kind="pin")
    assert set(on_locks.values_list("status", flat=True)) == {"set"}
    # (Not typed here: a first unlock would check the booking in, and that cannot be cancelled.)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by=olivia, reason="场地维修")
    grant.refresh_from_db()
    assert grant.revoked_at is not None and not opens(doors["dance"], grant)


def test_a_members_code_ends_with_the_booking(
    booking, doors, tom, alice, django_capture_on_commit_callbacks
):
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    grant = grant_of(booking, alice)
    with time_machine.travel(grant.ends_at + timedelta(minutes=1)):
        assert keypad(door=doors["dance"], code=pin_of(grant)).opened is False


def test_a_member_who_leaves_the_team_loses_the_code_and_is_not_let_in_again(
    booking, doors, tom, alice, olivia, django_capture_on_commit_callbacks
):
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    grant = grant_of(booking, alice)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.team_member_remove(team=booking.team, user=alice, by=alice)
    assert not opens(doors["dance"], grant)
    assert not BookingDoorMember.objects.filter(booking=booking, user=alice).exists()
    assert Grant.objects.get(booking=booking).revoked_at is None  # tom keeps his


def test_when_the_booker_leaves_the_team_the_members_they_let_in_lose_their_codes_too(
    booking, doors, tom, alice, olivia, django_capture_on_commit_callbacks
):
    add(booking, alice, tom, django_capture_on_commit_callbacks)
    grant = grant_of(booking, alice)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.team_member_remove(team=booking.team, user=tom, by=olivia)
    grant.refresh_from_db()
    assert grant.revoked_at is not None and not opens(doors["dance"], grant)


def test_the_repair_sweep_gives_a_member_the_grant_a_lost_follow_up_missed(
    booking, doors, tom, alice, django_capture_on_commit_callbacks
):
    from openhall.access.grants import grant_repair_sweep

    BookingDoorMember.objects.create(booking=booking, user=alice, added_by=tom)  # no grant yet
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_repair_sweep() == 1
    assert opens(doors["dance"], grant_of(booking, alice))


# --- the API --------------------------------------------------------------------------------
def test_the_api_lists_adds_and_removes_members_for_the_booker_only(
    api_client, booking, tom, alice, bob, oscar, django_capture_on_commit_callbacks
):
    url = f"/api/v1/bookings/{booking.pk}/door-members"
    as_tom = api_client(tom)
    with django_capture_on_commit_callbacks(execute=True):
        reply = as_tom.post(url, {"user_id": alice.pk}, content_type="application/json")
    assert reply.status_code == 201, reply.content
    assert reply.json()["user_id"] == alice.pk and reply.json()["has_access"] is True
    assert [m["user_id"] for m in as_tom.get(url).json()] == [alice.pk]

    for stranger in (alice, oscar):  # a member who is not the booker; another center's staff
        client = api_client(stranger)
        assert client.get(url).status_code == 404
        posted = client.post(url, {"user_id": bob.pk}, content_type="application/json")
        assert posted.status_code == 404
        assert client.delete(f"{url}/{alice.pk}").status_code == 404

    refused = as_tom.post(url, {"user_id": 10**30}, content_type="application/json")
    assert refused.status_code == 422
    assert as_tom.delete(f"{url}/{alice.pk}").status_code == 204
    assert as_tom.get(url).json() == []


# --- the booking page -------------------------------------------------------------------------
def test_the_booking_page_lists_the_members_and_lets_the_booker_add_and_remove(
    client, booking, tom, alice, bob, django_capture_on_commit_callbacks
):
    bob.real_name = "</script><img src=x onerror=alert(1)>"
    bob.save(update_fields=["real_name"])
    client.force_login(tom)
    page = client.get(f"/bookings/{booking.pk}/").content.decode()
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # a choice, as text
    assert "<img src=x" not in page
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(f"/access/bookings/{booking.pk}/members/", {"user": alice.pk})
    assert reply.status_code == 302 and reply.url.endswith(f"/bookings/{booking.pk}/#door-access")
    page = client.get(f"/bookings/{booking.pk}/").content.decode()
    assert "王爱丽" in page
    assert f"/access/bookings/{booking.pk}/members/{alice.pk}/remove/" in page

    client.force_login(alice)  # a member, not the booker: no such booking for her
    reply = client.post(f"/access/bookings/{booking.pk}/members/{alice.pk}/remove/")
    assert reply.status_code == 404
    assert BookingDoorMember.objects.filter(booking=booking, user=alice).exists()


def test_the_approval_notice_links_to_the_booking_page(booking, tom):
    notice = Message.objects.get(user=tom, title="预约已通过")
    assert notice.url == f"/bookings/{booking.pk}/"
    assert "开门密码" in notice.body


@pytest.mark.django_db(transaction=True)
def test_members_added_at_once_never_exceed_the_cap(
    dance_room, doors, tom, alice, bob, team, olivia
):
    """Two additions at the same moment, one place left: one gets in, one is refused."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers anyway; the race needs PostgreSQL")
    booking = team_booking(dance_room, tom, team, attendees=2)  # tom and one more
    booking_approve(booking=booking, by=olivia)
    outcomes = []
    barrier = threading.Barrier(2)

    def adder(member):
        try:
            barrier.wait()
            door_member_add(booking=booking, user_id=member.pk, by=tom)
            outcomes.append("added")
        except AccessRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=adder, args=(m,)) for m in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", "too_many_members"]
    assert BookingDoorMember.objects.filter(booking=booking).count() == 1


def test_a_booking_moved_to_another_room_opens_the_new_rooms_door_and_no_longer_the_old(
    dance_room,
    doors,
    center_a,
    multimedia,
    tom,
    alice,
    team,
    olivia,
    django_capture_on_commit_callbacks,
):
    """Staff move an approved booking to another room (it stays approved, same hours): the
    booker's and the members' PINs must follow it there, not keep opening the room it left
    (which someone else may now have booked)."""
    room, _zone_a, _zone_b = multimedia
    room_door = Door.objects.create(center=center_a, name="多媒体活动室门")
    room_door.spaces.add(room)
    booking = team_booking(dance_room, tom, team, hours_ahead=30)
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    add(booking, alice, tom, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking, by=olivia, start=booking.start, end=booking.end, space=room
        )
    assert booking.status == Booking.Status.APPROVED
    for grant in (Grant.objects.get(booking=booking), grant_of(booking, alice)):
        grant.refresh_from_db()
        assert grant.revoked_at is None
        assert opens(room_door, grant)
        assert not opens(doors["dance"], grant)
        assert opens(doors["entrance"], grant)
