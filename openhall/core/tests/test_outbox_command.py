"""`openhall outbox`: an operator sees the follow-ups that were given up and, once the cause is
mended, replays them — each delivered once, the others left alone."""

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from openhall.core import events, outbox
from openhall.core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

done: list[int] = []
broken = {"yes": True}


def tell_someone(*, thing_id: int) -> None:
    if broken["yes"]:
        raise ConnectionError("the SMS provider is down")
    done.append(thing_id)


@pytest.fixture(autouse=True)
def subscribed():
    done.clear()
    broken["yes"] = True
    events.subscribe("test.replayed", tell_someone)
    yield
    events._subscribers.pop("test.replayed", None)


def given_up(thing_id: int) -> OutboxMessage:
    message = OutboxMessage.objects.create(
        event="test.replayed",
        payload={"thing_id": thing_id},
        handler=events.handler_name(tell_someone),
        attempts=outbox.MAX_ATTEMPTS - 1,
    )
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.failed_at is not None
    return message


def run(*args) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_the_backlog_shows_what_was_given_up():
    given_up(1)
    assert json.loads(run("backlog")) == {"late": 0, "failed": 1}


def test_failed_follow_ups_are_replayed_once_after_the_cause_is_mended():
    first, second = given_up(1), given_up(2)
    broken["yes"] = False
    assert "1 follow-up(s) due again" in run("retry-failed", "--id", str(first.pk))
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        assert outbox.relay() == 1
    assert done == [1]
    second.refresh_from_db()
    assert second.failed_at is not None  # only the one asked for

    assert "1 delivered now" in run("retry-failed", "--event", "test.replayed", "--now")
    assert done == [1, 2]
    assert "0 follow-up(s) due again" in run("retry-failed")  # delivered ones never again
    assert outbox.relay() == 0 and done == [1, 2]
