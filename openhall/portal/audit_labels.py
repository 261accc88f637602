"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "calendar_feed.rotate": pgettext_lazy("audit action", "Calendar link renewed"),
}
