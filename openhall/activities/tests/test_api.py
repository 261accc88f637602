"""The activities API as its contract says."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openhall import factories
from openhall.activities import services

pytestmark = pytest.mark.django_db


def test_staff_write_submit_and_publish_and_residents_register(api_client, olivia, adam, alice,
                                                                center_a, dance_room):  # fmt: skip
    start = (timezone.localtime() + timedelta(days=3)).replace(hour=19, minute=0, second=0,
                                                               microsecond=0)  # fmt: skip
    body = {"center_id": center_a.pk, "title": "亲子绘画课", "type": "family", "capacity": 1,
            "sessions": [{"space_id": dance_room.pk, "start": start.isoformat(),
                          "end": (start + timedelta(hours=2)).isoformat()}]}  # fmt: skip
    staff = api_client(olivia)
    created = staff.post("/api/v1/activities", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    activity_id = created.json()["id"]
    assert staff.post(f"/api/v1/activities/{activity_id}/submit").json()["status"] == "submitted"
    incomplete = api_client(adam).post(f"/api/v1/activities/{activity_id}/approve", {},
                                       content_type="application/json")  # fmt: skip
    assert incomplete.status_code == 422 and incomplete.json()["code"] == "checklist_incomplete"
    published = api_client(adam).post(
        f"/api/v1/activities/{activity_id}/approve",
        {"checklist": dict.fromkeys(services.CHECKLIST, True)}, content_type="application/json",
    )  # fmt: skip
    assert published.json()["status"] == "published" and published.json()["places_left"] == 1

    resident = api_client(alice)
    first = resident.post(f"/api/v1/activities/{activity_id}/registrations", {},
                          content_type="application/json")  # fmt: skip
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    again = resident.post(f"/api/v1/activities/{activity_id}/registrations", {},
                          content_type="application/json")  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    other = api_client(factories.UserFactory()).post(
        f"/api/v1/activities/{activity_id}/registrations", {}, content_type="application/json")  # fmt: skip
    assert other.json()["status"] == "waitlisted" and other.json()["position"] == 1
    public = api_client(factories.UserFactory()).get(f"/api/v1/activities/{activity_id}").json()
    assert public["places_left"] == 0

    checked = staff.post(f"/api/v1/registrations/{first.json()['id']}/check-in", {},
                         content_type="application/json")  # fmt: skip
    assert checked.json()["outcome"] == "ok"
    gone = resident.delete(f"/api/v1/registrations/{first.json()['id']}")
    assert gone.status_code == 204


def test_a_closed_registration_window_is_a_422(api_client, alice, center_a):
    activity = factories.activity(
        center_a, registration_closes_at=timezone.now() - timedelta(hours=1)
    )
    answer = api_client(alice).post(f"/api/v1/activities/{activity.pk}/registrations", {},
                                    content_type="application/json")  # fmt: skip
    assert answer.status_code == 422 and answer.json()["code"] == "closed"
    assert answer.json()["message"] == "报名已截止。"
