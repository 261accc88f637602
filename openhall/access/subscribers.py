"""Grants follow bookings: approval opens the doors for the booking's window; a move moves it;
cancel, reject or no-show closes them. And they follow people: a closed account loses every
grant, a member who leaves a team the grants they had through it. Handlers take ids and are
idempotent (an event may come twice)."""

from openhall.core.events import subscribe


def _booking(booking_id: int):
    from openhall.bookings.models import Booking

    return Booking.objects.select_related("space", "center", "booker").get(pk=booking_id)


def approved(*, booking_id: int, **_) -> None:
    from openhall.access.services import grant_for_booking

    grant_for_booking(_booking(booking_id))


def moved(*, booking_id: int, **_) -> None:
    from datetime import timedelta

    from openhall.access.models import Grant
    from openhall.access.services import grant_move, settings_for

    booking = _booking(booking_id)
    grant = Grant.objects.filter(booking=booking, revoked_at__isnull=True).first()
    if grant is not None:
        rules = settings_for(booking.center)
        grant_move(grant=grant, starts_at=booking.start - timedelta(minutes=rules.early_minutes),
                   ends_at=booking.end + timedelta(minutes=rules.late_minutes))  # fmt: skip


def ended(*, booking_id: int, **_) -> None:
    from openhall.access.models import Grant
    from openhall.access.services import grant_revoke

    grant = Grant.objects.filter(booking_id=booking_id, revoked_at__isnull=True).first()
    if grant is not None:
        grant_revoke(grant=grant, by=None, reason="预约取消/未通过/未到场")


def user_closed(*, user_id: int, **_) -> None:
    from openhall.access.services import grants_withdraw_for_person

    grants_withdraw_for_person(user_id=user_id, reason="账号已注销")


def team_member_left(*, team_id: int, user_id: int, **_) -> None:
    from openhall.access.services import grants_withdraw_for_person

    grants_withdraw_for_person(user_id=user_id, team_id=team_id, reason="已退出团体")


def connect() -> None:
    subscribe("user.closed", user_closed)
    subscribe("team.member_left", team_member_left)
    subscribe("booking.approved", approved)
    subscribe("booking.rescheduled", moved)
    for event in ("booking.cancelled", "booking.rejected", "booking.no_show", "booking.expired"):
        subscribe(event, ended)
