from datetime import datetime, time, timedelta

from django.utils import timezone


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) time `days` from today."""
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute))
    )


def book(
    space,
    who,
    start,
    end,
    *,
    by=None,
    title="读书会",
    purpose="public_benefit",
    attendees=10,
    **kwargs,
):
    """Request a booking the way most tests need it: `who` books for themselves unless `by`."""
    from openhall.bookings import services

    return services.booking_request(
        space=space,
        booker=who,
        by=by or who,
        start=start,
        end=end,
        title=title,
        purpose=purpose,
        attendees=attendees,
        **kwargs,
    )
