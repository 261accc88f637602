"""Grants follow bookings: whatever happens to a booking, its grant is made to match its state
(approved or checked in → open for its window; anything else → withdrawn). And they follow
people: a closed account loses every grant, a member who leaves a team the grants they had
through it. Delivered through the outbox (at least once; handlers take ids and are idempotent),
and the minute sweep repairs whatever still disagrees.
"""

from openhall.core.events import subscribe

BOOKING_EVENTS = (
    "booking.approved",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.rejected",
    "booking.no_show",
    "booking.expired",
    "booking.checked_in",
)


def booking_changed(*, booking_id: int, **_) -> None:
    from openhall.access.grants import grant_sync

    grant_sync(booking_id)


def user_closed(*, user_id: int, **_) -> None:
    from openhall.access.grants import grants_withdraw_for_person

    grants_withdraw_for_person(user_id=user_id, reason="账号已注销")


def team_member_left(*, team_id: int, user_id: int, **_) -> None:
    from openhall.access.grants import grants_withdraw_for_person

    grants_withdraw_for_person(user_id=user_id, team_id=team_id, reason="已退出团体")


def connect() -> None:
    for event in BOOKING_EVENTS:
        subscribe(event, booking_changed)
    subscribe("user.closed", user_closed)
    subscribe("team.member_left", team_member_left)
