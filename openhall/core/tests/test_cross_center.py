"""Staff of center A must get 404 for every object of center B, on every page and API endpoint.

The tests walk the URL configuration and the OpenAPI schema, so a page or endpoint added later
is covered without anyone remembering to add it here; a new kind of id in a URL fails loudly
until this file knows how to make such an object in center B.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from openhall import factories
from openhall.api import api


@pytest.fixture
def objects_of(center_a, center_b):
    """`objects_of(center)`: one object of each kind in that center, keyed by its URL argument."""

    from openhall.civic.services import service_counters

    def make(center):
        return {
            "center_id": center.pk,
            "team_id": factories.TeamFactory(center=center).pk,
            "enterprise_id": factories.EnterpriseFactory(center=center).pk,
            "booking_id": factories.BookingFactory(center=center).pk,
            "series_id": factories.BookingFactory(center=center, series=True).series_id,
            "space_id": factories.SpaceFactory(center=center).pk,
            "photo_id": factories.SpacePhotoFactory(space__center=center).pk,
            "article_id": factories.ArticleFactory(center=center).pk,
            "attachment_id": factories.AttachmentFactory(article__center=center).pk,
            "record_id": factories.service_record(center).pk,
            "screen_id": factories.screen(center).pk,
            "activity_id": factories.activity(center).pk,
            "session_id": factories.activity(center).sessions.get().pk,
            "registration_id": factories.registration(center).pk,
            "door_id": factories.door(center).pk,
            "grant_id": factories.grant(center).pk,
            "counter_id": service_counters(center)[0].pk,
            "user_id": factories.UserFactory().pk,  # a team booking's door member
        }

    return make


def console_patterns():
    resolver = get_resolver()
    console = next(
        p for p in resolver.url_patterns if isinstance(p, URLResolver) and p.namespace == "console"
    )
    for pattern in console.url_patterns:
        assert isinstance(pattern, URLPattern)
        if "center_id" in str(pattern.pattern):
            yield pattern


def console_url(pattern: URLPattern, ids: dict) -> str:
    path = "/console/" + str(pattern.pattern)
    for name in re.findall(r"<int:(\w+)>", path):
        if name not in ids:
            raise KeyError(
                f"test_cross_center does not know how to make a '{name}' for another center"
            )
        path = path.replace(f"<int:{name}>", str(ids[name]))
    return path


def fetch(client, url: str):
    """GET the page, or POST to it when it only takes POST (actions)."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def test_there_are_center_pages_to_check():
    assert len(list(console_patterns())) >= 8


@pytest.mark.parametrize("persona", ["olivia", "adam"])
def test_staff_of_center_a_get_404_for_every_console_page_of_center_b(
    persona, request, client, objects_of, center_b
):
    client.force_login(request.getfixturevalue(persona))
    ids = objects_of(center_b)
    for pattern in console_patterns():
        url = console_url(pattern, ids)
        response = fetch(client, url)
        assert response.status_code == 404, f"{url} answered {response.status_code}"


def test_the_same_pages_open_for_their_own_center(client, adam, objects_of, center_a):
    client.force_login(adam)
    ids = objects_of(center_a)
    for pattern in console_patterns():
        url = console_url(pattern, ids)
        response = fetch(client, url)
        # 422: it opened and refused the empty POST (the editor's picture upload without a file).
        assert response.status_code in (200, 302, 422), f"{url} answered {response.status_code}"


def api_operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            if spec.get("x-openhall-public"):
                continue  # public facts (rooms, free times): the same for everyone, no personal data
            if spec.get("x-openhall-any-resident"):
                continue  # open to every resident of every center (registering for an activity)
            yield method, path.removeprefix("/api/v1")


def api_url(path: str, ids: dict) -> str:
    for name in re.findall(r"\{(\w+)\}", path):
        if name not in ids:
            raise KeyError(
                f"test_cross_center does not know how to make a '{name}' for another center"
            )
        path = path.replace("{" + name + "}", str(ids[name]))
    return "/api/v1" + path


@pytest.mark.parametrize("persona", ["olivia", "adam"])
def test_staff_of_center_a_get_404_for_every_api_object_of_center_b(
    persona, request, api_client, objects_of, center_b
):
    client = api_client(request.getfixturevalue(persona))
    ids = objects_of(center_b)
    checked = 0
    for method, path in api_operations():
        if "{" not in path:
            continue
        url = api_url(path, ids)
        # A well-formed body, so the answer is about the object, not about the payload.
        body = {
            "reason": "测试",
            "start": "2030-01-01T09:00:00+08:00",
            "end": "2030-01-01T10:00:00+08:00",
            "start_time": "09:00",
            "end_time": "10:00",
            "pin": "123456",
            "user_id": 1,  # a door member to add
        }
        response = getattr(client, method)(
            url, body if method != "get" else None, content_type="application/json"
        )
        assert response.status_code == 404, (
            f"{method.upper()} {url} answered {response.status_code}"
        )
        assert response.json()["code"] == "not_found"
        checked += 1
    assert checked >= 6


def test_the_staff_center_list_shows_only_the_staffs_own_centers(
    api_client, olivia, center_a, center_b
):
    names = [c["name"] for c in api_client(olivia).get("/api/v1/me/centers").json()]
    assert names == [center_a.name]


def test_a_street_reviewer_sees_every_center_of_the_street(api_client, rita, center_a, center_b):
    names = {c["name"] for c in api_client(rita).get("/api/v1/me/centers").json()}
    assert names == {center_a.name, center_b.name}


def test_a_resident_works_in_no_center(api_client, alice, center_a):
    assert api_client(alice).get("/api/v1/me/centers").json() == []


def test_an_operator_may_see_but_not_read_the_audit_log_of_their_center(
    api_client, client, olivia, center_a
):
    assert api_client(olivia).get(f"/api/v1/centers/{center_a.pk}/audit").status_code == 403
    client.force_login(olivia)
    assert client.get(f"/console/c/{center_a.pk}/audit/").status_code == 403


def test_a_district_viewer_sees_figures_but_not_the_teams(client, dave, center_a):
    client.force_login(dave)
    assert client.get(f"/console/c/{center_a.pk}/").status_code == 200
    assert client.get(f"/console/c/{center_a.pk}/teams/").status_code == 403


def test_a_resident_cannot_open_the_console(client, alice, center_a):
    client.force_login(alice)
    assert client.get("/console/").status_code == 403
    assert client.get(f"/console/c/{center_a.pk}/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_console_login(client, center_a):
    response = client.get(f"/console/c/{center_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")
