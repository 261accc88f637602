"""The transactional outbox: follow-ups recorded with the change, delivered at least once.

`events.publish_on_commit` writes one `OutboxMessage` per durable subscriber inside the
publisher's transaction. After commit, `kick` asks the queue to deliver them at once; if the
queue is down, or the worker dies mid-delivery, the minute `relay` delivers them later.

A delivery claims its row in a short transaction of its own (a lease, so two workers never run
one follow-up at once, and a killed worker's claim runs out), then runs the handler and marks
the row delivered in one transaction: a handler that only writes to the database takes effect
exactly once; one that reaches outside (a lock, an SMS) must be idempotent, as every handler
here is. Failures are retried with backoff, then marked failed for staff to see.

Why not Django's Tasks framework (django-tasks + django-tasks-db)? Enqueueing there is also an
INSERT in the caller's transaction, but as of django-tasks 0.12 it has no retries with backoff
and nothing brings back a task whose worker was killed while running it (it stays RUNNING); we
would have to build both on top. This table is the part we need (≈100 lines), on the queue we
already run, with Huey kept as the waker and for the periodic sweeps (docs/operations.md).
"""

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from openhall.core.events import subscriber
from openhall.core.models import OutboxMessage

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # a delivery that takes longer is presumed dead and run again
MAX_ATTEMPTS = 10  # 15 s … 1 h apart: about half a day of retries, then failed
BATCH = 500
KEEP_DELIVERED = timedelta(days=7)


def retry_delay(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min, … doubling up to an hour: the one backoff of every retry loop."""
    return timedelta(seconds=min(3600, 15 * 2 ** max(0, attempts - 1)))


def record(
    *, event: str, handlers: list[str], payload_json: str, not_before: datetime | None = None
) -> list[int]:
    payload = json.loads(payload_json)
    due = {"next_attempt_at": not_before} if not_before else {}
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(event=event, handler=name, payload=payload, **due) for name in handlers
    )
    return [row.pk for row in rows]


def kick(message_ids: list[int]) -> None:
    """After commit: ask a worker to deliver now. If the queue is unreachable the relay will."""
    from openhall.core.tasks import outbox_deliver_task

    enqueue_quietly(outbox_deliver_task, message_ids)


def enqueue_quietly(task: Any, *args: Any, **schedule: Any) -> None:
    """Hand `task(*args)` to the queue (after commit, with what is already on record). If the
    queue is down the request that committed must not fail: the sweeps pick the work up."""
    try:
        task.schedule(args, **schedule) if schedule else task(*args)
    except Exception:  # the queue (Redis) is down: the rows are safe in the database
        logger.warning("queue unavailable: %s waits for its sweep", getattr(task, "name", task))


def _ids(payload: dict) -> dict:
    """What a log line may name: the ids, never free text."""
    return {k: v for k, v in payload.items() if k == "id" or k.endswith("_id")}


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, delivered_at__isnull=True, failed_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .first()
        )
        if message is None:
            return None  # delivered, given up, or in another worker's hands
        message.attempts += 1
        message.claimed_until = now + LEASE
        message.save(update_fields=["attempts", "claimed_until"])
    return message


def deliver(message_id: int) -> bool:
    """Run one follow-up; True when it is (now or before) delivered by this call."""
    message = _claim(message_id)
    if message is None:
        return False
    found = subscriber(message.event, message.handler)
    try:
        if found is None:
            raise LookupError(f"no subscriber {message.handler} for {message.event}")
        with transaction.atomic():
            found.handler(**message.payload)
            OutboxMessage.objects.filter(pk=message.pk).update(
                delivered_at=timezone.now(), claimed_until=None, last_error=""
            )
        return True
    except Exception as exc:
        give_up = message.attempts >= MAX_ATTEMPTS
        logger.exception(
            "follow-up %s of %s %s failed (attempt %s%s)",
            message.handler,
            message.event,
            _ids(message.payload),
            message.attempts,
            ", giving up" if give_up else "",
        )
        now = timezone.now()
        OutboxMessage.objects.filter(pk=message.pk).update(
            claimed_until=None,
            next_attempt_at=now + retry_delay(message.attempts),
            failed_at=now if give_up else None,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        return False


def due(now: datetime | None = None) -> QuerySet[OutboxMessage]:
    now = now or timezone.now()
    return OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        delivered_at__isnull=True,
        failed_at__isnull=True,
        next_attempt_at__lte=now,
    )


def relay(*, limit: int = BATCH) -> int:
    """Every minute: deliver what is due (never kicked, retries, a dead worker's claims);
    forget deliveries older than a week. Returns how many were delivered."""
    ids = list(due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    delivered = sum(deliver(pk) for pk in ids)
    OutboxMessage.objects.filter(delivered_at__lt=timezone.now() - KEEP_DELIVERED).delete()
    return delivered


def backlog() -> dict:
    """For health and metrics: follow-ups waiting longer than a minute, and given up."""
    late = timezone.now() - timedelta(minutes=1)
    return {
        "late": due().filter(created_at__lt=late).count(),
        "failed": OutboxMessage.objects.filter(failed_at__isnull=False).count(),
    }


def retry_failed(*, event: str = "", ids: list[int] | None = None) -> int:
    """Give follow-ups that were given up (`failed_at`) another round of attempts, due now —
    after the cause is mended (a handler fixed, a provider back). Safe to run twice: handlers
    are idempotent, and a delivered follow-up is never picked again. `openhall outbox
    retry-failed` (docs/operations.md)."""
    failed = OutboxMessage.objects.filter(failed_at__isnull=False, delivered_at__isnull=True)
    if event:
        failed = failed.filter(event=event)
    if ids:
        failed = failed.filter(pk__in=ids)
    return failed.update(
        failed_at=None, attempts=0, claimed_until=None, next_attempt_at=timezone.now()
    )
