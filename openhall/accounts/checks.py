"""Start-up checks for the sign-in throttles (`openhall check`, and every `runserver`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security)
def proxy_without_trusted_addresses(app_configs, **kwargs):
    # Behind nginx with no trusted proxy every resident seems to come from nginx's address, so
    # the per-address sign-in limit would count the whole site together: one busy evening of
    # typos, or one attacker, and nobody could sign in with a password for 15 minutes.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.OPENHALL_TRUSTED_PROXIES:
        return [
            Warning(
                "BEHIND_PROXY is true but OPENHALL_TRUSTED_PROXIES is empty: every client "
                "appears with the proxy's address to the sign-in throttles and the audit log.",
                hint="Set OPENHALL_TRUSTED_PROXIES to your proxy's address, e.g. 127.0.0.1,::1 "
                "(docs/deployment.md, 'The client address behind a proxy').",
                id="openhall.W007",
            )
        ]
    return []
