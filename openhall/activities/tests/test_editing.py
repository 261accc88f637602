"""Editing an activity: a draft or a returned one is edited and sent again; a published one
moves its rooms under the booking rules and tells its registrants once; submit checks the rooms
the way approval will; reviewers hear that something waits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openhall import factories
from openhall.activities import services, signup
from openhall.activities.models import Registration
from openhall.activities.rules import ActivityRefused
from openhall.bookings.models import Booking
from openhall.notifications.models import Message

pytestmark = pytest.mark.django_db
ALL_TICKED = dict.fromkeys(services.CHECKLIST, True)


def later(days=3, hour=19):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def one_session(space, days=3):
    return [(space, later(days), later(days) + timedelta(hours=2))]


def draft(center, by, space, capacity=20, **values):
    return services.activity_create(
        center=center,
        by=by,
        values={"type": "lecture", "title": "防范电信诈骗讲座", "capacity": capacity, **values},
        sessions=one_session(space),
    )


def published(center, by, reviewer, space, **values):
    activity = draft(center, by, space, **values)
    services.activity_submit(activity=activity, by=by)
    return services.activity_approve(activity=activity, by=reviewer, checklist=ALL_TICKED)


def test_a_returned_activity_is_edited_resubmitted_and_published(
    olivia, adam, center_a, dance_room
):
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    services.activity_return(activity=activity, by=adam, reason="请写明主讲人")
    services.activity_update(
        activity=activity,
        by=olivia,
        values={"speaker": "派出所民警", "description": "<p>讲座</p><script>x()</script>"},
    )
    services.activity_submit(activity=activity, by=olivia)
    activity = services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    assert activity.status == "published" and activity.speaker == "派出所民警"
    assert "<script>" not in activity.description  # the same cleaning as writing it
    assert activity.sessions.get().booking.status == "approved"


def test_submit_finds_what_approval_would_refuse_and_the_fix_is_an_edit(
    olivia, adam, center_a, dance_room
):
    # The repro: more people than the room holds is caught when it is sent, not at
    # approval (where it stayed 待审核 forever).
    activity = draft(center_a, olivia, dance_room, capacity=dance_room.capacity + 5)
    with pytest.raises(ActivityRefused) as refused:
        services.activity_submit(activity=activity, by=olivia)
    assert refused.value.code == "rooms_unavailable"
    assert f"最多 {dance_room.capacity} 人" in str(refused.value)
    assert refused.value.details["problems"]
    assert not Booking.objects.exists()  # checking held nothing
    services.activity_update(activity=activity, by=olivia, values={"capacity": 20})
    services.activity_submit(activity=activity, by=olivia)
    assert services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED).status == (
        "published"
    )


def test_an_activity_under_review_cannot_change(olivia, center_a, dance_room):
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    with pytest.raises(ActivityRefused) as refused:
        services.activity_update(activity=activity, by=olivia, values={"title": "新名字"})
    assert (refused.value.code, refused.value.status) == ("not_editable", 409)


def test_a_draft_gets_new_sessions(olivia, center_a, dance_room):
    activity = draft(center_a, olivia, dance_room)
    sessions = one_session(dance_room, days=4) + one_session(dance_room, days=11)
    services.activity_update(activity=activity, by=olivia, values={}, sessions=sessions)
    assert [s.start for s in activity.sessions.order_by("start")] == [s[1] for s in sessions]


def test_moving_a_published_activity_moves_its_booking_and_tells_each_registrant_once(
    olivia, adam, center_a, dance_room, django_capture_on_commit_callbacks
):
    activity = published(center_a, olivia, adam, dance_room)
    people = [factories.UserFactory() for _ in range(2)]
    for person in people:
        signup.register(activity=activity, user=person)
    other_room = factories.SpaceFactory(center=center_a, name="多功能厅", capacity=60)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_update(
            activity=activity,
            by=olivia,
            values={"title": "防诈骗讲座（更新）"},
            sessions=one_session(other_room, days=5),
        )
    booking = activity.sessions.get().booking
    assert (booking.space, booking.start, booking.status) == (other_room, later(5), "approved")
    for person in people:
        told = Message.objects.filter(user=person, title="活动信息变更")
        assert told.count() == 1
        assert (
            "名称" in told.get().body
            and "时间" in told.get().body
            and "多功能厅" in told.get().body
        )


def test_a_move_into_a_taken_room_is_refused_with_the_reason(olivia, adam, center_a, dance_room):
    activity = published(center_a, olivia, adam, dance_room)
    other_room = factories.SpaceFactory(center=center_a, name="多功能厅", capacity=60)
    factories.BookingFactory(
        center=center_a,
        space=other_room,
        start=later(5) - timedelta(hours=1),
        end=later(5) + timedelta(hours=1),
        status="approved",
    )
    with pytest.raises(ActivityRefused) as refused:
        services.activity_update(
            activity=activity, by=olivia, values={}, sessions=one_session(other_room, days=5)
        )
    assert refused.value.code == "room_unavailable" and "多功能厅" in str(refused.value)
    assert activity.sessions.get().space == dance_room  # nothing moved


def test_capacity_never_drops_below_the_places_taken(olivia, adam, center_a, dance_room):
    activity = published(center_a, olivia, adam, dance_room, capacity=5)
    for person in [factories.UserFactory() for _ in range(3)]:
        signup.register(activity=activity, user=person)
    with pytest.raises(ActivityRefused) as refused:
        services.activity_update(activity=activity, by=olivia, values={"capacity": 2})
    assert refused.value.code == "capacity_below_registrations"
    assert "已有 3 人报名" in str(refused.value)
    services.activity_update(activity=activity, by=olivia, values={"capacity": 3})


def test_reviewers_of_the_center_hear_that_an_activity_waits(
    olivia, adam, rita, oscar, center_a, dance_room, django_capture_on_commit_callbacks
):
    activity = draft(center_a, olivia, dance_room)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_submit(activity=activity, by=olivia)
    waiting = set(Message.objects.filter(title="活动待审核").values_list("user_id", flat=True))
    assert waiting == {adam.pk, rita.pk}  # the admin and the street's reviewer, not operators


def test_publishing_four_sessions_tells_the_writer_once(
    olivia, adam, center_a, dance_room, django_capture_on_commit_callbacks
):
    activity = services.activity_create(
        center=center_a,
        by=olivia,
        values={"type": "course", "title": "书法课", "capacity": 20},
        sessions=[
            (dance_room, later() + timedelta(weeks=n), later() + timedelta(weeks=n, hours=2))
            for n in range(4)
        ],
    )
    services.activity_submit(activity=activity, by=olivia)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    assert Booking.objects.filter(status="approved").count() == 4
    assert Message.objects.filter(user=olivia).count() == 1


def test_more_places_go_to_the_waitlist_in_order_and_never_beyond_the_room(
    olivia, adam, center_a, dance_room
):
    activity = published(center_a, olivia, adam, dance_room, capacity=1)
    people = [factories.UserFactory() for _ in range(3)]
    tickets = [signup.register(activity=activity, user=p).registration for p in people]
    services.activity_update(activity=activity, by=olivia, values={"capacity": 2})
    statuses = [Registration.objects.get(pk=t.pk).status for t in tickets]
    assert statuses == ["confirmed", "offered", "waitlisted"]
    activity.refresh_from_db()
    assert activity.places_taken == 2
    with pytest.raises(ActivityRefused) as refused:
        services.activity_update(
            activity=activity, by=olivia, values={"capacity": dance_room.capacity + 1}
        )
    assert refused.value.code == "over_capacity"


def test_with_street_review_on_the_streets_reviewer_hears_after_the_center_approves(
    settings, olivia, adam, rita, center_a, dance_room, django_capture_on_commit_callbacks
):
    settings.OPENHALL_ACTIVITY_STREET_REVIEW = True
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    waiting = set(Message.objects.filter(title="活动待审核").values_list("user_id", flat=True))
    assert waiting == {rita.pk}
