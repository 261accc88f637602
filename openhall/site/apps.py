from django.apps import AppConfig


class SiteConfig(AppConfig):
    # No models, so the name is never shown and needs no translation.
    name = "openhall.site"
    label = "site"

    def ready(self) -> None:
        from openhall.site import checks  # noqa: F401 — registers the demo-accounts check
