from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "openhall.activities"
    verbose_name = _("Activities")

    def ready(self):
        from openhall.activities.selectors import digest_line
        from openhall.notifications.digest import register_figure

        register_figure(digest_line)
