"""Chinese first: every H5 and console page, as every kind of visitor sees it in zh-hans, shows no
English word a person would have to read (a msgid left untranslated, a raw status code, an
audit action name).

The test walks the URL configuration, so a page added later is covered without anyone
remembering it here; a new kind of id in a URL fails loudly until this file can make one.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from e2e.conftest import pinned_instant
from openhall import factories

# Latin words a Chinese page may show: product and standard names, units, codes people type.
ALLOWED = {
    "openhall",  # the product
    "pin",  # 临时密码/PIN: what the lock's keypad calls it
    "excel",  # products and formats people know by these names
    "ical",
    "ics",  # the calendar file a link downloads (.ics)
    "pdf",
    "word",
    "powerpoint",
    "zigbee",
}

# Not pages a person reads in the UI: machine endpoints, downloads, streams, redirects.
SKIPPED_ROUTES = (
    "healthz",
    "readyz",
    "metrics",
    "wechat/",
    "feeds/",
    "i18n/",
    "logout/",
    "elder-mode/",
    "me/export/",
    "access/ttlock/",
    "display/<str:token>/events",
    "news/files/",
)

# Other states of one page, worth reading too: a query added to its URL, or another URL of the
# same page ("/..."); {name} is an id from `a_lived_in_center`.
VARIANTS = {
    "console/c/<int:center_id>/bookings/calendar/": ["?view=week"],
    "console/c/<int:center_id>/booking-rules/": ["?space={space_id}"],
    "console/c/<int:center_id>/audit/": ["?action=booking"],
    "book/find/": ["?start=19:00&end=20:00&attendees=5"],
    "activities/": ["?type=lecture"],
    # An activity and an article waiting for review show the reviewer's buttons and checklist.
    "console/c/<int:center_id>/activities/<int:activity_id>/": [
        "/console/c/{center_id}/activities/{submitted_activity_id}/",
        "/console/c/{center_id}/activities/{cost_activity_id}/",
    ],
    "console/c/<int:center_id>/news/<int:article_id>/": [
        "/console/c/{center_id}/news/{article_in_review_id}/"
    ],
    "activities/<int:activity_id>/": ["/activities/{cost_activity_id}/"],
}

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
URL_OR_EMAIL = re.compile(r"(https?://|www\.)\S+|\S+@\S+\.\w+|/\S*")
# Text a browser never shows is not checked (the <title> in the <head> is: it names the tab).
INVISIBLE = {"script", "style", "template", "noscript"}
ATTRIBUTES_PEOPLE_READ = ("placeholder", "title", "aria-label", "alt")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden_depth = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE:
            self.hidden_depth += 1
            return
        if self.hidden_depth:
            return
        attrs = dict(attrs)
        for name in ATTRIBUTES_PEOPLE_READ:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.chunks.append(data)


def english_words(html: str, allowed: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    words = []
    for chunk in parser.chunks:
        for word in WORD.findall(URL_OR_EMAIL.sub(" ", chunk)):
            if len(word) < 2 or word.lower() in allowed:
                continue  # a single letter is a zone (A区) or a size (S/M/L)
            if word.isupper() and len(word) <= 4:
                continue  # an abbreviation or a code people copy (USCC, QR)
            words.append(word)
    return words


def page_routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("api/", "django-admin/", "^")):
                    yield from walk(pattern.url_patterns, route)
            elif (
                isinstance(pattern, URLPattern)
                and not route.startswith(("^", *SKIPPED_ROUTES))
                and not route.endswith((".xlsx", "export/"))
            ):
                yield route

    return list(walk(get_resolver().url_patterns))


def page_url(route: str, ids: dict) -> str:
    for kind, name in re.findall(r"<(\w+):(\w+)>", route):
        if name not in ids:
            raise KeyError(f"test_pages_speak_chinese does not know how to make a '{name}'")
        route = route.replace(f"<{kind}:{name}>", str(ids[name]))
    return "/" + route


@pytest.fixture
def _a_weekday_evening():
    with time_machine.travel(pinned_instant("weekday-evening"), tick=False):
        yield


@pytest.fixture
def a_lived_in_center(_a_weekday_evening, center_a, alice, olivia, adam, dance_room):
    """Center A after some use: a booking with its history (requested, approved, moved), an
    activity alice registered for, doors, a screen, the ledger, news, a team and an enterprise —
    so the audit log and every detail page have something to show."""
    from openhall.activities.models import Registration
    from openhall.bookings.services import booking_approve, booking_reschedule
    from openhall.civic.services import service_counters
    from openhall.display.services import screen_create

    booking = factories.BookingFactory(center=center_a, space=dance_room, booker=alice)
    factories.BookingFactory(center=center_a, space=dance_room, booker=alice, at_hour=15)
    booking_approve(booking=booking, by=olivia)
    booking_reschedule(
        booking=booking,
        by=olivia,
        start=booking.start + timedelta(hours=1),
        end=booking.end + timedelta(hours=1),
    )
    registration = Registration.objects.create(
        activity=factories.activity(center_a), user=alice, status="confirmed", code="A1B2C3D4"
    )
    screen, token = screen_create(center=center_a, by=adam, name="大厅屏")
    team = factories.TeamFactory(center=center_a)
    article = factories.ArticleFactory(
        center=center_a, status="published", published_at=timezone.now()
    )
    return {
        "center_id": center_a.pk,
        "team_id": team.pk,
        "enterprise_id": factories.EnterpriseFactory(center=center_a).pk,
        "booking_id": booking.pk,
        "series_id": factories.BookingFactory(center=center_a, series=True).series_id,
        "space_id": dance_room.pk,
        "photo_id": factories.SpacePhotoFactory(space=dance_room).pk,
        "article_id": article.pk,
        "attachment_id": factories.AttachmentFactory(article=article).pk,
        "record_id": factories.service_record(center_a).pk,
        "screen_id": screen.pk,
        "token": token,
        "activity_id": registration.activity_id,
        "session_id": registration.activity.sessions.get().pk,
        "registration_id": registration.pk,
        "door_id": factories.door(center_a).pk,
        "grant_id": factories.grant(center_a).pk,
        "column": "notices",
        "user_id": alice.pk,
        "counter_id": service_counters(center_a)[0].pk,
        "submitted_activity_id": factories.activity(center_a, status="submitted").pk,
        "cost_activity_id": factories.activity(center_a, fee="cost", price=10).pk,
        "article_in_review_id": factories.ArticleFactory(center=center_a, status="in_review").pk,
    }


def test_the_reader_finds_english_only_where_people_see_it():
    html = (
        "<html><head><title>Booking</title><script>var s = 'approved';</script></head>"
        "<body><p>已通过 requested</p><a href='/book/'>https://example.com/x 91210204MA0000002J</a>"
        "<input placeholder='Reason'><style>.open { color: red }</style> OpenHall PIN</body></html>"
    )
    assert english_words(html, ALLOWED) == ["Booking", "requested", "Reason"]


def test_the_walk_covers_the_h5_and_the_console():
    routes = page_routes()
    assert "" in routes and "console/c/<int:center_id>/audit/" in routes
    assert len(routes) >= 60


@pytest.mark.parametrize("persona", ["anonymous", "alice", "olivia", "adam"])
def test_every_page_reads_in_chinese(persona, request, client, a_lived_in_center, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    allowed = ALLOWED
    found = {}
    read = 0
    urls = []
    for route in page_routes():
        url = page_url(route, a_lived_in_center)
        for variant in VARIANTS.get(route, []):
            variant = variant.format(**a_lived_in_center)
            urls.append(variant if variant.startswith("/") else url + variant)
        urls.append(url)
    for url in urls:
        response = client.get(url, headers={"accept-language": "zh-hans"})
        # Refusals (403, 404) are pages people read too; a redirect or a 405 shows nothing.
        if response.status_code in (301, 302, 405) or "text/html" not in response.get(
            "Content-Type", ""
        ):
            continue
        if getattr(response, "streaming", False):
            continue
        read += 1
        words = english_words(response.content.decode(), allowed)
        if words:
            found[url] = sorted(set(words))
    assert read >= 5
    report = "\n".join(f"{url}: {' '.join(words)}" for url, words in found.items())
    assert not found, f"English on {len(found)} page(s) as {persona}:\n{report}"
