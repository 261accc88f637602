"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "space.create": pgettext_lazy("audit action", "Space added"),
    "space.update": pgettext_lazy("audit action", "Space changed"),
    "space_photo.add": pgettext_lazy("audit action", "Space photo added"),
    "space_photo.delete": pgettext_lazy("audit action", "Space photo deleted"),
    "booking_rule.update": pgettext_lazy("audit action", "Booking rules changed"),
    "closure.create": pgettext_lazy("audit action", "Closure added"),
    "opening_hours.update": pgettext_lazy("audit action", "Opening hours changed"),
    "opening_hours.close_day": pgettext_lazy("audit action", "Day closed"),
}
FIELD_LABELS = {
    "caption": pgettext_lazy("audit field", "Caption"),
    "file": pgettext_lazy("audit field", "File"),
    "weekday": pgettext_lazy("audit field", "Weekday"),
}
