"""Grants: given by hand (one, or a weekly series), or following a booking's state
(grant_sync, and the repair sweep that finds the bookings it missed); their credentials (a PIN
free on every lock it goes to, a card, a fingerprint) and the center's door-open margins.
Each change is reconciled onto the locks afterwards (reconcile.py)."""

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from openhall.access.models import (
    AccessSettings,
    BookingDoorMember,
    Credential,
    Door,
    Grant,
    LockCredential,
)
from openhall.access.reconcile import reconcile_soon
from openhall.access.refusals import AccessRefused
from openhall.accounts.models import User
from openhall.core.audit import audit_record
from openhall.core.crypto import blind_index
from openhall.core.models import Center
from openhall.core.permissions import Perm, require_center_perm

logger = logging.getLogger(__name__)
PIN_DIGITS = 6


def settings_for(center: Center) -> AccessSettings:
    return AccessSettings.objects.get_or_create(center=center)[0]


MAX_MARGIN_MINUTES = 120


@transaction.atomic
def settings_update(*, center: Center, by: User, early: int, late: int) -> AccessSettings:
    """How early a booking's doors open and how long after they stay open (new grants)."""
    require_center_perm(by, center, Perm.MANAGE_CENTER)
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
        require_center_perm(by, center, Perm.OPERATE)
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
    reconcile_soon(grant.pk)
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
        require_center_perm(by, grant.center, Perm.OPERATE)
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
    reconcile_soon(grant.pk)


@transaction.atomic
def grants_withdraw_for_person(*, user_id: int, team_id: int | None = None, reason: str) -> int:
    """Someone closed their account (every grant), or left a team (the grants they had as a
    member of it): withdrawn together, the reconciler then takes the codes off the locks.
    Idempotent — a withdrawn grant is skipped — so an event delivered twice changes nothing."""
    grants = Grant.objects.filter(
        user_id=user_id, revoked_at__isnull=True, ends_at__gt=timezone.now()
    )
    # The bookings whose doors they shared stop letting them in (a booking approved again
    # must not give the access back): the booker would have to add them again.
    shares = BookingDoorMember.objects.filter(user_id=user_id, booking__end__gt=timezone.now())
    if team_id is not None:
        grants = grants.filter(Q(team_id=team_id) | Q(booking__team_id=team_id))
        shares = shares.filter(booking__team_id=team_id)
    shares.delete()
    count = 0
    for grant in grants.order_by("pk"):
        grant_revoke(grant=grant, by=None, reason=reason)
        count += 1
    # A booker who goes takes their booking's doors with them: the members they let in lose
    # theirs too (grant_sync finds the booking no longer wants doors).
    booked = BookingDoorMember.objects.filter(
        booking__booker_id=user_id, booking__end__gt=timezone.now()
    )
    if team_id is not None:
        booked = booked.filter(booking__team_id=team_id)
    for booking_id in sorted(set(booked.values_list("booking_id", flat=True))):
        grant_sync(booking_id)
    return count


@transaction.atomic
def grant_move(*, grant: Grant, starts_at: datetime, ends_at: datetime) -> None:
    """A booking moved: the window moves. The reconciler takes each old code off its lock and
    writes the new window (no lock is called from here: this runs inside a transaction)."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    grant.starts_at, grant.ends_at = starts_at, ends_at
    grant.save(update_fields=["starts_at", "ends_at"])
    _rewrite(grant)
    reconcile_soon(grant.pk)


def _rewrite(grant: Grant) -> None:
    """Every lock of this grant gets its codes (again) for the grant's current window; a code
    still on a lock (its `external_id`) is replaced by the reconciler, never left behind. A lock
    the grant no longer includes (its booking moved rooms) is left to have its code removed."""
    LockCredential.objects.filter(credential__grant=grant, door__in=grant.doors.all()).update(
        status=LockCredential.Status.PENDING, attempts=0, next_attempt_at=None
    )


def _grant_redoor(grant: Grant, doors: list[Door]) -> bool:
    """A booking moved to another space: its codes come off the locks it no longer passes and
    go on the new ones — else the PIN would keep opening the room it left (someone else's now)
    and not the one it is in. The same PIN, unless another grant uses it on a new lock."""
    before = set(grant.doors.all())
    added = [d for d in doors if d not in before]
    if set(doors) == before:
        return False
    new_pin = [
        c
        for c in grant.credentials.filter(kind=Credential.Kind.PIN)
        if _pin_taken(c.secret, added, grant.starts_at, grant.ends_at)
    ]
    grant.doors.set(doors)
    LockCredential.objects.filter(credential__grant=grant).exclude(door__in=doors).exclude(
        status=LockCredential.Status.REMOVED
    ).update(status=LockCredential.Status.REMOVING, attempts=0, next_attempt_at=None)
    for credential in grant.credentials.exclude(kind=Credential.Kind.REMOTE):
        for door in added:
            LockCredential.objects.update_or_create(
                credential=credential,
                door=door,
                defaults={
                    "status": LockCredential.Status.PENDING,
                    "attempts": 0,
                    "next_attempt_at": None,
                },
            )
    for credential in new_pin:
        credential.secret = _new_pin(doors, [(grant.starts_at, grant.ends_at)])
        credential.secret_index = blind_index(credential.secret)
        credential.save(update_fields=["secret", "secret_index"])
        _rewrite(grant)
    return True


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


def member_wants_doors(booking, member: BookingDoorMember) -> bool:
    """A member the booker let in shares the booking's doors while the booking wants them, the
    member's account is open and they are still in the booking's team."""
    return (
        booking_wants_doors(booking)
        and member.user.is_active
        and booking.team_id is not None
        and booking.team.memberships.filter(user_id=member.user_id).exists()
    )


@transaction.atomic
def grant_sync(booking_id: int) -> str:
    """Make a booking's door grants — the booker's, and those of the members the booker let in
    — what its state requires, whatever happened before (an approval whose follow-up failed, a
    move back to 待审批, a cancellation): idempotent, so events, retries and the repair sweep
    may all call it. Returns what it did (to the booker's grant, else to a member's)."""
    from openhall.bookings.models import Booking

    # The booking's row is locked: its follow-up and the repair sweep may sync it at the same
    # moment, and without the lock both see no grant and both create one (the second fails on
    # the one-grant-per-booking key, which ended the whole sweep). Now the second waits, then
    # finds the first one's grant (tests/test_faults.py).
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("space", "center", "booker", "team")
        .get(pk=booking_id)
    )
    grant = Grant.objects.select_for_update().filter(booking=booking).first()
    done = _follow(
        booking,
        grant,
        wanted=booking_wants_doors(booking),
        withdrawn_because=f"预约 #{booking.pk} 已{booking.get_status_display()}",
        create=lambda doors, starts_at, ends_at: grant_create(
            center=booking.center,
            by=None,
            user=booking.booker,
            doors=doors,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=f"预约 #{booking.pk}",
            booking=booking,
            team=booking.team,
        ),
    )
    for member in booking.door_members.select_related("user", "grant").order_by("pk"):
        member_done = _sync_member(booking, member)
        if done in ("ok", "none") and member_done not in ("ok", "none", "over", "no_doors"):
            done = member_done
    return done


def _sync_member(booking, member: BookingDoorMember) -> str:
    def create(doors, starts_at, ends_at) -> None:
        member.grant = grant_create(
            center=booking.center,
            by=None,
            user=member.user,
            doors=doors,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=f"预约 #{booking.pk}（团体成员）",
            team=booking.team,
        )
        member.save(update_fields=["grant"])

    grant = (
        Grant.objects.select_for_update().filter(pk=member.grant_id).first()
        if member.grant_id is not None
        else None
    )
    wanted = member_wants_doors(booking, member)
    return _follow(
        booking,
        grant,
        wanted=wanted,
        withdrawn_because=(
            f"预约 #{booking.pk} 已{booking.get_status_display()}"
            if not booking_wants_doors(booking)
            else "已不在预约的团体中"
        ),
        create=create,
    )


def _follow(booking, grant: Grant | None, *, wanted: bool, withdrawn_because: str, create) -> str:
    """One grant made to follow its booking: withdrawn when not wanted; else made, restored
    or moved to the booking's window."""
    if not wanted:
        if grant is None or grant.revoked_at:
            return "none"
        grant_revoke(grant=grant, by=None, reason=withdrawn_because)
        return "revoked"
    starts_at, ends_at = booking_window(booking)
    if ends_at <= timezone.now():
        return "over"
    doors = doors_for_space(booking.space)
    if grant is None:
        if not doors:
            return "no_doors"
        create(doors, starts_at, ends_at)
        return "created"
    # Moved to another room: the codes follow it (a center left with no doors keeps them).
    redoored = bool(doors) and _grant_redoor(grant, doors)
    if grant.revoked_at:
        _grant_restore(grant, starts_at, ends_at)
        return "restored"
    if (grant.starts_at, grant.ends_at) != (starts_at, ends_at):
        grant_move(grant=grant, starts_at=starts_at, ends_at=ends_at)
        return "moved"
    if redoored:
        reconcile_soon(grant.pk)
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
    reconcile_soon(grant.pk)


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
    # Members the booker let in: a grant missing or withdrawn while the booking wants doors,
    # or live while it does not.
    shares = BookingDoorMember.objects.filter(booking__end__gt=now, booking__center__in=with_doors)
    wants = [Booking.Status.APPROVED, Booking.Status.CHECKED_IN]
    candidates |= set(
        shares.filter(booking__status__in=wants, booking__booker__is_active=True)
        .filter(Q(grant__isnull=True) | Q(grant__revoked_at__isnull=False))
        .values_list("booking_id", flat=True)[:1000]
    )
    candidates |= set(
        shares.filter(grant__revoked_at__isnull=True, grant__isnull=False)
        .exclude(booking__status__in=wants)
        .values_list("booking_id", flat=True)[:1000]
    )
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
