"""Start the ASGI web server and the task worker together; Ctrl-C stops both."""

import os
import signal
import subprocess  # noqa: S404 — we start our own two processes, no shell
import sys
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from openhall.accounts.models import User
from openhall.site.demo import ACCOUNTS
from openhall.site.management.commands.demo_data import demo_accounts_text


def refuse_demo_accounts() -> None:
    """The demo accounts share one published password: a production site (DEBUG=false) that
    has them refuses to start, unless it says it is a demo (OPENHALL_DEMO_SITE=true)."""
    if settings.DEBUG or settings.OPENHALL_DEMO_SITE:
        return
    if User.objects.filter(mobile__in=[a.mobile for a in ACCOUNTS]).exists():
        raise ImproperlyConfigured(
            "The demo accounts exist in this database and DEBUG=false: delete them, or set "
            "OPENHALL_DEMO_SITE=true on a demo or training site."
        )


# The template ids the fake WeChat accepts, so booking notices and broadcasts go out as
# template messages on `make run` (a real site names its own in WECHAT_TEMPLATES).
FAKE_TEMPLATES = "booking=FAKE_booking,notice=FAKE_notice"


def refuse_fake_wechat() -> None:
    """The fake WeChat signs anyone in as any WeChat user: development only."""
    if not settings.DEBUG:
        raise CommandError(
            "--fake-wechat is for development only and refused with DEBUG=false: "
            "configure the real Official Account (docs/wechat.md)."
        )


def start_fake_wechat(port: int = 0):
    """Serve the fake WeChat on 127.0.0.1 from this process and return (server, url, env): the
    environment that points the web server and the worker at it, so both share one fake (a
    sign-in's openid is known when the worker sends it a template message)."""
    from openhall.wechat.fake import DEV_FAKE
    from openhall.wechat.models import WechatAccount

    refuse_fake_wechat()
    for openid in WechatAccount.objects.values_list("openid", flat=True):
        DEV_FAKE.add_user(openid)  # accounts bound on an earlier run still get their messages
    server, url = DEV_FAKE.serve_in_thread(port)
    env = {
        "WECHAT_FAKE_SERVER": "true",
        "WECHAT_API_BASE": url,
        "WECHAT_OAUTH_BASE": url.rstrip("/"),
        "WECHAT_APP_ID": DEV_FAKE.app_id,
        "WECHAT_APP_SECRET": DEV_FAKE.app_secret,
        "WECHAT_TEMPLATES": os.environ.get("WECHAT_TEMPLATES") or FAKE_TEMPLATES,
    }
    return server, url, env


def publish_menu_to(url: str) -> None:
    """Publish openhall/wechat/menu.json to the fake, as `openhall wechat sync-menu` would."""
    from openhall.wechat.client import WechatClient
    from openhall.wechat.fake import DEV_FAKE
    from openhall.wechat.menu import load_menu

    client = WechatClient(app_id=DEV_FAKE.app_id, app_secret=DEV_FAKE.app_secret, api_base=url)
    client.menu_create(load_menu(None))


class Command(BaseCommand):
    help = "Run the web server (uvicorn, ASGI) and the Huey worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_true", help="web only (workers run elsewhere)"
        )
        parser.add_argument(
            "--fake-wechat",
            action="store_true",
            help="development only (refused with DEBUG=false): run a fake WeChat beside the "
            "server for WeChat sign-in, the menu and template messages",
        )

    def handle(self, *args, host: str, port: int, no_worker: bool, fake_wechat: bool, **options):
        refuse_demo_accounts()
        child_env = dict(os.environ)
        fake_url = ""
        if fake_wechat:
            fake_server, fake_url, fake_env = start_fake_wechat()
            child_env.update(fake_env)
            publish_menu_to(fake_url)
        web = [
            sys.executable,
            "-m",
            "uvicorn",
            "openhall.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
        ]
        # Open lobby-screen streams never end by themselves: give them 3 s, then stop.
        web += ["--timeout-graceful-shutdown", "3"]
        if not settings.DEBUG:
            web += ["--proxy-headers", "--no-server-header"]
        commands = {"web": web}
        if not no_worker:
            commands["worker"] = [sys.executable, "-m", "openhall.cli", "run_huey", "--quiet"]
        processes = {
            name: subprocess.Popen(cmd, env=child_env)  # noqa: S603
            for name, cmd in commands.items()
        }
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        # Everything after the start is inside the try: if the banner fails (an unmigrated
        # database, say), the children are stopped instead of left running without a parent.
        try:
            self._banner(host, port, fake_url)
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; shutting down.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for p in processes.values():
                if p.poll() is None:
                    p.terminate()
            for p in processes.values():
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
            if fake_url:
                fake_server.shutdown()
                fake_server.server_close()

    def _banner(self, host: str, port: int, fake_url: str = "") -> None:
        self.stdout.write(self.style.SUCCESS(f"\nOpenHall is running: http://{host}:{port}/"))
        self.stdout.write(f"  居民端 resident H5:  http://{host}:{port}/")
        self.stdout.write(f"  工作台 staff console: http://{host}:{port}/console/")
        self.stdout.write(f"  API docs:            http://{host}:{port}/api/v1/docs")
        from openhall.display.demo import DEMO_SCREEN_TOKEN, demo_screen_exists

        if demo_screen_exists():
            self.stdout.write(
                f"  大厅屏 lobby screen:  http://{host}:{port}/display/{DEMO_SCREEN_TOKEN}/"
            )
        if fake_url:
            self.stdout.write(
                f"  微信(模拟) fake WeChat: {fake_url}  (menu and messages sent; "
                f"微信登录 on http://{host}:{port}/login/)"
            )
        if User.objects.filter(mobile=ACCOUNTS[0].mobile).exists():
            self.stdout.write(demo_accounts_text())
        self.stdout.write("Press Ctrl-C to stop.\n")
