"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "demo_data.load": pgettext_lazy("audit action", "Demo data loaded"),
}
