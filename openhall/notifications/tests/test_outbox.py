"""One event → one inbox message + one delivery per channel, each sent at most once."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from openhall.core.outbox import retry_delay
from openhall.notifications import services
from openhall.notifications.models import ConsoleSms, Delivery, Message
from openhall.wechat import client as wechat_client
from openhall.wechat.fake import FakeWechat
from openhall.wechat.models import WechatAccount

APP_ID = "wxOutboxTest"


@pytest.fixture
def fake(settings, db):
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_APP_SECRET = "s"
    settings.WECHAT_FAKE_SERVER = False
    settings.WECHAT_TEMPLATES = {"booking": "TPL_BOOKING"}
    fake = FakeWechat(app_id=APP_ID, app_secret="s")
    wechat_client.use_transport(fake.transport())
    yield fake
    wechat_client.use_transport(None)


@pytest.fixture(autouse=True)
def _after_commit(request):
    """Deliveries are queued after commit: run those callbacks as the transaction would."""
    global _capture
    _capture = request.getfixturevalue("django_capture_on_commit_callbacks")


_capture = None


@pytest.fixture
def follower(alice, fake):
    fake.add_user("oAlice")
    WechatAccount.objects.create(openid="oAlice", user=alice, subscribed=True)
    return alice


def approve(user, key="booking.approved:1", critical=False):
    with _capture(execute=True):
        return _notify(user, key, critical)


def _notify(user, key, critical):
    return services.notify(
        user_id=user.pk,
        key=key,
        kind="booking",
        title="预约已通过",
        body="您预约的“舞蹈教室”已通过，请按时到场签到。",
        url="/bookings/1/",
        fields={"thing1": "舞蹈教室", "time2": "2026-11-26 19:00", "phrase3": "已通过"},
        critical=critical,
    )


def test_without_wechat_only_the_inbox_receives_it(alice, fake):
    message = approve(alice)
    assert [d.channel for d in message.deliveries.all()] == ["inbox"]
    assert fake.templates_sent == []


def test_a_follower_gets_a_template_message_with_short_keyword_fields(follower, fake):
    approve(follower)
    assert len(fake.templates_sent) == 1
    sent = fake.templates_sent[0]
    assert sent["touser"] == "oAlice" and sent["template_id"] == "TPL_BOOKING"
    assert sent["url"].endswith("/bookings/1/")
    assert all(len(v["value"]) <= 20 and "\n" not in v["value"] for v in sent["data"].values())
    delivery = Delivery.objects.get(channel="wechat_template")
    assert delivery.status == "sent"


def test_long_keyword_values_are_cut_to_twenty_characters():
    value = services.keyword_value("沙河口区XX街道党群服务中心三楼多功能舞蹈教室\n东侧")
    assert len(value) == 20 and value.endswith("…") and "\n" not in value


def test_the_same_event_twice_sends_once(follower, fake):
    approve(follower)
    approve(follower)
    assert Message.objects.count() == 1
    assert len(fake.templates_sent) == 1


def test_a_retried_task_never_sends_twice(follower, fake):
    approve(follower)
    delivery = Delivery.objects.get(channel="wechat_template")
    for _ in range(3):
        services.delivery_attempt(delivery_id=delivery.pk)
    assert len(fake.templates_sent) == 1


def test_a_delivery_caught_mid_send_by_a_crash_is_not_sent_again(follower, fake, settings):
    settings.WECHAT_TEMPLATES = {}
    approve(follower)
    settings.WECHAT_TEMPLATES = {"booking": "TPL_BOOKING"}
    message = Message.objects.get()
    delivery = Delivery.objects.create(
        message=message,
        channel="wechat_template",
        idempotency_key="x:wechat_template",
        status=Delivery.Status.SENDING,  # the worker died after claiming it
        payload={"kind": "booking", "fields": {}, "url": ""},
    )
    services.delivery_attempt(delivery_id=delivery.pk)
    assert fake.templates_sent == []


def test_a_delivery_stuck_mid_send_is_flagged_for_staff_not_resent(follower, fake):
    approve(follower)
    delivery = Delivery.objects.get(channel="wechat_template")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now()
    )
    assert services.deliveries_flag_stuck() == 0  # too recent: the worker may still be at it
    later = timezone.now() + timezone.timedelta(minutes=11)
    assert services.deliveries_flag_stuck(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "unknown" in delivery.last_error
    services.delivery_attempt(delivery_id=delivery.pk)
    assert len(fake.templates_sent) == 1


def test_a_busy_wechat_is_retried_with_growing_delays(follower, fake):
    fake.fail_next["/cgi-bin/message/template/send"] = -1
    approve(follower)
    delivery = Delivery.objects.get(channel="wechat_template")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "-1" in delivery.last_error
    # The relay waits out the one backoff of every retry loop (core.outbox.retry_delay) ...
    tried_at = delivery.claimed_at
    assert (
        services.deliveries_retry_due(now=tried_at + retry_delay(1) - dt.timedelta(seconds=1)) == 0
    )
    assert services.deliveries_retry_due(now=tried_at + retry_delay(1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(fake.templates_sent) == 1
    # ... which grows with each attempt.
    assert retry_delay(1) < retry_delay(2) < retry_delay(3) <= retry_delay(10)


def test_the_daily_quota_is_retried_then_given_up(follower, fake):
    fake.daily_template_quota = 0  # 45009 on every send
    approve(follower)
    delivery = Delivery.objects.get(channel="wechat_template")
    for _ in range(services.MAX_ATTEMPTS):
        services.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == services.MAX_ATTEMPTS


def test_a_subscribe_message_needs_an_opt_in_each_time(alice, fake, settings):
    from openhall.wechat.services import subscribe_opt_in

    settings.WECHAT_TEMPLATES = {"booking_subscribe": "TPL_SUB"}
    fake.add_user("oAlice")
    WechatAccount.objects.create(openid="oAlice", user=alice)
    subscribe_opt_in(openid="oAlice", template_id="TPL_SUB")
    fake.allow_subscribe("oAlice", "TPL_SUB")
    approve(alice, key="k1")
    approve(alice, key="k2")  # no opt-in left: inbox only
    assert len(fake.subscribe_sent) == 1
    assert Delivery.objects.filter(channel="wechat_subscribe").count() == 1


def test_wechat_can_be_turned_off(follower, fake):
    services.preference_set(user=follower, wechat=False, sms=False)
    approve(follower)
    assert fake.templates_sent == []


def test_critical_notices_go_by_sms_when_asked(alice, fake):
    services.preference_set(user=alice, wechat=True, sms=True)
    approve(alice, critical=True)
    approve(alice, key="booking.approved:2", critical=False)
    assert ConsoleSms.objects.filter(mobile=alice.mobile).count() == 1


def test_quiet_hours_hold_wechat_until_morning(follower, fake):
    services.preference_set(
        user=follower, wechat=True, sms=False, quiet_start=dt.time(22), quiet_end=dt.time(7)
    )
    night = dt.datetime(2026, 11, 25, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(night):
        approve(follower)
    delivery = Delivery.objects.get(channel="wechat_template")
    assert timezone.localtime(delivery.not_before).hour == 7
    assert fake.templates_sent == []
    assert Message.objects.filter(user=follower).count() == 1  # the inbox does not wait
    with time_machine.travel(night + dt.timedelta(hours=2)):
        services.delivery_attempt(delivery_id=delivery.pk)  # an early retry waits too
    assert fake.templates_sent == []
    with time_machine.travel(night + dt.timedelta(hours=8)):
        services.delivery_attempt(delivery_id=delivery.pk)
    assert len(fake.templates_sent) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_send_once(alice, settings):
    if connection.vendor == "sqlite":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = APP_ID, "s"
    settings.WECHAT_TEMPLATES = {}
    fake = FakeWechat(app_id=APP_ID, app_secret="s")
    fake.add_user("oAlice")
    wechat_client.use_transport(fake.transport())
    try:
        WechatAccount.objects.create(openid="oAlice", user=alice)
        message = approve(alice)
        delivery = Delivery.objects.create(
            message=message,
            channel="wechat_template",
            idempotency_key="c:wechat_template",
            payload={"kind": "booking", "fields": {}, "url": ""},
        )
        settings.WECHAT_TEMPLATES = {"booking": "TPL_BOOKING"}

        def attempt():
            services.delivery_attempt(delivery_id=delivery.pk)
            connection.close()

        threads = [threading.Thread(target=attempt) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(fake.templates_sent) == 1
    finally:
        wechat_client.use_transport(None)
