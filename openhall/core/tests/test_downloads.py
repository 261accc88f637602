"""Every export and download, walked per role: who gets a file, and what is in it.

A file leaves the system for good (mailed around, printed, kept on a laptop), so each one is
checked against the people who may ask for it: a resident, an operator and the admin of center
A, the street reviewer, the district viewer and an operator of center B. The URL configuration
and the OpenAPI schema are walked, so a download added later fails here until this file says
who may have it.
"""

import json
import re
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from openhall import factories
from openhall.api import api
from openhall.bookings.feeds import feed_token

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 6, 3)
PERSONAS = ["alice", "olivia", "adam", "rita", "dave", "oscar"]
PRIVATE_TITLE = "陈静 13900000003 看病复诊"

# What each download gives each persona:
#   "bookings"  the per-booking sheet (names, masked phones, titles) and the figures
#   "figures"   figures only: no person, no phone, nothing a resident typed
#   "own"       the asker's own data and nobody else's
#   a number    that status and no file
EXPECTED = {
    "console:booking_export": {
        "alice": 403,
        "olivia": "bookings",
        "adam": "bookings",
        "rita": "figures",
        "dave": "figures",
        "oscar": 404,
    },
    "console:report_export": {
        "alice": 403,
        "olivia": "figures",
        "adam": "figures",
        "rita": "figures",
        "dave": "figures",
        "oscar": "figures",
    },
    "console:access_log_export": {
        "alice": 403,
        "olivia": 200,
        "adam": 200,
        "rita": 403,
        "dave": 403,
        "oscar": 404,
    },
    "portal:export": dict.fromkeys(PERSONAS, "own"),
    # A draft article's file: the center's staff (and the street, which reviews it) only.
    "news:attachment": {
        "alice": 404,
        "olivia": 200,
        "adam": 200,
        "rita": 200,
        "dave": 404,
        "oscar": 404,
    },
    # Calendar apps cannot sign in: the signed token is the key, whoever is signed in.
    "portal:feed": dict.fromkeys(PERSONAS, "figures"),
}

# Matched by the search below but not downloads: uploads and deletions (POST only, covered by
# test_cross_center).
NOT_DOWNLOADS = {"console:article_attachment_add", "console:article_attachment_delete"}
DOWNLOAD_WORDS = re.compile(r"export|xlsx|\.ics|download|attachment|files/", re.IGNORECASE)


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", route


def download_routes() -> dict[str, str]:
    return {
        name: route
        for name, route in walk(get_resolver().url_patterns)
        if DOWNLOAD_WORDS.search(route) and not route.startswith("^media")
    }


def test_every_download_is_known_here():
    found = set(download_routes())
    assert found - NOT_DOWNLOADS == set(EXPECTED), "a new download needs a row in EXPECTED"


def test_the_api_has_no_download_that_is_not_walked_here():
    paths = api.get_openapi_schema()["paths"]
    assert [p for p in paths if DOWNLOAD_WORDS.search(p)] == []


@pytest.fixture
def world(center_a, dance_room, alice, olivia):
    """Center A with a resident's approved booking under a private title, a door opened, and a
    draft article with a file."""
    from openhall.access.models import AccessEvent

    start = datetime(2026, 6, 3, 9, 0, tzinfo=SHANGHAI)
    factories.BookingFactory(
        center=center_a,
        space=dance_room,
        booker=alice,
        title=PRIVATE_TITLE,
        purpose="other",
        status="approved",
        start=start,
        end=start.replace(hour=11),
    )
    door = factories.door(center_a)
    AccessEvent.objects.create(
        door=door, center=center_a, user=alice, method="pin", opened=True, at=start
    )
    attachment = factories.AttachmentFactory(article__center=center_a, article__status="draft")
    return {
        "center_id": center_a.pk,
        "attachment_id": attachment.pk,
        "token": feed_token("space", dance_room.pk, dance_room.feed_version),
    }


def url_for(route: str, ids: dict) -> str:
    path = "/" + route.replace("^", "").replace("$", "")
    for kind, name in re.findall(r"<(int|str):(\w+)>", path):
        path = path.replace(f"<{kind}:{name}>", str(ids[name]))
    return path + f"?since={DAY}&until={DAY}&range=custom"


def file_text(response) -> str:
    """Everything a person could read in the file, whatever its kind."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        book = load_workbook(BytesIO(content))
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return content.decode()


def sheets(response) -> list[str]:
    return load_workbook(BytesIO(response.content)).sheetnames


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_download_gives_each_role_what_it_may_have(
    name, request, client, world, alice, center_a, center_b, olivia, adam, rita, dave, oscar
):
    route = download_routes()[name]
    url = url_for(route, world)
    for persona in PERSONAS:
        person = request.getfixturevalue(persona)
        client.force_login(person)
        with time_machine.travel(datetime(2026, 6, 3, 18, 0, tzinfo=SHANGHAI), tick=False):
            response = client.get(url)
        # Read in full: the test client closes a file download once its content is consumed.
        text = file_text(response) if response.status_code == 200 else ""
        expected = EXPECTED[name][persona]
        got = f"{persona} on {url}: {response.status_code}"
        if isinstance(expected, int):
            assert response.status_code == expected, got
            continue
        assert response.status_code == 200, got
        if expected == "bookings":
            assert PRIVATE_TITLE in text and alice.masked_mobile in text, got
            assert alice.mobile not in text, got  # masked, always
        elif expected == "figures":
            for private in (PRIVATE_TITLE, "13900000003", alice.real_name, alice.masked_mobile):
                assert private not in text, f"{got} carries {private!r}"
        elif expected == "own":
            data = json.loads(text)
            assert data["profile"]["mobile"] == person.mobile, got
            if person != alice:
                assert alice.mobile not in text and PRIVATE_TITLE not in text, got
        if persona == "oscar" and name == "console:report_export":
            assert center_a.name not in text and center_b.name in text, got


def test_a_district_viewer_gets_the_figures_sheet_of_the_bookings_export(client, world, dave):
    client.force_login(dave)
    response = client.get(url_for(download_routes()["console:booking_export"], world))
    assert sheets(response) == ["利用率"]
    assert "utilisation" in response["Content-Disposition"]
