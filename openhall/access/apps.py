from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "openhall.access"
    verbose_name = _("Door access")

    def ready(self):
        from openhall.access import checks, subscribers  # noqa: F401 — checks register themselves

        subscribers.connect()
