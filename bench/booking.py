"""`make bench` part two: the booking storm and availability at a million bookings (PostgreSQL).

booking_storm: N concurrent HTTP clients POST /api/v1/bookings against `openhall serve` on a
PostgreSQL database; half the requests aim at slots other clients also want. Afterwards the
database is searched for overlapping live claims: the answer must be 0.

create_storm (also alone: `python -m bench.booking create`, into booking-create-postgresql.json):
32 clients whose every request creates a booking (a slot no other request wants, on a new
connection each: no keep-alive), so the figure is bookings made per second, not answers.

availability: 1,000,000 bookings written straight into the tables (SQL generate_series), then
the day view (/spaces/{id}/availability) and the free-room search (/centers/{id}/free-spaces)
are timed at 1 and 8 clients. Every loop is bounded in count and time; only 127.0.0.1 is used.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.run import RESULTS, free_port, peak_rss_mb, percentile, run_scenario

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
STORM_CLIENTS = [int(c) for c in os.environ.get("BENCH_STORM_CLIENTS", "8,32").split(",")]
STORM_REQUESTS = int(os.environ.get("BENCH_STORM_REQUESTS", "2000"))
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "1000000"))
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
STORM_SECONDS = int(os.environ.get("BENCH_STORM_SECONDS", "20"))
CREATE_CLIENTS = int(os.environ.get("BENCH_CREATE_CLIENTS", "32"))
CREATE_SECONDS = int(os.environ.get("BENCH_CREATE_SECONDS", str(STORM_SECONDS)))
# What issue 14 asks of the creation storm on the two-core reference machine.
CREATE_TARGET = {"created_per_s": 290, "p95_ms": 150}


def psql(sql: str, db: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", "-qtA", "-v", "ON_ERROR_STOP=1", f"{PG}/{db}", "-c", sql],
        capture_output=True,
        text=True,
    )  # noqa: S603, S607
    if result.returncode:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


class Servers:
    """WEB_WORKERS single-process uvicorn servers on their own ports, as behind nginx in
    production (docs/deployment.md); client n talks to server n mod WEB_WORKERS."""

    def __init__(self, env: dict):
        self.processes, self.bases = [], []
        for _ in range(WEB_WORKERS):
            port = free_port()
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "openhall.asgi:application",
                "--port",
                str(port),
            ]
            self.processes.append(
                subprocess.Popen(  # noqa: S603
                    [*command, "--no-access-log", "--log-level", "warning"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            self.bases.append(f"http://127.0.0.1:{port}")
        for base in self.bases:
            for _ in range(150):
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)

    def base(self, n: int) -> str:
        return self.bases[n % len(self.bases)]

    def peak_rss_mb(self) -> float:
        return round(sum(peak_rss_mb(p.pid) for p in self.processes), 1)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=20)


def setup(env: dict, spaces: int) -> dict:
    cli = [sys.executable, "-m", "openhall.cli"]
    for step in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["demo_data", "--force"],
    ):
        subprocess.run(cli + step, env=env, check=True, capture_output=True)  # noqa: S603
    code = f"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
django.setup()
from openhall.accounts.models import User
from openhall.accounts.services import api_token_create
from openhall.core.models import Center
from openhall.venues.models import BookingRule, OpeningHours, Space
center = Center.objects.get(slug="xx-street")
OpeningHours.objects.filter(center=center).delete()  # open around the clock: every slot is bookable
BookingRule.objects.update_or_create(center=center, space=None, defaults=dict(
    max_active_per_booker=100000, max_days_ahead=3650, min_notice_minutes=0, requires_approval=True, buffer_minutes=0,
    allow_unstaffed=True, max_duration_minutes=240, min_duration_minutes=30))
BookingRule.objects.filter(space__isnull=False).delete()
rooms = [Space.objects.get_or_create(center=center, parent=None, name=f"压测室{{n}}", defaults=dict(capacity=50))[0] for n in range({spaces})]
users = [User.objects.get_or_create(mobile=f"1360000{{n:04d}}", defaults=dict(real_name=f"压测{{n}}"))[0] for n in range(64)]
tokens = [api_token_create(user=u, name="bench")[1] for u in users]
print(json.dumps(dict(center=center.pk, spaces=[r.pk for r in rooms], tokens=tokens)))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


def storm(servers: "Servers", fixture: dict, clients: int) -> dict:
    rng = random.Random(clients)  # noqa: S311 — reproducible load, not a secret
    day0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    spaces = fixture["spaces"]
    latencies, statuses, lock = [], {}, threading.Lock()
    per_client = STORM_REQUESTS // clients
    deadline = time.monotonic() + 120

    def client(index: int) -> None:
        token = fixture["tokens"][index % len(fixture["tokens"])]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=servers.base(index), headers=headers, timeout=30) as http:
            for n in range(per_client):
                if time.monotonic() > deadline:
                    return
                if n % 2:  # contested: everyone wants the first hours of day 0 in the first rooms
                    space, start = rng.choice(spaces[:4]), day0 + timedelta(hours=rng.randint(0, 3))
                else:  # mostly free: anywhere in 300 days
                    space = rng.choice(spaces)
                    start = day0 + timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 22))
                body = {
                    "space_id": space,
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "title": "压测",
                    "purpose": "team",
                    "attendees": 5,
                }
                began = time.perf_counter()
                response = http.post("/api/v1/bookings", json=body)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - began
    latencies.sort()
    created = statuses.get(201, 0)
    return {
        "clients": clients,
        "requests": len(latencies),
        "statuses": statuses,
        "created": created,
        "bookings_per_s": round(created / wall, 1),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
    }


def storm_wrk(servers: "Servers", fixture: dict, clients: int) -> dict:
    """The same storm driven by wrk (C, with bench/storm.lua), so the load generator does not
    take the servers' CPU. One wrk per server; percentiles are the worse of the two."""
    day0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    env = {
        **os.environ,
        "TOKENS": ",".join(fixture["tokens"]),
        "SPACES": ",".join(map(str, fixture["spaces"])),
        "DAY0": str(int(day0.timestamp())),
    }
    per_server = max(1, clients // len(servers.bases))
    runs = [
        subprocess.Popen(  # noqa: S603
            [
                "wrk",
                "-t1",
                f"-c{per_server}",
                f"-d{STORM_SECONDS}s",
                "--timeout",
                "10s",
                "-s",
                str(ROOT / "bench" / "storm.lua"),
                base,
            ],
            env={**env, "SEED": str(clients * 100 + index)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for index, base in enumerate(servers.bases)
    ]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=STORM_SECONDS + 60)
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    seconds = max(r["seconds"] for r in results)
    statuses: dict[int, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + n
    created = statuses.get(201, 0)
    return {
        "driver": "wrk",
        "clients": per_server * len(runs),
        "requests": sum(r["requests"] for r in results),
        "statuses": statuses,
        "created": created,
        "bookings_per_s": round(created / seconds, 1),
        "requests_per_s": round(sum(r["requests"] for r in results) / seconds, 1),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p95_ms": max(r["p95_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
        "errors_5xx": sum(n for k, n in statuses.items() if k >= 500),
    }


def reads_wrk(servers: "Servers", path: str, token: str, clients: int) -> dict:
    """GET `path` with wrk: one connection per client, spread over the servers like the storm."""
    per_server = max(1, clients // len(servers.bases))
    bases = servers.bases[: max(1, min(len(servers.bases), clients))]
    runs = [
        subprocess.Popen(  # noqa: S603
            [
                "wrk",
                "-t1",
                f"-c{per_server}",
                f"-d{STORM_SECONDS // 2}s",
                "--timeout",
                "10s",
                "-H",
                f"Authorization: Bearer {token}",
                "-s",
                str(ROOT / "bench" / "get.lua"),
                base + path,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for base in bases
    ]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=STORM_SECONDS + 60)
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    seconds = max(r["seconds"] for r in results)
    requests = sum(r["requests"] for r in results)
    return {
        "driver": "wrk",
        "path": path,
        "concurrency": per_server * len(runs),
        "requests": requests,
        "errors": sum(r["errors"] for r in results),
        "throughput_rps": round(requests / seconds, 1),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p95_ms": max(r["p95_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
    }


def create_storm(servers: "Servers", fixture: dict, clients: int) -> dict:
    """Every request creates a booking, each on a new connection (no keep-alive). Each server
    gets its own share of the rooms and each request its own hour, so no request meets another's
    slot: every answer but a failure is a 201."""
    day0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    shares = [fixture["spaces"][n :: len(servers.bases)] for n in range(len(servers.bases))]
    per_server = max(1, clients // len(servers.bases))
    if not shutil.which("wrk"):
        return _create_storm_python(servers, fixture, shares, per_server, day0)
    runs = [
        subprocess.Popen(  # noqa: S603
            [
                "wrk",
                "-t1",
                f"-c{per_server}",
                f"-d{CREATE_SECONDS}s",
                "--timeout",
                "10s",
                "-s",
                str(ROOT / "bench" / "create.lua"),
                base,
            ],
            env={
                **os.environ,
                "TOKENS": ",".join(fixture["tokens"]),
                "SPACES": ",".join(map(str, share)),
                "DAY0": str(int(day0.timestamp())),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for base, share in zip(servers.bases, shares, strict=True)
    ]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=CREATE_SECONDS + 60)
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    seconds = max(r["seconds"] for r in results)
    statuses: dict[int, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + n
    return _create_summary(
        driver="wrk",
        clients=per_server * len(runs),
        statuses=statuses,
        seconds=seconds,
        p50=max(r["p50_ms"] for r in results),
        p95=max(r["p95_ms"] for r in results),
        p99=max(r["p99_ms"] for r in results),
        socket_errors=sum(r["socket_errors"] for r in results),
    )


def _create_storm_python(servers, fixture, shares, per_server, day0) -> dict:
    """The same without wrk: threads with http.client, a new connection per request. The
    client then takes CPU from the servers, so its figures read lower than wrk's."""
    import http.client

    latencies, statuses, lock = [], {}, threading.Lock()
    socket_errors = 0
    deadline = time.monotonic() + CREATE_SECONDS

    def client(index: int) -> None:
        nonlocal socket_errors
        server = index % len(servers.bases)
        share = shares[server]
        host, port = servers.bases[server].removeprefix("http://").split(":")
        rng = random.Random(index)  # noqa: S311 — which resident asks, not a secret
        sent = 0
        first_hour = (index // len(servers.bases)) * 20000 // per_server
        while time.monotonic() < deadline:
            start = day0 + timedelta(hours=first_hour + sent // len(share))
            body = json.dumps(
                {
                    "space_id": share[sent % len(share)],
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "title": "压测",
                    "purpose": "team",
                    "attendees": 5,
                }
            )
            sent += 1
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {rng.choice(fixture['tokens'])}",
                "Connection": "close",
            }
            began = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            try:
                connection.request("POST", "/api/v1/bookings", body=body, headers=headers)
                status = connection.getresponse().status
            except OSError:
                with lock:
                    socket_errors += 1
                continue
            finally:
                connection.close()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    clients = per_server * len(servers.bases)
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    seconds = time.perf_counter() - began
    latencies.sort()
    return _create_summary(
        driver="python http.client",
        clients=clients,
        statuses=statuses,
        seconds=seconds,
        p50=round(percentile(latencies, 50), 1),
        p95=round(percentile(latencies, 95), 1),
        p99=round(percentile(latencies, 99), 1),
        socket_errors=socket_errors,
    )


def _create_summary(*, driver, clients, statuses, seconds, p50, p95, p99, socket_errors) -> dict:
    created = statuses.get(201, 0)
    created_per_s = round(created / seconds, 1)
    return {
        "driver": driver,
        "clients": clients,
        "keep_alive": False,
        "seconds": round(seconds, 1),
        "requests": sum(statuses.values()),
        "statuses": statuses,
        "created": created,
        "created_per_s": created_per_s,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "socket_errors": socket_errors,
        "errors_5xx": sum(n for k, n in statuses.items() if k >= 500),
        "target": CREATE_TARGET,
        "target_met": created_per_s >= CREATE_TARGET["created_per_s"]
        and p95 <= CREATE_TARGET["p95_ms"],
    }


def _print_create(result: dict) -> None:
    print(
        f"create c={result['clients']:<3} {result['created_per_s']} created/s "
        f"p50 {result['p50_ms']} p95 {result['p95_ms']} p99 {result['p99_ms']} ms "
        f"statuses {result['statuses']} socket errors {result['socket_errors']}"
        f" target {'met' if result['target_met'] else 'NOT met'}"
    )


OVERLAPS_SQL = """
SELECT count(*) FROM bookings_bookingclaim a JOIN bookings_bookingclaim b
  ON a.unit_id = b.unit_id AND a.id < b.id AND a.live AND b.live
 AND tstzrange(a.start, a."end") && tstzrange(b.start, b."end")
"""


def fill_million(db: str, fixture: dict) -> float:
    """Write BOOKINGS approved bookings, non-overlapping per room, four a day, straight in SQL."""
    spaces = fixture["spaces"]
    per_space = BOOKINGS // len(spaces)
    began = time.perf_counter()
    psql(
        f"""
    INSERT INTO bookings_booking (center_id, space_id, booker_id, booked_by_id, title, purpose, attendees, note, start, "end",
        status, decision_reason, check_in_code, created_at, updated_at)
    SELECT {fixture["center"]}, s, 1, 1, '历史预约', 'team', 5, '',
        date_trunc('day', now()) - interval '600 days' + (k / 4) * interval '1 day' + (8 + (k % 4) * 3) * interval '1 hour',
        date_trunc('day', now()) - interval '600 days' + (k / 4) * interval '1 day' + (10 + (k % 4) * 3) * interval '1 hour',
        'completed', '', md5(random()::text || s || '-' || k), now(), now()
    FROM unnest(ARRAY{spaces}::bigint[]) AS s, generate_series(0, {per_space - 1}) AS k;
    INSERT INTO bookings_bookingclaim (booking_id, unit_id, start, "end", live)
    SELECT id, space_id, start, "end", true FROM bookings_booking WHERE title = '历史预约';
    ANALYZE bookings_booking; ANALYZE bookings_bookingclaim;
    """,
        db,
    )
    return round(time.perf_counter() - began, 1)


def bench_env(db: str) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="openhall-bench-booking-"))
    return {
        **os.environ,
        "DEBUG": "false",
        "OPENHALL_DEMO_SITE": "true",  # console SMS and the demo accounts
        "SECRET_KEY": "bench-" + "x" * 50,
        "OPENHALL_DATA_KEY": "bench-data-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENHALL_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG}/{db}",
        "DB_CONN_MAX_AGE": "0",  # under ASGI, persistent connections pile up per thread
        # As in production (docs/deployment.md): the task queue and cache on Redis, not SQLite.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }


def main() -> None:
    db = f"openhall_bench_{os.getpid()}"
    psql(f"CREATE DATABASE {db}")
    env = bench_env(db)
    report = {
        "benchmark": "booking",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "server": f"{WEB_WORKERS} uvicorn processes on their own ports, clients spread over them; DEBUG=false",
        "machine": {"cpus": os.cpu_count()},
    }
    try:
        fixture = setup(env, spaces=500)
        servers = Servers(env)
        try:
            report["booking_storm"] = []
            for clients in STORM_CLIENTS:
                result = (
                    storm_wrk(servers, fixture, clients)
                    if shutil.which("wrk")
                    else storm(servers, fixture, clients)
                )
                report["booking_storm"].append(result)
                print(
                    f"storm c={clients:<3} {result['bookings_per_s']} bookings/s ({result['requests_per_s']} req/s) "
                    f"p50 {result['p50_ms']} p95 {result['p95_ms']} p99 {result['p99_ms']} ms statuses {result['statuses']}"
                )
            report["create_storm"] = create_storm(servers, fixture, CREATE_CLIENTS)
            _print_create(report["create_storm"])
            # The floor under any API call on this stack: token sign-in and one small query, at
            # the storm's 32 clients. No booking can be cheaper than this.
            if shutil.which("wrk"):
                floor = reads_wrk(servers, "/api/v1/centers", fixture["tokens"][0], 32)
                report["api_floor_get_centers_c32"] = floor
                print(
                    f"floor GET /api/v1/centers c=32 {floor['throughput_rps']} req/s "
                    f"p50 {floor['p50_ms']} p95 {floor['p95_ms']} ms"
                )
            report["overlapping_live_claims_after_storm"] = int(psql(OVERLAPS_SQL, db))
            print(
                f"overlapping live claims after the storm: {report['overlapping_live_claims_after_storm']}"
            )
            report["server_peak_rss_mb"] = servers.peak_rss_mb()
        finally:
            servers.stop()

        report["fill_seconds"] = fill_million(db, fixture)
        report["bookings_in_database"] = int(psql("SELECT count(*) FROM bookings_booking", db))
        print(f"filled to {report['bookings_in_database']} bookings in {report['fill_seconds']} s")
        servers = Servers(env)
        try:
            token = {"Authorization": f"Bearer {fixture['tokens'][0]}"}
            middle = (datetime.now(UTC) - timedelta(days=300)).date().isoformat()
            space = fixture["spaces"][len(fixture["spaces"]) // 2]
            start = f"{middle}T10:00:00%2B08:00"
            end = f"{middle}T12:00:00%2B08:00"
            report["availability"] = []
            for path in (
                f"/api/v1/spaces/{space}/availability?date={middle}",
                f"/api/v1/centers/{fixture['center']}/free-spaces?start={start}&end={end}",
            ):
                for clients in (1, 8):
                    result = (
                        reads_wrk(servers, path, fixture["tokens"][0], clients)
                        if shutil.which("wrk")
                        else run_scenario(servers.base(0), path, token, clients)
                    )
                    report["availability"].append(result)
                    print(
                        f"{path.split('?')[0]:<45} c={clients} {result['throughput_rps']} req/s p50 {result['p50_ms']} "
                        f"p95 {result['p95_ms']} p99 {result['p99_ms']} ms errors {result['errors']}"
                    )
        finally:
            servers.stop()
        plan = psql(
            'EXPLAIN (ANALYZE, BUFFERS) SELECT start, "end" FROM bookings_bookingclaim WHERE unit_id = '
            f"{space} AND live AND start >= '{middle}'::date - interval '1 day' AND start < '{middle}'::date + interval '1 day'"
            f" AND \"end\" > '{middle}'::date",
            db,
        )
        report["day_query_plan"] = plan.splitlines()
    finally:
        psql(f"DROP DATABASE IF EXISTS {db}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "booking-postgresql.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    print("written to bench/results/booking-postgresql.json")


def main_create() -> None:
    """The creation storm alone (a minute, not the full run's ten): bookings made per second at
    CREATE_CLIENTS clients, then the overlap check."""
    db = f"openhall_bench_{os.getpid()}"
    psql(f"CREATE DATABASE {db}")
    report = {
        "benchmark": "booking-create",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "server": f"{WEB_WORKERS} uvicorn processes on their own ports, clients spread over them; DEBUG=false",
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
    }
    try:
        env = bench_env(db)
        fixture = setup(env, spaces=500)
        servers = Servers(env)
        try:
            report["create_storm"] = create_storm(servers, fixture, CREATE_CLIENTS)
            _print_create(report["create_storm"])
            report["server_peak_rss_mb"] = servers.peak_rss_mb()
        finally:
            servers.stop()
        report["machine"]["load_average_at_end"] = os.getloadavg()
        report["overlapping_live_claims_after_storm"] = int(psql(OVERLAPS_SQL, db))
        print(f"overlapping live claims: {report['overlapping_live_claims_after_storm']}")
    finally:
        psql(f"DROP DATABASE IF EXISTS {db}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = os.environ.get("BENCH_CREATE_RESULT", "booking-create-postgresql.json")
    (RESULTS / name).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"written to bench/results/{name}")


if __name__ == "__main__":
    main_create() if sys.argv[1:] == ["create"] else main()
