"""Changes that lobby screens show. The payloads carry ids; the screen rebuilds its picture."""

from openhall.core.events import subscribe
from openhall.display.live import changed

BOOKING_EVENTS = [
    "booking.requested",
    "booking.approved",
    "booking.rejected",
    "booking.cancelled",
    "booking.checked_in",
    "booking.completed",
    "booking.no_show",
    "booking.rescheduled",
    "booking.expired",
]
CENTER_EVENTS = [
    "ledger.changed",
    "access.door_opened",
    "activity.registered",
    "activity.checked_in",
    "activity.published",
    "activity.changed",
]


def booking_changed(*, booking_id: int, center_id: int | None = None, **_) -> None:
    # The booking services name the center (a query less after every booking); events stored
    # before they did, or published elsewhere, are looked up.
    if center_id is None:
        from openhall.bookings.models import Booking

        center_id = (
            Booking.objects.filter(pk=booking_id).values_list("center_id", flat=True).first()
        )
    changed(center_id)


def center_changed(*, center_id: int, **_) -> None:
    changed(center_id)


def connect() -> None:
    # Live signals, not durable follow-ups: a screen that misses one rebuilds within a minute.
    for event in BOOKING_EVENTS:
        subscribe(event, booking_changed, durable=False)
    for event in CENTER_EVENTS:
        subscribe(event, center_changed, durable=False)
