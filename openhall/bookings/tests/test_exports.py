"""The bookings workbook a center keeps for its records and hands to the street office."""

from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from openpyxl import load_workbook

from openhall import factories
from openhall.bookings import stats
from openhall.bookings.exports import bookings_workbook
from openhall.bookings.models import Booking

S = Booking.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2025, 3, 3)
HEADERS = [
    "编号",
    "场地",
    "活动名称",
    "用途",
    "人数",
    "开始",
    "结束",
    "状态",
    "预约人",
    "手机号(掩码)",
    "团体",
    "审批人",
    "理由",
]


def on(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def book(space, start: datetime, **fields) -> Booking:
    fields.setdefault("status", S.APPROVED)
    return factories.BookingFactory(
        center=space.center, space=space, start=start, end=start + timedelta(hours=2), **fields
    )


def export(center, since_day: date = MONDAY, until_day: date = MONDAY):
    return load_workbook(
        BytesIO(bookings_workbook(center=center, since_day=since_day, until_day=until_day))
    )


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def as_dicts(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in rows(sheet)]


def every_value(workbook) -> str:
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_the_export_has_a_chinese_header_and_one_row_per_booking(center_a, dance_room, alice):
    first = book(dance_room, on(MONDAY, 9), booker=alice, title="读书会", attendees=12)
    second = book(dance_room, on(MONDAY, 14), booker=alice, status=S.CANCELLED)
    sheet = export(center_a)["预约"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert [r["编号"] for r in as_dicts(sheet)] == [first.pk, second.pk]
    row = as_dicts(sheet)[0]
    assert (row["场地"], row["活动名称"], row["人数"], row["预约人"]) == (
        "舞蹈教室",
        "读书会",
        12,
        "王爱丽",
    )


def test_the_export_masks_phone_numbers(center_a, dance_room, alice):
    book(dance_room, on(MONDAY, 9), booker=alice)
    workbook = export(center_a)
    assert as_dicts(workbook["预约"])[0]["手机号(掩码)"] == alice.masked_mobile
    assert "****" in alice.masked_mobile
    assert alice.mobile not in every_value(workbook)


def test_the_export_writes_local_times(center_a, dance_room):
    book(dance_room, on(MONDAY, 19, 30))  # 11:30 UTC
    row = as_dicts(export(center_a)["预约"])[0]
    assert (row["开始"], row["结束"]) == ("2025-03-03 19:30", "2025-03-03 21:30")


def test_the_export_shows_purpose_and_status_labels_not_codes(center_a, dance_room):
    booking = book(dance_room, on(MONDAY, 9), purpose="paid_course", status=S.NO_SHOW)
    row = as_dicts(export(center_a)["预约"])[0]
    with translation.override("zh-hans"):
        assert row["用途"] == booking.get_purpose_display() != "paid_course"
        assert row["状态"] == booking.get_status_display() != "no_show"


def test_the_export_names_the_team_the_approver_and_the_reason(center_a, dance_room, olivia):
    team = factories.TeamFactory(center=center_a, name="夕阳红舞蹈队")
    book(
        dance_room,
        on(MONDAY, 9),
        team=team,
        status=S.REJECTED,
        decided_by=olivia,
        decision_reason="当天有街道活动",
    )
    row = as_dicts(export(center_a)["预约"])[0]
    assert (row["团体"], row["审批人"], row["理由"]) == ("夕阳红舞蹈队", "李运营", "当天有街道活动")


def test_the_export_covers_bookings_starting_in_the_range_of_this_center_only(
    center_a, center_b, dance_room
):
    inside = book(dance_room, on(MONDAY + timedelta(1), 23, 30))  # runs past the last midnight
    book(dance_room, on(MONDAY - timedelta(1), 23, 30))  # starts the day before
    book(dance_room, on(MONDAY + timedelta(2), 9))  # the day after
    book(factories.SpaceFactory(center=center_b), on(MONDAY, 9))
    sheet = export(center_a, MONDAY, MONDAY + timedelta(1))["预约"]
    assert [r["编号"] for r in as_dicts(sheet)] == [inside.pk]


def test_a_title_that_looks_like_a_formula_stays_text(center_a, dance_room):
    book(dance_room, on(MONDAY, 9), title='=HYPERLINK("http://example.com","点此报名")')
    cell = export(center_a)["预约"]["C2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.com","点此报名")'


def test_a_control_character_in_a_title_does_not_break_the_export(center_a, dance_room):
    book(dance_room, on(MONDAY, 9), title="读书\x07会")
    assert as_dicts(export(center_a)["预约"])[0]["活动名称"] == "读书会"


@pytest.mark.parametrize("sheet_name", ["预约", "利用率"])
def test_the_export_freezes_the_header_and_sizes_every_column(center_a, dance_room, sheet_name):
    book(dance_room, on(MONDAY, 9))
    sheet = export(center_a)[sheet_name]
    assert sheet.freeze_panes == "A2"
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    openpyxl_default = 13
    assert openpyxl_default not in widths.values()
    assert widths["场地"] > openpyxl_default


def test_the_export_has_a_utilisation_sheet_with_the_same_figures(center_a, multimedia, dance_room):
    book(dance_room, on(MONDAY, 9))
    book(dance_room, on(MONDAY, 14), status=S.CANCELLED)
    workbook = export(center_a)
    assert workbook.sheetnames == ["预约", "利用率"]
    expected = stats.utilisation(center=center_a, since_day=MONDAY, until_day=MONDAY)
    sheet = workbook["利用率"]
    assert [cell.value for cell in sheet[1]] == [
        "场地",
        "预约次数",
        "已预约小时",
        "开放小时",
        "利用率",
    ]
    assert rows(sheet) == [
        (r["name"], r["bookings"], r["booked_hours"], r["open_hours"], r["utilisation"])
        for r in expected
    ]
    dance = next(r for r in as_dicts(sheet) if r["场地"] == "舞蹈教室")
    assert (dance["预约次数"], dance["已预约小时"], dance["开放小时"]) == (1, 2, 24)
    assert sheet["E2"].number_format == "0.0%"


def test_an_empty_range_still_gives_a_workbook_with_headers(center_a):
    workbook = export(center_a)
    assert [cell.value for cell in workbook["预约"][1]] == HEADERS
    assert rows(workbook["预约"]) == []
