"""Writes for venues: spaces and their photos, booking rules, opening hours and closures, each
checked and audited. Every no is a refusal (core/refusals.py): `Refused` for input to fix, and
core.permissions' `NotFound`/`Forbidden` for a center that is not the person's to change."""

from datetime import datetime, time

from django.db import transaction

from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.images import reencoded_jpeg
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Refused
from openhall.venues.models import BookingRule, Closure, OpeningHours, Space, SpacePhoto
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
        raise Refused("开放时间需要同时填写开门和关门时间，且开门早于关门。", code="invalid_hours")
    if (staffed_from is None) != (staffed_until is None) or (
        staffed_from is not None
        and staffed_until is not None
        and not (opens <= staffed_from < staffed_until <= closes)
    ):
        raise Refused("值守时间需要在开放时间之内，且开始早于结束。", code="invalid_staffed_hours")
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
        raise Refused("场地不属于该中心。", code="other_center")
    if start >= end:
        raise Refused("结束时间必须晚于开始时间。", code="invalid_time")
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


# --- spaces and their photos -------------------------------------------------------------------

SPACE_FIELDS = [
    "name",
    "capacity",
    "area_m2",
    "location",
    "equipment",
    "description",
    "is_bookable",
    "sort_order",
]
PHOTO_MAX_SIDE = 1600
PHOTOS_PER_SPACE = 12


@transaction.atomic
def space_save(
    *, center: Center, values: dict, by, space: Space | None = None, parent: Space | None = None
) -> Space:
    """Create a room (no parent), a zone of a room (parent), or change one. Two levels only: the
    booking claims treat a room's zones as its units, and a zone has no parts of its own."""
    permissions.require_center_perm(by, center, Perm.MANAGE_CENTER)
    if space is not None and space.center_id != center.pk:
        raise Refused("场地不属于该中心。", code="other_center")
    if parent is not None and (parent.center_id != center.pk or parent.parent_id is not None):
        raise Refused("分区只能建在本中心的房间下。", code="invalid_parent")
    name = (values.get("name") or "").strip()
    if not name:
        raise Refused("请填写名称。", code="name_required")
    siblings = Space.objects.filter(
        center=center, parent=parent if space is None else space.parent, name=name
    )
    if space is not None:
        siblings = siblings.exclude(pk=space.pk)
    if siblings.exists():
        raise Refused(f"已有名为“{name}”的场地。", code="name_taken")
    before = snapshot(space, SPACE_FIELDS) if space is not None else None
    if space is None:
        space = Space(center=center, parent=parent, kind="zone" if parent else "room")
    for field in SPACE_FIELDS:
        if field in values:
            setattr(space, field, values[field])
    space.name = name
    space.save()
    audit_record(
        actor=by,
        action="space.update" if before else "space.create",
        center=center,
        obj=space,
        before=before,
        after=snapshot(space, SPACE_FIELDS),
    )
    return space


@transaction.atomic
def space_photo_add(*, space: Space, upload, caption: str = "", by) -> SpacePhoto:
    permissions.require_center_perm(by, space.center, Perm.MANAGE_CENTER)
    if space.photos.count() >= PHOTOS_PER_SPACE:
        raise Refused(f"每个场地最多 {PHOTOS_PER_SPACE} 张照片。", code="too_many_photos")
    image = reencoded_jpeg(upload, max_side=PHOTO_MAX_SIDE)
    last = space.photos.order_by("-sort_order").values_list("sort_order", flat=True).first()
    photo = SpacePhoto(space=space, caption=caption.strip()[:100], sort_order=(last or 0) + 1)
    photo.image.save(image.name, image, save=False)
    photo.save()
    audit_record(
        actor=by,
        action="space_photo.add",
        center=space.center,
        obj=photo,
        after={"space": str(space), "caption": photo.caption, "file": photo.image.name},
    )
    return photo


@transaction.atomic
def space_photo_delete(*, photo: SpacePhoto, by) -> None:
    space = photo.space
    permissions.require_center_perm(by, space.center, Perm.MANAGE_CENTER)
    name = photo.image.name
    audit_record(
        actor=by,
        action="space_photo.delete",
        center=space.center,
        obj=photo,
        before={"space": str(space), "caption": photo.caption, "file": name},
    )
    photo.delete()
    # The file goes only once the row is surely gone; a rollback keeps both.
    transaction.on_commit(lambda: photo.image.storage.delete(name))
