"""Browser tests: a real `openhall serve` on a fresh SQLite database, driven by Debian's Chromium.

The server is started exactly as `make run` starts it (migrate, demo data, web + worker), so
these tests also prove that a newcomer's first run works.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta
from datetime import time as at_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from openhall.core.clock import pinned_now

CHROMIUM = os.environ.get("OPENHALL_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The server under test runs on a pinned clock (openhall/core/clock.py), so no browser test
# depends on the hour or the weekday CI happens to run at. Each clock is a session of its own:
# a weekday morning (staffed, rooms free), the same weekday after closing (every room closed)
# and a Sunday (open, unstaffed). OPENHALL_E2E_CLOCKS=weekday-evening runs one of them.
CLOCKS = {
    "weekday-morning": (0, at_time(10, 0)),
    "weekday-evening": (0, at_time(21, 45)),
    "sunday": (4, at_time(10, 0)),
}


def real_time() -> float:
    """The machine's time, even while this test process runs on a pinned clock
    (OPENHALL_TEST_CLOCK): the servers under test pin themselves from the real time."""
    import time_machine

    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.time.time()
    return time.time()


def pinned_instant(clock: str, today: date | None = None) -> datetime:
    """The coming Wednesday (1–7 days ahead, so the real date stays near) or the Sunday after."""
    today = today or datetime.fromtimestamp(real_time(), SHANGHAI).date()
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    days, at = CLOCKS[clock]
    return datetime.combine(wednesday + timedelta(days=days), at, tzinfo=SHANGHAI)


def _clock_params() -> list[str]:
    chosen = os.environ.get("OPENHALL_E2E_CLOCKS", "").replace(" ", "")
    return [c for c in chosen.split(",") if c in CLOCKS] or list(CLOCKS)


@pytest.fixture(scope="session", params=_clock_params())
def live_clock(request) -> str:
    """The pinned clock's name; the server's time is `server_now(live_env)`."""
    return request.param


def server_now(env: dict) -> datetime:
    """What the server under test reads as now (Asia/Shanghai)."""
    return pinned_now(
        env["OPENHALL_CLOCK"], since=float(env["OPENHALL_CLOCK_SINCE"]), real_now=real_time()
    ).astimezone(SHANGHAI)


@pytest.fixture(scope="session")
def live_var(tmp_path_factory, live_clock):
    """The server's OPENHALL_VAR_DIR (its SQLite database and serve.log)."""
    return tmp_path_factory.mktemp(f"openhall-var-{live_clock}")


@pytest.fixture(scope="session")
def live_env(live_var, live_clock):
    """The environment the live server runs with (its database and its clock), for setting up
    test data too."""
    return {
        **os.environ,
        "DEBUG": "true",
        "OPENHALL_VAR_DIR": str(live_var),
        "DATABASE_URL": f"sqlite:///{live_var / 'e2e.sqlite3'}",
        "REDIS_URL": "",
        "PYTHONWARNINGS": "ignore",
        "OPENHALL_CLOCK": pinned_instant(live_clock).isoformat(),
        "OPENHALL_CLOCK_SINCE": repr(real_time()),
    }


def start_serve(env: dict, port: int, *options: str, log_path=None) -> subprocess.Popen:
    """`openhall serve` on `port`, once it answers /healthz (or the test fails with its log)."""
    log = log_path.open("w") if log_path else subprocess.DEVNULL
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "openhall.cli", "serve", "--port", str(port), *options],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if log_path:
        log.close()  # the server writes through its own copy
    deadline = time.monotonic() + 60  # a busy 2-core CI machine starts it slowly
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                server.wait(timeout=15)
                pytest.fail(
                    "openhall serve did not start:\n" + (log_path.read_text() if log_path else "")
                )
            time.sleep(0.3)


@pytest.fixture(scope="session")
def live_openhall(live_var, live_env):
    cli = [sys.executable, "-m", "openhall.cli"]
    for step in (["migrate", "--noinput", "-v0"], ["demo_data"]):
        subprocess.run(cli + step, env=live_env, check=True, capture_output=True)  # noqa: S603
    port = _free_port()
    server = start_serve(live_env, port, log_path=live_var / "serve.log")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=15)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_resident(live_openhall, live_env):
    """`new_resident(name)` → the mobile number of a resident made for this test alone (password
    PASSWORD of test_shells), so tests share no bookings, quotas or registrations."""
    made = []

    def make(name: str = "测试居民") -> str:
        mobile = f"137{len(made):02d}{secrets.randbelow(10**6):06d}"
        code = (
            "from openhall.accounts.models import User; "
            f"User.objects.create_user(mobile={mobile!r}, password='openhall2026', real_name={name!r})"
        )
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "openhall.cli", "shell", "-c", code],
            env=live_env,
            check=True,
            capture_output=True,
        )
        made.append(mobile)
        return mobile

    return make


@pytest.fixture
def page_errors():
    return []


@pytest.fixture
def phone(browser, page_errors):
    """A page the size of a resident's phone, collecting console errors (CSP violations show here)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN"
    )
    page = context.new_page()
    page.on("console", lambda msg: page_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def desktop(browser, page_errors):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: page_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
