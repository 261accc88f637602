"""Writes for bookings: request, approve, reject, cancel, check in, series, and the sweeps.

Contention: every write that claims units takes the units' locks first — on PostgreSQL a
transaction-level advisory lock per unit, always in ascending unit id order so two writers
never wait on each other in a cycle (SQLSTATE 40P01); on SQLite the IMMEDIATE transaction
already holds the database's single write lock. Then the overlap check cannot race, and the
exclusion constraint (PostgreSQL) stays a last line that no other code path can get past.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from openhall.accounts.models import Enterprise, Team, User
from openhall.bookings.models import Booking, BookingClaim, BookingSeries
from openhall.bookings.rules import RuleViolation, check_booking
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.events import publish_on_commit
from openhall.core.permissions import Perm
from openhall.venues.models import Space
from openhall.venues.rules import MAX_CLAIM_MINUTES, center_setup, effective_rules, leaf_units

# First keys of pg_advisory_xact_lock(int, int); the second is the unit, user or team id.
CLAIM_LOCK_CLASS = 7301  # "booking claims on this unit"
BOOKER_QUOTA_LOCK_CLASS = 7302  # "active bookings of this person"
TEAM_QUOTA_LOCK_CLASS = 7303  # "active bookings of this team"
MAX_SERIES_OCCURRENCES = 200
QUOTA = frozenset({"too_many_active"})  # a series counts once against the active-booking quota
AUDITED_FIELDS = [
    "status",
    "space",
    "start",
    "end",
    "title",
    "purpose",
    "attendees",
    "decision_reason",
]


class BookingRefused(Exception):
    """The booking breaks one or more rules."""

    def __init__(self, violations: list[RuleViolation]):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations


@dataclass(frozen=True)
class Conflict:
    space_id: int
    space: str
    start: datetime
    end: datetime


class BookingConflict(Exception):
    """The slot is held by another booking."""

    def __init__(self, conflicts: list[Conflict]):
        first = conflicts[0]
        local = timezone.localtime
        super().__init__(
            f"“{first.space}”在 {local(first.start):%m-%d %H:%M}–{local(first.end):%H:%M} 已被预约，请换一个时间或场地。"
        )
        self.conflicts = conflicts


class InvalidTransition(Exception):
    def __init__(self, message: str, code: str = "invalid_state"):
        super().__init__(message)
        self.code = code


# --- claims ------------------------------------------------------------------------------------


def lock_units(unit_ids: list[int], *, booker: User | None = None, team: Team | None = None):
    """Take the claim lock of each unit and, when a booker is given, the lock of their quota of
    active bookings (the team's for a team booking), so two requests of one person for two
    different rooms cannot both slip under the limit. All keys in one ascending order, so no two
    writers ever wait on each other in a cycle; one round trip however many."""
    if connection.vendor != "postgresql":
        return
    keys = {(CLAIM_LOCK_CLASS, unit_id) for unit_id in unit_ids}
    if team is not None:
        keys.add((TEAM_QUOTA_LOCK_CLASS, team.pk))
    elif booker is not None:
        keys.add((BOOKER_QUOTA_LOCK_CLASS, booker.pk))
    if not keys:
        return
    classes, ids = zip(*sorted(keys), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k, v) FROM ("
            "  SELECT k, v FROM unnest(%s::int[], %s::int[]) AS t(k, v) ORDER BY k, v OFFSET 0"
            ") AS in_order",
            [list(classes), list(ids)],
        )


def overlapping_claims(
    *,
    unit_ids: list[int] | QuerySet,
    start: datetime,
    end: datetime,
    exclude_booking_id: int | None = None,
):
    """Live claims on these units overlapping [start, end). Bounded on both sides of `start`
    (claims are at most MAX_CLAIM_MINUTES long), so the (unit, start) index reads only nearby rows."""
    claims = BookingClaim.objects.filter(
        unit_id__in=unit_ids,
        live=True,
        start__gte=start - timedelta(minutes=MAX_CLAIM_MINUTES),
        start__lt=end,
        end__gt=start,
    )
    if exclude_booking_id is not None:
        claims = claims.exclude(booking_id=exclude_booking_id)
    return claims


def _conflicts(
    *, units: list[Space], start: datetime, end: datetime, buffer: int, exclude_booking_id=None
) -> list[Conflict]:
    # Plain values, not model instances: this runs on every request and is usually empty.
    rows = (
        overlapping_claims(
            unit_ids=[u.pk for u in units],
            start=start,
            end=end + timedelta(minutes=buffer),
            exclude_booking_id=exclude_booking_id,
        )
        .order_by("start")
        .values_list("booking_id", "booking__space_id", "booking__start", "booking__end")
    )
    seen, conflicts = set(), []
    for booking_id, space_id, booked_start, booked_end in rows:
        if booking_id in seen:
            continue
        seen.add(booking_id)
        space = Space.objects.get(pk=space_id)  # only on the refusal path
        conflicts.append(
            Conflict(space_id=space_id, space=str(space), start=booked_start, end=booked_end)
        )
    return conflicts


def _write_claims(booking: Booking, units: list[Space], buffer: int) -> None:
    claim_end = booking.end + timedelta(minutes=buffer)
    try:
        # No savepoint (two round trips per booking): this can only fail on a path that skipped
        # the unit locks, and then the whole transaction is lost anyway.
        with transaction.atomic(savepoint=False):
            BookingClaim.objects.bulk_create(
                BookingClaim(booking=booking, unit=u, start=booking.start, end=claim_end)
                for u in units
            )
    except (
        IntegrityError
    ) as exc:  # the exclusion constraint: only reachable by a path that skipped the lock
        raise BookingConflict(
            [
                Conflict(
                    space_id=booking.space_id,
                    space=str(booking.space),
                    start=booking.start,
                    end=booking.end,
                )
            ]
        ) from exc


def _release_claims(booking: Booking) -> None:
    booking.claims.filter(live=True).update(live=False)


# --- requests ----------------------------------------------------------------------------------


def _may_book_for(by: User, booker: User, space: Space) -> bool:
    return by.pk == booker.pk or permissions.has_center_perm(by, space.center, Perm.OPERATE)


def booking_request(
    *,
    space: Space,
    booker: User,
    by: User,
    start: datetime,
    end: datetime,
    title: str,
    purpose: str,
    attendees: int,
    team: Team | None = None,
    enterprise: Enterprise | None = None,
    note: str = "",
    now: datetime | None = None,
    for_activity: bool = False,
) -> Booking:
    """Hold a slot for `booker` (booked by themselves or by staff on their behalf).
    `for_activity`: staff hold the room of a published activity's session, which does not count
    against anyone's quota of active bookings."""
    if not _may_book_for(by, booker, space):
        raise PermissionDenied
    if for_activity and not permissions.has_center_perm(by, space.center, Perm.OPERATE):
        raise PermissionDenied
    with transaction.atomic():
        return _create_booking(
            space=space,
            booker=booker,
            by=by,
            start=start,
            end=end,
            title=title,
            purpose=purpose,
            attendees=attendees,
            team=team,
            enterprise=enterprise,
            note=note,
            now=now or timezone.now(),
            check_quota=not for_activity,
        )


def _create_booking(
    *,
    space,
    booker,
    by,
    start,
    end,
    title,
    purpose,
    attendees,
    team,
    enterprise,
    note,
    now,
    series=None,
    check_quota=True,
) -> Booking:
    title = (title or "").strip()
    if not title:
        raise BookingRefused([RuleViolation("title_required", "请填写活动名称。")])
    setup = center_setup(space.center_id)
    rules = effective_rules(space, setup)
    units = leaf_units(space, setup)
    lock_units([u.pk for u in units], booker=booker, team=team)
    violations = check_booking(
        space=space,
        start=start,
        end=end,
        purpose=purpose,
        attendees=attendees,
        booker=booker,
        team=team,
        enterprise=enterprise,
        now=now,
        rules=rules,
        setup=setup,
        skip=frozenset() if check_quota else QUOTA,
    )
    if violations:
        raise BookingRefused(violations)
    conflicts = _conflicts(units=units, start=start, end=end, buffer=rules.buffer_minutes)
    if conflicts:
        raise BookingConflict(conflicts)
    staff = permissions.has_center_perm(by, space.center, Perm.OPERATE)
    approved = staff or not rules.requires_approval
    booking = Booking.objects.create(
        center=space.center,
        space=space,
        series=series,
        booker=booker,
        booked_by=by,
        team=team,
        enterprise=enterprise,
        title=title[:100],
        purpose=purpose,
        attendees=attendees,
        note=note,
        start=start,
        end=end,
        status=Booking.Status.APPROVED if approved else Booking.Status.REQUESTED,
        decided_by=by if approved else None,
        decided_at=now if approved else None,
    )
    _write_claims(booking, units, rules.buffer_minutes)
    audit_record(
        actor=by,
        action="booking.request",
        center=space.center,
        obj=booking,
        after=snapshot(booking, AUDITED_FIELDS),
    )
    publish_on_commit(
        "booking.approved" if approved else "booking.requested", booking_id=booking.pk
    )
    return booking


# --- decisions ---------------------------------------------------------------------------------


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("space", "center").get(pk=booking.pk)


def _transition(
    booking: Booking, *, by: User | None, action: str, event: str, **changes
) -> Booking:
    before = snapshot(booking, AUDITED_FIELDS)
    for field, value in changes.items():
        setattr(booking, field, value)
    booking.save()
    audit_record(
        actor=by,
        action=action,
        center=booking.center,
        obj=booking,
        before=before,
        after=snapshot(booking, AUDITED_FIELDS),
    )
    publish_on_commit(event, booking_id=booking.pk)
    return booking


@transaction.atomic
def booking_approve(*, booking: Booking, by: User) -> Booking:
    permissions.require_center_perm(by, booking.center, Perm.OPERATE)
    booking = _locked(booking)
    if booking.status == Booking.Status.APPROVED:
        return booking
    if booking.status != Booking.Status.REQUESTED:
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能批准。")
    return _transition(
        booking,
        by=by,
        action="booking.approve",
        event="booking.approved",
        status=Booking.Status.APPROVED,
        decided_by=by,
        decided_at=timezone.now(),
    )


@transaction.atomic
def booking_reject(*, booking: Booking, by: User, reason: str) -> Booking:
    permissions.require_center_perm(by, booking.center, Perm.OPERATE)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition("请填写驳回理由，预约人会看到它。", code="reason_required")
    booking = _locked(booking)
    if booking.status != Booking.Status.REQUESTED:
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能驳回。")
    _release_claims(booking)
    return _transition(
        booking,
        by=by,
        action="booking.reject",
        event="booking.rejected",
        status=Booking.Status.REJECTED,
        decided_by=by,
        decided_at=timezone.now(),
        decision_reason=reason[:200],
    )


@transaction.atomic
def booking_cancel(
    *, booking: Booking, by: User, reason: str = "", now: datetime | None = None
) -> Booking:
    """The booker cancels before the deadline; staff may cancel any time, with a reason."""
    now = now or timezone.now()
    staff = permissions.has_center_perm(by, booking.center, Perm.OPERATE)
    if not staff and by.pk != booking.booker_id:
        if permissions.has_center_perm(by, booking.center, Perm.VIEW_STATS):
            raise PermissionDenied
        raise Http404
    booking = _locked(booking)
    if booking.status == Booking.Status.CANCELLED:
        return booking
    if booking.status not in (Booking.Status.REQUESTED, Booking.Status.APPROVED):
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能取消。")
    reason = (reason or "").strip()
    if staff and by.pk != booking.booker_id and not reason:
        raise InvalidTransition("工作人员取消预约时请填写理由。", code="reason_required")
    deadline = booking.start - timedelta(
        minutes=effective_rules(booking.space).cancel_deadline_minutes
    )
    if not staff and now > deadline:
        raise InvalidTransition(
            f"已过取消截止时间（{timezone.localtime(deadline):%m-%d %H:%M}），如需取消请联系中心工作人员。",
            code="cancel_deadline_passed",
        )
    _release_claims(booking)
    return _transition(
        booking,
        by=by,
        action="booking.cancel",
        event="booking.cancelled",
        status=Booking.Status.CANCELLED,
        decision_reason=reason[:200],
    )


CHECK_IN_EARLY_MINUTES = 30


@transaction.atomic
def booking_check_in(*, booking: Booking, by: User, now: datetime | None = None) -> Booking:
    """The booker (QR at the room, or the first door unlock) or staff marks the booking in use."""
    now = now or timezone.now()
    if by.pk != booking.booker_id:
        permissions.require_center_perm(by, booking.center, Perm.OPERATE)
    booking = _locked(booking)
    if booking.status == Booking.Status.CHECKED_IN:
        return booking
    if booking.status != Booking.Status.APPROVED:
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能签到。")
    if not booking.start - timedelta(minutes=CHECK_IN_EARLY_MINUTES) <= now < booking.end:
        raise InvalidTransition(
            f"签到时间为开始前 {CHECK_IN_EARLY_MINUTES} 分钟至结束，当前不在签到时间内。",
            code="outside_check_in_window",
        )
    return _transition(
        booking,
        by=by,
        action="booking.check_in",
        event="booking.checked_in",
        status=Booking.Status.CHECKED_IN,
        checked_in_at=now,
    )


def booking_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic: no-shows, completions and requests nobody decided in time. Idempotent."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.OPENHALL_NO_SHOW_GRACE_MINUTES)
    counts = {"no_show": 0, "completed": 0, "expired": 0}
    due = [
        (
            Booking.Status.APPROVED,
            {"start__lte": now - grace},
            "no_show",
            Booking.Status.NO_SHOW,
            "booking.no_show",
            "未在开始后按时签到",
        ),
        (
            Booking.Status.CHECKED_IN,
            {"end__lte": now},
            "completed",
            Booking.Status.COMPLETED,
            "booking.completed",
            "",
        ),
        (
            Booking.Status.REQUESTED,
            {"start__lte": now},
            "expired",
            Booking.Status.CANCELLED,
            "booking.expired",
            "开始前未获审批，已自动取消",
        ),
    ]
    for status, when, counter, new_status, event, reason in due:
        for booking_id in Booking.objects.filter(status=status, **when).values_list(
            "pk", flat=True
        )[:500]:
            with transaction.atomic():
                booking = _locked(Booking(pk=booking_id))
                if booking.status != status:
                    continue  # someone else moved it meanwhile
                if new_status != Booking.Status.COMPLETED:
                    _release_claims(booking)
                _transition(
                    booking,
                    by=None,
                    action=event,
                    event=event,
                    status=new_status,
                    decision_reason=reason,
                )
                counts[counter] += 1
    return counts


# --- series ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime
    problem: str = ""  # why it cannot be booked, in words for the booker


def series_occurrences(
    *, start: datetime, end: datetime, rrule: str
) -> list[tuple[datetime, datetime]]:
    """Dates of a repeat rule (an RRULE subset: FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY,
    BYMONTHDAY, COUNT, UNTIL), in local time so 19:00 stays 19:00 across the calendar."""
    rule = (rrule or "").upper().removeprefix("RRULE:")
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if parts.get("FREQ") not in {"DAILY", "WEEKLY", "MONTHLY"}:
        raise BookingRefused([RuleViolation("invalid_rrule", "重复规则只支持每天、每周或每月。")])
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise BookingRefused([RuleViolation("invalid_rrule", "请设置重复次数或结束日期。")])
    local_start = timezone.localtime(start).replace(tzinfo=None)
    duration = end - start
    try:
        dates = rrulestr(rule, dtstart=local_start, cache=False)
        starts = []
        for occurrence in dates:
            starts.append(occurrence)
            if len(starts) > MAX_SERIES_OCCURRENCES:
                raise BookingRefused(
                    [
                        RuleViolation(
                            "series_too_long", f"一个系列最多 {MAX_SERIES_OCCURRENCES} 次。"
                        )
                    ]
                )
    except (ValueError, TypeError) as exc:
        raise BookingRefused([RuleViolation("invalid_rrule", "重复规则格式不正确。")]) from exc
    return [(timezone.make_aware(s), timezone.make_aware(s) + duration) for s in starts]


def series_preview(
    *,
    space: Space,
    booker: User,
    start,
    end,
    rrule,
    purpose,
    attendees,
    team=None,
    enterprise=None,
    now=None,
) -> list[Occurrence]:
    """Each date of the series with the reason it cannot be booked, if any, before submitting."""
    now = now or timezone.now()
    setup = center_setup(space.center_id)
    rules = effective_rules(space, setup)
    units = leaf_units(space, setup)
    result = []
    for index, (s, e) in enumerate(series_occurrences(start=start, end=end, rrule=rrule)):
        violations = check_booking(
            space=space,
            start=s,
            end=e,
            purpose=purpose,
            attendees=attendees,
            booker=booker,
            team=team,
            enterprise=enterprise,
            now=now,
            rules=rules,
            setup=setup,
            skip=QUOTA if index else frozenset(),
        )
        problem = "；".join(v.message for v in violations)
        if not problem:
            conflicts = _conflicts(units=units, start=s, end=e, buffer=rules.buffer_minutes)
            problem = str(BookingConflict(conflicts)) if conflicts else ""
        result.append(Occurrence(s, e, problem))
    return result


@transaction.atomic
def booking_series_create(
    *,
    space: Space,
    booker: User,
    by: User,
    start: datetime,
    end: datetime,
    rrule: str,
    title: str,
    purpose: str,
    attendees: int,
    team: Team | None = None,
    enterprise: Enterprise | None = None,
    skip_conflicts: bool = False,
    now: datetime | None = None,
) -> tuple[BookingSeries, list[Booking], list[Occurrence]]:
    """Book every date of a series. Dates that cannot be booked fail the whole request unless
    `skip_conflicts`, in which case they are left out and returned."""
    if not _may_book_for(by, booker, space):
        raise PermissionDenied
    now = now or timezone.now()
    preview = series_preview(
        space=space,
        booker=booker,
        start=start,
        end=end,
        rrule=rrule,
        purpose=purpose,
        attendees=attendees,
        team=team,
        enterprise=enterprise,
        now=now,
    )
    skipped = [o for o in preview if o.problem]
    if skipped and not skip_conflicts:
        raise BookingRefused(
            [
                RuleViolation(
                    "series_conflicts", f"{timezone.localtime(o.start):%m-%d %H:%M}：{o.problem}"
                )
                for o in skipped
            ]
        )
    if len(skipped) == len(preview):
        raise BookingRefused([RuleViolation("series_empty", "这个系列没有可以预约的日期。")])
    series = BookingSeries.objects.create(
        center=space.center, space=space, booker=booker, rrule=rrule[:200], title=title[:100]
    )
    created = []
    for index, occurrence in enumerate(o for o in preview if not o.problem):
        created.append(
            _create_booking(
                space=space,
                booker=booker,
                by=by,
                start=occurrence.start,
                end=occurrence.end,
                title=title,
                purpose=purpose,
                attendees=attendees,
                team=team,
                enterprise=enterprise,
                note="",
                now=now,
                series=series,
                check_quota=index == 0,
            )
        )
    return series, created, skipped


def booking_series_cancel(
    *,
    series: BookingSeries,
    by: User,
    reason: str = "",
    from_start: datetime | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """Cancel every remaining date of a series (from `from_start` on: "this and the rest")."""
    now = now or timezone.now()
    bookings = series.bookings.filter(
        status__in=(Booking.Status.REQUESTED, Booking.Status.APPROVED), start__gte=from_start or now
    )
    return [
        booking_cancel(booking=b, by=by, reason=reason, now=now) for b in bookings.order_by("start")
    ]


@transaction.atomic
def booking_series_reschedule(
    *,
    series: BookingSeries,
    by: User,
    start_time: time,
    end_time: time,
    from_start: datetime | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """Move every remaining date of a series (from `from_start` on: "this and the rest") to new
    local times on the same dates — the dance team now meets 19:30–21:30. All dates move or none
    does: the first date that cannot move is named and nothing changes."""
    now = now or timezone.now()
    if start_time >= end_time:
        raise BookingRefused([RuleViolation("invalid_time", "结束时间必须晚于开始时间。")])
    bookings = series.bookings.filter(
        status__in=(Booking.Status.REQUESTED, Booking.Status.APPROVED), start__gte=from_start or now
    ).order_by("start")
    moved = []
    for booking in bookings:
        day = timezone.localtime(booking.start).date()
        start = timezone.make_aware(datetime.combine(day, start_time))
        end = timezone.make_aware(datetime.combine(day, end_time))
        try:
            moved.append(booking_reschedule(booking=booking, by=by, start=start, end=end, now=now))
        except BookingRefused as refused:
            raise BookingRefused(
                [RuleViolation(v.code, f"{day:%m-%d}：{v.message}") for v in refused.violations]
            ) from refused
    return moved


def booking_series_approve(*, series: BookingSeries, by: User) -> list[Booking]:
    return [
        booking_approve(booking=b, by=by)
        for b in series.bookings.filter(status=Booking.Status.REQUESTED).order_by("start")
    ]


@transaction.atomic
def booking_reschedule(
    *,
    booking: Booking,
    by: User,
    start: datetime,
    end: datetime,
    space: Space | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a booking (or one date of a series) to another time or space, keeping its history.

    The booker may move it until the cancellation deadline, and it then waits for approval again
    where approval is required; staff may move it any time and it stays approved. The old slot is
    released and the new one claimed under the same locks as a new request.
    """
    now = now or timezone.now()
    staff = permissions.has_center_perm(by, booking.center, Perm.OPERATE)
    if not staff and by.pk != booking.booker_id:
        if permissions.has_center_perm(by, booking.center, Perm.VIEW_STATS):
            raise PermissionDenied
        raise Http404
    booking = _locked(booking)
    if booking.status not in (Booking.Status.REQUESTED, Booking.Status.APPROVED):
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能改期。")
    target = space or booking.space
    if target.center_id != booking.center_id:
        raise InvalidTransition("只能改到同一中心的场地。", code="other_center")
    setup = center_setup(booking.center_id)
    old_rules = effective_rules(booking.space, setup)
    if not staff and now > booking.start - timedelta(minutes=old_rules.cancel_deadline_minutes):
        raise InvalidTransition(
            "已过修改截止时间，如需调整请联系中心工作人员。", code="cancel_deadline_passed"
        )
    rules = effective_rules(target, setup)
    units = leaf_units(target, setup)
    lock_units([u.pk for u in units] + list(booking.claims.values_list("unit_id", flat=True)))
    violations = check_booking(
        space=target,
        start=start,
        end=end,
        purpose=booking.purpose,
        attendees=booking.attendees,
        booker=booking.booker,
        team=booking.team,
        enterprise=booking.enterprise,
        now=now,
        rules=rules,
        setup=setup,
        exclude_booking_id=booking.pk,
    )
    if violations:
        raise BookingRefused(violations)
    conflicts = _conflicts(
        units=units,
        start=start,
        end=end,
        buffer=rules.buffer_minutes,
        exclude_booking_id=booking.pk,
    )
    if conflicts:
        raise BookingConflict(conflicts)
    before = snapshot(booking, AUDITED_FIELDS)
    booking.claims.all().delete()
    booking.space, booking.start, booking.end = target, start, end
    if not staff and rules.requires_approval:
        booking.status, booking.decided_by, booking.decided_at = (
            Booking.Status.REQUESTED,
            None,
            None,
        )
    booking.save()
    _write_claims(booking, units, rules.buffer_minutes)
    audit_record(
        actor=by,
        action="booking.reschedule",
        center=booking.center,
        obj=booking,
        before=before,
        after=snapshot(booking, AUDITED_FIELDS),
    )
    publish_on_commit("booking.rescheduled", booking_id=booking.pk)
    return booking
