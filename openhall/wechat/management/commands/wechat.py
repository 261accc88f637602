"""`openhall wechat sync-menu [--file menu.json] [--check]`: publish the Official Account's menu."""

from django.core.management.base import BaseCommand, CommandError

from openhall.wechat.client import WechatError, get_client, is_configured
from openhall.wechat.menu import load_menu, validate_menu


class Command(BaseCommand):
    help = "WeChat Official Account tasks: sync-menu publishes the custom menu."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync-menu", help="validate and publish the custom menu")
        sync.add_argument("--file", help="menu JSON (default: WECHAT_MENU_FILE)")
        sync.add_argument("--check", action="store_true", help="validate only, send nothing")

    def handle(self, *args, action: str, **options):
        if action == "sync-menu":
            self.sync_menu(options.get("file"), check=options.get("check", False))

    def sync_menu(self, path: str | None, *, check: bool) -> None:
        try:
            menu = load_menu(path)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the menu: {exc}") from exc
        if errors := validate_menu(menu):
            raise CommandError("the menu breaks WeChat's limits:\n  " + "\n  ".join(errors))
        if check:
            self.stdout.write("menu ok")
            return
        if not is_configured():
            raise CommandError("WECHAT_APP_ID and WECHAT_APP_SECRET are not set")
        try:
            get_client().menu_create(menu)
        except WechatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("menu published"))
