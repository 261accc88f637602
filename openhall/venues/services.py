"""Writes for venues: booking rules, opening hours and closures, each checked and audited."""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction

from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.venues.models import BookingRule, Closure, OpeningHours, Space
from openhall.venues.rules import RULE_FIELDS

HOURS_FIELDS = ["opens", "closes", "staffed_from", "staffed_until"]


@transaction.atomic
def booking_rule_save(*, center: Center, space: Space | None, values: dict, by) -> BookingRule:
    """Set the rules of a center (space None) or of one space; None in `values` means inherit."""
    permissions.require_center_perm(by, center, Perm.MANAGE_CENTER)
    rule, created = BookingRule.objects.select_for_update().get_or_create(
        center=center, space=space
    )
    before = None if created else snapshot(rule, RULE_FIELDS)
    for field in RULE_FIELDS:
        setattr(rule, field, values.get(field))
    rule.save()
    audit_record(
        actor=by,
        action="booking_rule.update",
        center=center,
        obj=rule,
        before=before,
        after=snapshot(rule, RULE_FIELDS),
    )
    return rule


@transaction.atomic
def opening_hours_set(
    *,
    center: Center,
    weekday: int,
    opens: time | None,
    closes: time | None,
    staffed_from: time | None,
    staffed_until: time | None,
    by,
) -> OpeningHours | None:
    """Open the center on a weekday (or close it: opens and closes empty)."""
    permissions.require_center_perm(by, center, Perm.MANAGE_CENTER)
    current = (
        OpeningHours.objects.select_for_update().filter(center=center, weekday=weekday).first()
    )
    before = snapshot(current, HOURS_FIELDS) if current else None
    if opens is None and closes is None:
        if current is not None:
            current.delete()
            audit_record(
                actor=by,
                action="opening_hours.close_day",
                center=center,
                before=before,
                after={"weekday": weekday},
            )
        return None
    if opens is None or closes is None or opens >= closes:
        raise ValidationError(
            "开放时间需要同时填写开门和关门时间，且开门早于关门。", code="invalid_hours"
        )
    if (staffed_from is None) != (staffed_until is None) or (
        staffed_from is not None and not (opens <= staffed_from < staffed_until <= closes)
    ):
        raise ValidationError(
            "值守时间需要在开放时间之内，且开始早于结束。", code="invalid_staffed_hours"
        )
    hours = current or OpeningHours(center=center, weekday=weekday)
    hours.opens, hours.closes, hours.staffed_from, hours.staffed_until = (
        opens,
        closes,
        staffed_from,
        staffed_until,
    )
    hours.save()
    audit_record(
        actor=by,
        action="opening_hours.update",
        center=center,
        obj=hours,
        before=before,
        after=snapshot(hours, HOURS_FIELDS),
    )
    return hours


@transaction.atomic
def closure_create(
    *, center: Center, space: Space | None, start: datetime, end: datetime, reason: str, by
) -> Closure:
    permissions.require_center_perm(by, center, Perm.MANAGE_CENTER)
    if space is not None and space.center_id != center.pk:
        raise ValidationError("场地不属于该中心。", code="other_center")
    if start >= end:
        raise ValidationError("结束时间必须晚于开始时间。", code="invalid_time")
    closure = Closure.objects.create(
        center=center, space=space, start=start, end=end, reason=reason.strip()[:200]
    )
    audit_record(
        actor=by,
        action="closure.create",
        center=center,
        obj=closure,
        after=snapshot(closure, ["space", "start", "end", "reason"]),
    )
    return closure
