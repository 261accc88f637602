"""`openhall sweep NAME|all`: an operator runs, by hand, the sweeps the workers run every few
minutes (after an outage, with the worker stopped) and sees what each did. The periodic tasks
and the command run the same registered functions."""

import subprocess  # noqa: S404
import sys
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from openhall import factories
from openhall.bookings.models import Booking
from openhall.core import sweeps
from openhall.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

STEPS = {
    "bookings": ["booking_sweep"],
    "access": ["grant_repair_sweep", "sweep"],
    "outbox": ["relay"],
    "notifications": ["deliveries_retry_due", "deliveries_flag_stuck"],
    "activities": ["offers_expire", "send_reminders"],
}


def sweep(*args) -> tuple[list[str], str]:
    out, err = StringIO(), StringIO()
    call_command("sweep", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def steps_run(lines: list[str]) -> list[tuple[str, str]]:
    return [tuple(line.split(": ")[:2]) for line in lines]


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_sweep_runs_the_steps_of_its_periodic_tasks(name):
    lines, err = sweep(name)
    assert steps_run(lines) == [(name, step) for step in STEPS[name]] and err == ""


def test_all_runs_every_sweep(center_a):
    lines, _ = sweep("all")
    assert sorted(steps_run(lines)) == sorted(
        (name, step) for name, steps in STEPS.items() for step in steps
    )


def test_the_bookings_sweep_expires_a_request_nobody_decided_and_says_so(center_a, alice):
    booking = factories.BookingFactory(center=center_a, booker=alice)
    with time_machine.travel(booking.start + timedelta(minutes=1), tick=False):
        lines, _ = sweep("bookings")
    assert lines[0].startswith("bookings: booking_sweep: no_show=0 completed=0 expired=1")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_the_outbox_sweep_delivers_a_follow_up_whose_kick_was_lost(center_a):
    long_ago = timezone.now() - timedelta(minutes=5)
    message = OutboxMessage.objects.create(
        event="nobody.listens", handler="gone", created_at=long_ago, next_attempt_at=long_ago
    )
    lines, _ = sweep("outbox")
    assert lines[0].startswith("outbox: relay: 0")  # tried, and failed: no such subscriber
    message.refresh_from_db()
    assert message.attempts == 1 and "no subscriber" in message.last_error


def test_the_ttlock_poll_runs_only_when_asked():
    lines, _ = sweep("access", "--with-optional")
    assert steps_run(lines) == [
        ("access", "grant_repair_sweep"),
        ("access", "sweep"),
        ("access", "ttlock_poll"),
    ]


def test_an_unknown_name_is_a_clear_error_and_nothing_runs(center_a, alice):
    booking = factories.BookingFactory(center=center_a, booker=alice)
    with (
        time_machine.travel(booking.start + timedelta(minutes=1), tick=False),
        pytest.raises(CommandError, match=r"unknown sweep lockz; choose from .*access.* or all"),
    ):
        sweep("bookings", "lockz")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED


def test_a_failing_step_is_reported_the_other_sweeps_still_run_and_the_command_fails(
    monkeypatch,
):
    def broken():
        raise ConnectionError("TTLock cloud unreachable")

    steps = sweeps._sweeps["access"]
    monkeypatch.setitem(sweeps._sweeps, "access", [sweeps.Step("access", broken), *steps[1:]])
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"failed: access\.broken"):
        call_command("sweep", "all", stdout=out, stderr=err)
    assert "access: broken failed: ConnectionError: TTLock cloud unreachable" in err.getvalue()
    ran = steps_run(out.getvalue().splitlines())
    assert ("access", "sweep") not in ran  # a sweep stops at its failing step, as its task does
    assert {"bookings", "outbox", "notifications", "activities"} <= {name for name, _ in ran}


def test_the_periodic_tasks_run_the_registered_sweeps():
    from openhall.access.tasks import sweep_locks
    from openhall.bookings.tasks import sweep_bookings
    from openhall.core.tasks import outbox_relay_task

    assert list(sweep_bookings.call_local()) == STEPS["bookings"]
    assert list(sweep_locks.call_local()) == STEPS["access"]
    assert list(outbox_relay_task.call_local()) == STEPS["outbox"]


def test_core_imports_no_domain_app():
    code = (
        "import sys, openhall.core.sweeps, openhall.core.metrics;"
        "print(sorted(m for m in sys.modules if m.startswith('openhall.')"
        " and not m.startswith('openhall.core')))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
