import socket

import pytest
from huey import RedisHuey
from huey.contrib.djhuey import HUEY

from openhall.core import health, tasks

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}  # a caller on the internet, not this machine


def test_the_public_answer_is_the_status_only(client, db):
    for path in ("/healthz", "/readyz"):
        response = client.get(path, **OUTSIDE)
        # Queue depth, database vendor and worker state tell an attacker what runs here and
        # when it is busy: they are for the operators, not for everyone.
        assert response.status_code == 200 and response.json() == {"ok": True}, path


def test_a_local_caller_sees_the_database_and_the_queue(client, db):
    response = client.get("/readyz", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["tasks"]["storage"] == type(HUEY).__name__
    assert "redis" not in body["checks"] and "mqtt" not in body["checks"]
    assert "checks" in client.get("/healthz", REMOTE_ADDR="::1").json()


def test_staff_see_the_details_from_anywhere_and_residents_do_not(client, olivia, alice):
    client.force_login(olivia)
    assert "checks" in client.get("/readyz", **OUTSIDE).json()
    client.force_login(alice)
    assert client.get("/readyz", **OUTSIDE).json() == {"ok": True}


def test_the_heartbeat_task_shows_the_worker_alive(client, db):
    HUEY.storage.flush_all()
    assert client.get("/readyz").json()["checks"]["tasks"]["worker_alive"] is False
    tasks.heartbeat()
    beat = client.get("/readyz").json()["checks"]["tasks"]
    assert beat["worker_alive"] is True and beat["last_heartbeat"]


def test_an_unreachable_database_makes_the_process_unready_but_still_alive(client, db, monkeypatch):
    def broken():
        raise ConnectionError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "ConnectionError: connection refused",
        "ms": pytest.approx(0, abs=50),
    }
    assert client.get("/readyz", **OUTSIDE).json() == {"ok": False}
    # Liveness: the process answers, so restarting it would not bring the database back.
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz", **OUTSIDE).json() == {"ok": True}


@pytest.mark.services
def test_healthz_checks_a_configured_redis(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    body = client.get("/readyz").json()
    assert body["checks"]["redis"]["ok"] is True


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.services
def test_a_redis_that_is_down_is_reported_but_the_web_stays_ready(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["ok"] is False


@pytest.mark.services
def test_healthz_speaks_mqtt_to_a_configured_broker(client, db, settings, mqtt_url):
    settings.MQTT_URL = mqtt_url
    body = client.get("/readyz").json()
    assert body["checks"]["mqtt"]["ok"] is True, body


@pytest.mark.services
def test_a_broker_that_is_down_is_reported_but_the_web_stays_ready(client, db, settings):
    settings.MQTT_URL = f"mqtt://127.0.0.1:{_closed_port()}"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["mqtt"]["ok"] is False


def _ping() -> str:
    return "pong"


@pytest.mark.services
def test_a_redis_queue_carries_a_task_from_the_web_to_a_worker(redis_url):
    """What production runs: a web process enqueues into Redis, a worker process executes.

    Both sides import the same task module, as the two processes do.
    """
    web_side = RedisHuey("openhall-test", url=redis_url)
    worker_side = RedisHuey("openhall-test", url=redis_url)
    try:
        enqueue = web_side.task()(_ping)
        worker_side.task()(_ping)
        result = enqueue()
        assert web_side.pending_count() == 1
        worker_side.execute(worker_side.dequeue())
        assert result.get(blocking=True, timeout=2) == "pong"
        assert web_side.pending_count() == 0
    finally:
        for side in (web_side, worker_side):
            side.storage.conn.connection_pool.disconnect()
