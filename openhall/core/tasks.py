"""Background work of the core: the heartbeat that proves a worker is alive."""

from datetime import UTC, datetime

from huey import crontab
from huey.contrib.djhuey import HUEY, periodic_task

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
