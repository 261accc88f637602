"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "report.export": pgettext_lazy("audit action", "Report exported"),
}
FIELD_LABELS = {
    "since": pgettext_lazy("audit field", "From"),
}
