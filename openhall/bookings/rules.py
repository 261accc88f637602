"""Every booking rule, checked in one place. Each refusal names its rule in plain Chinese.

The rules come from venues.rules.effective_rules (space → parent → center → defaults); the
opening hours and closures from venues. Conflicts with other bookings are not a rule: the
service finds them under a lock and answers 409.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from openhall.accounts.models import Enterprise, EnterpriseMembership, Team, TeamMembership, User
from openhall.core import permissions
from openhall.core.permissions import Perm
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


@dataclass(frozen=True)
class RuleViolation:
    code: str
    message: str


def minutes_text(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    if minutes > 60:
        return f"{minutes // 60} 小时 {minutes % 60} 分钟"
    return f"{minutes} 分钟"


def booker_kind(
    *, booker: User, team: Team | None, enterprise: Enterprise | None, space: Space
) -> str:
    if team is not None:
        return BookerKind.TEAM
    if enterprise is not None:
        return BookerKind.ENTERPRISE
    center = space.center
    if permissions.has_center_perm(booker, center, Perm.OPERATE):
        return BookerKind.STAFF
    return BookerKind.RESIDENT


def suspension_until(*, booker: User, now: datetime) -> datetime | None:
    """Repeated no-shows suspend booking rights for a while (OPENHALL_NO_SHOW_* settings)."""
    from openhall.bookings.models import Booking

    window_start = now - timedelta(days=settings.OPENHALL_NO_SHOW_WINDOW_DAYS)
    no_shows = Booking.objects.filter(
        booker=booker, status=Booking.Status.NO_SHOW, start__gte=window_start
    )
    if no_shows.count() < settings.OPENHALL_NO_SHOW_LIMIT:
        return None
    last = no_shows.order_by("-start").values_list("start", flat=True).first()
    if last is None:  # the no-shows were just counted; one may have been deleted since
        return None
    until = last + timedelta(days=settings.OPENHALL_SUSPENSION_DAYS)
    return until if until > now else None


def check_booking(
    *,
    space: Space,
    start: datetime,
    end: datetime,
    purpose: str,
    attendees: int,
    booker: User,
    team: Team | None = None,
    enterprise: Enterprise | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    rules: EffectiveRules | None = None,
    setup: CenterSetup | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[RuleViolation]:
    """All the rules this booking breaks (empty when it may be made), except the codes in `skip`
    (later dates of a series do not count against the active-booking quota)."""
    now = now or timezone.now()
    setup = setup or center_setup(space.center_id)
    rules = rules or effective_rules(space, setup)
    refusals: list[RuleViolation] = []

    def refuse(code: str, message: str) -> None:
        refusals.append(RuleViolation(code, message))

    if start >= end:
        return [RuleViolation("invalid_time", "结束时间必须晚于开始时间。")]
    if not space.is_bookable:
        refuse("space_not_bookable", f"“{space}”不对外开放预约。")
    if purpose not in Purpose.values:
        refuse("invalid_purpose", "请选择预约用途。")
    elif purpose not in rules.purposes:
        allowed = "、".join(str(Purpose(p).label) for p in rules.purposes)
        refuse("purpose_not_allowed", f"“{space}”只接受以下用途的预约：{allowed}。")
    if attendees < 1:
        refuse("invalid_attendees", "请填写参加人数。")
    elif space.capacity and attendees > space.capacity:
        refuse("over_capacity", f"参加人数超过“{space}”的容量（最多 {space.capacity} 人）。")

    if (
        team is not None
        and not TeamMembership.objects.filter(
            team=team, user=booker, role=TeamMembership.Role.LEADER
        ).exists()
    ):
        refuse("not_team_leader", f"只有“{team}”的负责人可以为团体预约。")
    if enterprise is not None:
        if not EnterpriseMembership.objects.filter(enterprise=enterprise, user=booker).exists():
            refuse("not_enterprise_member", f"您不是“{enterprise}”的成员。")
        elif not enterprise.is_verified:
            refuse(
                "enterprise_unverified", f"“{enterprise}”尚未通过中心认证，暂不能以企业名义预约。"
            )
    kind = booker_kind(booker=booker, team=team, enterprise=enterprise, space=space)
    if kind not in rules.booker_kinds:
        refuse("booker_not_allowed", f"“{space}”不接受{BookerKind(kind).label}预约。")

    minutes = (end - start).total_seconds() / 60
    if minutes < rules.min_duration_minutes:
        refuse("too_short", f"每次预约至少 {minutes_text(rules.min_duration_minutes)}。")
    if minutes > min(rules.max_duration_minutes, MAX_CLAIM_MINUTES - rules.buffer_minutes):
        refuse("too_long", f"每次预约最长 {minutes_text(rules.max_duration_minutes)}。")
    if start < now:
        refuse("in_the_past", "不能预约已经过去的时间。")
    elif start < now + timedelta(minutes=rules.min_notice_minutes):
        refuse("too_soon", f"请至少提前 {minutes_text(rules.min_notice_minutes)}预约。")
    if start > now + timedelta(days=rules.max_days_ahead):
        refuse("too_far_ahead", f"最多可以提前 {rules.max_days_ahead} 天预约。")

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
        )
    )
    until = suspension_until(booker=booker, now=now)
    if until is not None:
        local = timezone.localtime(until)
        refuse("suspended", f"因多次预约后未到场，您的预约权限暂停至 {local:%Y-%m-%d}。")
    return [r for r in refusals if r.code not in skip]


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
    *, space, start, end, purpose, booker, team, now, rules, exclude_booking_id
) -> list[RuleViolation]:
    from openhall.bookings.models import Booking

    refusals = []
    live = Booking.objects.filter(status__in=Booking.LIVE, end__gt=now).exclude(
        pk=exclude_booking_id
    )
    mine = (
        live.filter(team=team)
        if team is not None
        else live.filter(booker=booker, team__isnull=True)
    )
    if mine.count() >= rules.max_active_per_booker:
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
