"""Background work of the core: the heartbeat that proves a worker is alive."""

import logging
import time
from datetime import UTC, datetime

import structlog
from huey import crontab
from huey.api import PeriodicTask
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, periodic_task
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_EXECUTING

HEARTBEAT_KEY = "openhall:heartbeat"


@periodic_task(crontab(minute="*"))
def heartbeat() -> str:
    """Every minute a worker writes the time into the queue's own storage; /healthz reads it."""
    now = datetime.now(UTC).isoformat()
    HUEY.put(HEARTBEAT_KEY, now)
    return now


def last_heartbeat() -> datetime | None:
    value = HUEY.get(HEARTBEAT_KEY, peek=True)
    return datetime.fromisoformat(value) if value else None


@db_task()
def outbox_deliver_task(message_ids: list[int]) -> None:
    """Right after a change commits: deliver its follow-ups (openhall/core/outbox.py)."""
    from openhall.core import outbox

    for message_id in message_ids:
        outbox.deliver(message_id)


@db_periodic_task(crontab(minute="*"))
def outbox_relay_task() -> dict[str, object]:
    """Every minute: follow-ups that were never kicked, are due a retry, or lost their worker."""
    from openhall.core.sweeps import run_sweep

    return run_sweep("outbox")  # outbox.relay (core/apps.py)


# --- one log line per task, with its name and id on every line it writes ---------------------
task_log = logging.getLogger("openhall.tasks")


@HUEY.signal(SIGNAL_EXECUTING)
def _task_started(signal, task, *args) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task=task.name, task_id=task.id[:8])
    _started[task.id] = time.perf_counter()


@HUEY.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
def _task_finished(signal, task, exc=None) -> None:
    took = (time.perf_counter() - _started.pop(task.id, time.perf_counter())) * 1000
    if signal == SIGNAL_COMPLETE:
        # The minute sweeps would fill the log at INFO: they say what they did at DEBUG.
        level = logging.DEBUG if isinstance(task, PeriodicTask) else logging.INFO
        task_log.log(level, "task %s done in %.0fms", task.name, took)
    # A failure is logged once, by Huey itself (with its traceback), in this task's context.
    structlog.contextvars.clear_contextvars()


_started: dict[str, float] = {}
