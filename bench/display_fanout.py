"""`make bench`: display_fanout — N lobby screens on ONE ASGI process; how long from a change
(a ledger entry committed) until the last screen has the new picture, and the server's memory.

The screens are raw sockets reading the Server-Sent-Event stream (as light as a client can be,
so the measuring process does not starve the server of its second core); each looks for the
new "since opening" count in the stream. PostgreSQL and Redis as in production; only
127.0.0.1 is used; every wait is bounded.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

from bench.booking import PG, psql
from bench.run import RESULTS, free_port, peak_rss_mb, percentile

SCREENS = int(os.environ.get("BENCH_SCREENS", "1000"))
ROUNDS = int(os.environ.get("BENCH_FANOUT_ROUNDS", "10"))
TOKEN = "demo-lobby-screen"  # noqa: S105 — the demo center's public demo screen


async def open_screen(port: int, received: dict, index: int, ready: asyncio.Event, total: dict):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(
        f"GET /display/{TOKEN}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    tail = b""
    while True:
        data = await reader.read(65536)
        if not data:
            return
        window = tail + data
        tail = window[-200:]
        if b"event: snapshot" in window and index not in total["connected"]:
            total["connected"].add(index)
            if len(total["connected"]) == SCREENS:
                ready.set()
        marker = total.get("marker")
        if marker and marker in window and index not in received:
            received[index] = time.perf_counter()


def record_service() -> None:
    from django.db import transaction
    from django.utils import timezone

    from openhall.civic.models import ServiceRecord
    from openhall.civic.services import service_type
    from openhall.core.events import publish_on_commit
    from openhall.core.models import Center

    center = Center.objects.get(slug="xx-street")
    with transaction.atomic():
        ServiceRecord.objects.create(
            center=center, kind=service_type(center, "legal"), date=timezone.localdate(), people=1
        )
        publish_on_commit("ledger.changed", center_id=center.pk)


def services_total() -> int:
    from openhall.civic.models import ServiceRecord

    return ServiceRecord.objects.filter(center__slug="xx-street").count()


async def measure(port: int) -> dict:
    received: dict[int, float] = {}
    total: dict = {"connected": set()}
    ready = asyncio.Event()
    tasks = [
        asyncio.create_task(open_screen(port, received, i, ready, total)) for i in range(SCREENS)
    ]
    began = time.perf_counter()
    await asyncio.wait_for(ready.wait(), timeout=120)
    connect_seconds = time.perf_counter() - began
    latencies = []
    worst_per_round = []
    for _ in range(ROUNDS):
        expected = await asyncio.to_thread(services_total) + 1
        total["marker"] = f'"all": {{"services": {expected},'.encode()
        received.clear()
        changed_at = time.perf_counter()
        await asyncio.to_thread(record_service)
        deadline = changed_at + 30
        while len(received) < SCREENS and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        round_latencies = sorted((t - changed_at) * 1000 for t in received.values())
        latencies += round_latencies
        worst_per_round.append(round(round_latencies[-1], 1) if round_latencies else None)
        await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    latencies.sort()
    return {
        "screens": SCREENS,
        "rounds": ROUNDS,
        "connect_all_seconds": round(connect_seconds, 2),
        "deliveries": len(latencies),
        "missed": SCREENS * ROUNDS - len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "last_screen_ms_per_round": worst_per_round,
    }


def main() -> None:
    db = f"openhall_bench_fanout_{os.getpid()}"
    psql(f"CREATE DATABASE {db}")
    env = {
        **os.environ,
        "DEBUG": "false",
        "OPENHALL_DEMO_SITE": "true",  # console SMS and the demo accounts
        "SECRET_KEY": "bench-" + "x" * 50,
        "OPENHALL_DATA_KEY": "bench-data-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENHALL_VAR_DIR": tempfile.mkdtemp(prefix="openhall-bench-fanout-"),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG}/{db}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    server = None
    try:
        cli = [sys.executable, "-m", "openhall.cli"]
        for step in (["migrate", "--noinput", "-v0"], ["demo_data", "--force"]):
            subprocess.run(cli + step, env=env, check=True, capture_output=True)  # noqa: S603
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "uvicorn",
                "openhall.asgi:application",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                "2",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3)
        os.environ.update(env, DB_POOL="false")  # this process: plain connections, closed below
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
        import django

        django.setup()
        result = asyncio.run(measure(port))
        result["server_peak_rss_mb"] = peak_rss_mb(server.pid)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    report = {
        "benchmark": "display_fanout",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": "one uvicorn process (uvloop), PostgreSQL, Redis fan-out; DEBUG=false",
        "machine": {"cpus": os.cpu_count()},
        "result": result,
        "targets": {"p95_ms": 1000, "server_memory_mb": 300},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "display-fanout.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    print(
        f"display_fanout {SCREENS} screens: p50 {result['p50_ms']} p95 {result['p95_ms']} "
        f"p99 {result['p99_ms']} ms, missed {result['missed']}, "
        f"server peak {result['server_peak_rss_mb']} MB"
    )


if __name__ == "__main__":
    main()
