"""Writes to the service ledger: staff entries (audited) and records kept in step with their
source. Every change announces `ledger.changed` so lobby screens refresh."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from openhall.accounts.models import User
from openhall.civic.models import (
    DEFAULT_SERVICE_COUNTERS,
    DEFAULT_SERVICE_TYPES,
    ServiceCounter,
    ServiceRecord,
    ServiceType,
)
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.events import publish_on_commit
from openhall.core.images import reencoded_jpeg
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Refused

AUDITED = ["kind", "date", "people", "delivered_by", "note"]
MAX_PEOPLE = 100_000  # one record, however large the event


def service_types(center: Center, *, active_only: bool = True) -> list[ServiceType]:
    """The center's types; a center that has none gets the seed's list on first use."""
    types = list(ServiceType.objects.filter(center=center))
    if not types:
        with translation.override(settings.LANGUAGE_CODE):  # stored in the center's language
            ServiceType.objects.bulk_create(
                [
                    ServiceType(center=center, code=code, name=str(name), icon=icon, order=n)
                    for n, (code, name, icon) in enumerate(DEFAULT_SERVICE_TYPES)
                ],
                ignore_conflicts=True,
            )
        types = list(ServiceType.objects.filter(center=center))
    return [t for t in types if t.is_active or not active_only]


def service_type(center: Center, code: str) -> ServiceType:
    for kind in service_types(center, active_only=False):
        if kind.code == code:
            return kind
    raise ValidationError("未知的服务类型。", code="unknown_service_type")


def _validate(*, center: Center, kind: ServiceType, day: dt.date, people: int) -> None:
    if kind.center_id != center.pk:
        raise ValidationError("服务类型不属于该中心。", code="other_center")
    if people is None or people < 1 or people > MAX_PEOPLE:
        raise ValidationError("服务人数应在 1 到 100000 之间。", code="invalid_people")
    if day is None or day > timezone.localdate():
        raise ValidationError("服务日期不能晚于今天。", code="invalid_date")


def _changed(center_id: int) -> None:
    publish_on_commit("ledger.changed", center_id=center_id)


@transaction.atomic
def record_add(
    *,
    center: Center,
    by: User,
    kind: ServiceType,
    day: dt.date,
    people: int = 1,
    note: str = "",
    delivered_by: str = "",
    evidence=None,
) -> ServiceRecord:
    permissions.require_center_perm(by, center, Perm.OPERATE)
    _validate(center=center, kind=kind, day=day, people=people)
    record = ServiceRecord(
        center=center,
        kind=kind,
        date=day,
        people=people,
        note=note.strip()[:200],
        delivered_by=(delivered_by.strip() or str(by))[:50],
        created_by=by,
    )
    if evidence is not None:
        image = reencoded_jpeg(evidence, max_side=1600)
        record.evidence.save(image.name, image, save=False)
    record.save()
    audit_record(
        actor=by,
        action="ledger.add",
        center=center,
        obj=record,
        after=snapshot(record, AUDITED),
    )
    _changed(center.pk)
    return record


def _staff_record(record: ServiceRecord, by: User) -> ServiceRecord:
    permissions.require_center_perm(by, record.center, Perm.OPERATE)
    if record.source:
        # Its source keeps it right; a hand edit would be overwritten by the next change there.
        raise ValidationError("该记录由系统根据来源自动生成，请修改来源。", code="sourced_record")
    return ServiceRecord.objects.select_for_update().select_related("center").get(pk=record.pk)


@transaction.atomic
def record_update(*, record: ServiceRecord, by: User, values: dict) -> ServiceRecord:
    record = _staff_record(record, by)
    before = snapshot(record, AUDITED)
    for field in ("kind", "people", "note", "delivered_by"):
        if field in values:
            setattr(record, field, values[field])
    if "day" in values:
        record.date = values["day"]
    _validate(center=record.center, kind=record.kind, day=record.date, people=record.people)
    record.save()
    audit_record(
        actor=by,
        action="ledger.update",
        center=record.center,
        obj=record,
        before=before,
        after=snapshot(record, AUDITED),
    )
    _changed(record.center_id)
    return record


@transaction.atomic
def record_delete(*, record: ServiceRecord, by: User) -> None:
    record = _staff_record(record, by)
    audit_record(
        actor=by,
        action="ledger.delete",
        center=record.center,
        obj=record,
        before=snapshot(record, AUDITED),
    )
    record.delete()
    _changed(record.center_id)


def record_from_source(
    *,
    center_id: int,
    source: str,
    source_id,
    kind: str,
    date: dt.date | str,
    people: int,
    note: str = "",
) -> ServiceRecord:
    """Create or update the one record of a source (idempotent: a repeated or edited source
    never counts twice). Unknown type codes fall back to the center's first type."""
    center = Center.objects.get(pk=center_id)
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    try:
        service = service_type(center, kind)
    except ValidationError:
        service = service_types(center, active_only=False)[0]
    values = {
        "center": center,
        "kind": service,
        "date": day,
        "people": max(0, int(people)),
        "note": str(note)[:200],
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                record, _created = ServiceRecord.objects.update_or_create(
                    source=source, source_id=str(source_id), defaults=values
                )
        except IntegrityError:  # created by a concurrent delivery of the same event
            record = ServiceRecord.objects.get(source=source, source_id=str(source_id))
            for field, value in values.items():
                setattr(record, field, value)
            record.save()
        _changed(center_id)
    return record


def record_withdraw_source(*, source: str, source_id) -> None:
    """The source no longer counts (an activity cancelled after the fact): its record goes."""
    with transaction.atomic():
        records = list(ServiceRecord.objects.filter(source=source, source_id=str(source_id)))
        for record in records:
            record.delete()
            _changed(record.center_id)


# --- Named counters (the lobby screen's and the reports' cumulative figures) ------------------
COUNTER_AUDITED = ["name", "activity_types", "service_types", "resolved_reports", "since", "order"]


def service_counters(center: Center) -> list[ServiceCounter]:
    """The center's counters in order; a center that has none gets the seed's five on first use
    (a new center, the demo), named in the center's language."""
    counters = list(ServiceCounter.objects.filter(center=center))
    if not counters:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            # One center at a time: two first readers must not both create the five.
            Center.objects.select_for_update().filter(pk=center.pk).first()
            if not ServiceCounter.objects.filter(center=center).exists():
                ServiceCounter.objects.bulk_create(
                    ServiceCounter(
                        center=center,
                        name=str(name),
                        activity_types=activity_types,
                        service_types=service_types,
                        resolved_reports=reports,
                        order=n,
                    )
                    for n, (name, activity_types, service_types, reports) in enumerate(
                        DEFAULT_SERVICE_COUNTERS
                    )
                )
        counters = list(ServiceCounter.objects.filter(center=center))
    return counters


def _check_counter(center: Center, values: dict) -> None:
    from openhall.activities.models import ActivityType

    if not (values.get("name") or "").strip():
        raise Refused("请填写计数名称。", code="counter_name_required")
    known = {t.code for t in service_types(center, active_only=False)}
    if not set(values.get("service_types") or []) <= known:
        raise Refused("未知的服务类型。", code="unknown_service_type")
    if not set(values.get("activity_types") or []) <= set(ActivityType.values):
        raise Refused("未知的活动类型。", code="unknown_activity_type")
    if not (
        values.get("activity_types")
        or values.get("service_types")
        or values.get("resolved_reports")
    ):
        raise Refused("请至少选择一种活动类型或服务类型。", code="counter_counts_nothing")
    since = values.get("since")
    if since is not None and since > timezone.localdate():
        raise Refused("起算日期不能晚于今天。", code="invalid_date")


@transaction.atomic
def counter_save(
    *, center: Center, by: User, values: dict, counter: ServiceCounter | None = None
) -> ServiceCounter:
    permissions.require_center_perm(by, center, Perm.OPERATE)
    if counter is not None and counter.center_id != center.pk:
        raise Refused("该计数不属于本中心。", code="other_center", status=404)
    _check_counter(center, values)
    before = snapshot(counter, COUNTER_AUDITED) if counter else None
    counter = counter or ServiceCounter(center=center)
    counter.name = values["name"].strip()[:30]
    counter.activity_types = sorted(values.get("activity_types") or [])
    counter.service_types = sorted(values.get("service_types") or [])
    counter.resolved_reports = bool(values.get("resolved_reports"))
    counter.since = values.get("since")
    counter.order = values.get("order") or 0
    counter.save()
    audit_record(
        actor=by,
        action="ledger.counter_update" if before else "ledger.counter_create",
        center=center,
        obj=counter,
        before=before,
        after=snapshot(counter, COUNTER_AUDITED),
    )
    _changed(center.pk)
    return counter


@transaction.atomic
def counter_delete(*, counter: ServiceCounter, by: User) -> None:
    permissions.require_center_perm(by, counter.center, Perm.OPERATE)
    audit_record(
        actor=by,
        action="ledger.counter_delete",
        center=counter.center,
        obj=counter,
        before=snapshot(counter, COUNTER_AUDITED),
    )
    counter.delete()
    _changed(counter.center_id)
