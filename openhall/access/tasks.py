from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from openhall.access.lock_events import ttlock_poll
from openhall.access.reconcile import reconcile_grant
from openhall.core.sweeps import run_sweep


@db_task(retries=2, retry_delay=10)
def reconcile_grant_task(grant_id: int) -> None:
    """On every change of a grant: make its locks agree (idempotent)."""
    reconcile_grant(grant_id)


@db_periodic_task(crontab(minute="*"))
def sweep_locks() -> dict[str, object]:
    """Every minute: grants that disagree with their bookings put right, then retries that are
    due, ended grants taken off, late windows written."""
    return run_sweep("access")  # grant_repair_sweep, then sweep (access/apps.py)


@db_periodic_task(crontab(minute="*/5"))
def poll_ttlock() -> int:
    """Every 5 minutes: TTLock records the webhook may have missed."""
    return ttlock_poll()
