from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "openhall.activities"
    verbose_name = _("Activities")
    api_router = "openhall.activities.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self):
        from openhall.activities import notices, selectors, signup
        from openhall.core.sweeps import register_sweep
        from openhall.notifications.digest import register_figure
        from openhall.notifications.services import Segments, register_audience
        from openhall.notifications.subscribers import register_told_elsewhere

        register_figure(selectors.digest_line)
        register_audience(
            "activity", Segments(selectors.registrant_ids, selectors.broadcast_choices)
        )
        # An activity's room bookings: the activity tells its writer and registrants itself
        # (four sessions sent four "预约已通过" before).
        register_told_elsewhere(selectors.holds_a_session)
        register_sweep("activities", signup.offers_expire, notices.send_reminders)
