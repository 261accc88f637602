"""`make bench`: serve OpenHall the way production does and measure it over loopback.

Starts `openhall serve --no-worker` (uvicorn, DEBUG=false) on a throw-away database (SQLite by
default, or the PostgreSQL in DATABASE_URL), fills it, then drives each scenario with a fixed
number of requests at several concurrencies. Writes throughput, p50/p95/p99 latency, errors and
the server's peak memory to bench/results/<scenario-set>.json. Every loop is bounded in count and
time, and only 127.0.0.1 is contacted.
"""

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
REQUESTS_PER_RUN = int(os.environ.get("BENCH_REQUESTS", "600"))
CONCURRENCIES = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,8,32").split(",")]
TIME_LIMIT_S = 60  # per run: stop early rather than hang


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of the server and its children (uvicorn runs Django in the child)."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return round(total, 1)


def run_scenario(base: str, path: str, headers: dict, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + TIME_LIMIT_S

    def worker(count: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            for _ in range(count):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    response = client.get(path)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not ok

    per_worker = max(1, REQUESTS_PER_RUN // concurrency)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, [per_worker] * concurrency))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "path": path,
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
    }


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="openhall-bench-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "OPENHALL_DEMO_SITE": "true",  # console SMS and the demo accounts
        "SECRET_KEY": "bench-" + "x" * 50,
        "OPENHALL_DATA_KEY": "bench-data-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENHALL_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    cli = [sys.executable, "-m", "openhall.cli"]
    for step in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["demo_data", "--force"],
    ):
        subprocess.run(cli + step, env=env, check=True, capture_output=True)  # noqa: S603
    fill = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.fill"], env=env, check=True, capture_output=True, text=True
    )
    fixture = json.loads(fill.stdout)

    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        cli + ["serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {fixture['token']}"}
        center = fixture["center_id"]
        scenarios = [
            ("/healthz", {}),
            ("/", {}),
            (f"/api/v1/centers/{center}", auth),
            (f"/api/v1/centers/{center}/audit?limit=50", auth),
        ]
        runs = []
        for path, headers in scenarios:
            for concurrency in CONCURRENCIES:
                result = run_scenario(base, path, headers, concurrency)
                runs.append(result)
                print(
                    f"{path:<40} c={concurrency:<3} {result['throughput_rps']:>7} req/s  "
                    f"p50 {result['p50_ms']:>7} ms  p95 {result['p95_ms']:>7} ms  p99 {result['p99_ms']:>7} ms  "
                    f"errors {result['errors']}"
                )
        memory = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=15)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()  # noqa: S603, S607
    report = {
        "benchmark": "foundation-http",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "server": "uvicorn, 1 process, DEBUG=false",
        "data": fixture["sizes"],
        "server_peak_rss_mb": memory,
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"foundation-{report['database']}.json"
    (RESULTS / name).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"server peak RSS {memory} MB; written to bench/results/{name}")


if __name__ == "__main__":
    main()
