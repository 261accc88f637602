"""The bookings of one center over local days, as an Excel workbook for the center's records.

Phone numbers leave the system masked only: a workbook gets mailed around and printed.
Everything a resident typed is written as text, never as a formula, so a title such as
"=HYPERLINK(…)" cannot run when staff open the file.
"""

from collections.abc import Sequence
from datetime import date, datetime

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from openhall.bookings.models import Booking
from openhall.bookings.stats import DateRange, utilisation
from openhall.core.models import Center
from openhall.core.xlsx import append_rows, set_column_widths, workbook_bytes

BOOKING_COLUMNS = [  # (header, width in characters)
    ("编号", 8),
    ("场地", 20),
    ("活动名称", 28),
    ("用途", 16),
    ("人数", 6),
    ("开始", 17),
    ("结束", 17),
    ("状态", 10),
    ("预约人", 12),
    ("手机号(掩码)", 14),
    ("团体", 20),
    ("审批人", 12),
    ("理由", 30),
]
UTILISATION_COLUMNS = [
    ("场地", 24),
    ("预约次数", 10),
    ("已预约小时", 12),
    ("开放小时", 12),
    ("利用率", 10),
]
TIME_FORMAT = "%Y-%m-%d %H:%M"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime(TIME_FORMAT)


def _sheet(sheet: Worksheet, columns: Sequence[tuple[str, int]], rows: list[list]) -> None:
    sheet.append([header for header, _ in columns])
    append_rows(sheet, rows)
    set_column_widths(sheet, [width for _, width in columns])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _booking_row(booking: Booking) -> list:
    group = booking.team or booking.enterprise
    return [
        booking.pk,
        str(booking.space),
        booking.title,
        booking.get_purpose_display(),
        booking.attendees,
        _local(booking.start),
        _local(booking.end),
        booking.get_status_display(),
        str(booking.booker),
        booking.booker.masked_mobile,
        str(group) if group else "",
        str(booking.decided_by) if booking.decided_by_id else "",
        booking.decision_reason,
    ]


def bookings_workbook(
    *, center: Center, since_day: date, until_day: date, per_booking: bool = True
) -> bytes:
    """Every booking starting in the range, whatever its status, and the utilisation sheet.

    `per_booking=False` leaves out the sheet of bookings (names, masked phones, what residents
    typed): for people who see a center's figures but do not handle its bookings."""
    usage = utilisation(center=center, since_day=since_day, until_day=until_day)
    usage_rows = [
        [row["name"], row["bookings"], row["booked_hours"], row["open_hours"], row["utilisation"]]
        for row in usage
    ]

    workbook = Workbook()
    if per_booking:
        span = DateRange.of(since_day, until_day)
        bookings = (
            Booking.objects.filter(center=center, start__gte=span.start, start__lt=span.end)
            .select_related("space", "space__parent", "booker", "team", "enterprise", "decided_by")
            .order_by("start", "pk")
        )
        with translation.override("zh-hans"):
            booking_rows = [_booking_row(b) for b in bookings]
        sheet = workbook.active
        sheet.title = "预约"
        _sheet(sheet, BOOKING_COLUMNS, booking_rows)
        usage_sheet = workbook.create_sheet("利用率")
    else:
        usage_sheet = workbook.active
        usage_sheet.title = "利用率"
    _sheet(usage_sheet, UTILISATION_COLUMNS, usage_rows)
    for cells in usage_sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        for cell in cells:
            cell.number_format = "0.0"
    for (cell,) in usage_sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.number_format = "0.0%"

    return workbook_bytes(workbook)
