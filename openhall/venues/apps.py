from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _setup_changed(sender, instance, **kwargs) -> None:
    from openhall.venues.rules import setup_changed

    setup_changed(instance.center_id)


class VenuesConfig(AppConfig):
    name = "openhall.venues"
    label = "venues"
    verbose_name = _("Venues")
    api_router = "openhall.venues.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self) -> None:
        # Any write to what a booking is checked against retires the cached center setup
        # (venues.rules.center_setup), whichever code path makes it: services, admin, shell.
        from openhall.venues.models import BookingRule, Closure, OpeningHours, Space

        for model in (Space, BookingRule, OpeningHours, Closure):
            post_save.connect(_setup_changed, sender=model, dispatch_uid=f"setup-{model.__name__}")
            post_delete.connect(
                _setup_changed, sender=model, dispatch_uid=f"setup-del-{model.__name__}"
            )
