"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "access.settings": pgettext_lazy("audit action", "Door access settings changed"),
    "access_log.export": pgettext_lazy("audit action", "Access log exported"),
    "door.create": pgettext_lazy("audit action", "Door added"),
    "door.remote_unlock": pgettext_lazy("audit action", "Door unlocked remotely"),
    "grant.create": pgettext_lazy("audit action", "Door access granted"),
    "grant.repaired": pgettext_lazy("audit action", "Door access repaired"),
    "grant.restore": pgettext_lazy("audit action", "Door access restored"),
    "grant.revoke": pgettext_lazy("audit action", "Door access revoked"),
    "lock.orphans_removed": pgettext_lazy("audit action", "Unknown lock codes removed"),
    "booking.door_member_add": pgettext_lazy("audit action", "Team member given door access"),
    "booking.door_member_remove": pgettext_lazy(
        "audit action", "Team member's door access removed"
    ),
}
FIELD_LABELS = {
    "early": pgettext_lazy("audit field", "Minutes before"),
    "late": pgettext_lazy("audit field", "Minutes after"),
    "from": pgettext_lazy("audit field", "From"),
    "until": pgettext_lazy("audit field", "Until"),
    "driver": pgettext_lazy("audit field", "Lock type"),
    "query": pgettext_lazy("audit field", "Filters"),
    "removed": pgettext_lazy("audit field", "Removed"),
    "found": pgettext_lazy("audit field", "Found"),
    "done": pgettext_lazy("audit field", "Done"),
}
