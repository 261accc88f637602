"""`openhall check --deploy`: what a production site should not run with."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def lock_simulator_is_off(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.OPENHALL_LOCK_SIMULATOR:
        return []
    return [
        checks.Warning(
            "OPENHALL_LOCK_SIMULATOR is on: simulated doors open from a web keypad anyone who "
            "reaches the site can type on.",
            hint="Set OPENHALL_LOCK_SIMULATOR=false unless this is a demonstration site.",
            id="openhall.W006",
        )
    ]
