from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "openhall.reports"
    verbose_name = _("Reports")

    def ready(self):
        from openhall.reports.sections import activities_section
        from openhall.reports.selectors import register_section

        register_section(activities_section)
