"""Calendar feeds (RFC 5545) of bookings, and the secret tokens in their URLs.

A space feed is public to whoever holds its link (a notice board, a team's shared calendar), so
it shows what the lobby screen shows: approved use only (a request is a private wish until staff
approve it), under its public title (a team's title, or a resident's purpose, never a resident's
own words) and the place, and nothing about the person who booked. A person's
own feed carries their bookings, including cancelled ones marked CANCELLED so that subscribed
calendar apps drop them instead of keeping a stale copy.

Feed URLs carry a signed token instead of a session: calendar apps cannot sign in. The token
signs a rotation counter the caller stores; bumping the counter invalidates every old link
without a table of tokens.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from icalendar import Calendar, Event

from openhall.accounts.models import User
from openhall.bookings.models import Booking
from openhall.bookings.selectors import HELD, public_title
from openhall.venues.models import Space
from openhall.venues.rules import space_ancestry

PRODID = "-//OpenHall//Bookings//ZH"
FEED_SALT = "openhall.feeds"
SPACE_FEED = "space"
USER_FEED = "user"

# A space feed shows what holds (or held) the room; requests, refusals and cancellations are not
# events there.
SPACE_FEED_STATUSES = HELD
ICAL_STATUS = {
    Booking.Status.REQUESTED: "TENTATIVE",
    Booking.Status.APPROVED: "CONFIRMED",
    Booking.Status.CHECKED_IN: "CONFIRMED",
    Booking.Status.COMPLETED: "CONFIRMED",
    # The booking stood; the person did not come. It stays in their history as it was.
    Booking.Status.NO_SHOW: "CONFIRMED",
    Booking.Status.CANCELLED: "CANCELLED",
}


# --- tokens ------------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT)


def feed_token(kind: str, obj_id: int, version: int) -> str:
    """The secret part of a feed URL. `version` is the caller's rotation counter: store it
    with the object and compare it with what `feed_object` returns, so raising it revokes
    every link handed out before."""
    if not kind or ":" in kind:
        raise ValueError(f"feed kind must be a non-empty word without ':', got {kind!r}")
    return _signer().sign(f"{kind}:{int(obj_id)}:{int(version)}")


def feed_object(token: str) -> tuple[str, int, int] | None:
    """(kind, object id, version) of a token, or None when it was not signed by us.

    None covers every malformed token alike, so a caller answers 404 without learning why.
    """
    try:
        value = _signer().unsign(token)
    except (signing.BadSignature, TypeError):
        return None
    kind, _, rest = value.partition(":")
    obj_id, _, version = rest.partition(":")
    try:
        return kind, int(obj_id), int(version)
    except ValueError:
        return None


# --- calendars ---------------------------------------------------------------------------------


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _event(booking: Booking, *, summary: str, location: str) -> Event:
    event = Event()
    event.add("uid", f"booking-{booking.pk}@openhall")
    # UTC needs no VTIMEZONE block and every client reads it the same way.
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    # Without METHOD, DTSTAMP is when the entry last changed (RFC 5545 3.8.7.2): a stable
    # value lets clients skip unchanged events on every refresh.
    event.add("dtstamp", booking.updated_at.astimezone(UTC))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("status", ICAL_STATUS[booking.status])
    return event


def _to_ical(calendar: Calendar, events: Iterable[Event]) -> bytes:
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def _overlapping(bookings: QuerySet[Booking], since: datetime, until: datetime):
    return (
        bookings.filter(start__lt=until, end__gt=since)
        .select_related("space", "space__parent", "center")
        .order_by("start", "pk")
    )


def _space_family(space: Space) -> list[int]:
    """The space, the spaces it is part of, and every part of it: a booking of any of them
    occupies some of this space. A sibling zone does not."""
    ids = [s.pk for s in space_ancestry(space)]
    frontier = [space.pk]
    while frontier:
        frontier = list(Space.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def ical_for_space(*, space: Space, since: datetime, until: datetime) -> bytes:
    bookings = _overlapping(
        Booking.objects.filter(space_id__in=_space_family(space), status__in=SPACE_FEED_STATUSES),
        since,
        until,
    )
    return _to_ical(
        _calendar(str(space)),
        # Public title and place only: never the booker, the team roster or a phone number.
        (_event(b, summary=public_title(b), location=str(b.space)) for b in bookings),
    )


def _center_location(booking: Booking) -> str:
    return " ".join(part for part in (booking.center.name, booking.center.address) if part)


def ical_for_user(*, user: User, since: datetime, until: datetime) -> bytes:
    bookings = _overlapping(
        Booking.objects.filter(booker=user).exclude(status=Booking.Status.REJECTED),
        since,
        until,
    )
    return _to_ical(
        _calendar("我的场地预约"),
        (
            _event(b, summary=f"{b.title} · {b.space}", location=_center_location(b))
            for b in bookings
        ),
    )
