"""The reconciler: brings each credential on each lock to what its grant wants (written,
moved, taken off), one claimed row at a time, with retries and backoff; and the minute sweep
that takes up what is due."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openhall.access.drivers import Lock, LockError, driver_for
from openhall.access.models import (
    Door,
    LockCredential,
)
from openhall.core import metrics
from openhall.core.outbox import enqueue_quietly, retry_delay

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8  # then "failed": staff see it on the alerts
# Lock errors that mean the lock cannot be reached: simulator, TTLock gateway/lock offline.
OFFLINE_CODES = {"offline", "-3002", "-3036", "broker_down", "no_state"}


def reconcile_soon(grant_id: int) -> None:
    from openhall.access.tasks import reconcile_grant_task

    # The rows to reconcile are on record; if the queue is down the minute sweep does them.
    transaction.on_commit(lambda: enqueue_quietly(reconcile_grant_task, grant_id))


def _writer(driver, kind: str):
    return {
        "pin": driver.add_passcode,
        "card": driver.add_card,
        "fingerprint": driver.set_fingerprint,
    }[kind]


def _remover(driver, kind: str):
    return {
        "pin": driver.delete_passcode,
        "card": driver.delete_card,
        "fingerprint": driver.delete_fingerprint,
    }[kind]


# A claimed row is held this long: longer than any driver call (TTLock: 10 s, retried once).
# A worker killed mid-call lets go when it runs out, and the sweep takes the row up again.
CLAIM = timedelta(seconds=90)


@dataclass
class _Plan:
    """What one reconcile will do to one lock, in plain values read at the claim."""

    row_id: int
    grant_id: int
    lock: Lock
    kind: str
    remove_only: bool
    old_external_id: str
    secret: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    old_removed: bool = False
    recover: bool = False  # the code may be on the lock under an id we never learned


def _claim(row_id: int, now: datetime) -> _Plan | str | None:
    """Decide, and hold the row (`claimed_until`, which nothing else touches) — then commit, so
    no database lock is held while the lock or its cloud is called."""
    with transaction.atomic():
        row = (
            LockCredential.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("door", "credential__grant")
            .filter(pk=row_id)
            .first()
        )
        if row is None or row.status == LockCredential.Status.REMOVED:
            return None
        if (row.next_attempt_at and row.next_attempt_at > now) or (
            row.claimed_until and row.claimed_until > now
        ):
            return row.status  # not due, or in another worker's hands
        grant, kind = row.credential.grant, row.credential.kind
        plan = _Plan(
            row_id=row.pk,
            grant_id=grant.pk,
            lock=row.door.lock,
            kind=kind,
            remove_only=False,
            old_external_id=row.external_id,
        )
        if row.status == LockCredential.Status.REMOVING or grant.revoked_at or grant.ends_at <= now:
            # A claim that ran out unrecorded: its worker died calling the lock, which may hold
            # the code under an id we never learned. Written again, the lock hands back the
            # code it holds (TTLock -3007 → adopted; the simulator), then it is taken off.
            lost = not row.external_id and row.claimed_until is not None and grant.ends_at > now
            if not row.external_id and not lost:
                row.status, row.attempts, row.next_attempt_at = (
                    LockCredential.Status.REMOVED,
                    0,
                    None,
                )
                row.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
                return row.status
            plan.remove_only, plan.recover = True, lost
            if lost:
                plan.secret, plan.starts_at, plan.ends_at = (
                    row.credential.secret,
                    grant.starts_at,
                    grant.ends_at,
                )
        elif row.status in (LockCredential.Status.PENDING, LockCredential.Status.FAILED):
            if not driver_for(row.door.lock).native_windows and grant.starts_at > now:
                # Written when the window opens; an old code is taken off now.
                if not row.external_id:
                    row.next_attempt_at = grant.starts_at
                    row.save(update_fields=["next_attempt_at", "updated_at"])
                    return row.status
                plan.remove_only = True
            plan.secret, plan.starts_at, plan.ends_at = (
                row.credential.secret,
                grant.starts_at,
                grant.ends_at,
            )
        else:
            return row.status
        row.claimed_until = now + CLAIM
        row.save(update_fields=["claimed_until", "updated_at"])
        return plan


def _carry_out(plan: _Plan) -> str:
    """The lock calls, outside any transaction. Returns the lock's id of what is now on it."""
    driver = driver_for(plan.lock)
    if plan.recover:
        _remover(driver, plan.kind)(
            plan.lock,
            _writer(driver, plan.kind)(plan.lock, plan.secret, plan.starts_at, plan.ends_at),
        )
        return ""
    if plan.old_external_id:
        _remover(driver, plan.kind)(plan.lock, plan.old_external_id)
        plan.old_removed = True
    if plan.remove_only:
        return ""
    return _writer(driver, plan.kind)(plan.lock, plan.secret, plan.starts_at, plan.ends_at)


def _still_wanted(row: LockCredential, plan: _Plan) -> bool:
    """Nothing changed the grant while the lock was being called (moved, withdrawn, new PIN)."""
    grant = row.credential.grant
    return (
        row.status in (LockCredential.Status.PENDING, LockCredential.Status.FAILED)
        and grant.revoked_at is None
        and (grant.starts_at, grant.ends_at) == (plan.starts_at, plan.ends_at)
        and row.credential.secret == plan.secret
    )


def reconcile(row_id: int, *, now: datetime | None = None) -> str | None:
    """Bring one credential on one lock to its desired state: claim the row and commit, call
    the lock, record the outcome. Safe with two workers: a claimed row is skipped."""
    now = now or timezone.now()
    plan = _claim(row_id, now)
    if not isinstance(plan, _Plan):
        return plan
    try:
        external_id = _carry_out(plan)
        error = None
    except LockError as exc:
        external_id, error = "", exc
    with transaction.atomic():
        row = (
            LockCredential.objects.select_for_update()
            .select_related("door", "credential__grant")
            .get(pk=plan.row_id)
        )
        # A recovery that failed keeps its mark (a claim already run out): still to be found.
        row.claimed_until = now if plan.recover and error is not None else None
        if error is None:
            _record_success(row, plan, external_id, now)
        else:
            _record_failure(row, plan, error, now)
        row.save()
        if (
            row.status in (LockCredential.Status.PENDING, LockCredential.Status.REMOVING)
            and row.next_attempt_at is None
        ):
            reconcile_soon(plan.grant_id)  # changed during the call: once more, right away
        return row.status


def _record_success(row: LockCredential, plan: _Plan, external_id: str, now: datetime) -> None:
    row.external_id = external_id
    row.attempts, row.last_error, row.next_attempt_at = 0, "", None
    if plan.remove_only:
        if row.status != LockCredential.Status.PENDING:  # a grant restored meanwhile: write it
            row.status = LockCredential.Status.REMOVED
    elif _still_wanted(row, plan):
        row.status = LockCredential.Status.SET
    elif row.status == LockCredential.Status.FAILED:
        row.status = LockCredential.Status.PENDING
    # Otherwise PENDING (moved meanwhile) or REMOVING (withdrawn meanwhile) stays: the code just
    # written is in `external_id`, and the next pass replaces or removes it.
    if not row.door.online:
        Door.objects.filter(pk=row.door_id).update(online=True, last_seen_at=now)


def _record_failure(row: LockCredential, plan: _Plan, exc: LockError, now: datetime) -> None:
    if exc.code in OFFLINE_CODES:  # the lock (or its gateway) is unreachable: an alert
        Door.objects.filter(pk=row.door_id).update(online=False)
    if plan.old_removed:
        row.external_id = ""  # the old code is gone; only the new one failed
        if row.status == LockCredential.Status.REMOVING:
            row.status = LockCredential.Status.REMOVED
    row.attempts += 1
    row.last_error = str(exc)[:200]
    give_up = not exc.transient or row.attempts >= MAX_ATTEMPTS
    if give_up and row.status not in (
        LockCredential.Status.REMOVING,
        LockCredential.Status.REMOVED,
    ):
        row.status = LockCredential.Status.FAILED
    row.next_attempt_at = now + retry_delay(row.attempts)
    metrics.LOCK_RECONCILE_FAILURES.inc()
    logger.warning("lock %s: %s (attempt %s)", row.door, exc, row.attempts)


def reconcile_grant(grant_id: int) -> None:
    for row_id in LockCredential.objects.filter(credential__grant_id=grant_id).values_list(
        "pk", flat=True
    ):
        reconcile(row_id)


def sweep(*, now: datetime | None = None) -> int:
    """Periodic: retries that are due, grants that ended, windows about to open."""
    now = now or timezone.now()
    ended = LockCredential.objects.filter(
        credential__grant__ends_at__lte=now, status=LockCredential.Status.SET
    ).update(status=LockCredential.Status.REMOVING)
    due = LockCredential.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        status__in=[
            LockCredential.Status.PENDING,
            LockCredential.Status.REMOVING,
            LockCredential.Status.FAILED,
        ],
    ).exclude(status=LockCredential.Status.FAILED, attempts__gte=MAX_ATTEMPTS)
    done = 0
    for row_id in due.values_list("pk", flat=True)[:2000]:
        reconcile(row_id, now=now)
        done += 1
    return done + ended
