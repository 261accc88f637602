"""Start the ASGI web server and the task worker together; Ctrl-C stops both."""

import signal
import subprocess  # noqa: S404 — we start our own two processes, no shell
import sys
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand

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


class Command(BaseCommand):
    help = "Run the web server (uvicorn, ASGI) and the Huey worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_true", help="web only (workers run elsewhere)"
        )

    def handle(self, *args, host: str, port: int, no_worker: bool, **options):
        refuse_demo_accounts()
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
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        # Everything after the start is inside the try: if the banner fails (an unmigrated
        # database, say), the children are stopped instead of left running without a parent.
        try:
            self._banner(host, port)
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

    def _banner(self, host: str, port: int) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nOpenHall is running: http://{host}:{port}/"))
        self.stdout.write(f"  居民端 resident H5:  http://{host}:{port}/")
        self.stdout.write(f"  工作台 staff console: http://{host}:{port}/console/")
        self.stdout.write(f"  API docs:            http://{host}:{port}/api/v1/docs")
        from openhall.display.demo import DEMO_SCREEN_TOKEN, demo_screen_exists

        if demo_screen_exists():
            self.stdout.write(
                f"  大厅屏 lobby screen:  http://{host}:{port}/display/{DEMO_SCREEN_TOKEN}/"
            )
        if User.objects.filter(mobile=ACCOUNTS[0].mobile).exists():
            self.stdout.write(demo_accounts_text())
        self.stdout.write("Press Ctrl-C to stop.\n")
