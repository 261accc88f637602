from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisplayConfig(AppConfig):
    name = "openhall.display"
    verbose_name = _("Lobby display")

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from openhall.access import selectors as access
        from openhall.activities import selectors as activities
        from openhall.display import sources, subscribers

        subscribers.connect()
        sources.register_schedule(activities.today_sessions)
        sources.register_counter("door_entries", _("Door entries"), access.door_entries)
        sources.register_counter(
            "registrations", _("Registrations today"), activities.registrations_today
        )
        sources.register_counter(
            "activity_check_ins", _("Activity check-ins"), activities.check_ins_today
        )
