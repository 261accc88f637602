from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "openhall.wechat"
    label = "wechat"
    verbose_name = _("WeChat Official Account")

    def ready(self):
        from openhall.core.events import subscribe
        from openhall.wechat import services

        subscribe("user.closed", services.wechat_forget_user)
