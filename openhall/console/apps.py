from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def count_pending_approvals(request) -> None:
    """The approvals badge in the menu of every center page an operator opens."""
    from openhall.bookings.selectors import pending_approvals
    from openhall.core.permissions import Perm

    if Perm.OPERATE in request.center_perms:
        request.pending_count = pending_approvals(center=request.center).count()


class ConsoleConfig(AppConfig):
    name = "openhall.console"
    label = "console"
    verbose_name = _("Console")

    def ready(self) -> None:
        from openhall.core.decorators import on_center_page

        on_center_page(count_pending_approvals)
