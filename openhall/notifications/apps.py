from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "openhall.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from openhall.notifications import subscribers

        subscribers.connect()
