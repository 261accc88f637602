"""Reads of the service ledger: the counters on the lobby screen and the report tables."""

from datetime import date, timedelta

from django.db.models import CharField, Count, Q, QuerySet, Sum
from django.db.models.functions import Cast

from openhall.civic.models import ServiceCounter, ServiceRecord
from openhall.core.models import Center


def records(center_ids, since: date | None = None, until: date | None = None) -> QuerySet:
    rows = ServiceRecord.objects.filter(center_id__in=list(center_ids))
    if since is not None:
        rows = rows.filter(date__gte=since)
    if until is not None:
        rows = rows.filter(date__lte=until)
    return rows


def totals(center_ids, since: date | None = None, until: date | None = None) -> dict[str, int]:
    """{"services": records, "people": people served} over the range (all time when open)."""
    row = records(center_ids, since, until).aggregate(services=Count("pk"), people=Sum("people"))
    return {"services": row["services"] or 0, "people": row["people"] or 0}


def counters(center_id: int, today: date) -> dict[str, dict[str, int]]:
    """This month, this year and since opening (one query each, on the (center, date) index)."""
    return {
        "month": totals([center_id], today.replace(day=1), today),
        "year": totals([center_id], today.replace(month=1, day=1), today),
        "all": totals([center_id]),
    }


def by_type(center_ids, since: date, until: date) -> list[dict]:
    """Per service type (by name, so several centers' types add up): services and people."""
    rows = (
        records(center_ids, since, until)
        .values("kind__name")
        .annotate(services=Count("pk"), people=Sum("people"))
        .order_by("-services", "kind__name")
    )
    return [
        {"name": r["kind__name"], "services": r["services"], "people": r["people"] or 0}
        for r in rows
    ]


def by_day(center_ids, since: date, until: date) -> list[tuple[date, int]]:
    """Services per day, every day of the range present (a chart's x axis)."""
    counted = dict(
        records(center_ids, since, until)
        .values("date")
        .annotate(n=Count("pk"))
        .values_list("date", "n")
    )
    days = (until - since).days + 1
    return [
        (since + timedelta(days=n), counted.get(since + timedelta(days=n), 0)) for n in range(days)
    ]


def counter_match(counter: ServiceCounter) -> Q:
    """The ledger records a counter counts. An activity counts through its type only: its
    record's service type is a stand-in (a course falls back to the center's first type)."""
    from openhall.activities.models import Activity

    match = Q(kind__code__in=counter.service_types) & ~Q(source=ServiceRecord.Source.ACTIVITY)
    if counter.activity_types:
        activities = (
            Activity.objects.filter(center_id=counter.center_id, type__in=counter.activity_types)
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        match |= Q(source=ServiceRecord.Source.ACTIVITY, source_id__in=activities)
    if counter.resolved_reports:
        match |= Q(source=ServiceRecord.Source.REPORT)
    return match


def counter_figures(center: Center, until: date) -> list[dict]:
    """Each named counter of the center, cumulative from its start to `until`: its name, how
    many services and how many people. The lobby screen and the reports both read this."""
    from openhall.civic.services import service_counters

    figures = []
    for counter in service_counters(center):
        row = (
            records([center.pk], counter.since, until)
            .filter(counter_match(counter))
            .aggregate(services=Count("pk"), people=Sum("people"))
        )
        figures.append(
            {"name": counter.name, "services": row["services"] or 0, "people": row["people"] or 0}
        )
    return figures
