"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "api_token.create": pgettext_lazy("audit action", "API token created"),
    "api_token.revoke": pgettext_lazy("audit action", "API token revoked"),
    "enterprise.create": pgettext_lazy("audit action", "Enterprise registered"),
    "enterprise.verify": pgettext_lazy("audit action", "Enterprise verified"),
    "team.create": pgettext_lazy("audit action", "Team created"),
    "team.member_add": pgettext_lazy("audit action", "Team member added"),
    "team.member_remove": pgettext_lazy("audit action", "Team member removed"),
    "user.close": pgettext_lazy("audit action", "Account closed"),
    "user.identity_failed": pgettext_lazy("audit action", "Identity check failed"),
    "user.identity_verified": pgettext_lazy("audit action", "Identity verified"),
    "user.sign_up": pgettext_lazy("audit action", "Account created"),
    "user.sms_sign_in_refused": pgettext_lazy("audit action", "SMS sign-in refused"),
}
FIELD_LABELS = {
    "leader": pgettext_lazy("audit field", "Leader"),
    "user": pgettext_lazy("audit field", "Person"),
    "role": pgettext_lazy("audit field", "Role"),
    "uscc": pgettext_lazy("audit field", "Unified social credit code"),
    "prefix": pgettext_lazy("audit field", "Token prefix"),
    "revoked_at": pgettext_lazy("audit field", "Revoked at"),
    "via": pgettext_lazy("audit field", "Via"),
    "level": pgettext_lazy("audit field", "Level"),
    "closed": pgettext_lazy("audit field", "Closed"),
}
