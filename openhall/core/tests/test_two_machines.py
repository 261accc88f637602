"""Two web machines behind one balancer: two `uvicorn openhall.asgi:application` processes, each
with a working directory (OPENHALL_VAR_DIR) of its own, sharing one PostgreSQL database, one
Redis and one S3-compatible bucket (moto's server mode). What one machine takes in, the other
must show: uploaded photos, live lobby screens, and the count of wrong passwords.

PostgreSQL only (two processes on one SQLite file is not the layout this is about): on SQLite
it is skipped, and the PostgreSQL pass of CI runs it, where a missing Redis fails it."""

import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from datetime import time as at_time
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client

from conftest import _require_service, make_bucket
from e2e.conftest import real_time
from openhall import factories
from openhall.console.tests.test_space_pages import jpeg_with_gps
from openhall.display import services as display

pytestmark = pytest.mark.services

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "correct-horse-9"
FAILURE_LIMIT = 4  # OPENHALL_SIGN_IN_FAILURE_LIMIT on both machines: fewer requests, same rule
CSRF = "a" * 32  # a CSRF secret of our own, sent as cookie and as form field


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def coming_wednesday_at_ten() -> datetime:
    """The machines' pinned clock (openhall/core/clock.py): a weekday morning, 1–7 days ahead,
    so nothing here depends on the hour or the weekday the test runs at."""
    today = datetime.now(SHANGHAI).date()
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    return datetime.combine(wednesday, at_time(10, 0), tzinfo=SHANGHAI)


def shared_database() -> str:
    if connection.vendor != "postgresql":
        pytest.skip(
            "two machines share a PostgreSQL database: run with DATABASE_URL=postgres://… "
            "(CI's PostgreSQL pass does)"
        )
    db = connection.settings_dict  # the test database, once django_db_setup has made it
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def shared_redis() -> str:
    """The test Redis, in a database number of its own (the other tests flush theirs)."""

    def probe(url):
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()

    url = os.environ.get("OPENHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    return re.sub(r"/\d*$", "", _require_service("Redis", url, probe)) + "/14"


@pytest.fixture(scope="module")
def machines(request, django_db_setup, tmp_path_factory):
    """Two machines, started once for this module; each answers /healthz before a test begins.
    Each test writes its data for real (`committed_db`); the machines read it from PostgreSQL."""
    database = shared_database()  # skips on SQLite before anything is started
    bucket = make_bucket(request.getfixturevalue("_s3_fake_server"))
    clock = coming_wednesday_at_ten()
    common = {
        **os.environ,
        **bucket.env,
        "DEBUG": "true",
        "DATABASE_URL": database,
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "4",
        "REDIS_URL": shared_redis(),
        "HUEY_NAME": f"openhall-two-machines-{secrets.token_hex(4)}",
        "OPENHALL_CLOCK": clock.isoformat(),
        "OPENHALL_CLOCK_SINCE": repr(real_time()),  # the machine's, even on a pinned test clock
        "OPENHALL_SIGN_IN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "OPENHALL_WEB_THREADS": "2",
        "PYTHONWARNINGS": "ignore",
    }
    tmp = tmp_path_factory.mktemp("two-machines")
    started = []
    for name in ("one", "two"):
        var = tmp / name
        var.mkdir()
        port = _free_port()
        log = (tmp / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "uvicorn", "openhall.asgi:application", "--port", str(port)],
            env={**common, "OPENHALL_VAR_DIR": str(var)},
            cwd=var,
            stdout=log,
            stderr=log,
        )
        log.close()
        started.append((f"http://127.0.0.1:{port}", process, var, tmp / f"{name}.log"))
    try:
        for base, process, _var, log in started:
            deadline = time.monotonic() + 40
            while True:
                try:
                    httpx.get(f"{base}/healthz", timeout=2)
                    break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"{base} did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield SimpleNamespace(
            one=started[0][0], two=started[1][0], var_one=started[0][2], clock=clock
        )
    finally:
        for _base, process, _var, _log in started:
            process.terminate()
        for _base, process, _var, _log in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        bucket.client.close()


def browser(base: str, user=None) -> httpx.Client:
    """A browser talking to one machine: signed in as `user` (a session in the shared
    database) and holding a CSRF cookie."""
    cookies = {"csrftoken": CSRF}
    if user is not None:
        django = Client()
        django.force_login(user)
        cookies["sessionid"] = django.cookies["sessionid"].value
    return httpx.Client(base_url=base, cookies=cookies, timeout=10)


def test_a_photo_uploaded_through_one_machine_is_served_by_the_other(
    machines, committed_db, adam, center_a, dance_room
):
    with browser(machines.one, adam) as first:
        answer = first.post(
            f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/",
            data={"csrfmiddlewaretoken": CSRF, "caption": "镜墙和把杆"},
            files={"image": ("IMG_1.jpg", jpeg_with_gps(400, 300), "image/jpeg")},
        )
    assert answer.status_code == 302
    assert not (machines.var_one / "media").exists()  # nothing kept on machine one's disk

    with browser(machines.two, adam) as second:
        page = second.get(f"/book/space/{dance_room.pk}/").text
    (source,) = [unescape(s) for s in re.findall(r'<img src="([^"]+)"', page)]
    picture = httpx.get(source, timeout=10)
    assert picture.status_code == 200 and picture.content.startswith(b"\xff\xd8\xff")


def test_a_booking_approved_on_one_machine_reaches_a_screen_streaming_from_the_other(
    machines, committed_db, adam, olivia, center_a, dance_room
):
    start = machines.clock.replace(hour=14)
    booking = factories.BookingFactory(
        center=center_a,
        space=dance_room,
        start=start,
        end=start + timedelta(hours=1),
        title="书法班",
        team=factories.TeamFactory(center=center_a),
    )
    _screen, token = display.screen_create(center=center_a, by=adam, name="大厅")

    events: queue.Queue = queue.Queue()
    stop = threading.Event()

    def watch():
        with (
            httpx.Client(base_url=machines.two, timeout=httpx.Timeout(10, read=30)) as screen,
            screen.stream("GET", f"/display/{token}/events") as stream,
        ):
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    events.put(line)
                if stop.is_set():
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    first = events.get(timeout=15)
    assert center_a.name in first and "书法班" not in first  # requested, not yet on the screen
    time.sleep(1)  # machine two subscribes to the Redis channel when its first screen opens

    with browser(machines.one, olivia) as console:
        approved = console.post(
            f"/console/c/{center_a.pk}/bookings/{booking.pk}/approve/",
            data={"csrfmiddlewaretoken": CSRF},
        )
    assert approved.status_code == 302
    asked = time.monotonic()
    seen = ""
    while "书法班" not in seen and time.monotonic() - asked < 5:
        try:
            seen = events.get(timeout=5 - (time.monotonic() - asked))
        except queue.Empty:
            break
    stop.set()
    assert "书法班" in seen, "machine two's screen did not show the approval within 5 s"


def test_wrong_passwords_split_across_both_machines_lock_the_number(machines, committed_db, alice):
    one, two = machines.one, machines.two
    # The machines know PBKDF2 only (the tests use MD5); few rounds, as the rounds are not tested.
    resident = alice
    resident.password = PBKDF2PasswordHasher().encode(PASSWORD, "two-machines", iterations=1000)
    resident.save(update_fields=["password"])

    def sign_in(base: str, password: str) -> httpx.Response:
        with browser(base) as anyone:
            return anyone.post(
                "/login/",
                data={"csrfmiddlewaretoken": CSRF, "mobile": resident.mobile, "password": password},
            )

    assert sign_in(two, PASSWORD).status_code == 302  # the password is right
    answers = [sign_in((one, two)[n % 2], f"wrong-{n}") for n in range(FAILURE_LIMIT)]
    # one, two, one, two: each machine saw only half, yet the last wrong one locks the number
    assert [a.status_code for a in answers] == [200] * (FAILURE_LIMIT - 1) + [429]
    for base in (one, two):
        refused = sign_in(base, PASSWORD)
        assert refused.status_code == 429 and "后再试" in refused.text, base
