from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "openhall.activities"
    verbose_name = _("Activities")
    api_router = "openhall.activities.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self):
        from openhall.activities import selectors, services
        from openhall.core.sweeps import register_sweep
        from openhall.notifications.digest import register_figure
        from openhall.notifications.services import Segments, register_audience

        register_figure(selectors.digest_line)
        register_audience(
            "activity", Segments(selectors.registrant_ids, selectors.broadcast_choices)
        )
        register_sweep("activities", services.offers_expire, services.send_reminders)
