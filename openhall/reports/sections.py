"""Report sections read from domains that sit beside the core ones (registered in ready())."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openhall.bookings.selectors import local_day_bounds
from openhall.reports.selectors import Section


def activities_section(centers, since: date, until: date) -> Section | None:
    from openhall.activities.models import Activity, ActivityType, CheckIn, Registration

    start, end = local_day_bounds(since)[0], local_day_bounds(until)[1]
    held = Activity.objects.filter(
        center__in=centers,
        status__in=["published", "completed"],
        sessions__start__gte=start,
        sessions__start__lt=end,
    ).distinct()
    rows = []
    for code, label in ActivityType.choices:
        mine = held.filter(type=code)
        if not mine.exists():
            continue
        registered = Registration.objects.filter(activity__in=mine, status="confirmed").count()
        came = (
            CheckIn.objects.filter(session__activity__in=mine)
            .values("registration")
            .distinct()
            .count()
        )
        rows.append(
            [
                str(label),
                mine.count(),
                registered,
                came,
                round(came / registered, 3) if registered else 0.0,
            ]
        )
    columns = [
        _("Type"),
        pgettext("how many", "Activities"),
        _("Confirmed registrations"),
        _("Came"),
        _("Attendance rate"),
    ]
    return Section(
        "activities", str(_("Activities by type")), [str(c) for c in columns], rows, percent=(4,)
    )
