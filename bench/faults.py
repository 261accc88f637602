"""`make bench`: faults — nothing is lost when the machinery breaks (invariant 8, docs/operations.md).

The production topology on this machine: a fresh PostgreSQL database, a Redis of its own
(`redis-server` on a free port, started here; never the machine's shared Redis), two uvicorn
web processes and one Huey worker. A burst of booking approvals (by an operator) and activity
registrations (by residents) goes through the HTTP API while, on a fixed timeline:
  (a) the worker is killed with SIGKILL WORKER_KILLS times, and started again;
  (b) Redis is killed (its queue lost with it: no persistence) for REDIS_DOWN_S seconds;
  (c) every PostgreSQL connection of the bench database is terminated PG_KILLS times.
A client retries a request that got a 5xx or no answer (at most 3 tries, 1 s apart), as the
pages and the H5 do. Then the system settles: the last worker drains the queue, and the minute
relay and sweeps run once as they would six minutes later (so the five-minute leases of the
killed workers have run out; time_machine instead of a five-minute sleep). Finally the database
is searched for what was lost or doubled. Writes bench/results/faults-postgresql.json. Bounded
in time (about 4 minutes); only 127.0.0.1 is contacted.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.booking import PG, Servers, psql
from bench.run import RESULTS, free_port

BOOKINGS = int(os.environ.get("BENCH_FAULT_BOOKINGS", "480"))
REGISTRANTS = int(os.environ.get("BENCH_FAULT_REGISTRANTS", "480"))
CLIENTS = int(os.environ.get("BENCH_FAULT_CLIENTS", "6"))
TRAFFIC_S = int(os.environ.get("BENCH_FAULT_SECONDS", "90"))
WORKER_KILLS, PG_KILLS, REDIS_DOWN_S = 8, 5, 20
# Seconds into the burst. Redis is down from 30 s to 50 s: two of the worker's deaths and one
# connection massacre fall inside the outage.
TIMELINE = sorted(
    [(6 + 10 * n, "kill_worker") for n in range(WORKER_KILLS)]
    + [(t, "kill_postgres_connections") for t in (12, 24, 42, 60, 72)]
    + [(30, "stop_redis"), (30 + REDIS_DOWN_S, "start_redis")]
)
PLACES = 200

SETUP = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
django.setup()
from datetime import timedelta
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from openhall.access.models import Door
from openhall.accounts.models import User
from openhall.accounts.services import api_token_create
from openhall.activities.models import Activity, Session
from openhall.bookings.services import booking_request
from openhall.core.models import Center
from openhall.venues.models import BookingRule, OpeningHours, Space

HUEY.immediate = True  # the requests' own follow-ups ("submitted" notices) are done here
center = Center.objects.get(slug="xx-street")
OpeningHours.objects.filter(center=center).delete()  # open around the clock
BookingRule.objects.update_or_create(center=center, space=None, defaults=dict(
    max_active_per_booker=100000, max_days_ahead=3650, min_notice_minutes=0, requires_approval=True,
    buffer_minutes=0, allow_unstaffed=True, max_duration_minutes=240, min_duration_minutes=30))
BookingRule.objects.filter(space__isnull=False).delete()
rooms = []
for n in range(12):
    room = Space.objects.create(center=center, name=f"故障室{{n}}", capacity=20)
    Door.objects.create(center=center, name=f"故障室{{n}}门").spaces.add(room)
    rooms.append(room)
User.objects.bulk_create([User(mobile=f"137{{n:08d}}", real_name=f"故障{{n}}") for n in range({people})])
people = list(User.objects.filter(mobile__startswith="137").order_by("pk"))
first = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
bookings = []
for n in range({bookings}):
    start = first + timedelta(hours=2 * (n // len(rooms)))
    bookings.append(booking_request(space=rooms[n % len(rooms)], booker=people[n], by=people[n],
        start=start, end=start + timedelta(hours=1), title="故障演练", purpose="team", attendees=3).pk)
admin = User.objects.get(mobile="13800000001")
activity = Activity.objects.create(center=center, type="course", title="故障演练课", capacity={places},
    status="published", created_by=admin)
start = timezone.now() + timedelta(days=7)
Session.objects.create(activity=activity, space=rooms[0], start=start, end=start + timedelta(hours=1))
operator = User.objects.get(mobile="13800000002")
print(json.dumps({{"bookings": bookings, "activity": activity.pk,
    "operator": api_token_create(user=operator, name="faults")[1],
    "residents": [api_token_create(user=u, name="faults")[1] for u in people[:{registrants}]]}}))
"""

SETTLE_AND_COUNT = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
django.setup()
from collections import Counter
from datetime import timedelta
import time_machine
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from openhall.access.grants import doors_for_space, grant_repair_sweep
from openhall.access.reconcile import sweep
from openhall.access.models import Grant, LockCredential, SimulatedCode
from openhall.activities.models import Registration
from openhall.bookings.models import Booking
from openhall.core import outbox
from openhall.core.models import OutboxMessage
from openhall.notifications.models import Message

ids = {bookings}
left = {{"outbox_undelivered": OutboxMessage.objects.filter(delivered_at__isnull=True).count(),
        "outbox_claimed_by_dead_workers": OutboxMessage.objects.filter(delivered_at__isnull=True,
            claimed_until__isnull=False).count(),
        "lock_rows_not_set": LockCredential.objects.exclude(status="set").count()}}
# The minute timers, once, as six minutes from now: every killed worker's lease has run out.
HUEY.immediate = True
with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(minutes=1)):
    relayed = 0
    while (n := outbox.relay()):
        relayed += n
    repaired = grant_repair_sweep()
    swept = sweep()
    relayed += outbox.relay()

approved = list(Booking.objects.filter(pk__in=ids, status="approved").select_related("space"))
live = Counter(Grant.objects.filter(booking_id__in=ids, revoked_at__isnull=True)
               .values_list("booking_id", flat=True))
notices = Counter(Message.objects.filter(idempotency_key__startswith="booking.approved:")
                  .values_list("idempotency_key", flat=True))
not_on_every_lock = 0
for booking in approved:
    grant = Grant.objects.filter(booking=booking, revoked_at__isnull=True).first()
    if grant is None:
        continue
    pin = grant.credentials.get(kind="pin")
    doors = {{d.pk for d in doors_for_space(booking.space)}}
    rows = set(LockCredential.objects.filter(credential=pin).values_list("door_id", "status"))
    not_on_every_lock += rows != {{(d, "set") for d in doors}}
registrations = list(Registration.objects.values_list("pk", "status"))
told = Counter(Message.objects.filter(idempotency_key__startswith="activity:")
               .values_list("idempotency_key", flat=True))
codes = Counter(SimulatedCode.objects.values_list("door_id", "code_index", "starts_at", "ends_at"))
tracked = set(LockCredential.objects.filter(status="set").values_list("external_id", flat=True))
print(json.dumps({{
    "left_for_the_relay": left,
    "settle": {{"relayed": relayed, "grants_repaired": repaired, "lock_rows_swept": swept}},
    "bookings_approved": len(approved),
    "grants_missing": sum(1 for b in approved if live[b.pk] == 0),
    "grants_duplicated": sum(1 for b in approved if live[b.pk] > 1),
    "grants_not_on_every_lock": not_on_every_lock,
    "notices_missing": sum(1 for b in approved if notices[f"booking.approved:{{b.pk}}"] == 0),
    "notices_duplicated": sum(n - 1 for n in notices.values() if n > 1),
    "registrations": len(registrations),
    "registration_notices_missing": sum(
        1 for pk, status in registrations
        if told[f"activity:{{'confirmed' if status == 'confirmed' else 'waitlisted'}}:{{pk}}"] == 0),
    "registration_notices_duplicated": sum(n - 1 for n in told.values() if n > 1),
    "lock_codes_duplicated": sum(n - 1 for n in codes.values() if n > 1),
    "lock_codes_stray": sum(1 for pk in SimulatedCode.objects.values_list("pk", flat=True)
                            if f"sim-{{pk}}" not in tracked),
    "outbox_pending_after_settle": OutboxMessage.objects.filter(delivered_at__isnull=True,
                                                                failed_at__isnull=True).count(),
    "outbox_failed": OutboxMessage.objects.filter(failed_at__isnull=False).count(),
}}))
"""


class Redis:
    """A redis-server of the bench's own, without persistence: killing it loses its queue."""

    def __init__(self, workdir: Path):
        self.port, self.workdir, self.process = free_port(), workdir, None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                import redis

                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except Exception:  # noqa: BLE001 — not up yet
                time.sleep(0.1)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Worker:
    """One `openhall run_huey`; the controller restarts it when it dies, as systemd would."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.process, self.kills = env, log.open("ab"), None, 0

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "openhall.cli", "run_huey"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def traffic(servers: Servers, fixture: dict, began: float) -> dict:
    """The burst: approvals and registrations interleaved, CLIENTS at a time, paced evenly over
    TRAFFIC_S. A 5xx or no answer is tried again (3 tries, 1 s apart)."""
    work = []
    for n in range(max(len(fixture["bookings"]), len(fixture["residents"]))):
        if n < len(fixture["bookings"]):
            work.append(("approve", fixture["bookings"][n]))
        if n < len(fixture["residents"]):
            work.append(("register", fixture["residents"][n]))
    statuses: Counter = Counter()
    outcome: Counter = Counter()
    lock = threading.Lock()
    deadline = began + TRAFFIC_S

    def client(index: int) -> None:
        mine = work[index::CLIENTS]
        gap = (TRAFFIC_S - 5) / max(1, len(mine))  # spread over the whole timeline of faults
        with httpx.Client(base_url=servers.base(index), timeout=15) as http:
            for n, (kind, item) in enumerate(mine):
                time.sleep(max(0.0, began + n * gap - time.monotonic()))
                if time.monotonic() > deadline:
                    return
                if kind == "approve":
                    path, token = f"/api/v1/bookings/{item}/approve", fixture["operator"]
                else:
                    path, token = f"/api/v1/activities/{fixture['activity']}/registrations", item
                final = None
                for _try in range(3):
                    try:
                        response = http.post(
                            path, json={}, headers={"Authorization": f"Bearer {token}"}
                        )
                        status = response.status_code
                    except httpx.HTTPError:
                        status = "no_answer"
                    with lock:
                        statuses[str(status)] += 1
                    final = status
                    if status != "no_answer" and status < 500:
                        break
                    time.sleep(1)
                with lock:
                    outcome[f"{kind}_sent"] += 1
                    ok = final == (200 if kind == "approve" else 201)
                    # A registration retried after an unanswered first try finds itself done.
                    ok = ok or (kind == "register" and final == 409)
                    outcome[f"{kind}_succeeded"] += ok

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return {
        "approvals_sent": outcome["approve_sent"],
        "approvals_succeeded": outcome["approve_succeeded"],
        "registrations_sent": outcome["register_sent"],
        "registrations_succeeded": outcome["register_succeeded"],
        "responses": dict(sorted(statuses.items())),
        "http_5xx": sum(n for s, n in statuses.items() if s.isdigit() and int(s) >= 500),
        "no_answer": statuses["no_answer"],
        "seconds": round(time.monotonic() - began, 1),
    }


def faults(db: str, worker: Worker, redis: Redis, began: float, done: threading.Event) -> dict:
    """The timeline of (a), (b), (c); between events a dead worker is started again."""
    terminated = []
    pending = list(TIMELINE)
    while not done.is_set() or pending:
        now = time.monotonic() - began
        while pending and pending[0][0] <= now:
            _, action = pending.pop(0)
            if action == "kill_worker":
                worker.kill()
            elif action == "stop_redis":
                redis.kill()
            elif action == "start_redis":
                redis.start()
            else:
                terminated.append(
                    int(
                        psql(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            f"WHERE datname = '{db}' AND pid <> pg_backend_pid()"
                        )
                    )
                )
        if not worker.alive():
            worker.start()
        time.sleep(0.2)
    return {
        "worker_kills": worker.kills,
        "redis_down_seconds": REDIS_DOWN_S,
        "postgres_connection_kills": len(terminated),
        "postgres_backends_terminated": sum(terminated),
        "timeline_s": [list(event) for event in TIMELINE],
    }


def drain(env: dict, db: str, limit_s: float = 60) -> float:
    """Wait until the living worker has emptied the queue and stopped making progress."""
    from huey.storage import PriorityRedisStorage

    queue = PriorityRedisStorage(name="openhall", url=env["REDIS_URL"])
    began, seen, quiet = time.monotonic(), None, time.monotonic()
    while time.monotonic() - began < limit_s:
        now_seen = psql("SELECT count(*) FROM core_outboxmessage WHERE delivered_at IS NULL", db)
        if now_seen != seen or queue.queue_size():
            seen, quiet = now_seen, time.monotonic()
        elif time.monotonic() - quiet > 5:
            break
        time.sleep(0.5)
    return round(time.monotonic() - began, 1)


def main() -> None:
    db = f"openhall_bench_faults_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="openhall-bench-faults-"))
    redis = Redis(workdir)
    redis.start()
    psql(f"CREATE DATABASE {db}")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "OPENHALL_DATA_KEY": "bench-data-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENHALL_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG}/{db}",
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "OPENHALL_LOCK_SIMULATOR": "true",
        "HUEY_WORKERS": "4",
        "PYTHONUNBUFFERED": "1",
    }
    cli = [sys.executable, "-m", "openhall.cli"]
    worker = Worker(env, workdir / "worker.log")
    servers = None
    try:
        for step in (["migrate", "--noinput", "-v0"], ["demo_data", "--force"]):
            subprocess.run(cli + step, env=env, check=True, capture_output=True)  # noqa: S603
        out = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                SETUP.format(
                    bookings=BOOKINGS,
                    people=max(BOOKINGS, REGISTRANTS),
                    registrants=REGISTRANTS,
                    places=PLACES,
                ),
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        fixture = json.loads(out.stdout.strip().splitlines()[-1])
        servers = Servers(env)
        worker.start()
        time.sleep(3)  # the worker up before the burst, as in production
        began, done = time.monotonic(), threading.Event()
        injected: dict = {}
        controller = threading.Thread(
            target=lambda: injected.update(faults(db, worker, redis, began, done))
        )
        controller.start()
        sent = traffic(servers, fixture, began)
        done.set()
        controller.join(timeout=120)
        if not redis.process or redis.process.poll() is not None:
            redis.start()
        drained_s = drain(env, db)
        worker.stop()
        servers.stop()
        servers = None
        counted = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SETTLE_AND_COUNT.format(bookings=fixture["bookings"])],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        found = json.loads(counted.stdout.strip().splitlines()[-1])
    finally:
        worker.stop()
        if servers is not None:
            servers.stop()
        redis.kill()
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    lost = {
        k: found.pop(k)
        for k in list(found)
        if k.endswith(("_missing", "_duplicated", "_stray", "_not_on_every_lock"))
    }
    report = {
        "benchmark": "faults",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "server": "2 uvicorn processes, 1 Huey worker (4 threads), PostgreSQL, a Redis of its "
        "own (no persistence); DEBUG=false; simulator locks",
        "machine": {"cpus": os.cpu_count()},
        "faults": injected,
        "traffic": {**sent, "clients": CLIENTS, "retries": "3 tries, 1 s apart, on 5xx/no answer"},
        "drained_seconds": drained_s,
        **found,
        "lost_or_doubled": lost,
        "targets": {k: 0 for k in lost} | {"http_5xx": "counted, not a target"},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "faults-postgresql.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    print(
        f"faults: {injected.get('worker_kills')} worker kills, Redis down {REDIS_DOWN_S} s, "
        f"{injected.get('postgres_connection_kills')} connection massacres; "
        f"approvals {sent['approvals_succeeded']}/{sent['approvals_sent']}, registrations "
        f"{sent['registrations_succeeded']}/{sent['registrations_sent']}, 5xx {sent['http_5xx']}; "
        f"approved {found['bookings_approved']}; lost or doubled: {lost}"
    )
    print("written to bench/results/faults-postgresql.json")


if __name__ == "__main__":
    main()
