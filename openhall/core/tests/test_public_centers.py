"""Where to book: every client (a mini program before login, a resident, staff) finds the active
centers and their rooms; the staff-only facts of a center stay with its staff."""

import pytest
from django.test import Client

from openhall import factories
from openhall.api import api

# What the center's door says to anyone; nothing else of a center leaves through the public API.
PUBLIC_FIELDS = {
    "id",
    "name",
    "slug",
    "street",
    "district",
    "address",
    "phone",
    "area_m2",
    "staffed_hours",
}


@pytest.fixture
def closed_center(street):
    return factories.CenterFactory(
        street=street, name="已撤销的服务站", slug="closed", is_active=False
    )


@pytest.fixture
def callers(api_client, alice, olivia):
    return {"anonymous": Client(), "resident": api_client(alice), "operator": api_client(olivia)}


@pytest.mark.parametrize("caller", ["anonymous", "resident", "operator"])
def test_everyone_finds_every_active_center(callers, caller, center_a, center_b, closed_center):
    response = callers[caller].get("/api/v1/centers")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == [center_a.name, center_b.name]
    assert response.json()[0]["street"] == center_a.street.name


@pytest.mark.parametrize("caller", ["anonymous", "resident"])
def test_a_center_shows_only_its_public_facts(callers, caller, center_a):
    center_a.introduction = "只给工作人员看的备注"
    center_a.save()
    listed = callers[caller].get("/api/v1/centers").json()[0]
    one = callers[caller].get(f"/api/v1/centers/{center_a.pk}").json()
    assert set(listed) == set(one) == PUBLIC_FIELDS
    for leak in (center_a.setup_token, "is_active", "created_at", "只给工作人员看的备注"):
        assert leak not in str(listed) and leak not in str(one)


def test_the_openapi_document_promises_no_more_than_the_public_facts(db):
    schema = api.get_openapi_schema()
    ref = schema["paths"]["/api/v1/centers"]["get"]["responses"][200]["content"][
        "application/json"
    ]["schema"]["items"]["$ref"]
    assert set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == (
        PUBLIC_FIELDS
    )


@pytest.mark.parametrize("caller", ["anonymous", "resident", "operator"])
def test_a_closed_center_is_not_found(callers, caller, closed_center):
    assert callers[caller].get(f"/api/v1/centers/{closed_center.pk}").status_code == 404
    assert callers[caller].get(f"/api/v1/centers/{closed_center.pk}/spaces").status_code == 404


def test_an_anonymous_client_finds_the_rooms_to_book(multimedia, center_a):
    room, zone_a, zone_b = multimedia
    rooms = Client().get(f"/api/v1/centers/{center_a.pk}/spaces").json()
    assert [r["name"] for r in rooms] == [room.name]
    assert {z["name"] for z in rooms[0]["zones"]} == {zone_a.name, zone_b.name}


def test_staff_only_data_of_a_center_stays_closed(callers, center_a):
    for caller in ("anonymous", "resident"):
        client = callers[caller]
        assert client.get(f"/api/v1/centers/{center_a.pk}/audit").status_code in (401, 404)
        assert client.get(f"/api/v1/centers/{center_a.pk}/teams").status_code in (401, 404)
        assert client.get("/api/v1/me/centers").status_code in (401, 200)
        if caller == "resident":
            assert client.get("/api/v1/me/centers").json() == []
