"""`make bench`: registration_rush — a popular class opens: ATTEMPTS residents (each once)
register through the HTTP API from CLIENTS concurrent connections for PLACES places, against
two uvicorn processes on PostgreSQL. Afterwards the database must hold exactly PLACES
confirmed registrations. The client is wrk (bench/rush.lua), so it takes little of the CPU.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.booking import PG, ROOT, Servers, psql
from bench.run import RESULTS

ATTEMPTS = int(os.environ.get("BENCH_RUSH_ATTEMPTS", "5000"))
CLIENTS = int(os.environ.get("BENCH_RUSH_CLIENTS", "64"))
PLACES = int(os.environ.get("BENCH_RUSH_PLACES", "30"))

SETUP = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
django.setup()
from datetime import timedelta
from django.utils import timezone
from openhall.accounts.models import ApiToken, User
from openhall.accounts.services import api_token_create
from openhall.activities.models import Activity, Session
from openhall.core.models import Center
center = Center.objects.get(slug="xx-street")
admin = User.objects.get(mobile="13800000001")
activity = Activity.objects.create(center=center, type="course", title="周六瑜伽体验课",
    capacity={places}, status="published", created_by=admin)
start = timezone.now() + timedelta(days=7)
Session.objects.create(activity=activity, space=center.spaces.filter(parent=None).first(),
    start=start, end=start + timedelta(hours=1))
User.objects.bulk_create([User(mobile=f"135{{n:08d}}", real_name=f"抢课{{n}}") for n in range({attempts})])
tokens = [api_token_create(user=u, name="rush")[1] for u in User.objects.filter(mobile__startswith="135")]
print(json.dumps({{"activity": activity.pk, "tokens": tokens}}))
"""


def registrations_in(db: str) -> int:
    import psycopg

    with psycopg.connect(f"{PG}/{db}") as conn:
        return conn.execute("SELECT count(*) FROM activities_registration").fetchone()[0]


def run_wrk(servers: Servers, activity: int, tokens: list[str], workdir: Path, db: str) -> dict:
    halves = [tokens[i :: len(servers.bases)] for i in range(len(servers.bases))]
    runs = []
    for index, (base, mine) in enumerate(zip(servers.bases, halves, strict=True)):
        token_file = workdir / f"tokens-{index}.txt"
        token_file.write_text("\n".join(mine) + "\n")
        runs.append(
            subprocess.Popen(  # noqa: S603
                [
                    "wrk",
                    "-t1",
                    f"-c{CLIENTS // len(servers.bases)}",
                    "-d120s",
                    "--timeout",
                    "10s",
                    "-s",
                    str(ROOT / "bench" / "rush.lua"),
                    base,
                ],
                env={**os.environ, "TOKEN_FILE": str(token_file), "ACTIVITY": str(activity)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    # wrk runs for its whole duration even when every token is used; the rush is over when
    # every attempt is in the database: then wrk is interrupted (it reports on SIGINT).
    began = time.perf_counter()
    while registrations_in(db) < len(tokens) and time.perf_counter() - began < 110:
        time.sleep(0.05)
    seconds = time.perf_counter() - began
    for run in runs:
        run.send_signal(signal.SIGINT)
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=30)
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    statuses: dict[int, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + n
    answered = sum(statuses.values())
    return {
        "driver": "wrk",
        "clients": CLIENTS,
        "attempts": answered,
        "statuses": statuses,
        "rush_seconds": round(seconds, 2),
        "registrations_per_s": round(len(tokens) / seconds, 1),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p95_ms": max(r["p95_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
        "errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
    }


def main() -> None:
    db = f"openhall_bench_rush_{os.getpid()}"
    psql(f"CREATE DATABASE {db}")
    workdir = Path(tempfile.mkdtemp(prefix="openhall-bench-rush-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "OPENHALL_DEMO_SITE": "true",
        "SECRET_KEY": "bench-" + "x" * 50,
        "OPENHALL_DATA_KEY": "bench-data-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENHALL_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG}/{db}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    try:
        cli = [sys.executable, "-m", "openhall.cli"]
        for step in (["migrate", "--noinput", "-v0"], ["demo_data", "--force"]):
            subprocess.run(cli + step, env=env, check=True, capture_output=True)  # noqa: S603
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SETUP.format(places=PLACES, attempts=ATTEMPTS)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        fixture = json.loads(out.stdout.strip().splitlines()[-1])
        servers = Servers(env)
        try:
            result = run_wrk(servers, fixture["activity"], fixture["tokens"], workdir, db)
        finally:
            servers.stop()
        counted = psql(
            "SELECT status, count(*) FROM activities_registration GROUP BY status ORDER BY 1", db
        )
        result["registrations_by_status"] = dict(
            (row.split("|")[0], int(row.split("|")[1])) for row in counted.splitlines()
        )
        result["confirmed"] = result["registrations_by_status"].get("confirmed", 0)
        result["places"] = PLACES
        result["oversold"] = max(0, result["confirmed"] - PLACES)
    finally:
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    report = {
        "benchmark": "registration_rush",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": "2 uvicorn processes (uvloop), PostgreSQL, Redis; DEBUG=false",
        "machine": {"cpus": os.cpu_count()},
        "result": result,
        "targets": {"confirmed": PLACES, "p95_ms": 300},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "registration-rush.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    print(
        f"registration_rush {result['attempts']} attempts, {CLIENTS} clients, {PLACES} places: "
        f"confirmed {result['confirmed']}, {result['registrations_per_s']} reg/s, "
        f"p50 {result['p50_ms']} p95 {result['p95_ms']} p99 {result['p99_ms']} ms, "
        f"5xx {result['errors_5xx']}"
    )


if __name__ == "__main__":
    main()
