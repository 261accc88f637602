"""The activities API as its contract says."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from openhall import factories
from openhall.activities import services

pytestmark = pytest.mark.django_db


def test_staff_write_submit_and_publish_and_residents_register(
    api_client, olivia, adam, alice, center_a, dance_room
):
    start = (timezone.localtime() + timedelta(days=3)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    body = {
        "center_id": center_a.pk,
        "title": "亲子绘画课",
        "type": "family",
        "capacity": 1,
        "sessions": [
            {
                "space_id": dance_room.pk,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            }
        ],
    }
    staff = api_client(olivia)
    created = staff.post("/api/v1/activities", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    activity_id = created.json()["id"]
    assert staff.post(f"/api/v1/activities/{activity_id}/submit").json()["status"] == "submitted"
    incomplete = api_client(adam).post(
        f"/api/v1/activities/{activity_id}/approve", {}, content_type="application/json"
    )
    assert incomplete.status_code == 422 and incomplete.json()["code"] == "checklist_incomplete"
    published = api_client(adam).post(
        f"/api/v1/activities/{activity_id}/approve",
        {"checklist": dict.fromkeys(services.CHECKLIST, True)},
        content_type="application/json",
    )
    assert published.json()["status"] == "published" and published.json()["places_left"] == 1

    resident = api_client(alice)
    first = resident.post(
        f"/api/v1/activities/{activity_id}/registrations", {}, content_type="application/json"
    )
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    again = resident.post(
        f"/api/v1/activities/{activity_id}/registrations", {}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    other = api_client(factories.UserFactory()).post(
        f"/api/v1/activities/{activity_id}/registrations", {}, content_type="application/json"
    )
    assert other.json()["status"] == "waitlisted" and other.json()["position"] == 1
    public = api_client(factories.UserFactory()).get(f"/api/v1/activities/{activity_id}").json()
    assert public["places_left"] == 0

    check_in = f"/api/v1/registrations/{first.json()['id']}/check-in"
    early = staff.post(check_in, {}, content_type="application/json").json()
    assert early["outcome"] == "outside_window" and early["message"].startswith("签到时间为")
    with time_machine.travel(start - timedelta(minutes=15), tick=False):
        checked = staff.post(check_in, {}, content_type="application/json")
    assert checked.json() == {
        "outcome": "ok",
        "registration_id": first.json()["id"],
        "message": "",
    }
    gone = resident.delete(f"/api/v1/registrations/{first.json()['id']}")
    assert gone.status_code == 204


def test_a_closed_registration_window_is_a_422(api_client, alice, center_a):
    activity = factories.activity(
        center_a, registration_closes_at=timezone.now() - timedelta(hours=1)
    )
    answer = api_client(alice).post(
        f"/api/v1/activities/{activity.pk}/registrations", {}, content_type="application/json"
    )
    assert answer.status_code == 422 and answer.json()["code"] == "closed"
    assert answer.json()["message"] == "报名已截止。"


HOSTILE = '<p onclick="steal()">讲座</p><script>alert(1)</script><img src=x onerror=alert(1)>'


def _no_markup_runs(html: str) -> bool:
    return "<script" not in html and "onerror" not in html and "onclick" not in html


def test_a_description_written_through_the_api_is_sanitised(
    api_client, olivia, center_a, dance_room
):
    start = timezone.now() + timedelta(days=3)
    body = {
        "center_id": center_a.pk,
        "title": "防诈讲座",
        "type": "lecture",
        "capacity": 5,
        "description": HOSTILE,
        "sessions": [
            {
                "space_id": dance_room.pk,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            }
        ],
    }
    created = api_client(olivia).post("/api/v1/activities", body, content_type="application/json")

    assert created.status_code == 201
    description = created.json()["description"]
    assert _no_markup_runs(description) and "讲座" in description


def test_a_description_changed_later_or_proposed_by_a_team_is_sanitised(
    olivia, alice, center_a, dance_room
):
    from openhall.accounts.models import TeamMembership

    start = timezone.now() + timedelta(days=3)
    sessions = [(dance_room, start, start + timedelta(hours=2))]
    values = {"type": "salon", "title": "书法交流会", "capacity": 15}
    drafted = services.activity_create(center=center_a, by=olivia, values=values)
    changed = services.activity_update(activity=drafted, by=olivia, values={"description": HOSTILE})
    team = factories.TeamFactory(center=center_a, name="书法协会")
    TeamMembership.objects.create(team=team, user=alice, role="leader")
    proposed = services.activity_propose(
        center=center_a,
        by=alice,
        sessions=sessions,
        team=team,
        values={**values, "description": HOSTILE},
    )

    for activity in (changed, proposed):
        activity.refresh_from_db()
        assert _no_markup_runs(activity.description) and "讲座" in activity.description


def test_patch_edits_a_draft_and_refuses_one_under_review(
    api_client, olivia, oscar, center_a, dance_room
):
    start = (timezone.localtime() + timedelta(days=3)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    activity = services.activity_create(
        center=center_a,
        by=olivia,
        values={"type": "lecture", "title": "讲座", "capacity": 10},
        sessions=[(dance_room, start, start + timedelta(hours=1))],
    )
    staff = api_client(olivia)
    later_start = start + timedelta(days=1)
    edited = staff.patch(
        f"/api/v1/activities/{activity.pk}",
        {
            "title": "防诈骗讲座",
            "description": "<p>讲座</p><img src=x onerror=alert(1)>",
            "sessions": [
                {
                    "space_id": dance_room.pk,
                    "start": later_start.isoformat(),
                    "end": (later_start + timedelta(hours=1)).isoformat(),
                }
            ],
        },
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.json()
    body = edited.json()
    assert body["title"] == "防诈骗讲座" and body["capacity"] == 10  # unsent fields stay
    assert "onerror" not in body["description"]
    assert body["sessions"][0]["start"] == later_start.isoformat()
    other_center = api_client(oscar).patch(
        f"/api/v1/activities/{activity.pk}", {"title": "x"}, content_type="application/json"
    )
    assert other_center.status_code == 404
    staff.post(f"/api/v1/activities/{activity.pk}/submit")
    under_review = staff.patch(
        f"/api/v1/activities/{activity.pk}", {"title": "再改"}, content_type="application/json"
    )
    assert under_review.status_code == 409 and under_review.json()["code"] == "not_editable"


def test_a_submit_the_rooms_refuse_answers_422_with_each_problem(
    api_client, olivia, center_a, dance_room
):
    start = (timezone.localtime() + timedelta(days=3)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    activity = services.activity_create(
        center=center_a,
        by=olivia,
        values={"type": "lecture", "title": "讲座", "capacity": dance_room.capacity + 1},
        sessions=[(dance_room, start, start + timedelta(hours=1))],
    )
    refused = api_client(olivia).post(f"/api/v1/activities/{activity.pk}/submit")
    assert refused.status_code == 422 and refused.json()["code"] == "rooms_unavailable"
    assert len(refused.json()["details"]["problems"]) == 1


def test_patch_cannot_empty_what_an_activity_needs(api_client, olivia, center_a, dance_room):
    start = timezone.localtime() + timedelta(days=3)
    activity = services.activity_create(
        center=center_a,
        by=olivia,
        values={"type": "lecture", "title": "讲座", "capacity": 10},
        sessions=[(dance_room, start, start + timedelta(hours=1))],
    )
    emptied = api_client(olivia).patch(
        f"/api/v1/activities/{activity.pk}",
        {"type": None, "fee": None},
        content_type="application/json",
    )
    assert emptied.status_code == 422 and emptied.json()["details"] == {"fields": ["fee", "type"]}
