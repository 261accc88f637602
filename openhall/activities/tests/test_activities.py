"""Activities: review before publishing, rooms held through the booking rules, registration
that never oversells, the waitlist, tickets and check-in, and the count into the ledger."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from openhall import factories
from openhall.activities import checkin, services, signup
from openhall.activities.models import Activity, CheckIn, Registration
from openhall.activities.rules import ActivityRefused
from openhall.bookings.models import Booking
from openhall.civic.models import ServiceRecord
from openhall.core.models import AuditEntry
from openhall.core.refusals import Forbidden

pytestmark = pytest.mark.django_db
ALL_TICKED = dict.fromkeys(services.CHECKLIST, True)


def later(days=3, hour=19):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def draft(center, by, space, capacity=2, **values):
    return services.activity_create(
        center=center,
        by=by,
        values={"type": "lecture", "title": "防范电信诈骗讲座", "capacity": capacity, **values},
        sessions=[(space, later(), later() + timedelta(hours=2))],
    )


def published(center, by, reviewer, space, **values):
    activity = draft(center, by, space, **values)
    services.activity_submit(activity=activity, by=by)
    return services.activity_approve(activity=activity, by=reviewer, checklist=ALL_TICKED)


def residents(n):
    return [factories.UserFactory() for _ in range(n)]


# --- review --------------------------------------------------------------------------------------
def test_a_pitch_is_flagged_for_the_reviewer_not_blocked(olivia, adam, center_a, dance_room):
    activity = draft(center_a, olivia, dance_room, description="<p>专家讲解养老理财，保本高息</p>")
    services.activity_submit(activity=activity, by=olivia)
    activity.refresh_from_db()
    assert {f["word"] for f in activity.flags} >= {"理财", "保本", "高息"}
    assert activity.status == "submitted"


def test_publishing_needs_every_checklist_item_and_a_reviewer(olivia, adam, center_a, dance_room):
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    with pytest.raises(Forbidden):  # an operator cannot approve
        services.activity_approve(activity=activity, by=olivia, checklist=ALL_TICKED)
    with pytest.raises(ActivityRefused) as refused:
        services.activity_approve(
            activity=activity, by=adam, checklist={**ALL_TICKED, "no_financial_pitch": False}
        )
    assert refused.value.code == "checklist_incomplete"
    services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    activity.refresh_from_db()
    assert activity.status == "published"
    booking = activity.sessions.get().booking
    assert (booking.space, booking.status, booking.title) == (
        dance_room,
        "approved",
        "防范电信诈骗讲座",
    )
    actions = set(
        AuditEntry.objects.filter(object_id=str(activity.pk)).values_list("action", flat=True)
    )
    assert {"activity.create", "activity.submit", "activity.approve"} <= actions


def test_with_street_review_on_the_street_publishes(
    settings, olivia, adam, rita, center_a, dance_room
):
    settings.OPENHALL_ACTIVITY_STREET_REVIEW = True
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    activity.refresh_from_db()
    assert activity.status == "center_approved"
    services.activity_approve(activity=activity, by=rita, checklist=ALL_TICKED)
    activity.refresh_from_db()
    assert activity.status == "published"


def test_a_returned_activity_says_why(olivia, adam, center_a, dance_room):
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    services.activity_return(activity=activity, by=adam, reason="请补充主讲人资质")
    activity.refresh_from_db()
    assert (activity.status, activity.review_note) == ("returned", "请补充主讲人资质")


def test_a_room_already_booked_is_refused_at_submit_with_the_session_named(
    olivia, center_a, dance_room
):
    factories.BookingFactory(
        center=center_a,
        space=dance_room,
        start=later() - timedelta(hours=1),
        end=later() + timedelta(hours=1),
        status="approved",
    )
    activity = draft(center_a, olivia, dance_room)
    with pytest.raises(ActivityRefused) as refused:
        services.activity_submit(activity=activity, by=olivia)
    assert refused.value.code == "rooms_unavailable" and refused.value.status == 422
    assert dance_room.name in str(refused.value)
    activity.refresh_from_db()
    assert activity.status == "draft"
    assert not activity.sessions.filter(booking__isnull=False).exists()  # the check held nothing
    assert (
        not Booking.objects.filter(space=dance_room, status="approved")
        .exclude(start=later() - timedelta(hours=1))
        .exists()
    )


def test_an_activity_cannot_take_a_room_booked_after_it_was_submitted(
    olivia, adam, center_a, dance_room
):
    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    factories.BookingFactory(
        center=center_a,
        space=dance_room,
        start=later() - timedelta(hours=1),
        end=later() + timedelta(hours=1),
        status="approved",
    )
    from openhall.bookings.services import BookingConflict

    with pytest.raises(BookingConflict):
        services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    activity.refresh_from_db()
    assert activity.status == "submitted"  # nothing half done


# --- registration --------------------------------------------------------------------------------
def test_places_then_the_waitlist_in_order(olivia, adam, center_a, dance_room):
    activity = published(center_a, olivia, adam, dance_room, capacity=2)
    tickets = [signup.register(activity=activity, user=u) for u in residents(4)]
    assert [t.registration.status for t in tickets] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert [t.position for t in tickets] == [None, None, 1, 2]
    with pytest.raises(ActivityRefused) as twice:
        signup.register(activity=activity, user=tickets[0].registration.user)
    assert twice.value.code == "already_registered"


def test_a_freed_place_is_offered_then_passes_on_when_not_taken(olivia, adam, center_a, dance_room):
    activity = published(center_a, olivia, adam, dance_room, capacity=1)
    first, second, third = (
        signup.register(activity=activity, user=u).registration for u in residents(3)
    )
    signup.registration_cancel(registration=first, by=first.user)
    second.refresh_from_db()
    assert second.status == "offered" and second.offer_expires_at is not None

    with time_machine.travel(second.offer_expires_at + timedelta(minutes=1)):
        assert signup.offers_expire() == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == ("expired", "offered")
    signup.offer_accept(registration=third, by=third.user)
    third.refresh_from_db()
    activity.refresh_from_db()
    assert third.status == "confirmed" and activity.places_taken == 1


def test_a_child_is_registered_by_a_parent_within_the_age_range(
    olivia, adam, center_a, dance_room, alice
):
    activity = published(
        center_a,
        olivia,
        adam,
        dance_room,
        audience="children",
        min_age=6,
        max_age=12,
        questions=["孩子有无过敏"],
    )
    with pytest.raises(ActivityRefused) as young:
        signup.register(
            activity=activity,
            user=alice,
            attendee="小明",
            attendee_age=4,
            answers={"孩子有无过敏": "无"},
        )
    assert young.value.code == "age_not_allowed"
    with pytest.raises(ActivityRefused) as unanswered:
        signup.register(activity=activity, user=alice, attendee="小明", attendee_age=8)
    assert unanswered.value.code == "answers_required"
    signup.register(
        activity=activity,
        user=alice,
        attendee="小明",
        attendee_age=8,
        answers={"孩子有无过敏": "无"},
    )
    signup.register(
        activity=activity,
        user=alice,
        attendee="小红",
        attendee_age=9,
        answers={"孩子有无过敏": "花生"},
    )  # a second child: fine
    assert Registration.objects.filter(user=alice, status="confirmed").count() == 2


def test_registration_opens_at_its_time(olivia, adam, center_a, dance_room, alice):
    opens = timezone.now() + timedelta(hours=1)
    activity = published(center_a, olivia, adam, dance_room, registration_opens_at=opens)
    with pytest.raises(ActivityRefused) as early:
        signup.register(activity=activity, user=alice)
    assert early.value.code == "not_open_yet"
    with time_machine.travel(opens + timedelta(seconds=1)):
        assert signup.register(activity=activity, user=alice).registration.status == "confirmed"


@pytest.mark.django_db(transaction=True)
def test_a_rush_never_oversells(olivia, adam, center_a, dance_room):
    if connection.vendor != "postgresql":
        pytest.skip("the row-level race is PostgreSQL's; SQLite serialises writers (CI runs both)")
    activity = published(center_a, olivia, adam, dance_room, capacity=5)
    people = residents(24)
    outcomes, barrier = [], threading.Barrier(len(people))

    def rush(person):
        barrier.wait()
        try:
            outcomes.append(signup.register(activity=activity, user=person).registration.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=rush, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    activity.refresh_from_db()
    assert outcomes.count("confirmed") == 5 == activity.places_taken
    assert Registration.objects.filter(activity=activity, status="confirmed").count() == 5
    assert outcomes.count("waitlisted") == 19


# --- tickets, check-in, afterwards ---------------------------------------------------------------
def test_a_ticket_checks_in_once_and_only_at_its_own_activity(
    olivia, adam, center_a, dance_room, alice, multimedia
):
    activity = published(center_a, olivia, adam, dance_room)
    other = published(center_a, olivia, adam, multimedia[0], title="书法沙龙", type="salon")
    registration = signup.register(activity=activity, user=alice).registration
    token = checkin.ticket_token(registration)

    at_the_door = time_machine.travel(later() - timedelta(minutes=20), tick=False)
    at_the_door.start()
    assert checkin.check_in(activity=activity, scanned=token, by=olivia).outcome == "ok"
    assert checkin.check_in(activity=activity, scanned=token, by=olivia).outcome == "again"
    assert (
        checkin.check_in(activity=activity, scanned=registration.code.lower(), by=olivia).outcome
        == "again"
    )
    assert checkin.check_in(activity=other, scanned=token, by=olivia).outcome == "wrong_activity"
    assert (
        checkin.check_in(activity=activity, scanned=token[:-2] + "xx", by=olivia).outcome
        == "unknown"
    )  # a forged ticket
    at_the_door.stop()
    assert CheckIn.objects.count() == 1


def test_check_in_opens_an_hour_before_and_closes_at_the_end(
    olivia, adam, center_a, dance_room, alice
):
    activity = published(center_a, olivia, adam, dance_room)  # later() for two hours
    code = signup.register(activity=activity, user=alice).registration.code
    start = later()
    days_early = start - timedelta(days=2, hours=5)
    for moment, outcome in [
        (days_early, "outside_window"),
        (start - timedelta(minutes=61), "outside_window"),
        (start + timedelta(hours=2, minutes=1), "outside_window"),
    ]:
        with time_machine.travel(moment, tick=False):
            result = checkin.check_in(activity=activity, scanned=code, by=olivia)
        assert result.outcome == outcome, moment
    # Said in the center's time; the date too when it is another day.
    with time_machine.travel(days_early, tick=False):
        early = checkin.check_in(activity=activity, scanned=code, by=olivia)
    assert early.message == f"签到时间为 {start:%m月%d日} 18:00 至 21:00"
    with time_machine.travel(start - timedelta(minutes=61), tick=False):
        same_day = checkin.check_in(activity=activity, scanned=code, by=olivia)
    assert same_day.message == "签到时间为 18:00 至 21:00"
    assert CheckIn.objects.count() == 0 and checkin.attendance(activity) == 0
    with time_machine.travel(start - timedelta(minutes=60), tick=False):
        assert checkin.check_in(activity=activity, scanned=code, by=olivia).outcome == "ok"


def test_a_completed_activity_counts_its_attendance_once(
    olivia, adam, center_a, dance_room, django_capture_on_commit_callbacks
):
    activity = published(center_a, olivia, adam, dance_room, capacity=5)
    tickets = [signup.register(activity=activity, user=u).registration for u in residents(3)]
    with time_machine.travel(later() + timedelta(minutes=5), tick=False):
        for registration in tickets[:2]:
            checkin.check_in(activity=activity, scanned=registration.code, by=olivia)
    with (
        time_machine.travel(later() + timedelta(hours=3)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.activity_complete(activity=activity, by=olivia, summary="40 人参加，反响好")
    record = ServiceRecord.objects.get(source="activity", source_id=str(activity.pk))
    assert (record.kind.code, record.people) == ("lecture", 2)


def test_cancelling_an_activity_frees_its_room_and_tells_everyone(
    olivia, adam, center_a, dance_room, alice
):
    activity = published(center_a, olivia, adam, dance_room)
    signup.register(activity=activity, user=alice)
    services.activity_cancel(activity=activity, by=olivia, reason="主讲人临时生病")
    booking = Booking.objects.get(session__activity=activity)
    assert booking.status == "cancelled"
    assert Registration.objects.get(user=alice).status == "cancelled"
    activity.refresh_from_db()
    assert activity.places_taken == 0 and activity.status == Activity.Status.CANCELLED


def test_each_step_reaches_the_residents_inbox_once(
    olivia, adam, center_a, dance_room, django_capture_on_commit_callbacks
):
    from openhall.notifications.models import Message

    activity = published(center_a, olivia, adam, dance_room, capacity=1)
    first, second = residents(2)
    with django_capture_on_commit_callbacks(execute=True):
        signup.register(activity=activity, user=first)
        signup.register(activity=activity, user=second)
    with django_capture_on_commit_callbacks(execute=True):
        signup.registration_cancel(registration=first.registrations.get(), by=first)
    titles = dict(Message.objects.values_list("user_id", "title").order_by("pk"))
    assert Message.objects.filter(user=first, title="报名成功").count() == 1
    assert titles[second.pk] == "候补到位"  # waitlisted, then offered the freed place
    assert Message.objects.get(user=second, title="候补到位").center_id == center_a.pk


def test_staff_broadcast_to_the_people_of_one_activity(
    olivia, adam, center_a, dance_room, django_capture_on_commit_callbacks
):
    from openhall.notifications.models import Message
    from openhall.notifications.services import broadcast_send

    activity = published(center_a, olivia, adam, dance_room, capacity=1)
    people = residents(3)
    for person in people[:2]:
        signup.register(activity=activity, user=person)  # one confirmed, one waiting
    with django_capture_on_commit_callbacks(execute=True):
        sent = broadcast_send(
            center=center_a,
            by=olivia,
            title="教室调整",
            body="改到二楼",
            audience="activity",
            segment_id=activity.pk,
        )
    assert sent.recipients == 2
    assert set(Message.objects.filter(title="教室调整").values_list("user_id", flat=True)) == {
        people[0].pk,
        people[1].pk,
    }


def test_a_team_leader_proposes_and_the_center_publishes_under_the_teams_name(
    adam, alice, tom, center_a, dance_room
):
    from openhall.accounts.models import TeamMembership

    team = factories.TeamFactory(center=center_a, name="书法协会")
    TeamMembership.objects.create(team=team, user=alice, role="leader")
    TeamMembership.objects.create(team=team, user=tom)
    values = {
        "type": "salon",
        "title": "书法交流会",
        "capacity": 15,
        "description": "<p>欢迎书法爱好者，另有保健品推荐</p>",
    }
    sessions = [(dance_room, later(), later() + timedelta(hours=2))]
    with pytest.raises(Forbidden):  # a member, not the leader
        services.activity_propose(
            center=center_a, by=tom, values=values, sessions=sessions, team=team
        )
    activity = services.activity_propose(
        center=center_a, by=alice, values=values, sessions=sessions, team=team
    )
    assert activity.status == "submitted" and {f["word"] for f in activity.flags} == {"保健品"}
    from django.test import TestCase

    from openhall.notifications.models import Message

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.activity_approve(activity=activity, by=adam, checklist=ALL_TICKED)
    booking = activity.sessions.get().booking
    assert (booking.team, booking.booker, booking.status) == (team, alice, "approved")
    assert Message.objects.filter(user=alice, title="活动已发布").exists()


def test_proposals_are_made_on_the_phone(client, alice, center_a, dance_room):
    from openhall.accounts.models import TeamMembership

    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    TeamMembership.objects.create(team=team, user=alice, role="leader")
    client.force_login(alice)
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    response = client.post(
        "/activities/propose/",
        {
            "organizer": f"t{team.pk}",
            "type": "family",
            "title": "亲子舞蹈体验",
            "capacity": 10,
            "audience": "all",
            "fee": "free",
            "price": "0",
            "cancel_hours": 2,
            "space": dance_room.pk,
            "day": day,
            "start_time": "15:00",
            "end_time": "16:00",
            "weeks": 1,
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get().organizer_team == team


def test_photos_go_with_the_summary_once_it_is_done(olivia, adam, center_a, dance_room):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    activity = published(center_a, olivia, adam, dance_room)
    raw = BytesIO()
    Image.new("RGB", (2400, 1800), "blue").save(raw, "JPEG")
    upload = SimpleUploadedFile("现场.jpg", raw.getvalue(), "image/jpeg")
    with pytest.raises(ActivityRefused):
        services.photo_add(activity=activity, by=olivia, upload=upload)
    with time_machine.travel(later() + timedelta(hours=3)):
        services.activity_complete(activity=activity, by=olivia, summary="座无虚席")
    activity.refresh_from_db()
    upload.seek(0)
    photo = services.photo_add(activity=activity, by=olivia, upload=upload)
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) <= 1600


def test_moving_a_session_moves_its_room_booking_and_tells_everyone(
    olivia, adam, alice, center_a, dance_room, multimedia, django_capture_on_commit_callbacks
):
    from openhall.notifications.models import Message

    activity = published(center_a, olivia, adam, dance_room)
    signup.register(activity=activity, user=alice)
    session = activity.sessions.get()
    new_start = later(days=4, hour=15)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(
            session=session,
            by=olivia,
            start=new_start,
            end=new_start + timedelta(hours=2),
            space=multimedia[0],
        )
    booking = Booking.objects.get(pk=session.booking_id)
    assert (booking.start, booking.space, booking.status) == (new_start, multimedia[0], "approved")
    message = Message.objects.get(user=alice, title="活动时间地点变更")
    assert "多媒体活动室" in message.body


def test_a_street_activity_asks_residents_to_declare_they_live_there(
    olivia, adam, alice, center_a, dance_room
):
    activity = published(center_a, olivia, adam, dance_room, audience="street")
    with pytest.raises(ActivityRefused) as refused:
        signup.register(activity=activity, user=alice)
    assert refused.value.code == "street_residents_only" and center_a.street.name in str(
        refused.value
    )
    assert (
        signup.register(activity=activity, user=alice, lives_here=True).registration.status
        == "confirmed"
    )


def test_notices_recorded_before_the_split_still_find_their_task():
    """Outbox rows written before services.py was split name the task by its old path."""
    from openhall.core.events import DEFERRED, subscriber

    assert subscriber(DEFERRED, "openhall.activities.services.tell") is not None
    assert subscriber(DEFERRED, "openhall.activities.notices.tell") is not None
