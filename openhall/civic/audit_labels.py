"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "ledger.add": pgettext_lazy("audit action", "Ledger record added"),
    "ledger.update": pgettext_lazy("audit action", "Ledger record changed"),
    "ledger.delete": pgettext_lazy("audit action", "Ledger record deleted"),
    "ledger.counter_create": pgettext_lazy("audit action", "Service counter added"),
    "ledger.counter_update": pgettext_lazy("audit action", "Service counter changed"),
    "ledger.counter_delete": pgettext_lazy("audit action", "Service counter deleted"),
}
