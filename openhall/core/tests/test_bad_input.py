"""Input nobody means — year 1, year 9999, numbers of twenty digits, bodies of megabytes — gets a
clear refusal (4xx), never a 500. Each case below was a 500 once."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ABSURD = "range=custom&since=0001-01-01&until=9999-12-31"


@pytest.fixture(autouse=True)
def _a_fixed_day():
    with time_machine.travel(datetime(2026, 6, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


# --- dates on pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/console/reports/?{q}",
        "/console/reports/export/?{q}",
        "/console/c/{center}/bookings/stats/?{q}",
        "/console/c/{center}/bookings/export.xlsx?{q}",
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        ABSURD,
        "range=custom&since=1999-12-31&until=2026-06-01",
        "range=custom&since=2026-06-01&until=2031-06-04",
    ],
)
def test_reports_stats_and_exports_refuse_unreasonable_dates(client, adam, center_a, path, query):
    client.force_login(adam)
    response = client.get(path.format(q=query, center=center_a.pk))
    assert response.status_code == 422
    assert "2000-01-01" in response.content.decode()  # says which dates it takes


def test_reasonable_dates_still_work(client, adam, center_a):
    client.force_login(adam)
    query = "range=custom&since=2026-05-01&until=2026-06-03"
    assert client.get(f"/console/reports/?{query}").status_code == 200
    assert client.get(f"/console/c/{center_a.pk}/bookings/stats/?{query}").status_code == 200


def test_a_day_in_the_booking_calendar_and_the_access_log_is_checked(client, adam, center_a):
    client.force_login(adam)
    calendar = client.get(f"/console/c/{center_a.pk}/bookings/calendar/?date=9999-12-31")
    log = client.get(f"/console/c/{center_a.pk}/access-log/?day=0001-01-01")
    assert calendar.status_code == 422 and log.status_code == 422


# --- dates in the API --------------------------------------------------------------------------


def assert_refused_in_api_shape(response):
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details", "request_id"}
    assert "2000-01-01" in str(body["details"]) or "2000-01-01" in body["message"]


def test_the_api_refuses_unreasonable_dates_in_queries(api_client, adam, center_a, dance_room):
    client = api_client(adam)
    for url in [
        f"/api/v1/centers/{center_a.pk}/audit?since=0001-01-01&until=9999-12-31",
        "/api/v1/bookings?from=9999-12-31T23:00:00Z",
        f"/api/v1/access-events?center={center_a.pk}&from=0001-01-01",
        "/api/v1/activities?from=9999-12-31",
        f"/api/v1/centers/{center_a.pk}/free-spaces?start=1850-01-01T09:00:00%2B08:00"
        "&end=1850-01-01T10:00:00%2B08:00",
    ]:
        assert_refused_in_api_shape(client.get(url))


def test_a_day_before_1900_is_refused_not_answered_in_local_mean_time(
    api_client, alice, dance_room
):
    # Asia/Shanghai before 1901 is LMT +08:05:43, which is not RFC 3339 for most clients.
    response = api_client(alice).get(f"/api/v1/spaces/{dance_room.pk}/availability?date=1850-01-01")
    assert_refused_in_api_shape(response)
    assert "+08:05" not in response.content.decode()


def test_the_api_refuses_a_booking_in_year_9999(api_client, alice, dance_room):
    body = {
        "space_id": dance_room.pk,
        "title": "读书会",
        "purpose": "public_benefit",
        "attendees": 5,
        "start": "9999-12-31T09:00:00+08:00",
        "end": "9999-12-31T10:00:00+08:00",
    }
    response = api_client(alice).post("/api/v1/bookings", body, content_type="application/json")
    assert_refused_in_api_shape(response)


# --- sizes and numbers -------------------------------------------------------------------------


def test_an_api_body_over_the_limit_is_a_413_in_the_api_shape(
    api_client, olivia, center_a, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = {
        "center_id": center_a.pk,
        "title": "讲座",
        "type": "lecture",
        "capacity": 5,
        "description": "长" * 5000,
        "sessions": [],
    }
    response = api_client(olivia).post("/api/v1/activities", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["message"]


HUGE = "99999999999999999999"  # past 2**63: SQLite cannot even compare with it


def every_page_with_huge_ids():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("api/", "django-admin/")):  # the API: below
                    yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<int:" in route:
                yield "/" + re.sub(r"<int:\w+>", HUGE, route)

    return sorted(set(walk(get_resolver().url_patterns)))


def test_a_huge_id_in_any_page_path_is_not_found(client, root, center_a):
    client.force_login(root)  # sees everything, so only the number decides
    pages = every_page_with_huge_ids()
    assert len(pages) > 20
    for url in pages:
        url = url.replace(f"c/{HUGE}/", f"c/{center_a.pk}/", 1) if "/c/" in url else url
        if HUGE not in url:
            continue  # the center's own page: its id is center A's
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        assert response.status_code in (404, 302), f"{url} answered {response.status_code}"
        unknown_center = client.get(url.replace(f"c/{center_a.pk}/", f"c/{HUGE}/", 1))
        assert unknown_center.status_code in (404, 405), url


@pytest.mark.parametrize(
    "path",
    [
        "/console/c/{center}/access-log/?door=" + HUGE,
        "/console/c/{center}/access-log/export/?door=" + HUGE,
        "/console/reports/?center=1e30&center=" + HUGE,
        "/console/c/{center}/audit/?page=" + HUGE,
        "/book/find/?center={center}&date=2026-06-04&start=09:00&end=10:00&attendees=" + HUGE,
    ],
)
def test_huge_numbers_in_query_strings_are_not_a_500(client, root, center_a, path):
    client.force_login(root)
    response = client.get(path.format(center=center_a.pk))
    assert response.status_code < 500, response.status_code


def test_a_huge_id_in_the_api_is_not_found_or_refused(api_client, root):
    client = api_client(root)
    for url in [
        f"/api/v1/bookings/{HUGE}",
        f"/api/v1/bookings?center={HUGE}",
        f"/api/v1/activities?center={HUGE}",
        f"/api/v1/bookings?page={HUGE}",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 404, 422), f"{url} answered {response.status_code}"
        assert "code" in response.json() or isinstance(response.json(), list | dict)
