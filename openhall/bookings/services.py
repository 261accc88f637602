"""Writes for bookings: request, approve, reject, cancel, check in, series, and the sweeps.

Contention: every write that claims units takes the units' locks first — on PostgreSQL a
transaction-level advisory lock per unit, always in ascending unit id order so two writers
never wait on each other in a cycle (SQLSTATE 40P01); on SQLite the IMMEDIATE transaction
already holds the database's single write lock. Then the overlap check cannot race, and the
exclusion constraint (PostgreSQL) stays a last line that no other code path can get past.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from openhall.accounts.models import Enterprise, Team, User
from openhall.bookings.models import Booking, BookingClaim, BookingSeries
from openhall.bookings.rules import (
    CHECK_IN_EARLY_MINUTES,  # noqa: F401 - the portal's room QR page reads it from here
    MAX_SERIES_OCCURRENCES,  # noqa: F401
    BookingRefused,
    InvalidTransition,
    RuleViolation,
    booking_standing,
    booking_title,
    check_booking,
    is_operator,
    needs_approval,
    require_before_change_deadline,
    require_check_in_window,
    require_may_book_for,
    require_operator,
    series_occurrences,
)
from openhall.core import refusals
from openhall.core.audit import audit_record, snapshot
from openhall.core.events import publish_on_commit
from openhall.venues.models import Space
from openhall.venues.rules import (
    MAX_CLAIM_MINUTES,
    CenterSetup,
    EffectiveRules,
    center_setup,
    effective_rules,
    leaf_units,
)

# First keys of pg_advisory_xact_lock(int, int); the second is the unit, user or team id.
CLAIM_LOCK_CLASS = 7301  # "booking claims on this unit"
BOOKER_QUOTA_LOCK_CLASS = 7302  # "active bookings of this person"
TEAM_QUOTA_LOCK_CLASS = 7303  # "active bookings of this team"
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


@dataclass(frozen=True)
class Conflict:
    space_id: int
    space: str
    start: datetime
    end: datetime


class BookingConflict(refusals.Conflict):
    """The slot is held by another booking: 409 "conflict", each booking in the way in details."""

    def __init__(self, conflicts: list[Conflict]):
        first = conflicts[0]
        local = timezone.localtime
        super().__init__(
            f"“{first.space}”在 {local(first.start):%m-%d %H:%M}–{local(first.end):%H:%M} 已被预约，请换一个时间或场地。",
            details={
                "conflicts": [
                    {
                        "space_id": c.space_id,
                        "space": c.space,
                        "start": local(c.start).isoformat(),
                        "end": local(c.end).isoformat(),
                    }
                    for c in conflicts
                ]
            },
        )
        self.conflicts = conflicts


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
    *,
    units: list[Space],
    start: datetime,
    end: datetime,
    buffer: int,
    setup: CenterSetup,
    exclude_booking_id: int | None = None,
) -> list[Conflict]:
    """The bookings holding [start, end + buffer) on these units, to name them in the refusal
    (read only once the slot is known to be taken)."""
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
        # A booking on these units is in the same center, so its space is in the setup.
        space = setup.spaces.get(space_id) or Space.objects.get(pk=space_id)
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


def _check_slot(
    *,
    space: Space,
    start: datetime,
    end: datetime,
    purpose: str,
    attendees: int,
    booker: User,
    team: Team | None,
    enterprise: Enterprise | None,
    now: datetime,
    rules: EffectiveRules,
    setup: CenterSetup,
    units: list[Space],
    skip: frozenset[str] = frozenset(),
    exclude_booking_id: int | None = None,
) -> None:
    """The one check of a slot for a new booking, a date of a series or a move: the rules first
    (BookingRefused names every rule broken), then the other bookings (BookingConflict). The
    booker's counts and the overlap are read in one statement; who holds the slot is read only
    when it is taken."""
    standing = booking_standing(
        booker=booker,
        team=team,
        now=now,
        unit_ids=[u.pk for u in units],
        claim_start=start,
        claim_end=end + timedelta(minutes=rules.buffer_minutes),
        exclude_booking_id=exclude_booking_id,
    )
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
        skip=skip,
        exclude_booking_id=exclude_booking_id,
        standing=standing,
    )
    if violations:
        raise BookingRefused(violations)
    if not standing.slot_taken:
        return
    conflicts = _conflicts(
        units=units,
        start=start,
        end=end,
        buffer=rules.buffer_minutes,
        setup=setup,
        exclude_booking_id=exclude_booking_id,
    )
    if conflicts:
        raise BookingConflict(conflicts)


# --- requests ----------------------------------------------------------------------------------


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
    setup_token: str | None = None,
) -> Booking:
    """Hold a slot for `booker` (booked by themselves or by staff on their behalf).
    `for_activity`: staff hold the room of a published activity's session, which does not count
    against anyone's quota of active bookings. `setup_token`: the center's setup token, when the
    caller read it with `space` in this request (venues.rules.center_setup)."""
    require_may_book_for(by=by, booker=booker, space=space, for_activity=for_activity)
    with transaction.atomic():
        return _create_booking(
            setup_token=setup_token,
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
    setup_token: str | None = None,
) -> Booking:
    title = booking_title(title)
    setup = center_setup(space.center_id, token=setup_token)
    rules = effective_rules(space, setup)
    units = leaf_units(space, setup)
    lock_units([u.pk for u in units], booker=booker, team=team)
    _check_slot(
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
        units=units,
        skip=frozenset() if check_quota else QUOTA,
    )
    approved = not needs_approval(by_operator=is_operator(by, space.center), rules=rules)
    booking = Booking.objects.create(
        center=space.center,
        space=space,
        series=series,
        booker=booker,
        booked_by=by,
        team=team,
        enterprise=enterprise,
        title=title,
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
        "booking.approved" if approved else "booking.requested",
        booking_id=booking.pk,
        center_id=booking.center_id,  # the screens need no query to know whose it is
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
    publish_on_commit(event, booking_id=booking.pk, center_id=booking.center_id)
    return booking


@transaction.atomic
def booking_approve(*, booking: Booking, by: User) -> Booking:
    require_operator(by, booking.center)
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
    require_operator(by, booking.center)
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
    staff = is_operator(by, booking.center)
    if not staff and by.pk != booking.booker_id:
        require_operator(by, booking.center)
    booking = _locked(booking)
    if booking.status == Booking.Status.CANCELLED:
        return booking
    if booking.status not in (Booking.Status.REQUESTED, Booking.Status.APPROVED):
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能取消。")
    reason = (reason or "").strip()
    if staff and by.pk != booking.booker_id and not reason:
        raise InvalidTransition("工作人员取消预约时请填写理由。", code="reason_required")
    require_before_change_deadline(
        start=booking.start,
        rules=effective_rules(booking.space),
        now=now,
        by_operator=staff,
        change="cancel",
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


@transaction.atomic
def booking_check_in(*, booking: Booking, by: User, now: datetime | None = None) -> Booking:
    """The booker (QR at the room, or the first door unlock) or staff marks the booking in use."""
    now = now or timezone.now()
    if by.pk != booking.booker_id:
        require_operator(by, booking.center)
    booking = _locked(booking)
    if booking.status == Booking.Status.CHECKED_IN:
        return booking
    if booking.status != Booking.Status.APPROVED:
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能签到。")
    require_check_in_window(start=booking.start, end=booking.end, now=now)
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


def series_preview(
    *,
    space: Space,
    booker: User,
    start: datetime,
    end: datetime,
    rrule: str,
    purpose: str,
    attendees: int,
    team: Team | None = None,
    enterprise: Enterprise | None = None,
    now: datetime | None = None,
    by: User | None = None,
) -> list[Occurrence]:
    """Each date of the series with the reason it cannot be booked, if any, before submitting.
    `by`: who asks (default the booker); only an operator previews on someone's behalf."""
    require_may_book_for(by=by or booker, booker=booker, space=space)
    now = now or timezone.now()
    setup = center_setup(space.center_id)
    rules = effective_rules(space, setup)
    units = leaf_units(space, setup)
    result = []
    for index, (s, e) in enumerate(series_occurrences(start=start, end=end, rrule=rrule)):
        problem = ""
        try:
            _check_slot(
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
                units=units,
                skip=QUOTA if index else frozenset(),
            )
        except BookingRefused as refused:
            problem = "；".join(v.message for v in refused.violations)
        except BookingConflict as conflict:
            problem = str(conflict)
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
    now = now or timezone.now()
    preview = series_preview(
        by=by,
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


@transaction.atomic
def booking_series_cancel(
    *,
    series: BookingSeries,
    by: User,
    reason: str = "",
    from_start: datetime | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """Cancel every remaining date of a series (from `from_start` on: "this and the rest").
    All dates are cancelled or none is: the first date that cannot be is named."""
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


@transaction.atomic
def booking_series_approve(*, series: BookingSeries, by: User) -> list[Booking]:
    """Approve every requested date of a series, all or none."""
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
    staff = is_operator(by, booking.center)
    if not staff and by.pk != booking.booker_id:
        require_operator(by, booking.center)
    booking = _locked(booking)
    if booking.status not in (Booking.Status.REQUESTED, Booking.Status.APPROVED):
        raise InvalidTransition(f"该预约当前为“{booking.get_status_display()}”，不能改期。")
    target = space or booking.space
    if target.center_id != booking.center_id:
        raise InvalidTransition("只能改到同一中心的场地。", code="other_center")
    setup = center_setup(booking.center_id)
    require_before_change_deadline(
        start=booking.start,
        rules=effective_rules(booking.space, setup),
        now=now,
        by_operator=staff,
        change="reschedule",
    )
    rules = effective_rules(target, setup)
    units = leaf_units(target, setup)
    lock_units([u.pk for u in units] + list(booking.claims.values_list("unit_id", flat=True)))
    _check_slot(
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
        units=units,
        exclude_booking_id=booking.pk,
    )
    before = snapshot(booking, AUDITED_FIELDS)
    booking.claims.all().delete()
    booking.space, booking.start, booking.end = target, start, end
    if needs_approval(by_operator=staff, rules=rules):
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
    publish_on_commit("booking.rescheduled", booking_id=booking.pk, center_id=booking.center_id)
    return booking
