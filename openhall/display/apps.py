from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisplayConfig(AppConfig):
    name = "openhall.display"
    verbose_name = _("Lobby display")

    def ready(self):
        from openhall.display import subscribers

        subscribers.connect()
