"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "broadcast.send": pgettext_lazy("audit action", "Broadcast sent"),
}
FIELD_LABELS = {
    "recipients": pgettext_lazy("audit field", "Recipients"),
}
