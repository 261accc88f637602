"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "article.create": pgettext_lazy("audit action", "Article created"),
    "article.update": pgettext_lazy("audit action", "Article changed"),
    "article.submit": pgettext_lazy("audit action", "Article submitted for review"),
    "article.publish": pgettext_lazy("audit action", "Article published"),
    "article.return": pgettext_lazy("audit action", "Article returned for changes"),
    "article.withdraw": pgettext_lazy("audit action", "Article withdrawn"),
    "article.attachment_add": pgettext_lazy("audit action", "Attachment added"),
    "article.attachment_remove": pgettext_lazy("audit action", "Attachment removed"),
    "article.picture_upload": pgettext_lazy("audit action", "Picture uploaded"),
}
FIELD_LABELS = {
    "attachment": pgettext_lazy("audit field", "Attachment"),
    "size": pgettext_lazy("audit field", "Size (bytes)"),
    "picture": pgettext_lazy("audit field", "Picture"),
}
