"""Background work of the core: the heartbeat that proves a worker is alive."""

from datetime import UTC, datetime

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, periodic_task

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
