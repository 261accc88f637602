"""Liveness (/healthz) and readiness (/readyz) of a web process.

Liveness: the process answers at all; restarting it is the cure when it does not. Readiness:
its database answers, so it can serve pages; a load balancer sends it no traffic until then.
The task queue and its worker, Redis and MQTT are checked and reported, but they do not make a
web process unready: pages still work while a worker restarts or a broker is down, and pulling
every web process for it would turn a degraded site into a dead one.
"""

import socket
import time
from datetime import UTC, datetime
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY

from openhall.core.tasks import last_heartbeat


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_tasks() -> dict:
    pending = HUEY.pending_count()
    beat = last_heartbeat()
    age = (datetime.now(UTC) - beat).total_seconds() if beat else None
    worker_alive = age is not None and age <= settings.OPENHALL_HEARTBEAT_STALE_SECONDS
    # A stale heartbeat is reported, but does not fail the web node: the web can serve while
    # the worker restarts, and load balancers should not pull healthy web processes for it.
    return {
        "ok": True,
        "storage": type(HUEY).__name__,
        "pending": pending,
        "last_heartbeat": beat.isoformat() if beat else None,
        "worker_alive": worker_alive,
    }


def check_redis() -> dict:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_mqtt() -> dict:
    """Open a TCP connection and speak MQTT CONNECT; a broker answers CONNACK."""
    url = urlparse(settings.MQTT_URL)
    host, port = url.hostname or "127.0.0.1", url.port or 1883
    client_id = b"openhall-healthz"
    # CONNECT, protocol MQTT 3.1.1, clean session, keepalive 10 s.
    variable = b"\x00\x04MQTT\x04\x02\x00\x0a"
    payload = len(client_id).to_bytes(2, "big") + client_id
    packet = b"\x10" + bytes([len(variable) + len(payload)]) + variable + payload
    with socket.create_connection((host, port), timeout=2) as sock:
        sock.sendall(packet)
        reply = sock.recv(4)
        sock.sendall(b"\xe0\x00")  # DISCONNECT
    if len(reply) < 4 or reply[0] != 0x20 or reply[3] != 0:
        raise ConnectionError(f"broker refused the connection ({reply!r})")
    return {"ok": True}


# Checks whose failure makes a web process unready; the others are reported only.
REQUIRED = ("database",)


def run_checks() -> dict:
    checks = {"database": check_database, "tasks": check_tasks}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    if settings.MQTT_URL:
        checks["mqtt"] = check_mqtt
    results = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 — a health check reports every failure
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": all(results[name]["ok"] for name in REQUIRED), "checks": results}
