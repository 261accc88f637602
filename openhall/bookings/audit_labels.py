"""What the audit log and a booking's history call this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "booking.request": pgettext_lazy("audit action", "Booking requested"),
    "booking.approve": pgettext_lazy("audit action", "Booking approved"),
    "booking.reject": pgettext_lazy("audit action", "Booking rejected"),
    "booking.cancel": pgettext_lazy("audit action", "Booking cancelled"),
    "booking.check_in": pgettext_lazy("audit action", "Booking checked in"),
    "booking.reschedule": pgettext_lazy("audit action", "Booking moved"),
    "bookings.export": pgettext_lazy("audit action", "Bookings exported"),
}
FIELD_LABELS = {
    "per_booking": pgettext_lazy("audit field", "One row per booking"),
}
