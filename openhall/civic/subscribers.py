"""Ledger records kept in step with their sources, through domain events (the ledger never
imports the apps it counts, except bookings, which sits below it)."""

from django.utils import timezone

from openhall.core.events import subscribe


def service_delivered(*, center_id, source, source_id, kind, date, people, note="", **_):
    """Any app's record of a delivered service (an activity completed with its attendance, an
    issue report resolved): `publish_on_commit("service.delivered", …)`."""
    from openhall.civic.services import record_from_source

    record_from_source(
        center_id=center_id,
        source=source,
        source_id=source_id,
        kind=kind,
        date=date,
        people=people,
        note=note,
    )


def service_withdrawn(*, source, source_id, **_):
    from openhall.civic.services import record_withdraw_source

    record_withdraw_source(source=source, source_id=source_id)


# A completed booking is a service: party bookings count as party activities, the rest as room use.
BOOKING_KIND = {"party": "party"}


def booking_completed(*, booking_id: int, **_) -> None:
    from openhall.bookings.models import Booking
    from openhall.civic.services import record_from_source

    booking = Booking.objects.get(pk=booking_id)
    record_from_source(
        center_id=booking.center_id,
        source="booking",
        source_id=booking.pk,
        kind=BOOKING_KIND.get(booking.purpose, "venue"),
        date=timezone.localtime(booking.start).date(),
        people=booking.attendees,
        note=booking.title,
    )


def connect() -> None:
    from openhall.notifications.digest import register_figure

    register_figure(ledger_digest_line)
    subscribe("service.delivered", service_delivered)
    subscribe("service.withdrawn", service_withdrawn)
    subscribe("booking.completed", booking_completed)


def ledger_digest_line(center, since_day, until_day):
    """The weekly digest's line for the ledger: services and people served last week."""
    from django.utils.translation import gettext as _

    from openhall.civic.selectors import totals

    week = totals([center.pk], since_day, until_day)
    if not week["services"]:
        return None
    return _("Staff delivered %(services)d services to %(people)d people.") % week
