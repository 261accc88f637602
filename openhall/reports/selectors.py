"""Reports over any set of centers (one center, a street, a district) and any date range, from
the records: bookings, the service ledger, and whatever sections other apps register
(`register_section`). The report page and its Excel file are built from the same dict, so
their totals always agree."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openhall.bookings import stats
from openhall.civic import selectors as ledger
from openhall.core.models import Center
from openhall.venues.models import Purpose

MAX_DAYS = 366


@dataclass(frozen=True)
class Section:
    """A table of the report: a title, column headers, rows of values (the last row may be a
    total)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    percent: tuple[int, ...] = ()  # columns holding ratios (0.25 → 25%)


SectionSource = Callable[[list[Center], date, date], Section | None]
_sections: list[SectionSource] = []


def register_section(source: SectionSource) -> None:
    if source not in _sections:
        _sections.append(source)


DEFAULT_PRESET = "around_today"  # stats.default_range: the last 30 days and the next 30


def presets(today: date) -> dict[str, tuple[date, date]]:
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return {
        DEFAULT_PRESET: stats.default_range(today),
        "month": (first, today),
        "last_month": (last_month_end.replace(day=1), last_month_end),
        "quarter": (quarter_start, today),
        "year": (today.replace(month=1, day=1), today),
    }


def clamp_range(since: date, until: date) -> tuple[date, date]:
    if until < since:
        since, until = until, since
    return since, min(until, since + timedelta(days=MAX_DAYS - 1))


def _center_section(centers: list[Center], since: date, until: date) -> Section:
    rows, totals = [], [0, 0.0, 0.0, 0, 0]
    for center in centers:
        args: dict[str, Any] = {"center": center, "since_day": since, "until_day": until}
        usage = stats.utilisation(**args)
        booked = sum(row["booked_hours"] for row in usage)
        rooms = sum(1 for row in usage if row["space"].parent_id is None)
        opened = usage[0]["open_hours"] * rooms if usage else 0.0
        services = ledger.totals([center.pk], since, until)
        row = [
            center.name,
            sum(row["bookings"] for row in usage),
            round(booked, 1),
            round(booked / opened, 3) if opened else 0.0,
            round(stats.unstaffed_share(**args), 3),
            round(stats.no_show_rate(**args), 3),
            services["services"],
            services["people"],
        ]
        rows.append(row)
        totals = [
            totals[0] + row[1],
            totals[1] + row[2],
            totals[2] + opened,
            totals[3] + row[6],
            totals[4] + row[7],
        ]
    if len(rows) > 1:
        rows.append(
            [
                str(_("Total")),
                totals[0],
                round(totals[1], 1),
                round(totals[1] / totals[2], 3) if totals[2] else 0.0,
                "",
                "",
                totals[3],
                totals[4],
            ]
        )
    columns = [
        _("Center"),
        _("Bookings"),
        _("Booked hours"),
        _("Utilisation"),
        _("Unstaffed share"),
        _("No-show rate"),
        _("Services"),
        _("People served"),
    ]
    return Section(
        "centers", str(_("Overview by center")), [str(c) for c in columns], rows, percent=(3, 4, 5)
    )


def _purpose_section(centers: list[Center], since: date, until: date) -> Section:
    summed = {code: {"count": 0, "hours": 0.0} for code in Purpose.values}
    for center in centers:
        for code, figures in stats.by_purpose(
            center=center, since_day=since, until_day=until
        ).items():
            summed.setdefault(code, {"count": 0, "hours": 0.0})
            summed[code]["count"] += figures["count"]
            summed[code]["hours"] += figures["hours"]
    rows = [
        [
            str(Purpose(code).label) if code in Purpose.values else code,
            f["count"],
            round(f["hours"], 1),
        ]
        for code, f in summed.items()
    ]
    return Section(
        "purposes",
        str(_("Bookings by purpose")),
        [str(_("Purpose")), str(_("Bookings")), str(_("Booked hours"))],
        rows,
    )


def _ledger_section(centers: list[Center], since: date, until: date) -> Section:
    rows = [
        [r["name"], r["services"], r["people"]]
        for r in ledger.by_type([c.pk for c in centers], since, until)
    ]
    if rows:
        rows.append([str(_("Total")), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return Section(
        "services",
        str(_("Services from the ledger")),
        [str(_("Service")), str(_("Times")), str(_("People served"))],
        rows,
    )


def _service_counters_section(centers: list[Center], since: date, until: date) -> Section:
    """Each center's named counters, cumulative from their start to the report's last day: the
    figures the lobby screen shows (civic.selectors.counter_figures, read by both)."""
    several = len(centers) > 1
    rows = [
        [center.name] * several + [figure["name"], figure["services"], figure["people"]]
        for center in centers
        for figure in ledger.counter_figures(center, until)
    ]
    columns = [_("Center")] * several + [_("Counter"), _("Times"), _("People served")]
    return Section(
        "service_counters",
        str(_("Cumulative services, since the operation began")),
        [str(c) for c in columns],
        rows,
    )


def report(*, centers: list[Center], since: date, until: date) -> dict:
    since, until = clamp_range(since, until)
    sections = [
        _center_section(centers, since, until),
        _purpose_section(centers, since, until),
        _ledger_section(centers, since, until),
        _service_counters_section(centers, since, until),
    ]
    sections += [s for source in _sections if (s := source(centers, since, until))]
    return {
        "since": since,
        "until": until,
        "centers": centers,
        "sections": sections,
        "empty": not any(_has_figures(section) for section in sections),
        "generated_at": timezone.localtime(),
    }


def _has_figures(section: Section) -> bool:
    """Whether a table counts anything: a row naming a center with nothing but zeros does not."""
    return any(
        isinstance(value, int | float) and not isinstance(value, bool) and value
        for row in section.rows
        for value in row[1:]
    )


def month_against_last(center: Center, today: date) -> list[dict]:
    """The dashboard's "this month so far against the same days of last month"."""
    this_since = today.replace(day=1)
    last_until = this_since - timedelta(days=1)
    last_since = last_until.replace(day=1)
    same_day = min(today.day, last_until.day)
    last_until = last_since.replace(day=same_day)

    def figures(since: date, until: date) -> dict[str, Any]:
        usage = stats.utilisation(center=center, since_day=since, until_day=until)
        services = ledger.totals([center.pk], since, until)
        return {
            "bookings": sum(r["bookings"] for r in usage),
            "hours": round(sum(r["booked_hours"] for r in usage), 1),
            "services": services["services"],
            "people": services["people"],
        }

    now, before = figures(this_since, today), figures(last_since, last_until)
    labels = {
        "bookings": _("Bookings"),
        "hours": _("Booked hours"),
        "services": _("Services"),
        "people": _("People served"),
    }
    return [
        {
            "label": labels[key],
            "now": now[key],
            "before": before[key],
            "change": (now[key] - before[key]) / before[key] if before[key] else None,
        }
        for key in labels
    ]
