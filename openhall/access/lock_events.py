"""Lock events: every unlock and refusal logged once and attributed to its grant (and
booking, which the first unlock checks in), however it arrives — remote unlock, the simulator's
keypad, TTLock's webhook or its polled records, a Zigbee2MQTT lock's state message."""

import contextlib
import logging
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.access.drivers import LockError, driver_for
from openhall.access.drivers.simulator import new_event_id
from openhall.access.models import (
    AccessEvent,
    Credential,
    Door,
    Grant,
    LockCredential,
)
from openhall.access.refusals import AccessRefused
from openhall.accounts.models import User
from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.crypto import blind_index
from openhall.core.events import publish_on_commit
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the keypad tells the time as the people at the door do


def _attribute(door: Door, *, user: User | None, at: datetime, credential_index: str = ""):
    grants = Grant.objects.filter(
        doors=door, revoked_at__isnull=True, starts_at__lte=at, ends_at__gt=at
    )
    if credential_index:
        grants = grants.filter(credentials__secret_index=credential_index)
    elif user is not None:
        grants = grants.filter(user=user)
    return grants.select_related("booking", "user", "door_member__booking").first()


def _booking_of(grant: Grant | None):
    """The booking a grant opens doors for: the booker's own, or the one a member shares."""
    if grant is None:
        return None
    if grant.booking_id is not None:
        return grant.booking
    member = getattr(grant, "door_member", None)  # none: its DoesNotExist is an AttributeError
    return member.booking if member is not None else None


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
                booking=_booking_of(grant),
                external_id=external_id,
                detail=detail[:200],
            )
    except IntegrityError:
        return None  # seen before
    Door.objects.filter(pk=door.pk).update(last_seen_at=at, online=True)
    if opened:
        publish_on_commit("access.door_opened", center_id=door.center_id, event_id=event.pk)
        booking = _booking_of(grant)  # a member let in arriving first checks the booking in too
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
        raise Forbidden(_("You may not open this door now."), code="not_your_door")
    if grant is None and not reason.strip():
        raise AccessRefused("工作人员远程开门请写明原因。", code="reason_required")
    try:
        driver_for(door.lock).unlock(door.lock)
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
    answer = simulator.SimulatorDriver.keypad(door.lock, code, kind)
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
            records = TTLockDriver().records(door.lock, since, until)
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
