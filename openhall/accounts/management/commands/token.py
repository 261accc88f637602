from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from openhall.accounts import services
from openhall.accounts.models import ApiToken, User
from openhall.accounts.validators import normalize_mobile


class Command(BaseCommand):
    help = "Personal API tokens: create (printed once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it")
        create.add_argument("--user", required=True, help="the user's mobile number")
        create.add_argument("--name", default="cli", help="what the token is for")
        create.add_argument("--days", type=int, default=None, help="expire after this many days")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("--prefix", required=True)

    def handle(self, *args, action: str, user: str, **options):
        person = User.objects.filter(mobile=normalize_mobile(user)).first()
        if person is None:
            raise CommandError(f"no user with mobile number {user}")
        if action == "create":
            expires = timezone.now() + timedelta(days=options["days"]) if options["days"] else None
            _, raw = services.api_token_create(
                user=person, name=options["name"], expires_at=expires
            )
            self.stdout.write(raw)
        elif action == "list":
            for token in person.api_tokens.order_by("-created_at"):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(
                    f"{token.prefix}…\t{token.name}\t{state}\tlast used {token.last_used_at or '-'}"
                )
        else:
            token = ApiToken.objects.filter(user=person, prefix=options["prefix"]).first()
            if token is None:
                raise CommandError("no such token")
            services.api_token_revoke(token=token, by=person)
            self.stdout.write("revoked")
