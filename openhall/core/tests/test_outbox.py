"""Follow-ups are never lost: recorded in the change's transaction, delivered at least once after
commit, retried when they fail, taken up again when their worker dies, and run once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from openhall.core import events, outbox
from openhall.core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

calls: list[dict] = []
failures = {"left": 0}


def note_it(*, thing_id: int, **_) -> None:
    if failures["left"]:
        failures["left"] -= 1
        raise RuntimeError("the follow-up's database went away")
    calls.append({"thing_id": thing_id})


@events.durable_task
def deferred_note(*, thing_id: int) -> None:
    calls.append({"deferred": thing_id})


@pytest.fixture(autouse=True)
def subscribed():
    calls.clear()
    failures["left"] = 0
    events.subscribe("test.thing_done", note_it)
    yield
    events._subscribers.pop("test.thing_done", None)


def test_a_follow_up_is_recorded_with_the_change_and_delivered_after_commit():
    with transaction.atomic():
        events.publish_on_commit("test.thing_done", thing_id=7)
        assert calls == []  # nothing runs before commit
        assert OutboxMessage.objects.filter(event="test.thing_done").count() == 1
    assert calls == [{"thing_id": 7}]
    assert OutboxMessage.objects.get().delivered_at is not None


def test_a_rolled_back_change_leaves_no_follow_up():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        events.publish_on_commit("test.thing_done", thing_id=8)
        1 / 0  # noqa: B018
    assert not OutboxMessage.objects.exists() and calls == []


def test_a_failing_follow_up_is_retried_by_the_relay_after_its_backoff():
    failures["left"] = 1
    with transaction.atomic():
        events.publish_on_commit("test.thing_done", thing_id=9)
    message = OutboxMessage.objects.get()
    assert calls == [] and message.delivered_at is None and message.attempts == 1
    assert "database went away" in message.last_error
    assert outbox.relay() == 0  # not due yet: it waits its backoff
    with time_machine.travel(timezone.now() + outbox.retry_delay(1) + timedelta(seconds=1)):
        assert outbox.relay() == 1
    assert calls == [{"thing_id": 9}]
    assert outbox.relay() == 0  # delivered once, never again


def test_a_queue_outage_after_commit_loses_nothing(monkeypatch):
    from huey.contrib.djhuey import HUEY

    def queue_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(HUEY, "enqueue", queue_down)
    with transaction.atomic():  # the request that committed does not fail
        events.publish_on_commit("test.thing_done", thing_id=10)
    assert calls == [] and OutboxMessage.objects.get().delivered_at is None
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        assert outbox.relay() == 1
    assert calls == [{"thing_id": 10}]


def test_a_worker_killed_mid_delivery_lets_go_when_its_claim_runs_out():
    message = OutboxMessage.objects.create(
        event="test.thing_done", handler=events.handler_name(note_it), payload={"thing_id": 11}
    )
    assert outbox._claim(message.pk) is not None  # …and the worker dies here
    assert outbox.relay() == 0  # another worker keeps its hands off while the claim holds
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(seconds=1)):
        assert outbox.relay() == 1
    assert calls == [{"thing_id": 11}]


def test_a_follow_up_that_keeps_failing_is_given_up_and_counted_for_staff():
    failures["left"] = outbox.MAX_ATTEMPTS
    with transaction.atomic():
        events.publish_on_commit("test.thing_done", thing_id=12)
    later = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        later += timedelta(hours=2)
        with time_machine.travel(later):
            outbox.relay()
    message = OutboxMessage.objects.get()
    assert message.failed_at is not None and message.attempts == outbox.MAX_ATTEMPTS
    assert outbox.backlog()["failed"] == 1 and calls == []


def test_a_deferred_task_runs_after_commit_and_not_before_its_time():
    with transaction.atomic():
        deferred_note.defer(thing_id=13)
        deferred_note.defer(thing_id=14, not_before=timezone.now() + timedelta(minutes=1))
    assert calls == [{"deferred": 13}]
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=1)):
        outbox.relay()
    assert calls == [{"deferred": 13}, {"deferred": 14}]


def test_an_unknown_handler_is_never_imported_from_outside_openhall():
    OutboxMessage.objects.create(event=events.DEFERRED, handler="os.system", payload={})
    assert outbox.relay() == 0
    assert "no subscriber" in OutboxMessage.objects.get().last_error
