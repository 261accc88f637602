"""Access rules in one place: grants (by hand, or following bookings), their credentials, the
reconciler that makes the locks agree, unlocking, and the log of every unlock and refusal."""

import contextlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
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
from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.crypto import blind_index
from openhall.core.events import publish_on_commit
from openhall.core.models import Center
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
        raise AccessRefused(f"提前和延后都应在 0 到 {MAX_MARGIN_MINUTES} 分钟之间。",
                            code="invalid_margin")  # fmt: skip
    rules = settings_for(center)
    before = {"early": rules.early_minutes, "late": rules.late_minutes}
    rules.early_minutes, rules.late_minutes = early, late
    rules.save()
    audit_record(actor=by, action="access.settings", center=center, obj=rules, before=before,
                 after={"early": early, "late": late})  # fmt: skip
    return rules


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 15 * 2 ** max(0, attempts - 1)))


# --- credentials ---------------------------------------------------------------------------------
def _pin_taken(pin: str, doors: list[Door], starts_at: datetime, ends_at: datetime) -> bool:
    """Some live grant on one of these locks already uses this PIN in an overlapping window."""
    return Credential.objects.filter(
        secret_index=blind_index(pin), grant__doors__in=doors, grant__revoked_at__isnull=True,
        grant__starts_at__lt=ends_at, grant__ends_at__gt=starts_at,
    ).exists()  # fmt: skip


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
        credential = Credential.objects.create(grant=grant, kind=kind, secret=secret,
                                               secret_index=blind_index(secret))  # fmt: skip
        LockCredential.objects.bulk_create(
            LockCredential(credential=credential, door=door) for door in doors
        )


def _schedule(grant_id: int) -> None:
    from openhall.access.tasks import reconcile_grant_task

    transaction.on_commit(lambda: reconcile_grant_task(grant_id))


# --- grants --------------------------------------------------------------------------------------
@transaction.atomic
def grant_create(
    *, center: Center, by: User | None, user: User, doors: list[Door], starts_at: datetime,
    ends_at: datetime, kinds: list[str] = ("pin", "remote"), reason: str = "",
    booking=None, card_number: str = "", fingerprint_id: str = "", pin: str = "", series=None,
    team=None,
) -> Grant:  # fmt: skip
    if by is not None:
        permissions.require_center_perm(by, center, Perm.OPERATE)
    if ends_at <= starts_at:
        raise AccessRefused("结束时间必须晚于开始时间。", code="invalid_window")
    if not doors or any(d.center_id != center.pk for d in doors):
        raise AccessRefused("请选择本中心的门。", code="invalid_doors")
    grant = Grant.objects.create(
        center=center, user=user, starts_at=starts_at, ends_at=ends_at,
        source=Grant.Source.BOOKING if booking else Grant.Source.MANUAL, booking=booking,
        reason=reason.strip()[:200], created_by=by, series=series, team=team,
    )  # fmt: skip
    grant.doors.set(doors)
    kinds = list(kinds) + [k for k, v in (("card", card_number), ("fingerprint", fingerprint_id))
                           if v and k not in kinds]  # fmt: skip
    _issue(grant, doors, kinds, {"pin": pin, "card": card_number.strip(),
                                 "fingerprint": fingerprint_id.strip()})  # fmt: skip
    audit_record(actor=by, action="grant.create", center=center, obj=grant,
                 after={"user": user.pk, "doors": [d.pk for d in doors],
                        "from": starts_at.isoformat(), "until": ends_at.isoformat()})  # fmt: skip
    _schedule(grant.pk)
    return grant


MAX_OCCURRENCES = 200


@transaction.atomic
def grant_create_recurring(
    *, center: Center, by: User, user: User, doors: list[Door], first_day, last_day,
    weekdays: list[int], daily_from, daily_until, reason: str, kinds=("pin",),
    card_number: str = "", team=None,
) -> list[Grant]:  # fmt: skip
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
    windows = [(timezone.make_aware(dt.combine(d, daily_from)),
                timezone.make_aware(dt.combine(d, daily_until))) for d in days]  # fmt: skip
    pin = _new_pin(doors, windows)  # one PIN for the whole series
    series = uuid.uuid4()
    return [grant_create(center=center, by=by, user=user, doors=doors, starts_at=s, ends_at=e,
                         kinds=kinds, reason=reason, pin=pin, series=series,
                         card_number=card_number, team=team)
            for s, e in windows]  # fmt: skip


@transaction.atomic
def grant_revoke_series(*, grant: Grant, by: User, reason: str = "") -> int:
    """Withdraw this grant and every later one of its series."""
    if grant.series is None:
        grant_revoke(grant=grant, by=by, reason=reason)
        return 1
    rest = Grant.objects.filter(series=grant.series, ends_at__gt=timezone.now(),
                                revoked_at__isnull=True)  # fmt: skip
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
    audit_record(actor=by, action="grant.revoke", center=grant.center, obj=grant,
                 after={"reason": reason[:200]})  # fmt: skip
    _schedule(grant.pk)


@transaction.atomic
@transaction.atomic
def grants_withdraw_for_person(*, user_id: int, team_id: int | None = None, reason: str) -> int:
    """Someone closed their account (every grant), or left a team (the grants they had as a
    member of it): withdrawn together, the reconciler then takes the codes off the locks.
    Idempotent — a withdrawn grant is skipped — so an event delivered twice changes nothing."""
    grants = Grant.objects.filter(user_id=user_id, revoked_at__isnull=True,
                                  ends_at__gt=timezone.now())  # fmt: skip
    if team_id is not None:
        grants = grants.filter(Q(team_id=team_id) | Q(booking__team_id=team_id))
    count = 0
    for grant in grants.order_by("pk"):
        grant_revoke(grant=grant, by=None, reason=reason)
        count += 1
    return count


@transaction.atomic
def grant_move(*, grant: Grant, starts_at: datetime, ends_at: datetime) -> None:
    """A booking moved: the window moves; locks that hold windows get the code again."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    grant.starts_at, grant.ends_at = starts_at, ends_at
    grant.save(update_fields=["starts_at", "ends_at"])
    for row in LockCredential.objects.filter(credential__grant=grant).select_related(
        "door", "credential"
    ):
        if row.status in (LockCredential.Status.SET, LockCredential.Status.FAILED):
            # Take the old window off, then write the new one (two steps the reconciler keeps).
            if row.external_id:
                # If the lock is unreachable the old code stays until its own window ends.
                with contextlib.suppress(LockError):
                    _remover(driver_for(row.door), row.credential.kind)(row.door, row.external_id)
            row.status, row.external_id, row.attempts = LockCredential.Status.PENDING, "", 0
            row.save(update_fields=["status", "external_id", "attempts", "updated_at"])
    _schedule(grant.pk)


def doors_for_space(space) -> list[Door]:
    """The doors on the way to a space: its own, its room's (for a zone), and the entrances."""
    from openhall.venues.rules import space_ancestry

    family = [s.pk for s in space_ancestry(space)]
    return list(
        Door.objects.filter(Q(spaces__in=family) | Q(is_entrance=True), center=space.center_id)
        .distinct().order_by("-is_entrance", "pk")
    )  # fmt: skip


def grant_for_booking(booking) -> Grant | None:
    """Approval opens the booked room's doors and the entrance from `early` minutes before to
    `late` minutes after; nothing if the room has no smart lock."""
    existing = Grant.objects.filter(booking=booking).first()
    if existing:
        return existing
    doors = doors_for_space(booking.space)
    if not doors:
        return None
    rules = settings_for(booking.center)
    try:
        return grant_create(
            center=booking.center, by=None, user=booking.booker, doors=doors,
            starts_at=booking.start - timedelta(minutes=rules.early_minutes),
            ends_at=booking.end + timedelta(minutes=rules.late_minutes),
            reason=f"预约 #{booking.pk}", booking=booking, team=booking.team,
        )  # fmt: skip
    except IntegrityError:  # the same approval delivered twice
        return Grant.objects.filter(booking=booking).first()


# --- reconciling ---------------------------------------------------------------------------------
def _writer(driver, kind: str):
    return {"pin": driver.add_passcode, "card": driver.add_card,
            "fingerprint": driver.set_fingerprint}[kind]  # fmt: skip


def _remover(driver, kind: str):
    return {"pin": driver.delete_passcode, "card": driver.delete_card,
            "fingerprint": driver.delete_fingerprint}[kind]  # fmt: skip


def reconcile(row_id: int, *, now: datetime | None = None) -> str | None:
    """Bring one credential on one lock to its desired state. Safe with two workers: a row
    another worker holds is skipped (it is being done)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            LockCredential.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("door", "credential__grant").filter(pk=row_id).first()
        )  # fmt: skip
        if row is None or row.status in (LockCredential.Status.REMOVED,):
            return None
        if row.next_attempt_at and row.next_attempt_at > now:
            return row.status
        grant, driver = row.credential.grant, driver_for(row.door)
        kind = row.credential.kind
        try:
            if (
                row.status == LockCredential.Status.REMOVING
                or grant.revoked_at
                or grant.ends_at <= now
            ):
                if row.external_id:
                    _remover(driver, kind)(row.door, row.external_id)
                row.status, row.external_id = LockCredential.Status.REMOVED, ""
            elif row.status in (LockCredential.Status.PENDING, LockCredential.Status.FAILED):
                if not driver.native_windows and grant.starts_at > now:
                    row.next_attempt_at = grant.starts_at  # written when the window opens
                    row.save(update_fields=["next_attempt_at", "updated_at"])
                    return row.status
                row.external_id = _writer(driver, kind)(
                    row.door, row.credential.secret, grant.starts_at, grant.ends_at
                )
                row.status = LockCredential.Status.SET
            else:
                return row.status
            row.attempts, row.last_error, row.next_attempt_at = 0, "", None
            if not row.door.online:
                Door.objects.filter(pk=row.door_id).update(online=True, last_seen_at=now)
        except LockError as exc:
            if exc.code in OFFLINE_CODES:  # the lock (or its gateway) is unreachable: an alert
                Door.objects.filter(pk=row.door_id).update(online=False)
            row.attempts += 1
            row.last_error = str(exc)[:200]
            give_up = not exc.transient or row.attempts >= MAX_ATTEMPTS
            if give_up and row.status != LockCredential.Status.REMOVING:
                row.status = LockCredential.Status.FAILED
            row.next_attempt_at = now + _backoff(row.attempts)
            logger.warning("lock %s: %s (attempt %s)", row.door, exc, row.attempts)
        row.save()
        return row.status


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
        status__in=[LockCredential.Status.PENDING, LockCredential.Status.REMOVING,
                    LockCredential.Status.FAILED],
    ).exclude(status=LockCredential.Status.FAILED, attempts__gte=MAX_ATTEMPTS)  # fmt: skip
    done = 0
    for row_id in due.values_list("pk", flat=True)[:2000]:
        reconcile(row_id, now=now)
        done += 1
    return done + ended


# --- unlocking and the log -----------------------------------------------------------------------
def _attribute(door: Door, *, user: User | None, at: datetime, credential_index: str = ""):
    grants = Grant.objects.filter(doors=door, revoked_at__isnull=True, starts_at__lte=at,
                                  ends_at__gt=at)  # fmt: skip
    if credential_index:
        grants = grants.filter(credentials__secret_index=credential_index)
    elif user is not None:
        grants = grants.filter(user=user)
    return grants.select_related("booking", "user").first()


def record_event(
    *, door: Door, method: str, opened: bool, at: datetime | None = None, user: User | None = None,
    external_id: str | None = None, credential_index: str = "", detail: str = "",
) -> AccessEvent | None:  # fmt: skip
    """One unlock or refusal, attributed to its grant (and booking); the same event delivered
    twice (a webhook retried, a record polled again) is stored once. The first unlock of a
    booking checks it in."""
    at = at or timezone.now()
    grant = _attribute(door, user=user, at=at, credential_index=credential_index) if opened or \
        credential_index else None  # fmt: skip
    try:
        with transaction.atomic():
            event = AccessEvent.objects.create(
                center_id=door.center_id, door=door, at=at, method=method, opened=opened,
                user=user or (grant.user if grant else None), grant=grant,
                booking=grant.booking if grant else None, external_id=external_id,
                detail=detail[:200],
            )  # fmt: skip
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


def remote_unlock(*, door: Door, by: User, reason: str = "") -> AccessEvent:
    """The grantee during the window, or staff at any time with a reason (audited)."""
    now = timezone.now()
    staff = permissions.has_center_perm(by, door.center, Perm.OPERATE)
    grant = Grant.objects.filter(
        doors=door, user=by, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now,
        credentials__kind=Credential.Kind.REMOTE,
    ).first()  # fmt: skip
    if grant is None and not staff:
        raise PermissionDenied
    if grant is None and not reason.strip():
        raise AccessRefused("工作人员远程开门请写明原因。", code="reason_required")
    try:
        driver_for(door).unlock(door)
    except LockError as exc:
        raise AccessRefused(f"开门失败：{exc}", code="lock_unavailable") from exc
    if grant is None:
        audit_record(actor=by, action="door.remote_unlock", center=door.center, obj=door,
                     after={"reason": reason.strip()[:200]})  # fmt: skip
    return record_event(door=door, method=AccessEvent.Method.REMOTE, opened=True, user=by,
                        detail=reason.strip() or "远程开门")  # fmt: skip


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
    record_event(door=door, method=kind, opened=answer.opened, external_id=new_event_id(),
                 credential_index=index, detail="" if answer.opened else reason)  # fmt: skip
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
        found.append({"door": pad.door, "kind": "keypad", "text": _(
            "%(door)s: keypad locked until %(time)s after %(count)s wrong codes in a row"
        ) % {"door": pad.door, "time": until, "count": WRONG_CODES_BEFORE_FREEZE}})  # fmt: skip
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
        found.append({"door": row.door, "kind": "failed",
                      "text": f"{row.door}：有密码未能写入（{row.last_error}）"})  # fmt: skip
    outside = AccessEvent.objects.filter(center=center, opened=True, grant__isnull=True,
                                         method__in=["pin", "card", "fingerprint"],
                                         at__gte=now - timedelta(days=1))  # fmt: skip
    for event in outside.select_related("door")[:20]:
        found.append({"door": event.door, "kind": "outside",
                      "text": f"{event.door}：{event.at:%H:%M} 在授权之外被打开"})  # fmt: skip
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
            door=door, method=record["method"], opened=record["opened"], at=at,
            external_id=record["key"],
            credential_index=blind_index(record["pin"]) if record["pin"] else "",
        )  # fmt: skip
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
        row = (LockCredential.objects.filter(door=door, external_id=str(slot))
               .exclude(status=LockCredential.Status.REMOVED).select_related("credential").first())  # fmt: skip
        index = row.credential.secret_index if row else ""
    method = Z2M_METHODS.get(str(payload.get("action_source_name") or "keypad"), "pin")
    return record_event(
        door=door, method=method, opened=action in Z2M_OPENED, at=at, credential_index=index,
        external_id=f"z2m:{name}:{action}:{slot}:{int(at.timestamp())}",
        detail="" if action in Z2M_OPENED else "门锁拒绝：密码或卡无效",
    )  # fmt: skip
