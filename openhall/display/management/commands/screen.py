"""`openhall screen create --center <id> --name <name> [--layout portrait]` prints the new
screen's URL (the token is shown only now); `openhall screen list --center <id>`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from openhall.core.models import Center
from openhall.display import services
from openhall.display.models import Screen


class Command(BaseCommand):
    help = "Lobby screens: create one (prints its URL) or list a center's screens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a screen and print its URL")
        create.add_argument("--center", type=int, required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--layout", choices=Screen.Layout.values, default="landscape")
        listing = sub.add_parser("list", help="a center's screens and when they were last seen")
        listing.add_argument("--center", type=int, required=True)

    def handle(self, *args, action: str, center: int, **options):
        try:
            place = Center.objects.get(pk=center)
        except Center.DoesNotExist:
            raise CommandError(f"no center with id {center}") from None
        if action == "create":
            try:
                _screen, token = services.screen_create(
                    center=place, by=None, name=options["name"], layout=options["layout"]
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(services.screen_url(token))
            return
        for screen in Screen.objects.filter(center=place):
            seen = screen.last_seen_at.isoformat(timespec="seconds") if screen.last_seen_at else "-"
            self.stdout.write(f"{screen.pk}\t{screen.name}\t{screen.layout}\t{seen}")
