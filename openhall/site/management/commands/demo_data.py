from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openhall.site.demo import ACCOUNTS, DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Load the demo center, staff, residents, teams and enterprise (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even with DEBUG=false")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo accounts share one public password: refusing with DEBUG=false (use --force)."
            )
        created = load_demo_data()
        summary = (
            ", ".join(f"{k} +{v}" for k, v in created.items())
            if any(created.values())
            else "nothing new"
        )
        self.stdout.write(f"Demo data loaded ({summary}).")


def demo_accounts_text() -> str:
    lines = [f"  {a.mobile}  {a.name:<6}\t{a.role_label}" for a in ACCOUNTS]
    accounts = "\n".join(lines)
    return f"Demo accounts (password: {DEMO_PASSWORD}):\n{accounts}"
