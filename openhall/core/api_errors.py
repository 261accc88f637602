"""The API's refusals as the OpenAPI document shows them.

Every 4xx has one shape (written by `openhall.api.error_body`); each operation lists the refusal
statuses it can answer next to its success, so a client generated from /api/v1/openapi.json
expects them and the schemathesis fuzz (openhall/core/tests/test_api_schema.py) holds the API to
that list:

    @router.get("/bookings/{booking_id}", response={200: BookingOut, **refusals(401, 404, 422)})
"""

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str = Field(description="stable, for programs: `not_found`, `conflict`, `in_the_past` …")
    message: str = Field(description="for people, in Chinese by default")
    details: Any = Field(None, description="`null` or structured data that depends on `code`")


def refusals(*statuses: int) -> dict[int, type[ErrorOut]]:
    """401 no valid token or session; 403 may see but not do (and session writes without CSRF);
    404 no such object or one in a center you cannot see; 409 contradicts the present state;
    422 input that does not fit the schema or a rule."""
    return dict.fromkeys(statuses, ErrorOut)
