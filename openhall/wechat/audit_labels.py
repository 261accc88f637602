"""What the audit log calls this app's actions (core/audit_display.py)."""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "wechat.bind": pgettext_lazy("audit action", "WeChat linked"),
    "user.wechat_sign_in_refused": pgettext_lazy("audit action", "WeChat sign-in refused"),
}
