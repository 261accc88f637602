"""The activity pages residents and staff use."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from openhall.activities.models import Activity, Registration
from openhall.activities.tests.test_activities import ALL_TICKED, published

pytestmark = pytest.mark.django_db


def test_a_resident_registers_on_the_phone_and_sees_a_ticket(
    client, olivia, adam, alice, center_a, dance_room
):
    activity = published(center_a, olivia, adam, dance_room)
    assert activity.title in client.get("/activities/").content.decode()
    assert activity.title in client.get("/").content.decode()  # 近期活动 on the home page
    client.force_login(alice)
    response = client.post(f"/activities/{activity.pk}/")
    assert response.status_code == 302 and response["Location"] == "/activities/mine/"
    mine = client.get("/activities/mine/").content.decode()
    registration = Registration.objects.get(user=alice)
    assert registration.code in mine and "data:image/svg+xml" in mine


def test_staff_write_review_and_check_in_from_the_console(
    client, olivia, adam, alice, center_a, dance_room
):
    client.force_login(olivia)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.post(
        f"/console/c/{center_a.pk}/activities/new/",
        {
            "type": "salon",
            "title": "读书沙龙",
            "capacity": 20,
            "audience": "all",
            "fee": "free",
            "price": "0",
            "cancel_hours": 2,
            "space": dance_room.pk,
            "day": day,
            "start_time": "19:00",
            "end_time": "21:00",
            "weeks": 4,
            "question_lines": "",
        },
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and activity.sessions.count() == 4
    base = f"/console/c/{center_a.pk}/activities/{activity.pk}"
    client.post(f"{base}/submit/")
    client.force_login(adam)
    client.post(f"{base}/approve/", dict.fromkeys(ALL_TICKED, "on"))
    activity.refresh_from_db()
    assert activity.status == "published"
    assert activity.sessions.filter(booking__status="approved").count() == 4

    from openhall.activities.signup import register

    code = register(activity=activity, user=alice).registration.code
    client.force_login(olivia)
    early = client.post(f"{base}/check-in/", {"code": code}, HTTP_HX_REQUEST="true")
    assert "签到时间为" in early.content.decode() and "已签到 0 / 1" in early.content.decode()
    first = activity.sessions.order_by("start").first()
    door = time_machine.travel(first.start - timedelta(minutes=10), tick=False)
    door.start()
    page = client.post(f"{base}/check-in/", {"code": code}, HTTP_HX_REQUEST="true").content.decode()
    assert "有效" in page and "已签到 1 / 1" in page and "<html" not in page  # a fragment
    again = client.post(
        f"{base}/check-in/", {"code": code}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "已签到" in again
    door.stop()


def test_a_cover_picture_is_re_encoded_and_shown(client, olivia, center_a, dance_room):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    raw = BytesIO()
    Image.new("RGB", (3000, 1500), "red").save(raw, "PNG")
    client.force_login(olivia)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    client.post(
        f"/console/c/{center_a.pk}/activities/new/",
        {
            "type": "salon",
            "title": "摄影沙龙",
            "capacity": 20,
            "audience": "all",
            "fee": "free",
            "price": "0",
            "cancel_hours": 2,
            "space": dance_room.pk,
            "day": day,
            "start_time": "19:00",
            "end_time": "21:00",
            "weeks": 1,
            "cover_upload": SimpleUploadedFile("封面.png", raw.getvalue(), "image/png"),
        },
    )
    activity = Activity.objects.get()
    with Image.open(activity.cover.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) <= 1200


def _form_of(activity, **changes):
    """What the prefilled edit form posts back, with `changes`."""
    session = activity.sessions.order_by("start").first()
    start, end = timezone.localtime(session.start), timezone.localtime(session.end)
    data = {
        "type": activity.type,
        "title": activity.title,
        "description": activity.description,
        "speaker": activity.speaker,
        "capacity": activity.capacity,
        "audience": activity.audience,
        "fee": activity.fee,
        "price": str(activity.price),
        "cancel_hours": activity.cancel_hours,
        "space": session.space_id,
        "day": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "weeks": activity.sessions.count(),
        "question_lines": "",
    }
    return {**data, **changes}


def test_a_returned_activity_is_edited_on_the_prefilled_form_and_sent_again(
    client, olivia, adam, center_a, dance_room
):
    from openhall.activities import services
    from openhall.activities.tests.test_activities import draft

    activity = draft(center_a, olivia, dance_room, capacity=20)
    services.activity_submit(activity=activity, by=olivia)
    services.activity_return(activity=activity, by=adam, reason="人数请按房间容量填写")
    client.force_login(olivia)
    edit = f"/console/c/{center_a.pk}/activities/{activity.pk}/edit/"
    page = client.get(edit).content.decode()
    assert "人数请按房间容量填写" in page and 'value="防范电信诈骗讲座"' in page
    too_many = client.post(
        edit, _form_of(activity, capacity=dance_room.capacity + 10, then_submit="1")
    )
    assert too_many.status_code == 200  # the problem is on the form, nothing sent
    assert f"最多 {dance_room.capacity} 人" in too_many.content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.capacity) == ("returned", 20)  # all or nothing
    sent = client.post(edit, _form_of(activity, speaker="社区民警", then_submit="1"))
    assert sent.status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.speaker, activity.sessions.count()) == (
        "submitted",
        "社区民警",
        1,
    )


def test_typed_text_on_the_edit_form_is_shown_as_text(client, olivia, center_a, dance_room):
    from openhall.activities.tests.test_activities import draft

    hostile = "</script><img src=x onerror=alert(1)>"
    activity = draft(center_a, olivia, dance_room, capacity=5, speaker=hostile)
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/activities/{activity.pk}/edit/").content.decode()
    assert hostile not in page and "&lt;/script&gt;&lt;img" in page


def test_the_console_overview_counts_what_waits_for_review_with_links(
    client, olivia, center_a, center_b, dance_room
):
    from openhall import factories
    from openhall.activities import services
    from openhall.activities.tests.test_activities import draft

    activity = draft(center_a, olivia, dance_room)
    services.activity_submit(activity=activity, by=olivia)
    draft(center_a, olivia, dance_room, title="还是草稿")  # not waiting
    factories.ArticleFactory(center=center_a, title="社区通知", status="in_review")
    factories.ArticleFactory(center=center_b, title="别的中心", status="in_review")
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/").content.decode()
    activities_link = f"/console/c/{center_a.pk}/activities/?status=submitted"
    articles_link = f"/console/c/{center_a.pk}/news/?status=in_review"
    assert f'href="{activities_link}"><span class="figure-value">1</span>' in page
    assert f'href="{articles_link}"><span class="figure-value">1</span>' in page
    assert "待审核活动" in page and "待审核文章" in page


def test_a_team_leader_sees_a_returned_proposal_edits_it_and_sends_it_again(
    client, adam, alice, center_a, dance_room
):
    from openhall import factories
    from openhall.accounts.models import TeamMembership
    from openhall.activities import services
    from openhall.activities.tests.test_activities import later

    team = factories.TeamFactory(center=center_a, name="书法协会")
    TeamMembership.objects.create(team=team, user=alice, role="leader")
    activity = services.activity_propose(
        center=center_a,
        by=alice,
        values={"type": "salon", "title": "书法交流会", "capacity": 15},
        sessions=[(dance_room, later(), later() + timedelta(hours=2))],
        team=team,
    )
    services.activity_return(activity=activity, by=adam, reason="请<b>写明</b>主讲人")
    client.force_login(alice)
    mine = client.get("/activities/mine/").content.decode()
    assert "书法交流会" in mine and "退回修改" in mine
    assert "请&lt;b&gt;写明&lt;/b&gt;主讲人" in mine  # the reviewer's note, as text
    edit = f"/activities/proposals/{activity.pk}/edit/"
    assert edit in mine
    activity.refresh_from_db()
    sent = client.post(edit, _form_of(activity, speaker="王老师"))
    assert sent.status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.speaker) == ("submitted", "王老师")
    assert "待审核" in client.get("/activities/mine/").content.decode()
    assert client.get(edit).status_code == 404  # under review: no longer theirs to change


def test_someone_elses_proposal_cannot_be_edited(client, alice, tom, center_a, dance_room):
    from openhall import factories
    from openhall.accounts.models import TeamMembership
    from openhall.activities import services
    from openhall.activities.tests.test_activities import later

    team = factories.TeamFactory(center=center_a, name="书法协会")
    TeamMembership.objects.create(team=team, user=alice, role="leader")
    activity = services.activity_propose(
        center=center_a,
        by=alice,
        values={"type": "salon", "title": "书法交流会", "capacity": 15},
        sessions=[(dance_room, later(), later() + timedelta(hours=2))],
        team=team,
    )
    client.force_login(tom)
    assert client.get(f"/activities/proposals/{activity.pk}/edit/").status_code == 404


def test_a_description_saved_around_the_services_is_cleaned_again_when_shown(
    client, olivia, center_a
):
    """A row written before the rules tightened, by the admin or an import: the description is
    shown through `rich_text` (cleaned as it is shown), like an article, never as stored."""
    from openhall import factories

    attack = '<p>讲座</p><img src=x onerror="alert(1)"><script>alert(2)</script>'
    activity = factories.activity(center_a, description=attack)
    pages = [
        client.get(f"/activities/{activity.pk}/").content.decode(),
    ]
    client.force_login(olivia)
    pages.append(client.get(f"/console/c/{center_a.pk}/activities/{activity.pk}/").content.decode())
    for page in pages:
        assert "<p>讲座</p>" in page
        assert "onerror" not in page and "alert(2)" not in page


def test_a_proposer_no_longer_leading_the_team_cannot_resubmit_in_its_name(
    client, adam, alice, center_a, dance_room
):
    """A proposal speaks for its team: once its proposer no longer leads the team, their edit
    and resubmission are refused together (the booking rules checked at submit name the
    leader), and the returned proposal stays as it was."""
    from openhall import factories
    from openhall.accounts.models import TeamMembership
    from openhall.activities import services
    from openhall.activities.tests.test_activities import later

    team = factories.TeamFactory(center=center_a, name="书法协会")
    leader = TeamMembership.objects.create(team=team, user=alice, role="leader")
    activity = services.activity_propose(
        center=center_a,
        by=alice,
        values={"type": "salon", "title": "书法交流会", "capacity": 15},
        sessions=[(dance_room, later(), later() + timedelta(hours=2))],
        team=team,
    )
    services.activity_return(activity=activity, by=adam, reason="请写明主讲人")
    leader.role = "member"
    leader.save()

    client.force_login(alice)
    activity.refresh_from_db()
    sent = client.post(
        f"/activities/proposals/{activity.pk}/edit/", _form_of(activity, title="改过的标题")
    )
    activity.refresh_from_db()
    assert (activity.status, activity.title) == ("returned", "书法交流会")
    assert sent.status_code == 200 and "负责人" in sent.content.decode()
