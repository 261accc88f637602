"""Access rules in one place: grants (by hand, or following bookings), their credentials, the
reconciler that makes the locks agree, unlocking, and the log of every unlock and refusal."""

import contextlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.access.drivers import LockError, driver_for
from openhall.access.drivers.simulator import new_event_id
from openhall.access.models import (
    AccessEvent,
    AccessSettings,
    Credential,
    Door,
    Grant,
    LockCredential,
    SimulatedKeypad,
)
from openhall.accounts.models import User
from openhall.core import metrics, permissions
from openhall.core.audit import audit_record
from openhall.core.crypto import blind_index
from openhall.core.events import publish_on_commit
from openhall.core.models import AuditEntry, Center
from openhall.core.outbox import enqueue_quietly, retry_delay
from openhall.core.permissions import Perm

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8  # then "failed": staff see it on the alerts
# Lock errors that mean the lock cannot be reached: simulator, TTLock gateway/lock offline.
OFFLINE_CODES = {"offline", "-3002", "-3036", "broker_down", "no_state"}
PIN_DIGITS = 6
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the keypad tells the time as the people at the door do


class AccessRefused(ValidationError):
    pass


def settings_for(center: Center) -> AccessSettings:
    return AccessSettings.objects.get_or_create(center=center)[0]


MAX_MARGIN_MINUTES = 120


@transaction.atomic
def settings_update(*, center: Center, by: User, early: int, late: int) -> AccessSettings:
    """How early a booking's doors open and how long after they stay open (new grants)."""
    permissions.require_center_perm(by, center, Perm.MANAGE_CENTER)
    if not (0 <= early <= MAX_MARGIN_MINUTES and 0 <= late <= MAX_MARGIN_MINUTES):
        raise AccessRefused(
            f"提前和延后都应在 0 到 {MAX_MARGIN_MINUTES} 分钟之间。", code="invalid_margin"
        )
    rules = settings_for(center)
    before = {"early": rules.early_minutes, "late": rules.late_minutes}
    rules.early_minutes, rules.late_minutes = early, late
    rules.save()
    audit_record(
        actor=by,
        action="access.settings",
        center=center,
        obj=rules,
        before=before,
        after={"early": early, "late": late},
    )
    return rules


# --- credentials ---------------------------------------------------------------------------------
def _pin_taken(pin: str, doors: list[Door], starts_at: datetime, ends_at: datetime) -> bool:
    """Some live grant on one of these locks already uses this PIN in an overlapping window."""
    return Credential.objects.filter(
        secret_index=blind_index(pin),
        grant__doors__in=doors,
        grant__revoked_at__isnull=True,
        grant__starts_at__lt=ends_at,
        grant__ends_at__gt=starts_at,
    ).exists()


def _new_pin(doors: list[Door], windows: list[tuple[datetime, datetime]]) -> str:
    """A random PIN (secrets), free on each of these locks in every one of the windows."""
    for _attempt in range(50):
        pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
        if not any(_pin_taken(pin, doors, start, end) for start, end in windows):
            return pin
    raise AccessRefused("无法生成不重复的密码，请稍后再试。", code="pin_space_exhausted")


def _issue(grant: Grant, doors: list[Door], kinds: list[str], secrets_: dict) -> None:
    """`secrets_`: a card number or an enrolled fingerprint's id by kind; a PIN is made here
    unless given (the grants of one series share one)."""
    for kind in kinds:
        if kind == Credential.Kind.REMOTE:
            Credential.objects.create(grant=grant, kind=kind)
            continue
        secret = secrets_.get(kind) or (
            _new_pin(doors, [(grant.starts_at, grant.ends_at)])
            if kind == Credential.Kind.PIN
            else ""
        )
        if not secret:
            raise AccessRefused("请填写卡号或指纹编号。", code="secret_required")
        credential = Credential.objects.create(
            grant=grant, kind=kind, secret=secret, secret_index=blind_index(secret)
        )
        LockCredential.objects.bulk_create(
            LockCredential(credential=credential, door=door) for door in doors
        )


def _schedule(grant_id: int) -> None:
    from openhall.access.tasks import reconcile_grant_task

    # The rows to reconcile are on record; if the queue is down the minute sweep does them.
    transaction.on_commit(lambda: enqueue_quietly(reconcile_grant_task, grant_id))


# --- grants --------------------------------------------------------------------------------------
@transaction.atomic
def grant_create(
    *,
    center: Center,
    by: User | None,
    user: User,
    doors: list[Door],
    starts_at: datetime,
    ends_at: datetime,
    kinds: Sequence[str] = ("pin", "remote"),
    reason: str = "",
    booking=None,
    card_number: str = "",
    fingerprint_id: str = "",
    pin: str = "",
    series=None,
    team=None,
) -> Grant:
    if by is not None:
        permissions.require_center_perm(by, center, Perm.OPERATE)
    if ends_at <= starts_at:
        raise AccessRefused("结束时间必须晚于开始时间。", code="invalid_window")
    if not doors or any(d.center_id != center.pk for d in doors):
        raise AccessRefused("请选择本中心的门。", code="invalid_doors")
    grant = Grant.objects.create(
        center=center,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        source=Grant.Source.BOOKING if booking else Grant.Source.MANUAL,
        booking=booking,
        reason=reason.strip()[:200],
        created_by=by,
        series=series,
        team=team,
    )
    grant.doors.set(doors)
    kinds = list(kinds) + [
        k
        for k, v in (("card", card_number), ("fingerprint", fingerprint_id))
        if v and k not in kinds
    ]
    _issue(
        grant,
        doors,
        kinds,
        {"pin": pin, "card": card_number.strip(), "fingerprint": fingerprint_id.strip()},
    )
    audit_record(
        actor=by,
        action="grant.create",
        center=center,
        obj=grant,
        after={
            "user": user.pk,
            "doors": [d.pk for d in doors],
            "from": starts_at.isoformat(),
            "until": ends_at.isoformat(),
        },
    )
    _schedule(grant.pk)
    return grant


MAX_OCCURRENCES = 200


@transaction.atomic
def grant_create_recurring(
    *,
    center: Center,
    by: User,
    user: User,
    doors: list[Door],
    first_day,
    last_day,
    weekdays: list[int],
    daily_from,
    daily_until,
    reason: str,
    kinds=("pin",),
    card_number: str = "",
    team=None,
) -> list[Grant]:
    """The same hours on chosen weekdays over a period (a cleaner, every weekday 07:00–08:00,
    for a term): one grant a day, one PIN for all of them, withdrawn together."""
    import uuid
    from datetime import datetime as dt

    if daily_until <= daily_from:
        raise AccessRefused("每天的结束时间必须晚于开始时间。", code="invalid_window")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    days = [d for d in days if d.weekday() in set(weekdays)]
    if not days:
        raise AccessRefused("这段时间里没有所选的星期几。", code="no_days")
    if len(days) > MAX_OCCURRENCES:
        raise AccessRefused(f"一次最多授权 {MAX_OCCURRENCES} 天。", code="too_many_days")
    windows = [
        (
            timezone.make_aware(dt.combine(d, daily_from)),
            timezone.make_aware(dt.combine(d, daily_until)),
        )
        for d in days
    ]
    pin = _new_pin(doors, windows)  # one PIN for the whole series
    series = uuid.uuid4()
    return [
        grant_create(
            center=center,
            by=by,
            user=user,
            doors=doors,
            starts_at=s,
            ends_at=e,
            kinds=kinds,
            reason=reason,
            pin=pin,
            series=series,
            card_number=card_number,
            team=team,
        )
        for s, e in windows
    ]


@transaction.atomic
def grant_revoke_series(*, grant: Grant, by: User, reason: str = "") -> int:
    """Withdraw this grant and every later one of its series."""
    if grant.series is None:
        grant_revoke(grant=grant, by=by, reason=reason)
        return 1
    rest = Grant.objects.filter(
        series=grant.series, ends_at__gt=timezone.now(), revoked_at__isnull=True
    )
    count = 0
    for each in rest:
        grant_revoke(grant=each, by=by, reason=reason)
        count += 1
    return count


@transaction.atomic
def grant_revoke(*, grant: Grant, by: User | None, reason: str = "") -> None:
    grant = Grant.objects.select_for_update().select_related("center").get(pk=grant.pk)
    if by is not None:
        permissions.require_center_perm(by, grant.center, Perm.OPERATE)
    if grant.revoked_at:
        return
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    LockCredential.objects.filter(credential__grant=grant).exclude(
        status=LockCredential.Status.REMOVED
    ).update(status=LockCredential.Status.REMOVING, attempts=0, next_attempt_at=None)
    audit_record(
        actor=by,
        action="grant.revoke",
        center=grant.center,
        obj=grant,
        after={"reason": reason[:200]},
    )
    _schedule(grant.pk)


@transaction.atomic
def grants_withdraw_for_person(*, user_id: int, team_id: int | None = None, reason: str) -> int:
    """Someone closed their account (every grant), or left a team (the grants they had as a
    member of it): withdrawn together, the reconciler then takes the codes off the locks.
    Idempotent — a withdrawn grant is skipped — so an event delivered twice changes nothing."""
    grants = Grant.objects.filter(
        user_id=user_id, revoked_at__isnull=True, ends_at__gt=timezone.now()
    )
    if team_id is not None:
        grants = grants.filter(Q(team_id=team_id) | Q(booking__team_id=team_id))
    count = 0
    for grant in grants.order_by("pk"):
        grant_revoke(grant=grant, by=None, reason=reason)
        count += 1
    return count


@transaction.atomic
def grant_move(*, grant: Grant, starts_at: datetime, ends_at: datetime) -> None:
    """A booking moved: the window moves. The reconciler takes each old code off its lock and
    writes the new window (no lock is called from here: this runs inside a transaction)."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    grant.starts_at, grant.ends_at = starts_at, ends_at
    grant.save(update_fields=["starts_at", "ends_at"])
    _rewrite(grant)
    _schedule(grant.pk)


def _rewrite(grant: Grant) -> None:
    """Every lock of this grant gets its codes (again) for the grant's current window; a code
    still on a lock (its `external_id`) is replaced by the reconciler, never left behind."""
    LockCredential.objects.filter(credential__grant=grant).update(
        status=LockCredential.Status.PENDING, attempts=0, next_attempt_at=None
    )


def doors_for_space(space) -> list[Door]:
    """The doors on the way to a space: its own, its room's (for a zone), and the entrances."""
    from openhall.venues.rules import space_ancestry

    family = [s.pk for s in space_ancestry(space)]
    return list(
        Door.objects.filter(Q(spaces__in=family) | Q(is_entrance=True), center=space.center_id)
        .distinct()
        .order_by("-is_entrance", "pk")
    )


def booking_wants_doors(booking) -> bool:
    """The one rule: an approved or checked-in booking opens its doors for its booker, while
    the booker's account is open and, for a team's booking, they are still in the team."""
    from openhall.bookings.models import Booking

    if booking.status not in (Booking.Status.APPROVED, Booking.Status.CHECKED_IN):
        return False
    if not booking.booker.is_active:
        return False
    return (
        booking.team_id is None
        or booking.team.memberships.filter(user_id=booking.booker_id).exists()
    )


def booking_window(booking) -> tuple[datetime, datetime]:
    """From `early` minutes before the booking to `late` minutes after (the center's rules)."""
    rules = settings_for(booking.center)
    return (
        booking.start - timedelta(minutes=rules.early_minutes),
        booking.end + timedelta(minutes=rules.late_minutes),
    )


@transaction.atomic
def grant_sync(booking_id: int) -> str:
    """Make a booking's door grant what its state requires, whatever happened before (an
    approval whose follow-up failed, a move back to 待审批, a cancellation): idempotent, so
    events, retries and the repair sweep may all call it. Returns what it did."""
    from openhall.bookings.models import Booking

    # The booking's row is locked: its follow-up and the repair sweep may sync it at the same
    # moment, and without the lock both see no grant and both create one (the second fails on
    # the one-grant-per-booking key, which ended the whole sweep). Now the second waits, then
    # finds the first one's grant (tests/test_faults.py).
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("space", "center", "booker")
        .get(pk=booking_id)
    )
    grant = Grant.objects.select_for_update().filter(booking=booking).first()
    if not booking_wants_doors(booking):
        if grant is None or grant.revoked_at:
            return "none"
        grant_revoke(
            grant=grant, by=None, reason=f"预约 #{booking.pk} 已{booking.get_status_display()}"
        )
        return "revoked"
    starts_at, ends_at = booking_window(booking)
    if ends_at <= timezone.now():
        return "over"
    if grant is None:
        doors = doors_for_space(booking.space)
        if not doors:
            return "no_doors"
        grant_create(
            center=booking.center,
            by=None,
            user=booking.booker,
            doors=doors,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=f"预约 #{booking.pk}",
            booking=booking,
            team=booking.team,
        )
        return "created"
    if grant.revoked_at:
        _grant_restore(grant, starts_at, ends_at)
        return "restored"
    if (grant.starts_at, grant.ends_at) != (starts_at, ends_at):
        grant_move(grant=grant, starts_at=starts_at, ends_at=ends_at)
        return "moved"
    return "ok"


def _grant_restore(grant: Grant, starts_at: datetime, ends_at: datetime) -> None:
    """A booking approved again (after a move sent it back to 待审批): its grant lives again,
    with a fresh PIN if another grant took the old one on these locks meanwhile."""
    doors = list(grant.doors.all())
    for credential in grant.credentials.filter(kind=Credential.Kind.PIN):
        if _pin_taken(credential.secret, doors, starts_at, ends_at):
            credential.secret = _new_pin(doors, [(starts_at, ends_at)])
            credential.secret_index = blind_index(credential.secret)
            credential.save(update_fields=["secret", "secret_index"])
    grant.revoked_at, grant.starts_at, grant.ends_at = None, starts_at, ends_at
    grant.save(update_fields=["revoked_at", "starts_at", "ends_at"])
    _rewrite(grant)
    audit_record(
        actor=None,
        action="grant.restore",
        center=grant.center,
        obj=grant,
        after={"from": starts_at.isoformat(), "until": ends_at.isoformat()},
    )
    _schedule(grant.pk)


def grant_repair_sweep(*, now: datetime | None = None) -> int:
    """Periodic: every booking whose grant disagrees with its state is put right (a follow-up
    that was lost, a fault between two steps), and the repair is logged for the doors page."""
    from openhall.bookings.models import Booking

    now = now or timezone.now()
    with_doors = Door.objects.values("center_id")
    live = Grant.objects.filter(revoked_at__isnull=True)
    wanting = Booking.objects.filter(
        status__in=[Booking.Status.APPROVED, Booking.Status.CHECKED_IN],
        end__gt=now,
        center__in=with_doors,
        booker__is_active=True,
    ).exclude(pk__in=live.filter(booking__isnull=False).values("booking_id"))
    unwanted = live.filter(booking__isnull=False, ends_at__gt=now).exclude(
        booking__status__in=[Booking.Status.APPROVED, Booking.Status.CHECKED_IN]
    )
    candidates = set(wanting.values_list("pk", flat=True)[:1000])
    candidates |= set(unwanted.values_list("booking_id", flat=True)[:1000])
    for center in AccessSettings.objects.filter(center__in=with_doors):
        early, late = (
            timedelta(minutes=center.early_minutes),
            timedelta(minutes=center.late_minutes),
        )
        moved = live.filter(
            booking__center_id=center.center_id,
            ends_at__gt=now,
            booking__status__in=[Booking.Status.APPROVED, Booking.Status.CHECKED_IN],
        )
        candidates |= set(
            moved.exclude(
                starts_at=F("booking__start") - early, ends_at=F("booking__end") + late
            ).values_list("booking_id", flat=True)[:1000]
        )
    repaired = 0
    for booking_id in sorted(candidates):
        done = grant_sync(booking_id)
        if done in ("created", "restored", "revoked", "moved"):
            repaired += 1
            booking = Booking.objects.get(pk=booking_id)
            logger.warning("grant of booking %s repaired: %s", booking_id, done)
            audit_record(
                actor=None,
                action="grant.repaired",
                center=booking.center,
                obj=booking,
                after={"done": done},
            )
    return repaired


# --- reconciling ---------------------------------------------------------------------------------
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
    door: Door
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
            door=row.door,
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
            if not driver_for(row.door).native_windows and grant.starts_at > now:
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
    driver = driver_for(plan.door)
    if plan.recover:
        _remover(driver, plan.kind)(
            plan.door,
            _writer(driver, plan.kind)(plan.door, plan.secret, plan.starts_at, plan.ends_at),
        )
        return ""
    if plan.old_external_id:
        _remover(driver, plan.kind)(plan.door, plan.old_external_id)
        plan.old_removed = True
    if plan.remove_only:
        return ""
    return _writer(driver, plan.kind)(plan.door, plan.secret, plan.starts_at, plan.ends_at)


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
            _schedule(plan.grant_id)  # changed during the call: once more, right away
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


# --- unlocking and the log -----------------------------------------------------------------------
def _attribute(door: Door, *, user: User | None, at: datetime, credential_index: str = ""):
    grants = Grant.objects.filter(
        doors=door, revoked_at__isnull=True, starts_at__lte=at, ends_at__gt=at
    )
    if credential_index:
        grants = grants.filter(credentials__secret_index=credential_index)
    elif user is not None:
        grants = grants.filter(user=user)
    return grants.select_related("booking", "user").first()


def record_event(
    *,
    door: Door,
    method: str,
    opened: bool,
    at: datetime | None = None,
    user: User | None = None,
    external_id: str | None = None,
    credential_index: str = "",
    detail: str = "",
) -> AccessEvent | None:
    """One unlock or refusal, attributed to its grant (and booking); the same event delivered
    twice (a webhook retried, a record polled again) is stored once. The first unlock of a
    booking checks it in."""
    at = at or timezone.now()
    grant = (
        _attribute(door, user=user, at=at, credential_index=credential_index)
        if opened or credential_index
        else None
    )
    try:
        with transaction.atomic():
            event = AccessEvent.objects.create(
                center_id=door.center_id,
                door=door,
                at=at,
                method=method,
                opened=opened,
                user=user or (grant.user if grant else None),
                grant=grant,
                booking=grant.booking if grant else None,
                external_id=external_id,
                detail=detail[:200],
            )
    except IntegrityError:
        return None  # seen before
    Door.objects.filter(pk=door.pk).update(last_seen_at=at, online=True)
    if opened:
        publish_on_commit("access.door_opened", center_id=door.center_id, event_id=event.pk)
        booking = grant.booking if grant else None
        if booking is not None and booking.status == "approved":
            _check_in(booking, at)
    return event


def _check_in(booking, at: datetime) -> None:
    from openhall.bookings.services import InvalidTransition, booking_check_in

    # Too early for the booking's check-in window: the door still opened, the booking waits.
    with contextlib.suppress(InvalidTransition):
        booking_check_in(booking=booking, by=booking.booker, now=at)


def remote_unlock(*, door: Door, by: User, reason: str = "") -> AccessEvent | None:
    """The grantee during the window, or staff at any time with a reason (audited)."""
    now = timezone.now()
    staff = permissions.has_center_perm(by, door.center, Perm.OPERATE)
    grant = Grant.objects.filter(
        doors=door,
        user=by,
        revoked_at__isnull=True,
        starts_at__lte=now,
        ends_at__gt=now,
        credentials__kind=Credential.Kind.REMOTE,
    ).first()
    if grant is None and not staff:
        raise PermissionDenied
    if grant is None and not reason.strip():
        raise AccessRefused("工作人员远程开门请写明原因。", code="reason_required")
    try:
        driver_for(door).unlock(door)
    except LockError as exc:
        raise AccessRefused(f"开门失败：{exc}", code="lock_unavailable") from exc
    if grant is None:
        audit_record(
            actor=by,
            action="door.remote_unlock",
            center=door.center,
            obj=door,
            after={"reason": reason.strip()[:200]},
        )
    return record_event(
        door=door,
        method=AccessEvent.Method.REMOTE,
        opened=True,
        user=by,
        detail=reason.strip() or "远程开门",
    )


class KeypadResult(NamedTuple):
    opened: bool
    reason: str  # what the keypad shows
    frozen_until: datetime | None  # the keypad refuses every code until then


def keypad(*, door: Door, code: str, kind: str = "pin") -> KeypadResult:
    """The simulator's keypad (and card reader, and fingerprint sensor): the virtual lock
    decides — freezing after five wrong codes in a row, as real keypads do — then reports the
    event as a real lock would (by webhook)."""
    from openhall.access.drivers import simulator

    if not simulator.enabled():
        raise AccessRefused(_("The lock simulator is not enabled."), code="simulator_off")
    if door.driver != Door.Driver.SIMULATOR:
        raise AccessRefused("这扇门不是模拟锁。", code="not_simulator")
    if kind not in ("pin", "card", "fingerprint"):
        raise AccessRefused("未知的开门方式。", code="invalid_method")
    answer = simulator.SimulatorDriver.keypad(door, code, kind)
    if answer.opened:
        reason = "已开门"
    else:
        frozen = ""
        if answer.frozen_until is not None:
            until = timezone.localtime(answer.frozen_until, SHANGHAI).strftime("%H:%M")
            frozen = _("Keypad locked; try again after %(time)s.") % {"time": until}
        wrong = "" if not answer.checked else "密码无效或不在有效时段"
        reason = "；".join(part for part in (wrong, frozen) if part) or "门锁无响应"
    # A frozen keypad never read the code: nothing to attribute it to.
    index = blind_index(code.strip()) if answer.checked else ""
    record_event(
        door=door,
        method=kind,
        opened=answer.opened,
        external_id=new_event_id(),
        credential_index=index,
        detail="" if answer.opened else reason,
    )
    return KeypadResult(answer.opened, reason, answer.frozen_until)


# --- alerts --------------------------------------------------------------------------------------
DENIED_BURST = 5  # refusals on one door within 10 minutes


def alerts(center: Center, *, now: datetime | None = None) -> list[dict]:
    from openhall.access.drivers.simulator import WRONG_CODES_BEFORE_FREEZE

    now = now or timezone.now()
    found = []
    frozen = SimulatedKeypad.objects.filter(door__center=center, frozen_until__gt=now)
    for pad in frozen.select_related("door"):
        until = timezone.localtime(pad.frozen_until, SHANGHAI).strftime("%H:%M")
        found.append(
            {
                "door": pad.door,
                "kind": "keypad",
                "text": _(
                    "%(door)s: keypad locked until %(time)s after %(count)s wrong codes in a row"
                )
                % {"door": pad.door, "time": until, "count": WRONG_CODES_BEFORE_FREEZE},
            }
        )
    for door in Door.objects.filter(center=center):
        if not door.online:
            found.append({"door": door, "kind": "offline", "text": f"{door}：锁离线"})
        if door.battery is not None and door.battery < 20:
            found.append({"door": door, "kind": "battery", "text": f"{door}：电量 {door.battery}%"})
        denied = door.events.filter(opened=False, at__gte=now - timedelta(minutes=10)).count()
        if denied >= DENIED_BURST:
            found.append(
                {"door": door, "kind": "denied", "text": f"{door}：10 分钟内 {denied} 次开门失败"}
            )
    stuck = LockCredential.objects.filter(door__center=center, status=LockCredential.Status.FAILED)
    for row in stuck.select_related("door")[:20]:
        found.append(
            {
                "door": row.door,
                "kind": "failed",
                "text": f"{row.door}：有密码未能写入（{row.last_error}）",
            }
        )
    repaired = AuditEntry.objects.filter(
        center=center, action="grant.repaired", at__gte=now - timedelta(days=1)
    )
    for entry in repaired[:20]:
        found.append(
            {
                "door": None,
                "kind": "repaired",
                "text": f"{entry.object_repr}：门禁授权与预约不一致，已自动修复"
                f"（{timezone.localtime(entry.at):%m-%d %H:%M}）",
            }
        )
    outside = AccessEvent.objects.filter(
        center=center,
        opened=True,
        grant__isnull=True,
        method__in=["pin", "card", "fingerprint"],
        at__gte=now - timedelta(days=1),
    )
    for event in outside.select_related("door")[:20]:
        found.append(
            {
                "door": event.door,
                "kind": "outside",
                "text": f"{event.door}：{event.at:%H:%M} 在授权之外被打开",
            }
        )
    return found


def ttlock_poll(*, now: datetime | None = None) -> int:
    """Periodic, the webhook's fallback (webhooks arrive late, twice or never): each TTLock
    door's records since the last poll, logged once whichever way they come."""
    import json

    from django.core.cache import cache

    from openhall.access.drivers.ttlock import TTLockDriver

    now = now or timezone.now()
    logged = 0
    for door in Door.objects.filter(driver=Door.Driver.TTLOCK).exclude(device_id=""):
        key = f"ttlock:polled:{door.pk}"
        since = cache.get(key) or int((now - timedelta(hours=24)).timestamp() * 1000)
        until = int(now.timestamp() * 1000)
        try:
            records = TTLockDriver().records(door, since, until)
        except LockError as exc:
            logger.warning("TTLock records of %s: %s", door, exc)
            continue
        logged += ttlock_webhook({"lockId": door.device_id, "records": json.dumps(records)})
        cache.set(key, until - 10 * 60 * 1000, timeout=None)  # overlap: late records still come
    return logged


def ttlock_webhook(form) -> int:
    """TTLock's webhook: each record logged once (they arrive late or twice)."""
    from datetime import UTC
    from datetime import datetime as dt

    from openhall.access.drivers.ttlock import webhook_records

    logged = 0
    for record in webhook_records(form):
        door = Door.objects.filter(driver=Door.Driver.TTLOCK, device_id=record["lock_id"]).first()
        if door is None:
            continue
        if record["battery"] is not None:
            Door.objects.filter(pk=door.pk).update(battery=int(record["battery"]))
        at = dt.fromtimestamp(record["at_ms"] / 1000, tz=UTC) if record["at_ms"] else None
        event = record_event(
            door=door,
            method=record["method"],
            opened=record["opened"],
            at=at,
            external_id=record["key"],
            credential_index=blind_index(record["pin"]) if record["pin"] else "",
        )
        logged += event is not None
    return logged


# Zigbee2MQTT `action` values: an unlock at the lock, or a refused code/card.
Z2M_OPENED = {"unlock"}
Z2M_REFUSED = {"unlock_failure_invalid_pin_or_id", "unlock_failure_invalid_schedule"}
Z2M_METHODS = {"keypad": "pin", "rfid": "card", "fingerprint": "fingerprint", "rf": "remote"}


def z2m_event(*, name: str, payload: dict, at: datetime | None = None) -> AccessEvent | None:
    """A Zigbee2MQTT lock's state message with an `action`: logged and attributed through the
    PIN slot (action_user) our reconciler wrote. Manual and key unlocks are not access by code."""
    action = str(payload.get("action") or "")
    if action not in Z2M_OPENED | Z2M_REFUSED:
        return None
    door = Door.objects.filter(driver=Door.Driver.MQTT, device_id=name).first()
    if door is None:
        return None
    at = at or timezone.now()
    slot = payload.get("action_user")
    index = ""
    if slot is not None:
        row = (
            LockCredential.objects.filter(door=door, external_id=str(slot))
            .exclude(status=LockCredential.Status.REMOVED)
            .select_related("credential")
            .first()
        )
        index = row.credential.secret_index if row else ""
    method = Z2M_METHODS.get(str(payload.get("action_source_name") or "keypad"), "pin")
    return record_event(
        door=door,
        method=method,
        opened=action in Z2M_OPENED,
        at=at,
        credential_index=index,
        external_id=f"z2m:{name}:{action}:{slot}:{int(at.timestamp())}",
        detail="" if action in Z2M_OPENED else "门锁拒绝：密码或卡无效",
    )
