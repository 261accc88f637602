"""Reports: per center, street or district, from the records; the page and the Excel file
agree; nobody sees a center they may not see."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from openhall import factories
from openhall.civic.models import ServiceRecord
from openhall.civic.services import service_type
from openhall.reports import selectors

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def held(center, space, day, hours=2, **values):
    start = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=9)
    return factories.BookingFactory(
        center=center,
        space=space,
        start=start,
        end=start + timedelta(hours=hours),
        status="completed",
        **values,
    )


@pytest.fixture
def month_of_work(center_a, center_b, dance_room):
    other_room = factories.SpaceFactory(center=center_b, name="乙站活动室")
    held(center_a, dance_room, date(2026, 10, 5), purpose="party")
    held(center_a, dance_room, date(2026, 10, 6), hours=3)
    held(center_b, other_room, date(2026, 10, 7))
    held(center_a, dance_room, date(2026, 11, 2))  # outside October
    for center, people in ((center_a, 4), (center_a, 1), (center_b, 7)):
        ServiceRecord.objects.create(
            center=center, kind=service_type(center, "legal"), date=date(2026, 10, 9), people=people
        )


def test_a_street_report_adds_up_its_centers(month_of_work, center_a, center_b):
    report = selectors.report(
        centers=[center_a, center_b], since=date(2026, 10, 1), until=date(2026, 10, 31)
    )
    overview = {row[0]: row for row in report["sections"][0].rows}
    assert overview[center_a.name][1:3] == [2, 5.0]
    assert overview[center_b.name][1:3] == [1, 2.0]
    assert overview["合计"][1:3] == [3, 7.0] and overview["合计"][6:8] == [3, 12]
    purposes = {row[0]: row[1] for row in report["sections"][1].rows}
    assert purposes["党群活动"] == 1
    services = report["sections"][2].rows
    assert services[0] == ["法律咨询", 3, 12]


def test_the_excel_file_matches_the_page(client, month_of_work, rita, center_a, center_b):
    client.force_login(rita)  # the street reviewer sees both centers of her street
    query = "range=custom&since=2026-10-01&until=2026-10-31"
    page = client.get(f"/console/reports/?{query}").content.decode()
    assert center_a.name in page and center_b.name in page
    response = client.get(f"/console/reports/export/?{query}")
    book = load_workbook(BytesIO(response.content))
    overview = book.worksheets[0]
    rows = {r[0]: r for r in overview.iter_rows(min_row=4, values_only=True)}
    assert rows["合计"][1] == 3 and rows["合计"][6] == 3
    assert [ws.title for ws in book.worksheets][:3] == ["各中心概况", "各用途预约", "服务台账"]
    assert overview.page_setup.orientation == "landscape"


def test_a_centers_staff_see_only_their_center(client, month_of_work, olivia, center_b):
    client.force_login(olivia)
    page = client.get("/console/reports/?range=custom&since=2026-10-01&until=2026-10-31")
    assert center_b.name not in page.content.decode()
    # Asking for the other center by id changes nothing.
    page = client.get(f"/console/reports/?center={center_b.pk}&range=year")
    assert center_b.name not in page.content.decode()


def test_the_dashboard_shows_what_waits_and_this_month_against_last(client, olivia, center_a):
    factories.BookingFactory(center=center_a)  # requested: waits for a decision
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/").content.decode()
    assert "待审批预约" in page and "本月至今" in page


def test_the_report_opens_on_the_last_30_days_and_the_next_30(
    client, olivia, center_a, dance_room, time_machine
):
    # On the 1st of a month "this month so far" is one empty day; a new center's bookings are
    # mostly still to come.
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    held(center_a, dance_room, date(2026, 11, 20))
    held(center_a, dance_room, date(2026, 12, 15), hours=3)
    held(center_a, dance_room, date(2027, 1, 5))  # beyond the next 30 days
    client.force_login(olivia)
    page = client.get("/console/reports/").content.decode()
    assert "2026-11-01 – 2026-12-31" in page
    assert '<option value="around_today" selected>最近 30 天及未来 30 天</option>' in page
    report = selectors.report(centers=[center_a], since=date(2026, 11, 1), until=date(2026, 12, 31))
    assert report["sections"][0].rows[0][1:3] == [2, 5.0]
    assert "没有预约或服务记录" not in page
    workbook = client.get("/console/reports/export/")
    assert 'filename="report-2026-11-01-2026-12-31.xlsx"' in workbook["Content-Disposition"]


def test_a_range_without_figures_says_so(client, olivia, center_a, dance_room, time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    held(center_a, dance_room, date(2026, 10, 5))
    client.force_login(olivia)
    page = client.get("/console/reports/").content.decode()
    assert "2026-11-01 至 2026-12-31 没有预约或服务记录" in page
    october = client.get("/console/reports/?range=custom&since=2026-10-01&until=2026-10-31")
    assert "没有预约或服务记录" not in october.content.decode()


def test_usage_statistics_open_on_the_last_30_days_and_the_next_30(
    client, olivia, center_a, dance_room, time_machine
):
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    client.force_login(olivia)
    url = f"/console/c/{center_a.pk}/bookings/stats/"
    page = client.get(url).content.decode()
    assert 'name="since" value="2026-11-01"' in page and 'name="until" value="2026-12-31"' in page
    assert "2026-11-01 至 2026-12-31 没有预约" in page
    held(center_a, dance_room, date(2026, 12, 15))
    page = client.get(url).content.decode()
    assert "没有预约" not in page
