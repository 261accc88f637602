from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "openhall.civic"
    verbose_name = _("Civic services")

    def ready(self):
        from openhall.civic import subscribers

        subscribers.connect()
