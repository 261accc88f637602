"""Every booking rule, checked in one place. Each refusal names its rule in plain Chinese.

The rules come from venues.rules.effective_rules (space → parent → center → defaults); the
opening hours and closures from venues. Conflicts with other bookings are not a rule: the
service finds them under a lock and answers 409.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from dateutil.rrule import rrulestr
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.accounts.models import Enterprise, EnterpriseMembership, Team, TeamMembership, User
from openhall.core import permissions
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden, NotFound, Refused
from openhall.venues.models import BookerKind, Purpose, Space
from openhall.venues.rules import (
    MAX_CLAIM_MINUTES,
    CenterSetup,
    EffectiveRules,
    center_setup,
    effective_rules,
    space_ancestry,
)

WEEKDAYS = "一二三四五六日"
MAX_SERIES_OCCURRENCES = 200  # dates in one series: a year of twice a week, with room to spare
CHECK_IN_EARLY_MINUTES = 30  # the booker may check in this long before the start


@dataclass(frozen=True)
class RuleViolation:
    code: str
    message: str


class BookingRefused(Refused):
    """The booking breaks one or more rules: 422, coded by the first, every one in details."""

    status = 422

    def __init__(self, violations: list[RuleViolation]):
        super().__init__(
            "; ".join(v.message for v in violations),
            code=violations[0].code,
            details={"violations": [{"code": v.code, "message": v.message} for v in violations]},
        )
        self.violations = violations


class InvalidTransition(Refused):
    """The booking's state forbids the step (409), or the step lacks something the person must
    give, such as a reason (422, codes ending in `_required`)."""

    def __init__(self, message: str, code: str = "invalid_state"):
        super().__init__(message, code=code, status=422 if code.endswith("_required") else 409)


# --- who may do what ---------------------------------------------------------------------------


def is_operator(user: User, center) -> bool:
    return permissions.has_center_perm(user, center, Perm.OPERATE)


def require_operator(user: User, center) -> None:
    """An operator of `center`, or refused: 403 for staff who can see the center, else 404 (a
    resident learns nothing about a center's staff pages)."""
    if is_operator(user, center):
        return
    if permissions.has_center_perm(user, center, Perm.VIEW_STATS):
        raise Forbidden
    raise NotFound


def require_may_book_for(
    *, by: User, booker: User, space: Space, for_activity: bool = False
) -> None:
    """People book for themselves; only an operator of the space's center books on someone
    else's behalf, or holds a room for an activity (which counts against nobody's quota)."""
    if by.pk != booker.pk or for_activity:
        require_operator(by, space.center)


def needs_approval(*, by_operator: bool, rules: EffectiveRules) -> bool:
    """A request (or a move) waits for an operator where the space requires approval, unless an
    operator made it: their own bookings are approved at once."""
    return rules.requires_approval and not by_operator


def booking_title(title: str | None) -> str:
    """The title the booking keeps: trimmed, at most 100 characters, and never empty."""
    title = (title or "").strip()
    if not title:
        raise BookingRefused([RuleViolation("title_required", "请填写活动名称。")])
    return title[:100]


def change_deadline(*, start: datetime, rules: EffectiveRules) -> datetime:
    """The last moment the booker may cancel or move a booking themselves."""
    return start - timedelta(minutes=rules.cancel_deadline_minutes)


def require_before_change_deadline(
    *,
    start: datetime,
    rules: EffectiveRules,
    now: datetime,
    by_operator: bool,
    change: Literal["cancel", "reschedule"],
) -> None:
    """After the deadline only staff may cancel or move a booking (the room was kept for it)."""
    deadline = change_deadline(start=start, rules=rules)
    if by_operator or now <= deadline:
        return
    if change == "cancel":
        message = f"已过取消截止时间（{timezone.localtime(deadline):%m-%d %H:%M}），如需取消请联系中心工作人员。"
    else:
        message = "已过修改截止时间，如需调整请联系中心工作人员。"
    raise InvalidTransition(message, code="cancel_deadline_passed")


def check_in_opens(start: datetime) -> datetime:
    return start - timedelta(minutes=CHECK_IN_EARLY_MINUTES)


def require_check_in_window(*, start: datetime, end: datetime, now: datetime) -> None:
    """Check-in is open from CHECK_IN_EARLY_MINUTES before the start until the end."""
    if not check_in_opens(start) <= now < end:
        raise InvalidTransition(
            f"签到时间为开始前 {CHECK_IN_EARLY_MINUTES} 分钟至结束，当前不在签到时间内。",
            code="outside_check_in_window",
        )


def series_occurrences(
    *, start: datetime, end: datetime, rrule: str
) -> list[tuple[datetime, datetime]]:
    """Dates of a repeat rule (an RRULE subset: FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY,
    BYMONTHDAY, COUNT, UNTIL), in local time so 19:00 stays 19:00 across the calendar, and at
    most MAX_SERIES_OCCURRENCES of them."""
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


# --- the rules of one slot ---------------------------------------------------------------------


def minutes_text(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    if minutes > 60:
        return f"{minutes // 60} 小时 {minutes % 60} 分钟"
    return f"{minutes} 分钟"


def booker_kind(
    *, booker: User | None, team: Team | None, enterprise: Enterprise | None, space: Space
) -> str:
    if team is not None:
        return BookerKind.TEAM
    if enterprise is not None:
        return BookerKind.ENTERPRISE
    if booker is not None and is_operator(booker, space.center):
        return BookerKind.STAFF
    return BookerKind.RESIDENT


@dataclass(frozen=True)
class Standing:
    """What the database says about one request, read in one statement (booking_standing)."""

    active: int  # live bookings of the booker (of the team, for a team booking) not yet over
    no_shows: int  # the booker's no-shows within OPENHALL_NO_SHOW_WINDOW_DAYS
    last_no_show: datetime | None
    slot_taken: bool  # a live claim overlaps the slot (the service then names who holds it)


# Hand-written because it runs on every booking request: one round trip for the quota, the
# no-shows and the overlap, without compiling three ORM queries each time. The claims part is
# services.overlapping_claims (bounded by MAX_CLAIM_MINUTES so the (unit, start) index is used).
_STANDING_SQL = """
SELECT
  (SELECT COUNT(*) FROM bookings_booking
    WHERE status IN (%s, %s, %s) AND "end" > %s AND id <> %s AND {mine}) AS active,
  (SELECT COUNT(*) FROM bookings_booking
    WHERE booker_id = %s AND status = %s AND start >= %s) AS no_shows,
  (SELECT MAX(start) FROM bookings_booking
    WHERE booker_id = %s AND status = %s AND start >= %s) AS last_no_show,
  EXISTS (SELECT 1 FROM bookings_bookingclaim
    WHERE unit_id IN ({units}) AND live = %s AND start >= %s AND start < %s AND "end" > %s
      AND booking_id <> %s) AS slot_taken
"""


def booking_standing(
    *,
    booker: User,
    team: Team | None,
    now: datetime,
    unit_ids: list[int],
    claim_start: datetime,
    claim_end: datetime,
    exclude_booking_id: int | None = None,
) -> Standing:
    """The quota, the no-shows and whether [claim_start, claim_end) is taken, in one query."""
    from openhall.bookings.models import Booking

    at = connection.ops.adapt_datetimefield_value
    exclude = exclude_booking_id or 0  # ids start at 1
    booker_id = booker.pk  # a visitor never gets here (check_booking counts nothing for them)
    window_start = at(now - timedelta(days=settings.OPENHALL_NO_SHOW_WINDOW_DAYS))
    if team is not None:
        mine, mine_params = "team_id = %s", [team.pk]
    else:
        mine, mine_params = "booker_id = %s AND team_id IS NULL", [booker_id]
    units = ", ".join(["%s"] * len(unit_ids)) or "NULL"
    sql = _STANDING_SQL.format(mine=mine, units=units)
    params = [
        *Booking.LIVE,
        at(now),
        exclude,
        *mine_params,
        booker_id,
        Booking.Status.NO_SHOW,
        window_start,
        booker_id,
        Booking.Status.NO_SHOW,
        window_start,
        *unit_ids,
        True,
        at(claim_start - timedelta(minutes=MAX_CLAIM_MINUTES)),
        at(claim_end),
        at(claim_start),
        exclude,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        active, no_shows, last_no_show, taken = cursor.fetchone()
    if isinstance(last_no_show, str):  # SQLite returns MAX() of a datetime column as UTC text
        last_no_show = datetime.fromisoformat(last_no_show).replace(tzinfo=UTC)
    return Standing(active, no_shows, last_no_show, bool(taken))


def suspension_until(
    *, booker: User | None, now: datetime, standing: Standing | None = None
) -> datetime | None:
    """Repeated no-shows suspend booking rights for a while (OPENHALL_NO_SHOW_* settings)."""
    if standing is None:
        if booker is None:
            return None  # a visitor, not signed in
        standing = booking_standing(
            booker=booker, team=None, now=now, unit_ids=[], claim_start=now, claim_end=now
        )
    if standing.no_shows < settings.OPENHALL_NO_SHOW_LIMIT:
        return None
    if standing.last_no_show is None:  # counted as no-shows, yet none dated: nothing to serve
        return None
    until = standing.last_no_show + timedelta(days=settings.OPENHALL_SUSPENSION_DAYS)
    return until if until > now else None


def check_booking(
    *,
    space: Space,
    start: datetime,
    end: datetime,
    purpose: str,
    attendees: int,
    booker: User | None,
    team: Team | None = None,
    enterprise: Enterprise | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    rules: EffectiveRules | None = None,
    setup: CenterSetup | None = None,
    skip: frozenset[str] = frozenset(),
    standing: Standing | None = None,
) -> list[RuleViolation]:
    """All the rules this booking breaks (empty when it may be made), except the codes in `skip`
    (later dates of a series do not count against the active-booking quota). `standing`: the
    booker's counts when the caller has read them already (booking_standing)."""
    now = now or timezone.now()
    setup = setup or center_setup(space.center_id)
    rules = rules or effective_rules(space, setup)
    if standing is None:
        if booker is None:
            # A visitor's day view (bookings.availability): no quota or no-shows to count yet.
            standing = Standing(active=0, no_shows=0, last_no_show=None, slot_taken=False)
        else:
            standing = booking_standing(
                booker=booker,
                team=team,
                now=now,
                unit_ids=[],
                claim_start=start,
                claim_end=end,
                exclude_booking_id=exclude_booking_id,
            )
    if start >= end:
        return [RuleViolation("invalid_time", "结束时间必须晚于开始时间。")]
    refusals = [
        *_check_request(space=space, purpose=purpose, attendees=attendees, rules=rules),
        *_check_booked_for(
            space=space, booker=booker, team=team, enterprise=enterprise, rules=rules
        ),
        *_check_timing(start=start, end=end, now=now, rules=rules),
    ]
    refusals.extend(_check_hours(space=space, start=start, end=end, rules=rules, setup=setup))
    refusals.extend(_check_closures(space=space, start=start, end=end, setup=setup))
    refusals.extend(
        _check_quotas(
            space=space,
            start=start,
            end=end,
            purpose=purpose,
            booker=booker,
            team=team,
            now=now,
            rules=rules,
            exclude_booking_id=exclude_booking_id,
            standing=standing,
        )
    )
    until = suspension_until(booker=booker, now=now, standing=standing)
    if until is not None:
        local = timezone.localtime(until)
        refusals.append(
            RuleViolation("suspended", f"因多次预约后未到场，您的预约权限暂停至 {local:%Y-%m-%d}。")
        )
    return [r for r in refusals if r.code not in skip]


def _check_request(
    *, space: Space, purpose: str, attendees: int, rules: EffectiveRules
) -> list[RuleViolation]:
    """What the request asks of the space: open for booking, a purpose it takes, room enough."""
    refusals: list[RuleViolation] = []
    if not space.is_bookable:
        refusals.append(RuleViolation("space_not_bookable", f"“{space}”不对外开放预约。"))
    if purpose not in Purpose.values:
        refusals.append(RuleViolation("invalid_purpose", "请选择预约用途。"))
    elif purpose not in rules.purposes:
        allowed = "、".join(str(Purpose(p).label) for p in rules.purposes)
        refusals.append(
            RuleViolation("purpose_not_allowed", f"“{space}”只接受以下用途的预约：{allowed}。")
        )
    if attendees < 1:
        refusals.append(RuleViolation("invalid_attendees", "请填写参加人数。"))
    elif space.capacity and attendees > space.capacity:
        refusals.append(
            RuleViolation(
                "over_capacity", f"参加人数超过“{space}”的容量（最多 {space.capacity} 人）。"
            )
        )
    return refusals


def _check_booked_for(
    *,
    space: Space,
    booker: User | None,
    team: Team | None,
    enterprise: Enterprise | None,
    rules: EffectiveRules,
) -> list[RuleViolation]:
    """Who the booking is for: a team it leads or an enterprise it belongs to, at this space's
    center, and a kind of booker the space takes."""
    refusals: list[RuleViolation] = []
    if team is not None and team.center_id != space.center_id:
        refusals.append(
            RuleViolation(
                "team_other_center",
                _("“%(team)s” is not a team of the center of “%(space)s”.")
                % {"team": team, "space": space},
            )
        )
    elif (
        team is not None
        and not TeamMembership.objects.filter(
            team=team, user=booker, role=TeamMembership.Role.LEADER
        ).exists()
    ):
        refusals.append(RuleViolation("not_team_leader", f"只有“{team}”的负责人可以为团体预约。"))
    if enterprise is not None:
        if enterprise.center_id != space.center_id:
            refusals.append(
                RuleViolation(
                    "enterprise_other_center",
                    _("“%(enterprise)s” is not an enterprise of the center of “%(space)s”.")
                    % {"enterprise": enterprise, "space": space},
                )
            )
        elif not EnterpriseMembership.objects.filter(enterprise=enterprise, user=booker).exists():
            refusals.append(RuleViolation("not_enterprise_member", f"您不是“{enterprise}”的成员。"))
        elif not enterprise.is_verified:
            refusals.append(
                RuleViolation(
                    "enterprise_unverified",
                    f"“{enterprise}”尚未通过中心认证，暂不能以企业名义预约。",
                )
            )
    kind = booker_kind(booker=booker, team=team, enterprise=enterprise, space=space)
    if kind not in rules.booker_kinds:
        refusals.append(
            RuleViolation("booker_not_allowed", f"“{space}”不接受{BookerKind(kind).label}预约。")
        )
    return refusals


def _check_timing(
    *, start: datetime, end: datetime, now: datetime, rules: EffectiveRules
) -> list[RuleViolation]:
    """How long, and how far ahead: the length limits, the past, the notice, the horizon."""
    refusals: list[RuleViolation] = []
    minutes = (end - start).total_seconds() / 60
    if minutes < rules.min_duration_minutes:
        refusals.append(
            RuleViolation("too_short", f"每次预约至少 {minutes_text(rules.min_duration_minutes)}。")
        )
    if minutes > min(rules.max_duration_minutes, MAX_CLAIM_MINUTES - rules.buffer_minutes):
        refusals.append(
            RuleViolation("too_long", f"每次预约最长 {minutes_text(rules.max_duration_minutes)}。")
        )
    if start < now:
        refusals.append(RuleViolation("in_the_past", "不能预约已经过去的时间。"))
    elif start < now + timedelta(minutes=rules.min_notice_minutes):
        refusals.append(
            RuleViolation("too_soon", f"请至少提前 {minutes_text(rules.min_notice_minutes)}预约。")
        )
    if start > now + timedelta(days=rules.max_days_ahead):
        refusals.append(
            RuleViolation("too_far_ahead", f"最多可以提前 {rules.max_days_ahead} 天预约。")
        )
    return refusals


def _check_hours(
    *, space: Space, start: datetime, end: datetime, rules: EffectiveRules, setup: CenterSetup
) -> list[RuleViolation]:
    hours = setup.hours
    if not hours:
        return []  # a center that has not set opening hours is open around the clock
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    day = hours.get(local_start.weekday())
    if day is None:
        return [RuleViolation("closed_day", f"中心每周{WEEKDAYS[local_start.weekday()]}不开放。")]
    if (
        local_end.date() != local_start.date()
        or local_start.time() < day.opens
        or local_end.time() > day.closes
    ):
        return [
            RuleViolation(
                "outside_opening_hours",
                f"请在开放时间 {day.opens:%H:%M}–{day.closes:%H:%M} 内预约。",
            )
        ]
    end_time = local_end.time()
    if rules.allow_unstaffed:
        return []
    staffed = day.staffed_from is not None and day.staffed_until is not None
    if (
        day.staffed_from is None
        or day.staffed_until is None
        or local_start.time() < day.staffed_from
        or end_time > day.staffed_until
    ):
        when = (
            f"值守时间为每周{WEEKDAYS[local_start.weekday()]} {day.staffed_from:%H:%M}–{day.staffed_until:%H:%M}"
            if staffed
            else "当天无人值守"
        )
        return [
            RuleViolation(
                "unstaffed_hours", f"“{space}”在无人值守时段（晚间、周末）不可预约，{when}。"
            )
        ]
    return []


def _check_closures(
    *, space: Space, start: datetime, end: datetime, setup: CenterSetup
) -> list[RuleViolation]:
    related = {s.pk for s in space_ancestry(space, setup)}
    related.update(child.pk for child in setup.children.get(space.pk, []))
    closure = next(
        (
            c
            for c in setup.closures  # ordered by start
            if c.start < end and c.end > start and (c.space_id is None or c.space_id in related)
        ),
        None,
    )
    if closure is None:
        return []
    where = "中心" if closure.space_id is None else f"“{closure.space}”"
    return [RuleViolation("closed", f"{where}在该时段暂停开放：{closure.reason}。")]


def _check_quotas(
    *, space, start, end, purpose, booker, team, now, rules, exclude_booking_id, standing
) -> list[RuleViolation]:
    from openhall.bookings.models import Booking

    refusals = []
    live = Booking.objects.filter(status__in=Booking.LIVE, end__gt=now).exclude(
        pk=exclude_booking_id
    )
    if standing.active >= rules.max_active_per_booker:
        who = f"“{team}”" if team is not None else "您"
        refusals.append(
            RuleViolation(
                "too_many_active",
                f"{who}已有 {rules.max_active_per_booker} 个未结束的预约，达到上限；请在使用后或取消后再预约。",
            )
        )
    if purpose == Purpose.PAID_COURSE:
        local = timezone.localtime(start)
        week_start = timezone.make_aware(
            datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time())
        )
        week_end = week_start + timedelta(days=7)
        paid = live.filter(
            space=space, purpose=Purpose.PAID_COURSE, start__gte=week_start, start__lt=week_end
        )
        used = sum((b.end - b.start).total_seconds() for b in paid) / 3600
        if used + (end - start).total_seconds() / 3600 > rules.paid_hours_per_week:
            refusals.append(
                RuleViolation(
                    "paid_cap",
                    f"“{space}”本周有偿课程已用 {used:g} 小时，每周上限 {rules.paid_hours_per_week} 小时，以保障公益使用。",
                )
            )
    return refusals
