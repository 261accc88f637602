"""What the audit log calls what several apps record (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

FIELD_LABELS = {
    "reason": pgettext_lazy("audit field", "Reason"),
    "name": pgettext_lazy("audit field", "Name"),
    "title": pgettext_lazy("audit field", "Title"),
    "start": pgettext_lazy("audit field", "Start"),
    "space": pgettext_lazy("audit field", "Space"),
    "status": pgettext_lazy("audit field", "Status"),
    "audience": pgettext_lazy("audit field", "Audience"),
}
