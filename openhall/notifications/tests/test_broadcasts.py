import pytest
from django.core.exceptions import ValidationError

from openhall import factories
from openhall.accounts.models import TeamMembership
from openhall.core.models import AuditEntry
from openhall.core.refusals import NotFound
from openhall.notifications import services
from openhall.notifications.models import Broadcast, Message
from openhall.wechat.models import WechatAccount


@pytest.fixture
def team(center_a, alice, tom):
    team = factories.TeamFactory(center=center_a, name="舞蹈队")
    TeamMembership.objects.create(team=team, user=alice)
    TeamMembership.objects.create(team=team, user=tom)
    return team


def test_a_team_broadcast_reaches_each_member_once(
    team, olivia, center_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = services.broadcast_send(
            center=center_a,
            by=olivia,
            title="排练改期",
            body="本周排练改到周日。",
            audience="team",
            team=team,
        )
    assert broadcast.recipients == 2
    assert Message.objects.filter(title="排练改期").count() == 2
    services.broadcast_deliver(
        broadcast_id=broadcast.pk, user_ids=[m.user_id for m in team.memberships.all()]
    )
    assert Message.objects.filter(title="排练改期").count() == 2  # a retried task adds nothing
    assert AuditEntry.objects.filter(action="broadcast.send").exists()


def test_followers_are_the_linked_wechat_users(alice, tom, center_a, olivia):
    WechatAccount.objects.create(openid="o1", user=alice, subscribed=True)
    WechatAccount.objects.create(openid="o2", user=tom, subscribed=False)
    assert services.broadcast_recipients(center=center_a, audience="followers") == [alice.pk]


def test_titles_fit_a_wechat_keyword_field(team, olivia, center_a):
    with pytest.raises(ValidationError):
        services.broadcast_send(
            center=center_a,
            by=olivia,
            title="这是一个超过二十个字的非常非常长的广播通知标题啊",
            body="x",
            audience="team",
            team=team,
        )


def test_another_centers_team_is_nobody(team, oscar, center_b):
    with pytest.raises(ValidationError):
        services.broadcast_send(
            center=center_b, by=oscar, title="x", body="y", audience="team", team=team
        )


def test_staff_of_another_center_cannot_broadcast_here(team, oscar, center_a):
    with pytest.raises(NotFound):
        services.broadcast_send(
            center=center_a, by=oscar, title="x", body="y", audience="team", team=team
        )


def test_the_console_previews_then_sends(
    client_for, olivia, team, center_a, django_capture_on_commit_callbacks
):
    client = client_for(olivia)
    url = f"/console/c/{center_a.pk}/broadcasts/"
    data = {"title": "排练改期", "body": "改到周日", "audience": "team", "team": team.pk}
    preview = client.post(url, data).content.decode()
    assert "2" in preview and not Broadcast.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**data, "confirm": "1"})
    assert Broadcast.objects.get().recipients == 2
    # Staff see how far it went: two inbox deliveries, sent.
    assert "站内消息 已发送 2" in client.get(url).content.decode()


def _held(center, day, hour, attendees, status="completed"):
    from datetime import datetime, timedelta

    from django.utils import timezone

    start = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)
    return factories.BookingFactory(
        center=center,
        start=start,
        end=start + timedelta(hours=2),
        attendees=attendees,
        status=status,
    )


def test_the_weekly_digest_counts_last_weeks_held_bookings_only(center_a):
    from datetime import date

    from openhall.notifications.digest import weekly_digest

    wednesday = date(2026, 11, 25)  # last week: Monday 16 – Sunday 22 November
    _held(center_a, date(2026, 11, 16), 9, 12)
    _held(center_a, date(2026, 11, 22), 14, 8, status="approved")
    _held(center_a, date(2026, 11, 20), 9, 30, status="cancelled")  # not held
    _held(center_a, date(2026, 11, 23), 9, 50)  # this week
    _held(center_a, date(2026, 11, 15), 9, 50)  # the week before

    digest = weekly_digest(center=center_a, today=wednesday)

    assert digest["title"] == "上周服务数据 11.16–11.22"
    assert len(digest["title"]) <= 20
    assert "2 次" in digest["body"] and "4 小时" in digest["body"] and "20 人次" in digest["body"]
    assert center_a.name in digest["body"]


def test_staff_get_the_digest_pre_filled_and_still_preview_before_sending(client, olivia, center_a):
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/broadcasts/?digest=week").content.decode()
    assert "上周服务数据" in page
    assert not Broadcast.objects.exists()  # nothing goes out until staff preview and confirm


def test_staff_see_whether_their_centers_notices_arrived_and_nothing_of_others(
    client, olivia, alice, center_a, center_b
):
    from openhall.notifications.models import Delivery

    ok = services.notify(
        user_id=alice.pk,
        key="k-ok",
        kind="notice",
        title="活动改期",
        body="…",
        center_id=center_a.pk,
    )
    failed = services.notify(
        user_id=alice.pk,
        key="k-bad",
        kind="notice",
        title="场地变更",
        body="…",
        center_id=center_a.pk,
    )
    Delivery.objects.create(
        message=failed,
        channel="sms",
        idempotency_key="k-bad:sms",
        status="failed",
        attempts=5,
        last_error="isv.BUSINESS_LIMIT_CONTROL",
    )
    services.notify(
        user_id=alice.pk,
        key="k-b",
        kind="notice",
        title="乙站通知",
        body="…",
        center_id=center_b.pk,
    )
    client.force_login(olivia)

    page = client.get(f"/console/c/{center_a.pk}/outbox/").content.decode()
    assert "活动改期" in page and "场地变更" in page and "乙站通知" not in page
    assert "isv.BUSINESS_LIMIT_CONTROL" in page
    assert alice.real_name not in page  # masked
    failed_page = client.get(f"/console/c/{center_a.pk}/outbox/?failed=1").content.decode()
    assert "场地变更" in failed_page and "活动改期" not in failed_page
    assert ok.center_id == center_a.pk


def test_the_broadcast_list_says_how_far_each_broadcast_has_gone(team, olivia, center_a, client):
    broadcast = services.broadcast_send(
        center=center_a, by=olivia, title="排练改期", body="x", audience="team", team=team
    )
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/broadcasts/").content.decode()
    assert "排队中，尚未发出" in page  # the worker has not run: never a blank cell

    services.broadcast_deliver(
        broadcast_id=broadcast.pk, user_ids=[m.user_id for m in team.memberships.all()]
    )
    page = client.get(f"/console/c/{center_a.pk}/broadcasts/").content.decode()
    assert "站内消息 已发送 2" in page and "排队中" not in page
