"""Why the day view's tail is long on keep-alive connections: the same GET at 8 clients, once on
8 kept-alive connections and once on a new connection per request, against the booking bench's
servers (`python -m bench.keepalive`). Prints p50/p95/p99 of each and, for the slow answers
(over 200 ms), when they came, so a periodic stall (a timer, a cache expiry) shows as a rhythm
and an unfair queue as a few connections that wait while the others are served.
"""

import http.client
import json
import os
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

from bench.booking import ROOT, Servers, bench_env, psql, setup
from bench.run import RESULTS, percentile

SECONDS = int(os.environ.get("BENCH_KEEPALIVE_SECONDS", "15"))
CLIENTS = 8


def drive(servers: Servers, path: str, token: str, *, keep_alive: bool) -> dict:
    samples: list[tuple[float, float, int]] = []  # (when, ms, client)
    lock = threading.Lock()
    began = time.perf_counter()
    deadline = time.monotonic() + SECONDS

    def client(index: int) -> None:
        host, port = servers.base(index).removeprefix("http://").split(":")
        headers = {"Authorization": f"Bearer {token}"}
        if not keep_alive:
            headers["Connection"] = "close"
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        while time.monotonic() < deadline:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                samples.append((start - began, elapsed, index))
            if not keep_alive:
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = sorted(ms for _, ms, _ in samples)
    slow = sorted((round(at, 2), round(ms), who) for at, ms, who in samples if ms > 200)
    return {
        "keep_alive": keep_alive,
        "requests": len(samples),
        "rps": round(len(samples) / SECONDS, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "slow_over_200ms": len(slow),
        "slow_by_client": {n: sum(1 for *_, w in slow if w == n) for n in range(CLIENTS)},
        "slow_first_20": slow[:20],
    }


def drive_wrk(servers: Servers, path: str, token: str, *, keep_alive: bool) -> dict:
    """The same with wrk (C, no GIL to share with the servers): 4 connections to each server."""
    headers = ["-H", f"Authorization: Bearer {token}"]
    if not keep_alive:
        headers += ["-H", "Connection: close"]
    runs = [
        subprocess.Popen(  # noqa: S603
            [
                "wrk",
                "-t1",
                f"-c{CLIENTS // len(servers.bases)}",
                f"-d{SECONDS}s",
                "--timeout",
                "10s",
            ]
            + headers
            + ["-s", str(ROOT / "bench" / "get.lua"), base + path],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for base in servers.bases
    ]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=SECONDS + 60)
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    return {
        "driver": "wrk",
        "keep_alive": keep_alive,
        "requests": sum(r["requests"] for r in results),
        "rps": round(sum(r["requests"] for r in results) / max(r["seconds"] for r in results), 1),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p95_ms": max(r["p95_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }


def main() -> None:
    db = f"openhall_bench_{os.getpid()}"
    psql(f"CREATE DATABASE {db}")
    report = {
        "benchmark": "keepalive",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
        "driver": "python http.client, 8 threads",
    }
    try:
        env = bench_env(db)
        fixture = setup(env, spaces=20)
        servers = Servers(env)
        try:
            day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
            path = f"/api/v1/spaces/{fixture['spaces'][0]}/availability?date={day}"
            report["path"] = path
            report["runs"] = []
            for keep_alive in (True, False, True):
                result = drive(servers, path, fixture["tokens"][0], keep_alive=keep_alive)
                report["runs"].append(result)
                print(json.dumps({k: v for k, v in result.items() if k != "slow_first_20"}))
                print("  slow (s, ms, client):", result["slow_first_20"])
            if shutil.which("wrk"):
                for keep_alive in (True, False, True):
                    result = drive_wrk(servers, path, fixture["tokens"][0], keep_alive=keep_alive)
                    report["runs"].append(result)
                    print(json.dumps(result))
        finally:
            servers.stop()
    finally:
        psql(f"DROP DATABASE IF EXISTS {db}")
    report["machine"]["load_average_at_end"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = os.environ.get("BENCH_KEEPALIVE_RESULT", "keepalive.json")
    (RESULTS / name).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"written to bench/results/{name}")


if __name__ == "__main__":
    main()
