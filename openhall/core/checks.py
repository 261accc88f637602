"""`openhall check --deploy`: what a site with real residents must not run with.

Each of these is the right default for `make run` and wrong for a real site, and none of them
fails loudly on its own: console SMS prints sign-in codes to the log, the fake verifier accepts
any well-formed ID number, a WeChat callback without an AES key reads residents' messages in
plaintext, a site without HSTS can be downgraded to http on a café Wi-Fi, and the demo accounts
share one password printed in the README (that check is in openhall/site/checks.py: it needs
the accounts app).
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs) -> list[Warning]:
    found = []
    if settings.SMS_BACKEND == "console":
        found.append(
            Warning(
                "SMS_BACKEND is 'console': sign-in codes are printed to the log, not sent.",
                hint="Set SMS_BACKEND=aliyun or tencent with its keys (docs/configuration.md).",
                id="openhall.W001",
            )
        )
    if settings.IDENTITY_VERIFIER == "fake":
        found.append(
            Warning(
                "IDENTITY_VERIFIER is 'fake': every well-formed ID number passes the real-name check.",
                hint="Set IDENTITY_VERIFIER to a provider adapter.",
                id="openhall.W002",
            )
        )
    if settings.WECHAT_TOKEN and not settings.WECHAT_ENCODING_AES_KEY:
        found.append(
            Warning(
                "The WeChat callback is on without WECHAT_ENCODING_AES_KEY: messages travel in "
                "plaintext and only the query string is signed.",
                hint="Switch the Official Account to safe mode (安全模式) and set its EncodingAESKey.",
                id="openhall.W003",
            )
        )
    if not settings.SECURE_HSTS_SECONDS:
        found.append(
            Warning(
                "SECURE_HSTS_SECONDS is 0: browsers may be talked into plain http.",
                hint="Set SECURE_HSTS_SECONDS=31536000 once https works (or send the header from "
                "nginx, docs/deployment.md).",
                id="openhall.W004",
            )
        )
    return found
