from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "openhall.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    api_router = "openhall.accounts.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self) -> None:
        from openhall.accounts import checks  # noqa: F401 — registers the start-up checks
