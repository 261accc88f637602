from datetime import timedelta

from django.db import connection

from openhall.bookings.models import Booking
from openhall.bookings.tests.conftest import at


def payload(space, start, end, **extra):
    return {
        "space_id": space.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "title": "读书会",
        "purpose": "public_benefit",
        "attendees": 8,
        **extra,
    }


def test_a_resident_books_through_the_api(api_client, alice, multimedia):
    _, zone_a, _ = multimedia
    response = api_client(alice).post(
        "/api/v1/bookings", payload(zone_a, at(2, 9), at(2, 11)), content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "requested" and body["space"] == "多媒体活动室 · A区"


def test_a_collision_answers_409_naming_the_slot(api_client, alice, tom, multimedia):
    room, zone_a, _ = multimedia
    api_client(alice).post(
        "/api/v1/bookings", payload(zone_a, at(2, 9), at(2, 11)), content_type="application/json"
    )
    response = api_client(tom).post(
        "/api/v1/bookings", payload(room, at(2, 10), at(2, 12)), content_type="application/json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    conflict = body["details"]["conflicts"][0]
    assert conflict["space_id"] == zone_a.pk and conflict["start"] == at(2, 9).isoformat()


def test_a_broken_rule_answers_422_with_the_rules_code(api_client, alice, dance_room):
    response = api_client(alice).post(
        "/api/v1/bookings",
        payload(dance_room, at(2, 9), at(2, 11), attendees=500),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "over_capacity"
    assert "最多 40 人" in response.json()["message"]


def test_a_time_without_offset_or_garbage_is_a_validation_error(api_client, alice, dance_room):
    body = payload(dance_room, at(2, 9), at(2, 11))
    body["start"] = "next tuesday"
    response = api_client(alice).post("/api/v1/bookings", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_availability_shows_taken_and_free_times(api_client, alice, multimedia):
    room, zone_a, _ = multimedia
    api_client(alice).post(
        "/api/v1/bookings", payload(zone_a, at(2, 9), at(2, 11)), content_type="application/json"
    )
    day = at(2, 0).date().isoformat()
    body = api_client(alice).get(f"/api/v1/spaces/{room.pk}/availability", {"date": day}).json()
    assert body["taken"] == [{"start": at(2, 9).isoformat(), "end": at(2, 11).isoformat()}]
    assert body["free"][0]["end"] == at(2, 9).isoformat()


def test_the_free_room_search_leaves_out_busy_rooms(
    api_client, alice, multimedia, dance_room, center_a
):
    room, zone_a, zone_b = multimedia
    api_client(alice).post(
        "/api/v1/bookings", payload(zone_a, at(2, 9), at(2, 11)), content_type="application/json"
    )
    names = {
        s["name"]
        for s in api_client(alice)
        .get(
            f"/api/v1/centers/{center_a.pk}/free-spaces",
            {"start": at(2, 10).isoformat(), "end": at(2, 12).isoformat()},
        )
        .json()
    }
    assert names == {"舞蹈教室", "多媒体活动室 · B区"}


def test_the_operator_approves_and_the_resident_sees_it(api_client, alice, olivia, dance_room):
    booking_id = (
        api_client(alice)
        .post(
            "/api/v1/bookings",
            payload(dance_room, at(2, 9), at(2, 11)),
            content_type="application/json",
        )
        .json()["id"]
    )
    assert (
        api_client(olivia).post(f"/api/v1/bookings/{booking_id}/approve").json()["status"]
        == "approved"
    )
    assert api_client(alice).get(f"/api/v1/bookings/{booking_id}").json()["status"] == "approved"


def test_a_rejection_without_a_reason_is_refused(api_client, alice, olivia, dance_room):
    booking_id = (
        api_client(alice)
        .post(
            "/api/v1/bookings",
            payload(dance_room, at(2, 9), at(2, 11)),
            content_type="application/json",
        )
        .json()["id"]
    )
    response = api_client(olivia).post(
        f"/api/v1/bookings/{booking_id}/reject", {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["code"] == "reason_required"


def test_residents_see_only_their_own_bookings(api_client, alice, tom, dance_room):
    api_client(alice).post(
        "/api/v1/bookings",
        payload(dance_room, at(2, 9), at(2, 11)),
        content_type="application/json",
    )
    mine = api_client(tom).post(
        "/api/v1/bookings",
        payload(dance_room, at(3, 9), at(3, 11)),
        content_type="application/json",
    )
    listing = api_client(tom).get("/api/v1/bookings").json()
    assert [b["id"] for b in listing["items"]] == [mine.json()["id"]]
    alices = Booking.objects.get(booker=alice).pk
    assert api_client(tom).get(f"/api/v1/bookings/{alices}").status_code == 404


def test_staff_filter_their_centers_bookings_by_time(api_client, olivia, alice, dance_room):
    for day in (2, 3, 4):
        api_client(alice).post(
            "/api/v1/bookings",
            payload(dance_room, at(day, 9), at(day, 10)),
            content_type="application/json",
        )
    listing = (
        api_client(olivia)
        .get("/api/v1/bookings", {"from": at(3, 0).isoformat(), "to": at(4, 0).isoformat()})
        .json()
    )
    assert listing["count"] == 1


def test_a_series_through_the_api_skips_conflicts(api_client, tom, alice, dance_room):
    api_client(alice).post(
        "/api/v1/bookings",
        payload(dance_room, at(3, 19), at(3, 21)),
        content_type="application/json",
    )
    body = payload(
        dance_room, at(2, 19), at(2, 21), rrule="FREQ=DAILY;COUNT=3", skip_conflicts=True
    )
    response = api_client(tom).post("/api/v1/booking-series", body, content_type="application/json")
    assert response.status_code == 201
    result = response.json()
    assert len(result["created"]) == 2 and result["skipped"][0]["start"] == at(3, 19).isoformat()
    assert result["created"][1]["start"] == (at(2, 19) + timedelta(days=2)).isoformat()


def test_the_rest_of_a_series_moves_through_the_api(api_client, tom, dance_room):
    body = payload(dance_room, at(2, 19), at(2, 21), rrule="FREQ=DAILY;COUNT=3")
    series_id = (
        api_client(tom)
        .post("/api/v1/booking-series", body, content_type="application/json")
        .json()["series_id"]
    )
    response = api_client(tom).post(
        f"/api/v1/booking-series/{series_id}/reschedule",
        {"start_time": "18:00", "end_time": "20:00", "from": at(3, 0).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [b["start"] for b in response.json()] == [
        at(3, 18).isoformat(),
        at(4, 18).isoformat(),
    ]
    backwards = api_client(tom).post(
        f"/api/v1/booking-series/{series_id}/reschedule",
        {"start_time": "20:00", "end_time": "18:00"},
        content_type="application/json",
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_time"


# --- refusals: one handler (openhall/api.py on Refused), the bodies clients have always read ---


def _without_request_id(response) -> dict:
    body = response.json()
    body.pop("request_id", None)
    return body


def test_every_broken_rule_is_listed_and_the_first_names_the_refusal(api_client, alice, dance_room):
    response = api_client(alice).post(
        "/api/v1/bookings",
        payload(dance_room, at(-1, 9), at(-1, 11), attendees=500),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = _without_request_id(response)
    codes = [v["code"] for v in body["details"]["violations"]]
    assert codes[:2] == ["over_capacity", "in_the_past"]
    assert body["code"] == "over_capacity"
    assert body["message"] == "; ".join(v["message"] for v in body["details"]["violations"])
    assert set(body) == {"code", "message", "details"}


def test_a_conflict_body_names_each_booking_in_the_way(api_client, alice, tom, multimedia):
    room, zone_a, zone_b = multimedia
    for zone, hour in ((zone_a, 9), (zone_b, 11)):
        api_client(alice).post(
            "/api/v1/bookings",
            payload(zone, at(2, hour), at(2, hour + 1)),
            content_type="application/json",
        )
    response = api_client(tom).post(
        "/api/v1/bookings", payload(room, at(2, 9), at(2, 12)), content_type="application/json"
    )
    assert response.status_code == 409
    assert _without_request_id(response) == {
        "code": "conflict",
        "message": f"“多媒体活动室 · A区”在 {at(2, 9):%m-%d} 09:00–10:00 已被预约，请换一个时间或场地。",
        "details": {
            "conflicts": [
                {
                    "space_id": zone_a.pk,
                    "space": "多媒体活动室 · A区",
                    "start": at(2, 9).isoformat(),
                    "end": at(2, 10).isoformat(),
                },
                {
                    "space_id": zone_b.pk,
                    "space": "多媒体活动室 · B区",
                    "start": at(2, 11).isoformat(),
                    "end": at(2, 12).isoformat(),
                },
            ]
        },
    }


def test_a_step_the_state_forbids_answers_409_and_a_missing_reason_422(
    api_client, alice, olivia, dance_room
):
    booking_id = (
        api_client(alice)
        .post(
            "/api/v1/bookings",
            payload(dance_room, at(2, 9), at(2, 11)),
            content_type="application/json",
        )
        .json()["id"]
    )
    staff = api_client(olivia)
    no_reason = staff.post(
        f"/api/v1/bookings/{booking_id}/cancel", {}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    assert _without_request_id(no_reason) == {
        "code": "reason_required",
        "message": "工作人员取消预约时请填写理由。",
        "details": None,
    }
    cancelled = api_client(alice).post(
        f"/api/v1/bookings/{booking_id}/cancel", {}, content_type="application/json"
    )
    assert cancelled.status_code == 200, cancelled.json()
    too_late = staff.post(f"/api/v1/bookings/{booking_id}/approve")
    assert too_late.status_code == 409
    assert _without_request_id(too_late) == {
        "code": "invalid_state",
        "message": "该预约当前为“已取消”，不能批准。",
        "details": None,
    }


def test_not_an_operator_reads_404_to_a_resident_and_403_to_staff_elsewhere(
    api_client, alice, tom, rita, dance_room
):
    booking_id = (
        api_client(tom)
        .post(
            "/api/v1/bookings",
            payload(dance_room, at(2, 9), at(2, 11)),
            content_type="application/json",
        )
        .json()["id"]
    )
    by_alice = api_client(alice).post(
        "/api/v1/bookings",
        payload(dance_room, at(3, 9), at(3, 11), booker_id=tom.pk),
        content_type="application/json",
    )
    assert by_alice.status_code == 404
    assert _without_request_id(by_alice) == {
        "code": "not_found",
        "message": "找不到该对象。",
        "details": None,
    }
    by_rita = api_client(rita).post(f"/api/v1/bookings/{booking_id}/approve")
    assert by_rita.status_code == 403
    assert _without_request_id(by_rita) == {
        "code": "forbidden",
        "message": "您没有执行此操作的权限。",
        "details": None,
    }


def test_a_booking_request_takes_six_statements(
    api_client, alice, dance_room, django_assert_max_num_queries
):
    """The hot path: the space with its center, whose setup token is venues' cache check; the
    quota, the no-shows and the overlap in one query; the booking, its claim, the audit entry
    and the outbox row. The bearer token and its person's roles come from the cache (10 s), and the
    test's transaction adds a savepoint and its release (BEGIN and COMMIT in production).
    PostgreSQL adds the advisory locks (services.lock_units): they must be a statement of their
    own, before the reads, or the reads' snapshot would predate a writer that held the lock."""
    client = api_client(alice)
    first = client.post(
        "/api/v1/bookings",
        payload(dance_room, at(2, 9), at(2, 10)),
        content_type="application/json",
    )
    assert first.status_code == 201
    locks = 1 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(6 + locks + 2):
        response = client.post(
            "/api/v1/bookings",
            payload(dance_room, at(3, 9), at(3, 11)),
            content_type="application/json",
        )
    assert response.status_code == 201


def test_a_clash_is_refused_in_three_statements(
    api_client, alice, tom, multimedia, django_assert_max_num_queries
):
    """Half the storm's requests clash: the space with its center's setup token, the one read
    that finds the slot taken, and the one that names who holds it (their spaces come from the setup). The
    test's transaction adds a savepoint, its rollback and its release."""
    room, zone_a, _ = multimedia
    api_client(alice).post(
        "/api/v1/bookings", payload(zone_a, at(2, 9), at(2, 10)), content_type="application/json"
    )
    client = api_client(tom)
    client.post(
        "/api/v1/bookings", payload(zone_a, at(4, 9), at(4, 10)), content_type="application/json"
    )
    locks = 1 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(3 + locks + 3):
        response = client.post(
            "/api/v1/bookings", payload(room, at(2, 9), at(2, 11)), content_type="application/json"
        )
    assert response.status_code == 409
    assert response.json()["details"]["conflicts"][0]["space"] == "多媒体活动室 · A区"


def test_the_openapi_document_lists_the_booking_purposes(db):
    from openhall.api import api
    from openhall.venues.models import Purpose

    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["BookingIn"]["properties"]["purpose"] == {"$ref": "#/components/schemas/Purpose"}
    assert schemas["Purpose"]["enum"] == [p.value for p in Purpose]


def test_a_purpose_outside_the_list_is_refused_before_any_booking(api_client, alice, multimedia):
    _, zone_a, _ = multimedia
    body = payload(zone_a, at(2, 9), at(2, 11), purpose="birthday_party")
    response = api_client(alice).post("/api/v1/bookings", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["details"][0]["loc"][-1] == "purpose"
    assert not Booking.objects.exists()
