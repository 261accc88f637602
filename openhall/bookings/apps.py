from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "openhall.bookings"
    label = "bookings"
    verbose_name = _("Bookings")
    api_router = "openhall.bookings.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self):
        from openhall.bookings import services
        from openhall.core.sweeps import register_sweep

        register_sweep("bookings", services.booking_sweep)
