"""The lobby screen's named counters (党群活动, 沙龙, 法律咨询 …): defined per center over the
ledger, edited by the center's staff, the same figures on the screen and in the reports, and
their names — typed by people — shown as text everywhere."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openhall import factories
from openhall.civic import selectors
from openhall.civic.models import ServiceCounter, ServiceRecord
from openhall.civic.services import (
    counter_save,
    record_from_source,
    service_counters,
    service_type,
)
from openhall.core.refusals import Refused
from openhall.display.selectors import snapshot
from openhall.reports.selectors import report

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 3)  # a Wednesday


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(datetime(2026, 6, 3, 19, 0, tzinfo=SHANGHAI), tick=False):
        yield


def staff_record(center, code, day=TODAY, people=1, **values):
    return ServiceRecord.objects.create(
        center=center, kind=service_type(center, code), date=day, people=people, **values
    )


def completed_activity(center, activity_type, people, day=TODAY):
    """An activity of that type, completed: the ledger records it as activities do."""
    activity = factories.activity(center, status="completed")
    activity.type = activity_type
    activity.save(update_fields=["type"])
    record_from_source(
        center_id=center.pk,
        source="activity",
        source_id=activity.pk,
        kind=activity_type,
        date=day,
        people=people,
    )
    return activity


def figures(center) -> dict[str, tuple[int, int]]:
    return {
        f["name"]: (f["services"], f["people"]) for f in selectors.counter_figures(center, TODAY)
    }


def test_a_new_center_starts_with_the_seeds_five_counters_in_chinese(center_a):
    assert [c.name for c in service_counters(center_a)] == [
        "党群活动",
        "沙龙",
        "便民/便企信息服务",
        "法律咨询",
        "解决居民或企业反馈的问题",
    ]
    assert figures(center_a)["法律咨询"] == (0, 0)
    service_counters(center_a)
    assert ServiceCounter.objects.filter(center=center_a).count() == 5  # made once


def test_each_counter_adds_up_what_it_names_since_the_operation_began(center_a, center_b):
    staff_record(center_a, "legal", people=2)
    staff_record(center_a, "legal", day=date(2024, 1, 5))  # long ago: still counted
    staff_record(center_a, "resident_info", people=3)
    staff_record(center_a, "enterprise_info", people=4)
    staff_record(center_a, "counselling")  # no counter names it
    staff_record(center_b, "legal", people=9)  # another center's
    completed_activity(center_a, "salon", people=15)
    completed_activity(center_a, "salon", people=10)
    completed_activity(center_a, "party", people=30)
    staff_record(center_a, "party", people=5)  # a party activity entered by hand
    # A course falls back to the first service type (party) in the ledger; the party counter
    # counts activities by their own type, so the course is not a party activity.
    completed_activity(center_a, "course", people=12)
    staff_record(center_a, "problem_solved")
    staff_record(center_a, "problem_solved", source="report", source_id="r-1")

    assert figures(center_a) == {
        "党群活动": (2, 35),
        "沙龙": (2, 25),
        "便民/便企信息服务": (2, 7),
        "法律咨询": (2, 3),
        "解决居民或企业反馈的问题": (2, 2),
    }


def test_a_start_date_leaves_out_what_came_before(center_a, olivia):
    staff_record(center_a, "legal", day=date(2026, 1, 10))
    staff_record(center_a, "legal", day=date(2026, 3, 1))
    legal = next(c for c in service_counters(center_a) if c.name == "法律咨询")
    counter_save(
        center=center_a,
        by=olivia,
        counter=legal,
        values={"name": "法律咨询", "service_types": ["legal"], "since": date(2026, 2, 1)},
    )
    assert figures(center_a)["法律咨询"] == (1, 1)


def test_the_screen_and_the_report_show_the_same_figures(center_a, center_b):
    staff_record(center_a, "legal", people=2)
    completed_activity(center_a, "salon", people=15)
    staff_record(center_b, "resident_info", people=3)
    on_screen = snapshot(center_a.pk)["service_counters"]
    section = next(
        s
        for s in report(centers=[center_a], since=date(2026, 6, 1), until=TODAY)["sections"]
        if s.key == "service_counters"
    )
    assert [[f["name"], f["services"], f["people"]] for f in on_screen] == section.rows
    assert ["沙龙", 1, 15] in section.rows and ["法律咨询", 1, 2] in section.rows
    # A street report names each center's counters beside the center.
    street = report(centers=[center_a, center_b], since=date(2026, 6, 1), until=TODAY)
    rows = next(s for s in street["sections"] if s.key == "service_counters").rows
    assert [center_b.name, "便民/便企信息服务", 1, 3] in rows


def test_an_operator_adds_a_counter_in_the_console_and_the_screen_shows_it(
    client, olivia, center_a
):
    staff_record(center_a, "counselling", people=2)
    client.force_login(olivia)
    base = f"/console/c/{center_a.pk}/ledger/counters"
    assert "法律咨询" in client.get(f"{base}/").content.decode()
    response = client.post(
        f"{base}/new/", {"name": "心理疏导", "service_types": ["counselling"], "order": 9}
    )
    assert response.status_code == 302
    assert {"name": "心理疏导", "services": 1, "people": 2} in snapshot(center_a.pk)[
        "service_counters"
    ]
    counter = ServiceCounter.objects.get(name="心理疏导")
    client.post(f"{base}/{counter.pk}/delete/")
    assert not ServiceCounter.objects.filter(pk=counter.pk).exists()


def test_a_counter_that_counts_nothing_is_refused_in_words(client, olivia, center_a):
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/ledger/counters/new/", {"name": "空计数", "order": 0}
    )
    assert response.status_code == 200 and "请至少选择" in response.content.decode()
    with pytest.raises(Refused) as refused:
        counter_save(center=center_a, by=olivia, values={"name": "x", "service_types": ["no_such"]})
    assert refused.value.code == "unknown_service_type"


def test_another_centers_operator_cannot_touch_the_counters(client, oscar, center_a):
    counter = service_counters(center_a)[0]
    client.force_login(oscar)
    base = f"/console/c/{center_a.pk}/ledger/counters"
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/{counter.pk}/delete/").status_code == 404
    assert ServiceCounter.objects.filter(pk=counter.pk).exists()


HOSTILE = "</script><img src=x onerror=alert(1)>"


def test_a_hostile_counter_name_stays_text_on_the_screen_and_in_reports(
    client, olivia, adam, center_a
):
    counter_save(center=center_a, by=olivia, values={"name": HOSTILE, "service_types": ["legal"]})
    from openhall.display.services import screen_create

    _screen, token = screen_create(center=center_a, by=adam, name="大厅")
    page = client.get(f"/display/{token}/").content.decode()
    assert "<img src=x" not in page
    start = page.index('<script id="initial" type="application/json">')
    block = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    names = [c["name"] for c in json.loads(block)["service_counters"]]
    assert HOSTILE[:30] in names
    client.force_login(adam)
    for url in (
        f"/console/reports/?center={center_a.pk}",
        f"/console/c/{center_a.pk}/ledger/counters/",
    ):
        body = client.get(url).content.decode()
        assert "<img src=x" not in body and "&lt;img src=x" in body, url


def test_the_demo_center_shows_the_five_counters_with_figures(client):
    from openhall.site.demo import load_demo_data

    load_demo_data()
    center = ServiceRecord.objects.first().center
    shown = {f["name"]: f["services"] for f in snapshot(center.pk)["service_counters"]}
    assert len(shown) == 5 and shown["法律咨询"] >= 1
