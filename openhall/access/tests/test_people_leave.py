"""Access follows rights when people go: closing an account (注销) withdraws every grant and
code of that person at once, and leaving a team withdraws that person's codes on the team's
grants — nobody else's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openhall import factories
from openhall.access.grants import grant_create
from openhall.access.lock_events import keypad
from openhall.access.models import Door, Grant, LockCredential
from openhall.accounts import services as accounts
from openhall.accounts.models import TeamMembership
from openhall.core.refusals import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def door(center_a):
    return Door.objects.create(center=center_a, name="舞蹈教室门")


@pytest.fixture
def team(center_a, tom, alice):
    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    TeamMembership.objects.create(team=team, user=tom, role=TeamMembership.Role.LEADER)
    TeamMembership.objects.create(team=team, user=alice)
    return team


def pin_of(grant) -> str:
    return grant.credentials.get(kind="pin").secret


def opens(door, pin) -> bool:
    return keypad(door=door, code=pin).opened


def test_closing_an_account_withdraws_every_grant_and_code_at_once(
    door, center_a, olivia, alice, tom, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        current = grant_create(
            center=center_a,
            by=olivia,
            user=alice,
            doors=[door],
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=1),
        )
        later = grant_create(
            center=center_a,
            by=olivia,
            user=alice,
            doors=[door],
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=1),
        )
        toms = grant_create(
            center=center_a,
            by=olivia,
            user=tom,
            doors=[door],
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=1),
        )
    assert opens(door, pin_of(current))

    with django_capture_on_commit_callbacks(execute=True):
        accounts.user_close(user=alice)

    assert not opens(door, pin_of(current))
    assert opens(door, pin_of(toms))
    for grant in (current, later):
        grant.refresh_from_db()
        assert grant.revoked_at is not None
    assert set(
        LockCredential.objects.filter(credential__grant__user=alice).values_list(
            "status", flat=True
        )
    ) == {"removed"}


def test_the_withdrawal_on_closing_is_idempotent(
    door, center_a, olivia, alice, django_capture_on_commit_callbacks
):
    from openhall.access.subscribers import user_closed

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=alice,
            doors=[door],
            starts_at=now,
            ends_at=now + timedelta(hours=1),
        )
        accounts.user_close(user=alice)
    grant.refresh_from_db()
    revoked_at = grant.revoked_at
    with django_capture_on_commit_callbacks(execute=True):
        user_closed(user_id=alice.pk)  # delivered twice
    grant.refresh_from_db()
    assert grant.revoked_at == revoked_at


def test_leaving_a_team_withdraws_that_members_code_on_the_teams_grants_only(
    client, door, center_a, olivia, alice, tom, team, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    client.force_login(olivia)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/console/c/{center_a.pk}/access/",
            {
                "team": team.pk,
                "doors": [door.pk],
                "reason": "排练",
                "starts_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            },
        )
        own = grant_create(
            center=center_a,
            by=olivia,
            user=alice,
            doors=[door],
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=1),
            reason="个人",
        )
    pins = {g.user: pin_of(g) for g in Grant.objects.filter(reason="排练")}
    assert set(pins) == {alice, tom} and opens(door, pins[alice])

    with django_capture_on_commit_callbacks(execute=True):
        accounts.team_member_remove(team=team, user=alice, by=olivia)

    assert not opens(door, pins[alice])
    assert opens(door, pins[tom])  # the others keep theirs
    assert opens(door, pin_of(own))  # and her own grant is not the team's
    assert not TeamMembership.objects.filter(team=team, user=alice).exists()


def test_a_leader_who_leaves_loses_the_code_of_the_teams_booking(
    door, dance_room, center_a, olivia, tom, team, django_capture_on_commit_callbacks
):
    from openhall.bookings.services import booking_approve

    door.spaces.add(dance_room)
    start = timezone.now() + timedelta(minutes=10)
    booking = factories.BookingFactory(
        center=center_a,
        space=dance_room,
        booker=tom,
        team=team,
        start=start,
        end=start + timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=booking, by=olivia)
    grant = Grant.objects.get(booking=booking)
    assert opens(door, pin_of(grant))
    with django_capture_on_commit_callbacks(execute=True):
        accounts.team_member_remove(team=team, user=tom, by=olivia)
    assert not opens(door, pin_of(grant))


def test_only_staff_the_team_leader_or_the_member_may_remove_a_member(
    center_a, alice, tom, team, oscar
):
    bob = factories.UserFactory(real_name="鲍勃")
    TeamMembership.objects.create(team=team, user=bob)
    with pytest.raises(NotFound):
        accounts.team_member_remove(team=team, user=tom, by=alice)  # a member removes the leader
    with pytest.raises(NotFound):
        accounts.team_member_remove(team=team, user=alice, by=oscar)  # staff of another center
    accounts.team_member_remove(team=team, user=bob, by=tom)  # the leader
    accounts.team_member_remove(team=team, user=alice, by=alice)  # herself
    assert list(team.memberships.values_list("user", flat=True)) == [tom.pk]
