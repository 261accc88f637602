"""Console reports across the centers a person may see figures of (a center's staff: their
center; a street reviewer: the street's centers; a district viewer: the district's)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.dates import parse_day
from openhall.core.decorators import staff_required
from openhall.core.permissions import Perm
from openhall.reports import exports, selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choices(request):
    visible = list(permissions.centers_for(request.user, Perm.VIEW_STATS).order_by("name"))
    wanted = {int(v) for v in request.GET.getlist("center") if v.isdigit()}
    chosen = [c for c in visible if c.pk in wanted] or visible
    today = timezone.localdate()
    presets = selectors.presets(today)
    preset = request.GET.get("range", selectors.DEFAULT_PRESET)
    if preset not in presets and preset != "custom":
        preset = selectors.DEFAULT_PRESET
    since, until = presets.get(preset, presets[selectors.DEFAULT_PRESET])
    if preset == "custom":
        # Year 1 or 9999 here overflowed deep in the figures: refused with 422 (DateRefused).
        since = parse_day(request.GET.get("since"), default=since)
        until = parse_day(request.GET.get("until"), default=until)
    return visible, chosen, preset, since, until


@staff_required
def report_page(request):
    visible, chosen, preset, since, until = _choices(request)
    report = selectors.report(centers=chosen, since=since, until=until) if visible else None
    context = {
        "visible": visible,
        "chosen": chosen,
        "preset": preset,
        "report": report,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/report.html", context)


@staff_required
def report_export(request):
    visible, chosen, _preset, since, until = _choices(request)
    if not visible:
        return HttpResponse(status=404)
    report = selectors.report(centers=chosen, since=since, until=until)
    content = exports.report_workbook(report, title="党群服务中心运营报告")
    for center in chosen:
        audit_record(
            actor=request.user,
            action="report.export",
            center=center,
            after={"since": str(report["since"]), "until": str(report["until"])},
        )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="report-{report["since"]}-{report["until"]}.xlsx"'
    )
    return response
