"""Shapes the API modules share: request bodies, and refusals as the OpenAPI document shows them.

Every 4xx has one shape (written by `openhall.api.error_body`); each operation lists the refusal
statuses it can answer next to its success, so a client generated from /api/v1/openapi.json
expects them and the schemathesis fuzz (openhall/core/tests/test_api_schema.py) holds the API to
that list:

    @router.get("/bookings/{booking_id}", response={200: BookingOut, **refusals(401, 404, 422)})
"""

from typing import Any

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import model_validator


class BodyIn(Schema):
    """The base of every request body. A ninja Schema reads its fields as attributes of whatever
    it is given, so a body of `"不来了"` or `5` passed as a cancellation without a reason; a
    body must be a JSON object."""

    @model_validator(mode="wrap")
    @classmethod
    def an_object(cls, data: Any, handler):
        if not isinstance(data, dict | cls):
            raise ValueError(gettext("The request body must be a JSON object."))
        return handler(data)


class ErrorOut(Schema):
    code: str = Field(
        min_length=1, description="stable, for programs: `not_found`, `conflict`, `in_the_past` …"
    )
    message: str = Field(min_length=1, description="for people, in Chinese by default")
    details: Any = Field(None, description="`null` or structured data that depends on `code`")
    request_id: str | None = Field(
        None, description="the id an operator finds the request by in the logs, when known"
    )


def refusals(*statuses: int) -> dict[int, type[ErrorOut]]:
    """401 no valid token or session; 403 may see but not do (and session writes without CSRF);
    404 no such object or one in a center you cannot see; 409 contradicts the present state;
    413 a body over the size limit; 422 input that does not fit the schema or a rule. 400 (a body
    that cannot be parsed) and 413 go with every operation that takes a body."""
    return dict.fromkeys(statuses, ErrorOut)
