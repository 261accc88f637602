"""The API's contract: one error shape for every 4xx, never a 500 on bad input."""

import re

import pytest
from django.test import Client
from django.utils.module_loading import import_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhall import factories
from openhall.api import api

GARBAGE = [
    "abc",
    "-1",
    "0",
    "1.5",
    "99999999999999999999999",
    "%00",
    "😀",
    "' OR 1=1 --",
    "",
    " ",
    "null",
    "[]",
]


def assert_error_shape(response, status=None):
    body = response.json()
    assert set(body) == {"code", "message", "details", "request_id"}, body
    assert isinstance(body["code"], str) and re.fullmatch(r"[a-z_]+", body["code"])
    assert isinstance(body["message"], str) and body["message"]
    if status is not None:
        assert response.status_code == status


def operations():
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, spec in methods.items():
            yield method, path, spec


def test_openapi_is_published(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "OpenHall API"
    assert "/api/v1/centers/{center_id}" in schema["paths"]


def test_without_credentials_every_endpoint_answers_401_in_the_error_shape(client, db):
    for method, path, spec in operations():
        if not spec.get("security"):  # declared open (auth=None): centers, rooms, news, activities
            assert spec.get("x-openhall-public"), path
            assert path.startswith(
                (
                    "/api/v1/articles/",
                    "/api/v1/centers",
                    "/api/v1/activities",
                )
            )
            assert not path.endswith(("/audit", "/teams", "/enterprises")), path
            assert method == "get"
            continue
        url = re.sub(r"\{\w+\}", "1", path)
        response = getattr(client, method)(url)
        assert response.status_code == 401, url
        assert_error_shape(response)
        assert response.json()["code"] == "unauthorized"


def test_an_unknown_api_path_answers_404_in_the_error_shape(client, db):
    response = client.get("/api/v1/no/such/thing")
    assert_error_shape(response, 404)


def test_a_wrong_token_answers_401(db):
    response = Client(headers={"Authorization": "Bearer oh_forged"}).get("/api/v1/me/centers")
    assert_error_shape(response, 401)


def test_a_session_write_without_the_csrf_token_is_refused(olivia, center_a):
    enterprise = factories.EnterpriseFactory(center=center_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(olivia)
    response = client.post(f"/api/v1/enterprises/{enterprise.pk}/verify")
    assert_error_shape(response, 403)
    assert response.json()["code"] == "csrf_failed"
    enterprise.refresh_from_db()
    assert enterprise.verified_at is None


def test_a_session_read_needs_no_csrf_token(olivia, center_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(olivia)
    assert client.get("/api/v1/me/centers").json()[0]["id"] == center_a.pk


def test_a_bad_path_parameter_is_a_validation_error(api_client, olivia):
    response = api_client(olivia).get("/api/v1/centers/abc")
    assert_error_shape(response, 422)
    assert response.json()["details"][0]["loc"][-1] == "center_id"


def test_a_bad_query_parameter_is_a_validation_error_in_chinese(api_client, adam, center_a):
    response = api_client(adam).get(f"/api/v1/centers/{center_a.pk}/audit", {"since": "yesterday"})
    assert_error_shape(response, 422)
    assert "请检查" in response.json()["message"]


def test_the_api_speaks_utf8_chinese(api_client, olivia, center_a):
    response = api_client(olivia).get(f"/api/v1/centers/{center_a.pk}")
    assert center_a.name.encode() in response.content


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_in_any_path_parameter_never_causes_a_500(api_client, adam, center_a, value):
    client = api_client(adam)
    for method, path, _ in operations():
        url = re.sub(r"\{\w+\}", value, path)
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(
                url, data="{not json", content_type="application/json"
            )
        assert response.status_code < 500, f"{method.upper()} {url} → {response.status_code}"
        if response.status_code >= 400:
            assert_error_shape(response)


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    params=st.dictionaries(
        st.sampled_from(["action", "actor_id", "since", "until", "limit", "offset", "x"]),
        st.text(max_size=30),
    )
)
def test_garbage_query_strings_never_cause_a_500(api_client, adam, center_a, params):
    client = api_client(adam)
    for method, path, _ in operations():
        if method != "get":
            continue
        url = path.replace("{center_id}", str(center_a.pk)).replace("{enterprise_id}", "1")
        response = client.get(url, params)
        assert response.status_code < 500, f"{url} {params} → {response.status_code}"
        if response.status_code >= 400:
            assert_error_shape(response)


def test_the_me_endpoint_masks_personal_data(api_client, olivia):
    olivia.mobile = "13812345678"
    olivia.save()
    body = api_client(olivia).get("/api/v1/me").json()
    assert body["mobile"] == "138****5678"
    assert body["staff_roles"] == [
        {
            "role": "operator",
            "scope": "center",
            "scope_id": olivia.staff_memberships.get().center_id,
        }
    ]


def test_an_operator_verifies_an_enterprise_through_the_api(api_client, olivia, center_a):
    enterprise = factories.EnterpriseFactory(center=center_a)
    response = api_client(olivia).post(f"/api/v1/enterprises/{enterprise.pk}/verify")
    assert response.status_code == 200
    assert response.json()["verified_at"] is not None


def test_a_street_reviewer_may_not_verify_enterprises(api_client, rita, center_a):
    enterprise = factories.EnterpriseFactory(center=center_a)
    response = api_client(rita).post(f"/api/v1/enterprises/{enterprise.pk}/verify")
    assert_error_shape(response, 403)


def test_a_wrong_method_answers_405_in_the_error_shape(api_client, olivia, center_a):
    response = api_client(olivia).delete(f"/api/v1/centers/{center_a.pk}")
    assert_error_shape(response, 405)
    assert "GET" in response["Allow"]


def test_a_write_without_credentials_is_401_not_a_csrf_error(db):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/bookings", "{}", content_type="application/json"
    )
    assert_error_shape(response, 401)


def test_every_app_with_an_api_module_mounts_its_router_from_its_appconfig():
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    mounted = {prefix_router[1] for prefix_router in api._routers}
    for config in apps.get_app_configs():
        if not config.name.startswith("openhall.") or not module_has_submodule(
            config.module, "api"
        ):
            continue
        assert getattr(config, "api_router", None) == f"{config.name}.api.router", config.name
        router = import_string(config.api_router)
        assert router in mounted, f"{config.name}'s router is not mounted under /api/v1"
