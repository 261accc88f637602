"""Personas shared by every test: two centers in one street, their staff, and residents.

alice   resident
tom     team leader of center A's dance team
olivia  operator of center A          oscar   operator of center B
adam    center admin of center A
rita    street reviewer of the street (sees A and B)
dave    district viewer of the district
root    superuser
"""

import importlib
import os
import time

import pytest

from openhall import factories
from openhall.core.models import StaffRole

PASSWORD = "correct-horse-9"  # every persona's password (see UserFactory)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_configure(config):
    """OPENHALL_TEST_CLOCK=weekday-morning|weekday-evening|sunday runs the whole suite on a pinned
    clock (ticking from there), so a test that depends on the hour or the weekday fails on every
    machine, not only in CI at night. CI runs its two passes at two of these times."""
    chosen = os.environ.get("OPENHALL_TEST_CLOCK", "").strip()
    if not chosen:
        return
    import time_machine

    from e2e.conftest import CLOCKS, pinned_instant

    if chosen not in CLOCKS:
        raise pytest.UsageError(f"OPENHALL_TEST_CLOCK must be one of {', '.join(CLOCKS)}")
    instant, since = pinned_instant(chosen), time.time()
    config._openhall_clock = time_machine.travel(instant, tick=True)
    config._openhall_clock.start()
    # Every OpenHall process a test starts (a worker, a server) reads the same pinned time
    # (openhall/core/clock.py); tests of production settings (DEBUG=false) leave these out.
    os.environ["OPENHALL_CLOCK"] = instant.isoformat()
    os.environ["OPENHALL_CLOCK_SINCE"] = repr(since)


def pytest_unconfigure(config):
    clock = getattr(config, "_openhall_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_header(config):
    chosen = os.environ.get("OPENHALL_TEST_CLOCK", "").strip()
    return f"clock: pinned to {chosen}" if chosen else "clock: real time"


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Throttle counters and other cached state must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.3 s a user on purpose; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def street(db):
    return factories.StreetFactory()


@pytest.fixture
def center_a(street):
    return factories.CenterFactory(street=street, name="甲街道党群服务中心", slug="center-a")


@pytest.fixture
def center_b(street):
    return factories.CenterFactory(street=street, name="乙社区党群服务站", slug="center-b")


@pytest.fixture
def multimedia(center_a):
    """The multimedia room with its two zones."""
    room = factories.SpaceFactory(center=center_a, name="多媒体活动室", capacity=60)
    zone_a = factories.SpaceFactory(
        center=center_a, parent=room, name="A区", kind="zone", capacity=30
    )
    zone_b = factories.SpaceFactory(
        center=center_a, parent=room, name="B区", kind="zone", capacity=30
    )
    return room, zone_a, zone_b


@pytest.fixture
def dance_room(center_a):
    return factories.SpaceFactory(center=center_a, name="舞蹈教室", capacity=40)


@pytest.fixture
def alice(db):
    return factories.UserFactory(real_name="王爱丽")


@pytest.fixture
def tom(center_a):
    return factories.UserFactory(real_name="汤姆")


def staff_member(name: str, role: str, **scope):
    """A person holding one staff role at a center, street or district."""
    user = factories.UserFactory(real_name=name)
    factories.StaffFactory(user=user, role=role, **scope)
    return user


@pytest.fixture
def olivia(center_a):
    return staff_member("李运营", StaffRole.OPERATOR, center=center_a)


@pytest.fixture
def oscar(center_b):
    return staff_member("周运营", StaffRole.OPERATOR, center=center_b)


@pytest.fixture
def adam(center_a):
    return staff_member("王管理", StaffRole.CENTER_ADMIN, center=center_a)


@pytest.fixture
def rita(street):
    return staff_member("赵审核", StaffRole.STREET_REVIEWER, street=street)


@pytest.fixture
def dave(street):
    return staff_member("孙区级", StaffRole.DISTRICT_VIEWER, district=street.district)


@pytest.fixture
def root(db):
    return factories.UserFactory(real_name="超级管理员", is_superuser=True, is_staff=True)


@pytest.fixture
def client_for(client):
    """`client_for(user)`: a test client signed in as that person."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_client(db):
    """`api_client(user)`: a client sending a fresh bearer token of that person on every request."""
    from django.test import Client

    from openhall.accounts.services import api_token_create

    def make(user):
        _, raw = api_token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def _require_service(name: str, url: str, probe) -> str:
    """Return `url` if the service answers; otherwise skip locally, fail under CI=true."""
    try:
        probe(url)
    except Exception as exc:  # noqa: BLE001 — any failure means the service is not usable
        message = f"{name} at {url} is not reachable: {exc}"
        if running_in_ci():
            pytest.fail(message + " (CI=true: real services are required)")
        pytest.skip(message)
    return url


@pytest.fixture
def redis_url():
    import redis

    def probe(url):
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()

    url = os.environ.get("OPENHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    url = _require_service("Redis", url, probe)
    yield url
    client = redis.Redis.from_url(url)
    client.flushdb()  # database 15 belongs to the tests
    client.close()


@pytest.fixture
def mqtt_url():
    import socket
    from urllib.parse import urlparse

    def probe(url):
        parsed = urlparse(url)
        socket.create_connection((parsed.hostname, parsed.port or 1883), timeout=2).close()

    return _require_service(
        "MQTT broker", os.environ.get("OPENHALL_TEST_MQTT_URL", "mqtt://127.0.0.1:1883"), probe
    )


@pytest.fixture
def committed_db(transactional_db):
    """Data committed for real, so the event loop's worker threads see it. On SQLite the flush
    afterwards deletes row by row, which the audit log's append-only trigger refuses; its rows
    are cleared with the trigger lifted for that moment (PostgreSQL's flush truncates)."""
    yield
    from django.db import connection

    if connection.vendor == "sqlite":
        append_only = importlib.import_module(
            "openhall.core.migrations.0002_audit_entries_append_only"
        )
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
            cursor.execute("DELETE FROM core_auditentry")
            cursor.execute(append_only.SQLITE_UP[1])


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def _s3_fake_server():
    """A local S3 (moto's server mode) on a free port, shared by the session's tests."""
    import logging

    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    yield f"http://127.0.0.1:{port}"
    server.stop()


# What docs/deployment.md asks of a bucket with S3_PUBLIC_READ=true: anyone may read `public/`
# (photos shown on public pages), nothing else. Private files under `private/` must still be
# refused without a signature with this policy in place.
def public_read_policy(bucket: str) -> str:
    import json

    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicPictures",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/public/*",
                }
            ],
        }
    )


def make_bucket(endpoint: str):
    """A fresh bucket on the local S3 fake; `.env` is what OpenHall is configured with."""
    import secrets
    from types import SimpleNamespace

    import boto3

    name = f"openhall-{secrets.token_hex(4)}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    env = {
        "OPENHALL_STORAGE": "s3",
        "S3_ENDPOINT_URL": endpoint,
        "S3_BUCKET": name,
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
        "S3_REGION": "us-east-1",
    }
    return SimpleNamespace(endpoint=endpoint, name=name, client=client, env=env)


@pytest.fixture
def s3_bucket(_s3_fake_server):
    bucket = make_bucket(_s3_fake_server)
    yield bucket
    bucket.client.close()
