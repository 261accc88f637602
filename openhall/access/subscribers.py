"""Grants follow bookings: whatever happens to a booking, its grant is made to match its state
(approved or checked in → open for its window; anything else → withdrawn). Delivered through the
outbox, so a failure after the booking committed is retried, and the sweep repairs the rest."""

from openhall.core.events import subscribe

BOOKING_EVENTS = (
    "booking.approved", "booking.rescheduled", "booking.cancelled", "booking.rejected",
    "booking.no_show", "booking.expired", "booking.checked_in",
)  # fmt: skip


def booking_changed(*, booking_id: int, **_) -> None:
    from openhall.access.services import grant_sync

    grant_sync(booking_id)


def connect() -> None:
    for event in BOOKING_EVENTS:
        subscribe(event, booking_changed)
