"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "activity.create": pgettext_lazy("audit action", "Activity created"),
    "activity.propose": pgettext_lazy("audit action", "Activity proposed"),
    "activity.update": pgettext_lazy("audit action", "Activity changed"),
    "activity.submit": pgettext_lazy("audit action", "Activity submitted for review"),
    "activity.approve": pgettext_lazy("audit action", "Activity approved"),
    "activity.approve_center": pgettext_lazy("audit action", "Activity approved by the center"),
    "activity.return": pgettext_lazy("audit action", "Activity returned for changes"),
    "activity.session_move": pgettext_lazy("audit action", "Session moved"),
    "activity.cancel": pgettext_lazy("audit action", "Activity cancelled"),
    "activity.complete": pgettext_lazy("audit action", "Activity completed"),
    "activity.photo_add": pgettext_lazy("audit action", "Activity photo added"),
    "registration.cancel": pgettext_lazy("audit action", "Registration cancelled"),
    "registration.move": pgettext_lazy("audit action", "Registration moved"),
    "registration.payment": pgettext_lazy("audit action", "Payment recorded"),
}
FIELD_LABELS = {
    "photo": pgettext_lazy("audit field", "Photo"),
    "code": pgettext_lazy("audit field", "Ticket code"),
    "payment": pgettext_lazy("audit field", "Payment"),
    "method": pgettext_lazy("audit field", "Payment method"),
}
