"""`make bench`: lock_propagation — from a booking's approval to its PIN set on each lock (the
simulator driver; the reconciler runs in-process, as the worker would the moment it picks the
task up), and a full reconciler sweep over GRANTS unchanged grants. PostgreSQL."""

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime

from bench.booking import PG, psql
from bench.run import RESULTS, percentile

GRANTS = int(os.environ.get("BENCH_LOCK_GRANTS", "10000"))
APPROVALS = int(os.environ.get("BENCH_LOCK_APPROVALS", "200"))

CODE = """
import json, os, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
django.setup()
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from openhall.access.grants import doors_for_space, grant_create
from openhall.access.reconcile import sweep
from openhall.access.models import Door, Grant, LockCredential
from openhall.accounts.models import User
from openhall.bookings.models import Booking
from openhall.bookings.services import booking_approve, booking_request
from openhall.core.models import Center
from openhall.venues.models import BookingRule, OpeningHours

HUEY.immediate = True  # the reconcile task runs at once, as a free worker would
center = Center.objects.get(slug="xx-street")
OpeningHours.objects.filter(center=center).delete()
BookingRule.objects.filter(center=center).update(max_active_per_booker=100000, max_days_ahead=3650,
    min_notice_minutes=0, requires_approval=True, buffer_minutes=0, allow_unstaffed=True)
admin = User.objects.get(mobile="13800000001")
resident = User.objects.get(mobile="13900000003")
from openhall.venues.models import Space
room = Space.objects.create(center=center, name="压测室", capacity=20)
Door.objects.create(center=center, name="压测室门").spaces.add(room)
doors = doors_for_space(room)
latencies = []
start = timezone.now() + timedelta(days=1)
for n in range({approvals}):
    when = start + timedelta(hours=2 * n)
    booking = booking_request(space=room, booker=resident, by=resident, start=when,
                              end=when + timedelta(hours=1), title="压测", purpose="team", attendees=3)
    began = time.perf_counter()
    booking_approve(booking=booking, by=admin)
    rows = LockCredential.objects.filter(credential__grant__booking=booking)
    assert rows.count() == len(doors) and all(r.status == "set" for r in rows)
    latencies.append((time.perf_counter() - began) * 1000)
# The same through TTLock's cloud API (against the fake TTLock cloud of the tests, in-process).
from django.conf import settings as dj
from openhall.access.drivers import ttlock
from openhall.access.tests.fake_ttlock import FakeTTLock
dj.TTLOCK_CLIENT_ID, dj.TTLOCK_CLIENT_SECRET, dj.TTLOCK_USERNAME, dj.TTLOCK_PASSWORD = "c", "s", "u", "p"
ttlock.use_transport(FakeTTLock().transport())
room2 = Space.objects.create(center=center, name="压测室二", capacity=20)
Door.objects.create(center=center, name="通通锁门", driver="ttlock", device_id="5001").spaces.add(room2)
ttlock_latencies = []
for n in range({approvals}):
    when = start + timedelta(hours=2 * n)
    booking = booking_request(space=room2, booker=resident, by=resident, start=when,
                              end=when + timedelta(hours=1), title="压测", purpose="team", attendees=3)
    began = time.perf_counter()
    booking_approve(booking=booking, by=admin)
    assert all(r.status == "set" for r in LockCredential.objects.filter(credential__grant__booking=booking))
    ttlock_latencies.append((time.perf_counter() - began) * 1000)
people = [User(mobile=f"134{{n:08d}}", real_name="住户") for n in range({grants})]
User.objects.bulk_create(people, batch_size=2000)
people = list(User.objects.filter(mobile__startswith="134"))
made = time.perf_counter()
with transaction.atomic():
    for n, person in enumerate(people):
        grant_create(center=center, by=None, user=person, doors=doors[:1],
                              starts_at=timezone.now() + timedelta(days=400, minutes=n),
                              ends_at=timezone.now() + timedelta(days=400, minutes=n + 60),
                              kinds=["pin"])
grant_seconds = time.perf_counter() - made
sweeps = []
for _ in range(5):
    t = time.perf_counter()
    sweep()
    sweeps.append(time.perf_counter() - t)
print(json.dumps({{"latencies": latencies, "ttlock_latencies": ttlock_latencies,
                  "grant_seconds": grant_seconds, "sweeps": sweeps,
                  "set": LockCredential.objects.filter(status="set").count()}}))
"""


def main() -> None:
    db = f"openhall_bench_locks_{os.getpid()}"
    psql(f"CREATE DATABASE {db}")
    env = {
        **os.environ,
        "DEBUG": "false",
        "OPENHALL_DEMO_SITE": "true",
        "SECRET_KEY": "bench-" + "x" * 50,
        "OPENHALL_DATA_KEY": "bench-data-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENHALL_VAR_DIR": tempfile.mkdtemp(prefix="openhall-bench-locks-"),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG}/{db}",
        "DB_POOL": "false",
        "OPENHALL_LOCK_SIMULATOR": "true",  # it measures the simulator, off by default here
    }
    try:
        cli = [sys.executable, "-m", "openhall.cli"]
        for step in (["migrate", "--noinput", "-v0"], ["demo_data", "--force"]):
            subprocess.run(cli + step, env=env, check=True, capture_output=True)  # noqa: S603
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", CODE.format(approvals=APPROVALS, grants=GRANTS)],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        data = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    latencies = sorted(data["latencies"])
    fake_cloud = sorted(data["ttlock_latencies"])
    result = {
        "fake_ttlock_approval_to_set_p50_ms": round(percentile(fake_cloud, 50), 1),
        "fake_ttlock_approval_to_set_p95_ms": round(percentile(fake_cloud, 95), 1),
        "approvals": len(latencies),
        "approval_to_set_p50_ms": round(percentile(latencies, 50), 1),
        "approval_to_set_p95_ms": round(percentile(latencies, 95), 1),
        "approval_to_set_p99_ms": round(percentile(latencies, 99), 1),
        "grants_in_database": GRANTS,
        "grant_creation_per_s": round(GRANTS / data["grant_seconds"], 1),
        "sweep_seconds_unchanged": [round(s, 3) for s in data["sweeps"]],
        "credentials_set": data["set"],
    }
    report = {
        "benchmark": "lock_propagation",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "setup": "simulator driver, and TTLock's client against the fake TTLock cloud (no network "
        "latency: real cloud calls add theirs); PostgreSQL; reconciler in-process (task picked up "
        "at once)",
        "machine": {"cpus": os.cpu_count()},
        "result": result,
        "targets": {"simulator_p95_s": 2, "sweep_10000_unchanged_s": 10},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "lock-propagation.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    print(
        f"lock_propagation: approval→set p50 {result['approval_to_set_p50_ms']} "
        f"p95 {result['approval_to_set_p95_ms']} ms; sweep over {GRANTS} unchanged grants "
        f"{min(result['sweep_seconds_unchanged'])} s"
    )


if __name__ == "__main__":
    main()
