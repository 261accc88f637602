"""/metrics: what Prometheus scrapes on a city deployment. It answers the machine itself and
whoever holds the token, nobody else (404); it counts requests by route, never by path; it
shows the follow-ups, deliveries and locks that are late or failed, read from the records."""

import os
import subprocess  # noqa: S404
import sys
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from huey.contrib.djhuey import db_task
from prometheus_client.parser import text_string_to_metric_families

from openhall import factories
from openhall.access.grants import grant_create
from openhall.access.models import Door, LockCredential
from openhall.access.tests.lock_faults import FAULTS
from openhall.core.models import OutboxMessage
from openhall.notifications.models import Delivery, Message

pytestmark = pytest.mark.django_db

TOKEN = "prometheus-of-the-city-" + "x" * 20
STRANGER = "203.0.113.7"


def scrape(client, **extra) -> dict[tuple, float]:
    """{(sample name, (label pairs…)): value} from /metrics, asked as the local Prometheus."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def token(settings):
    settings.OPENHALL_METRICS_TOKEN = TOKEN
    return TOKEN


# --- who may scrape --------------------------------------------------------------------------
def test_a_stranger_gets_404_where_the_token_holder_gets_the_metrics(client, token):
    assert client.get("/metrics", REMOTE_ADDR=STRANGER).status_code == 404
    wrong = client.get("/metrics", REMOTE_ADDR=STRANGER, HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 404
    assert scrape(client, REMOTE_ADDR=STRANGER, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_without_a_token_configured_an_empty_bearer_opens_nothing(client, settings):
    settings.OPENHALL_METRICS_TOKEN = ""
    assert (
        client.get("/metrics", REMOTE_ADDR=STRANGER, HTTP_AUTHORIZATION="Bearer ").status_code
        == 404
    )
    assert scrape(client, REMOTE_ADDR="127.0.0.1")


def test_it_answers_a_caller_on_the_machine_itself_over_ipv4_and_ipv6(client):
    assert (
        value(scrape(client, REMOTE_ADDR="127.0.0.1"), "openhall_outbox_backlog", state="late") == 0
    )
    assert scrape(client, REMOTE_ADDR="::1")


def test_a_strangers_request_passed_on_by_nginx_on_the_same_machine_is_refused(client, token):
    # nginx connects from 127.0.0.1, as the local Prometheus does; its headers tell them apart.
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
        forwarded = {"REMOTE_ADDR": "127.0.0.1", header: STRANGER}
        assert client.get("/metrics", **forwarded).status_code == 404, header
        assert scrape(client, HTTP_AUTHORIZATION=f"Bearer {token}", **forwarded), header


def test_a_guessable_token_is_refused_at_start_up():
    def start_with(token: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", "import openhall.settings"],
            env={**os.environ, "OPENHALL_METRICS_TOKEN": token},
            capture_output=True,
            text=True,
        )

    refused = start_with("prometheus")
    assert refused.returncode != 0 and "OPENHALL_METRICS_TOKEN" in refused.stderr
    assert start_with(TOKEN).returncode == 0


# --- requests ----------------------------------------------------------------------------------
def test_a_request_is_counted_by_its_route_name_not_its_path(client, dance_room):
    url = f"/book/space/{dance_room.pk}/"
    labels = {"route": "portal:book_space", "method": "GET"}
    before = scrape(client)
    status = client.get(url).status_code
    after = scrape(client)
    count = "openhall_http_request_duration_seconds_count"
    status_class = f"{status // 100}xx"
    assert value(after, count, status=status_class, **labels) == (
        value(before, count, status=status_class, **labels) + 1
    )
    routes = {dict(key[1]).get("route", "") for key in after}
    assert not any(str(dance_room.pk) in route for route in routes if "book" in route)


def test_an_api_route_and_an_unknown_path_keep_to_their_patterns(client, alice):
    count = "openhall_http_request_duration_seconds_count"
    before = scrape(client)
    client.get("/api/v1/bookings/424242")
    client.get("/no/such/page/424242")
    client.generic("BREW", "/healthz")
    after = scrape(client)
    api = {"route": "api:get_booking", "method": "GET", "status": "4xx"}
    assert value(after, count, **api) == value(before, count, **api) + 1
    unmatched = {"route": "unmatched", "method": "GET", "status": "4xx"}
    assert value(after, count, **unmatched) == value(before, count, **unmatched) + 1
    brew = {"route": "healthz", "method": "other", "status": "4xx"}
    assert value(after, count, **brew) == value(before, count, **brew) + 1
    assert not any("424242" in str(key) for key in after)


# --- figures from the records ------------------------------------------------------------------
def test_it_shows_late_and_failed_follow_ups(client):
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboxMessage.objects.create(
        event="x.done", handler="h", created_at=long_ago, next_attempt_at=long_ago
    )
    OutboxMessage.objects.create(event="x.done", handler="h")  # just written: not late
    OutboxMessage.objects.create(event="x.done", handler="h", failed_at=long_ago, attempts=10)
    samples = scrape(client)
    assert value(samples, "openhall_outbox_backlog", state="late") == 1
    assert value(samples, "openhall_outbox_backlog", state="failed") == 1


def test_it_shows_failed_deliveries_by_channel_without_the_person(client, alice):
    message = Message.objects.create(user=alice, idempotency_key="m1", title="预约已通过", body="…")
    for channel, status in [
        ("sms", "failed"),
        ("wechat_template", "failed"),
        ("inbox", "sent"),
        ("wechat_subscribe", "failed"),
    ]:
        Delivery.objects.create(
            message=message, channel=channel, status=status, idempotency_key=f"m1:{channel}"
        )
    response = client.get("/metrics")
    samples = scrape(client)
    name = "openhall_notification_deliveries_failed"
    assert value(samples, name, channel="sms") == 1
    assert value(samples, name, channel="wechat_template") == 1
    assert (name, (("channel", "inbox"),)) in samples and value(samples, name, channel="inbox") == 0
    text = response.content.decode()
    assert alice.mobile not in text and "预约" not in text  # no person, no message text


def test_figures_are_read_at_most_every_15_seconds(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert value(scrape(client), "openhall_outbox_backlog", state="failed") == 0
        OutboxMessage.objects.create(event="x.done", handler="h", failed_at=timezone.now())
        assert value(scrape(client), "openhall_outbox_backlog", state="failed") == 0
        traveller.shift(timedelta(seconds=16))
        assert value(scrape(client), "openhall_outbox_backlog", state="failed") == 1


def test_it_shows_the_queue_and_the_workers_heartbeat(client):
    from huey.contrib.djhuey import HUEY

    from openhall.core import tasks

    HUEY.storage.flush_all()
    samples = scrape(client)
    assert value(samples, "openhall_worker_heartbeat_timestamp_seconds") == 0  # never beat
    assert ("openhall_queue_pending_tasks", ()) in samples
    tasks.heartbeat()
    client.get("/metrics")  # still the cached reading
    with time_machine.travel(timezone.now() + timedelta(seconds=16)):
        beat = value(scrape(client), "openhall_worker_heartbeat_timestamp_seconds")
    assert abs(beat - timezone.now().timestamp()) < 60


def test_a_failing_lock_is_counted_and_its_given_up_credential_shown(
    client, center_a, olivia, django_capture_on_commit_callbacks
):
    FAULTS.clear()
    door = Door.objects.create(center=center_a, name="舞蹈教室门")
    FAULTS[door.pk] = "offline"
    counter = "openhall_lock_reconcile_failures_total"
    try:
        before = scrape(client)
        start = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            grant = grant_create(
                center=center_a,
                by=olivia,
                user=factories.UserFactory(),
                doors=[door],
                starts_at=start,
                ends_at=start + timedelta(hours=1),
            )
    finally:
        FAULTS.clear()
    LockCredential.objects.filter(credential__grant=grant).update(status="failed")
    with time_machine.travel(timezone.now() + timedelta(seconds=16)):
        after = scrape(client)
    assert value(after, counter) >= value(before, counter) + 1
    assert value(after, "openhall_lock_credentials_failed") == 1


@db_task()
def a_task_that_breaks() -> None:
    raise RuntimeError("the SMS provider is down")


def test_a_failing_task_is_counted_by_its_name(client):
    name = "openhall_task_failures_total"
    before = value(scrape(client), name, task="a_task_that_breaks")
    a_task_that_breaks()
    assert value(scrape(client), name, task="a_task_that_breaks") == before + 1


def test_a_figure_that_cannot_be_read_is_named_and_the_rest_still_shown(client, monkeypatch):
    from openhall.core import outbox

    def broken():
        raise ConnectionError("database restarting")

    monkeypatch.setattr(outbox, "backlog", broken)
    samples = scrape(client)
    assert value(samples, "openhall_metrics_read_failed", metric="openhall_outbox_backlog") == 1
    assert ("openhall_queue_pending_tasks", ()) in samples


def test_a_worker_on_its_own_machine_shows_its_failures_on_its_port(settings):
    import socket
    import urllib.request

    from openhall.core import metrics

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OPENHALL_WORKER_METRICS_PORT = port
    a_task_that_breaks()
    try:
        metrics.start_worker_exporter()
        metrics.start_worker_exporter()  # every worker thread calls it: one server
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:  # noqa: S310
            text = answer.read().decode()
    finally:
        if metrics._worker_exporter is not None:
            metrics._worker_exporter.shutdown()
            metrics._worker_exporter.server_close()
            metrics._worker_exporter = None
    assert 'openhall_task_failures_total{task="a_task_that_breaks"}' in text
