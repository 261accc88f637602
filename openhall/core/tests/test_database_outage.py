"""A database that does not answer gets a quick 503 with Retry-After (pages and API alike), never
a 500 after a long wait: a real server whose PostgreSQL is unreachable, run as a subprocess."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str):
    # A client with a token: the API must look it up in the database.
    request = urllib.request.Request(url, headers={"Authorization": "Bearer oh_" + "x" * 40})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read().decode(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


@pytest.fixture
def server_without_database(tmp_path):
    dead = _free_port()  # nothing listens there: like a PostgreSQL that is down
    env = {
        **os.environ,
        "DEBUG": "true",
        "OPENHALL_VAR_DIR": str(tmp_path),
        "REDIS_URL": "",
        "DATABASE_URL": f"postgres://openhall@127.0.0.1:{dead}/openhall",
        "PYTHONWARNINGS": "ignore",
    }
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "openhall.asgi:application", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=15)


def test_pages_and_the_api_answer_503_with_retry_after_quickly(server_without_database):
    for path, json_expected in (("/api/v1/centers", True), ("/centers/", False)):
        started = time.monotonic()
        status, headers, body = _get(server_without_database + path)
        took = time.monotonic() - started
        assert status == 503, (path, status, body[:300])
        assert headers.get("retry-after") == "30"
        assert took < 9  # the pool's 3-s timeout, not a 10-s hang
        if json_expected:
            assert (
                '"code": "database_unavailable"' in body or '"code":"database_unavailable"' in body
            )
        else:
            assert "请半分钟后刷新再试" in body


class _Row:
    def __init__(self, error: Exception):
        self.error = error

    @property
    def name(self) -> str:
        raise self.error


def _read_while_answering(error: Exception):
    """What ninja does with a lazy queryset: pydantic reads each row while building the answer."""
    from pydantic import BaseModel, ConfigDict, ValidationError

    class Out(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        name: str

    try:
        Out.model_validate(_Row(error))
    except ValidationError as exc:
        return exc
    raise AssertionError("pydantic read the row without an error")


def test_a_database_outage_met_while_building_an_api_answer_is_an_outage():
    from django.db import OperationalError

    from openhall.core.views import database_unavailable

    assert database_unavailable(_read_while_answering(OperationalError("connection refused")))
    assert not database_unavailable(_read_while_answering(ValueError("a bug, not an outage")))
