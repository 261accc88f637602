"""The API against its own OpenAPI document, fuzzed by schemathesis.

Every operation in /api/v1/openapi.json is called with parameters and bodies drawn from its
schema (positive mode) and with input that breaks it (negative mode: wrong types, huge numbers
in paths and queries, missing fields, garbage in every parameter), by a resident (alice) and by
an operator of center A (olivia). Whatever comes in:

- the answer is never a 5xx;
- its status code is one the operation documents (an undocumented 404 or 409 is a bug in the
  document: a client generated from it would not expect it);
- its body matches the documented schema for that status, refusals included (the error shape:
  `code` for programs, `message` for people);
- input that breaks the schema is refused with a 4xx, never accepted.

Operations are read from the document, so an endpoint added later is fuzzed without anyone
remembering to add it here. The requests go through the WSGI application in-process, inside
the test's transaction, so the same module runs on SQLite and (under CI) on PostgreSQL.
`OPENHALL_FUZZ_EXAMPLES=200` searches harder.
"""

import copy
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from openhall import factories
from openhall.api import api
from openhall.wsgi import application

EXAMPLES = int(os.environ.get("OPENHALL_FUZZ_EXAMPLES", "15"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def in_test_transaction(environ, start_response):
    """The real WSGI application, minus what only suits a server: Django closes "old" database
    connections when a request starts and ends, which inside a test's transaction would throw
    away every row the test made (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


def document_without_security() -> dict:
    """The OpenAPI document minus its security schemes. Each test sends its persona's bearer
    token; left in, the schemes make schemathesis draw Authorization headers and sessionid
    cookies of its own, and a case whose only broken part is a header the test replaced would
    count as garbage accepted. Sign-in is attacked in accounts/tests/test_tokens.py."""
    document = copy.deepcopy(api.get_openapi_schema())
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    document["components"].pop("securitySchemes", None)
    return document


schema = schemathesis.openapi.from_dict(document_without_security())
schema.app = in_test_transaction
schema.config.generation.update(modes=list(schemathesis.GenerationMode))


class RealObjects:
    """Ids of real objects of a center by path argument (`booking_id` …), each made the first
    time an operation asks for it: making all of them for every operation would cost more than
    the fuzzing. The resident's bookings and registrations are her own, so that her cancel,
    reschedule and withdraw paths are reached, not only their 404."""

    def __init__(self, center, owner=None):
        self.owner = owner
        self.made: dict[str, int] = {}
        self.makers = {
            "center_id": lambda: center.pk,
            "space_id": lambda: factories.SpaceFactory(center=center).pk,
            "enterprise_id": lambda: factories.EnterpriseFactory(center=center).pk,
            "booking_id": lambda: (
                factories.BookingFactory(center=center, **self.owned("booker")).pk
            ),
            "series_id": lambda: (
                factories.BookingFactory(
                    center=center, series=True, **self.owned("booker")
                ).series_id
            ),
            "article_id": lambda: factories.ArticleFactory(center=center).pk,
            "activity_id": lambda: factories.activity(center).pk,
            "registration_id": lambda: self.registration(center),
            "door_id": lambda: factories.door(center).pk,
            "grant_id": lambda: factories.grant(center).pk,
        }

    def owned(self, field: str) -> dict:
        return {field: self.owner} if self.owner else {}

    def registration(self, center) -> int:
        from openhall.activities.models import Registration

        return Registration.objects.create(
            activity=factories.activity(center),
            user=self.owner or factories.UserFactory(),
            status="confirmed",
            code="FUZZ0001",
        ).pk

    def __contains__(self, name: str) -> bool:
        return name in self.makers

    def __getitem__(self, name: str) -> int:
        if name not in self.made:
            self.made[name] = self.makers[name]()
        return self.made[name]


@pytest.fixture(params=["alice", "olivia"])
def caller(request, time_machine, center_a):
    """(bearer token, center A's objects) for one persona."""
    from openhall.accounts.services import api_token_create

    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    user = request.getfixturevalue(request.param)
    _, token = api_token_create(user=user, name="fuzz")
    return token, RealObjects(center_a, owner=user if request.param == "alice" else None)


@schema.given(data=st.data())
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_whatever_comes_in(case, data, caller):
    token, objects = caller
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if case.path_parameters and (path is None or path.mode.is_positive):
        # Drawn integers almost never name a real object; half the time, aim at one that exists.
        for name in case.path_parameters:
            if name in objects and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = objects[name]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_there_are_operations_to_fuzz():
    # An empty or unreadable document would parametrize nothing, and the fuzz would pass silently.
    operations = [op for ops in schema.raw_schema["paths"].values() for op in ops]
    assert len(operations) >= 40


# What the fuzz found, pinned down so that a smaller fuzz run cannot lose it.


def test_a_series_moved_to_times_with_an_offset_is_refused_not_a_500(
    api_client, time_machine, tom, center_a
):
    # "19:30" is a wall-clock time on each date of the series; "19:30Z" names no wall clock.
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    series_id = factories.BookingFactory(center=center_a, booker=tom, series=True).series_id
    response = api_client(tom).post(
        f"/api/v1/booking-series/{series_id}/reschedule",
        {"start_time": "01:30:55Z", "end_time": "13:15:16+01:12"},
        content_type="application/json",
    )
    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "validation_error"
    assert "当地时间" in answer["details"][0]["msg"]


def test_the_availability_of_a_day_centuries_away_is_refused(
    api_client, time_machine, alice, center_a
):
    # Before 1901 Shanghai kept local mean time (+08:05:43), an offset RFC 3339 cannot write; no
    # one books a room for the year 256 either.
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    space = factories.SpaceFactory(center=center_a)
    client = api_client(alice)
    for day in ("0256-11-27", "9999-12-31"):
        response = client.get(f"/api/v1/spaces/{space.pk}/availability", {"date": day})
        assert response.status_code == 422, day
        assert response.json()["code"] == "validation_error"
    today = client.get(f"/api/v1/spaces/{space.pk}/availability", {"date": "2026-12-01"})
    assert today.status_code == 200


def test_no_two_api_schemas_share_a_name():
    # The document names a component after its class: bookings' ReasonIn (reason optional, 200
    # characters) and activities' ReasonIn (required, 300) became one, and the booking cancel
    # was documented as requiring a reason it does not need.
    from collections import Counter

    from ninja import Schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = Counter(
        s.__name__ for s in set(subclasses(Schema)) if s.__module__.startswith("openhall.")
    )
    assert [name for name, count in names.items() if count > 1] == []


@pytest.mark.parametrize("body", ["57481", '"不来了"', "[]", "true"])
def test_a_body_that_is_not_an_object_is_refused_even_where_every_field_is_optional(
    body, api_client, time_machine, alice, center_a
):
    # django-ninja reads a body's fields as attributes of whatever came: `"不来了"` was read as a
    # cancellation without a reason, and the booking was cancelled.
    from openhall.bookings.models import Booking

    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    booking = factories.BookingFactory(center=center_a, booker=alice)
    response = api_client(alice).post(
        f"/api/v1/bookings/{booking.pk}/cancel", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert Booking.objects.get(pk=booking.pk).status == "requested"
