"""`openhall check --deploy --database default`: the demo accounts must not reach a real site.

It lives here, not beside the other deploy checks in core, because it needs the demo data and
the accounts app, which core may not import.
"""

from django.core.checks import Tags, Warning, register


@register(Tags.security, Tags.database, deploy=True)
def demo_accounts(app_configs, databases=None, **kwargs) -> list[Warning]:
    """Runs with `check --deploy --database default` (Django skips database checks otherwise)."""
    if not databases:
        return []
    from openhall.accounts.models import User
    from openhall.site.demo import ACCOUNTS

    if not User.objects.filter(mobile__in=[a.mobile for a in ACCOUNTS]).exists():
        return []
    return [
        Warning(
            "The demo accounts exist in this database; they share one published password.",
            hint="Delete them, or set OPENHALL_DEMO_SITE=true if this is a demo or training site.",
            id="openhall.W005",
        )
    ]
