"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

from openhall.display.models import COUNTERS

ACTION_LABELS = {
    "screen.create": pgettext_lazy("audit action", "Screen added"),
    "screen.rotate": pgettext_lazy("audit action", "Screen address changed"),
    "screen.update": pgettext_lazy("audit action", "Screen changed"),
}
VALUE_LABELS = {"counters": COUNTERS}
