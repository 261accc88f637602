"""Logs an operator can use: one id follows a request through every line, the error body and
the response header; the access line names the route (never the path), the user and the
latency; JSON on request; personal data masked whatever the format."""

import json
import logging

import pytest

from openhall.core import logs


@pytest.fixture
def lines():
    """What the console handler would write, rendered by OpenHall's formatter."""
    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            captured.append(self.format(record))

    handler = Capture()
    handler.setFormatter(logs.formatter(json=True))
    from openhall.core.log_filters import RedactSecrets

    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = logging.getLogger("openhall.access").level
    logging.getLogger("openhall.access").setLevel(logging.INFO)
    yield captured
    root.removeHandler(handler)
    logging.getLogger("openhall.access").setLevel(previous)


def access_lines(lines):
    return [json.loads(line) for line in lines if '"openhall.access"' in line]


@pytest.mark.django_db
def test_one_request_id_is_in_the_header_the_error_body_and_the_access_line(client, lines):
    response = client.get("/api/v1/bookings/99999999")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 16
    assert response.json()["request_id"] == request_id
    (line,) = access_lines(lines)
    assert line["request_id"] == request_id
    assert "99999999" not in line["event"]  # the route, not the path
    assert line["event"].startswith("GET api/v1/") and line["event"].endswith("ms")


@pytest.mark.django_db
def test_the_access_line_names_the_user_and_keeps_the_id_nginx_gave(client, alice, lines):
    client.force_login(alice)
    response = client.get("/me/", HTTP_X_REQUEST_ID="nginx-4f2a9c11d3")
    assert response["X-Request-ID"] == "nginx-4f2a9c11d3"
    (line,) = access_lines(lines)
    assert (line["request_id"], line["user_id"]) == ("nginx-4f2a9c11d3", alice.pk)
    forged = client.get("/me/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert forged["X-Request-ID"] != "<script>alert(1)</script>"


@pytest.mark.django_db
def test_personal_data_is_masked_in_json_lines_too(client, lines):
    logging.getLogger("openhall.test").warning("resident %s asked", "13912345678")
    (line,) = [json.loads(x) for x in lines if "resident" in x]
    assert line["event"] == "resident 139****5678 asked"
    assert line["level"] == "warning"


def test_the_plain_format_is_one_readable_line():
    record = logging.LogRecord("openhall.x", logging.INFO, __file__, 1, "hello %s", ("王芳",), None)
    text = logs.formatter(json=False).format(record)
    assert "hello 王芳" in text and "\n" not in text
