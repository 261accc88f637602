"""Proof by faults (invariant 8, "follow-ups are never lost"): approvals commit while their
follow-ups die — the delivery raising, the worker killed with SIGKILL mid-burst, the queue's
Redis down — and afterwards every approved booking has exactly one live grant whose PIN is on
every one of its locks once, and exactly one "approved" notice. Nothing lost, nothing twice.

PostgreSQL only: the races need real concurrent transactions and the worker is a real `openhall
run_huey` process against the test database (CI runs these in its PostgreSQL pass).
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, connections
from django.utils import timezone

from openhall import factories
from openhall.access.grants import doors_for_space, grant_repair_sweep, grant_revoke
from openhall.access.models import Door, Grant, LockCredential, SimulatedCode
from openhall.access.reconcile import CLAIM, _carry_out, _claim, sweep
from openhall.access.tests.lock_faults import FAULTS
from openhall.bookings.models import Booking
from openhall.bookings.services import booking_approve
from openhall.core import events, outbox
from openhall.core.models import OutboxMessage
from openhall.notifications.models import Message

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent transactions and a worker process on the same database: "
    "PostgreSQL only (CI's PostgreSQL pass runs these)",
)

ROOMS = 3
SETTLE_SECONDS = 30


@pytest.fixture(autouse=True)
def no_lock_faults():
    FAULTS.clear()
    yield
    FAULTS.clear()


@pytest.fixture
def rooms(committed_db, center_a):
    """Three rooms, each behind its own door, all behind the entrance: two locks a booking."""
    Door.objects.create(center=center_a, name="大门", is_entrance=True)
    spaces = []
    for n in range(ROOMS):
        room = factories.SpaceFactory(center=center_a, name=f"活动室{n + 1}", capacity=20)
        Door.objects.create(center=center_a, name=f"活动室{n + 1}门").spaces.add(room)
        spaces.append(room)
    return spaces


def requested_bookings(rooms, count: int) -> list[Booking]:
    """`count` requests awaiting approval, spread over the rooms, none overlapping another."""
    residents = [factories.UserFactory(real_name=f"居民{n}") for n in range(4)]
    first = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=2)
    bookings = []
    for n in range(count):
        start = first + timedelta(hours=3 * (n // len(rooms)))
        bookings.append(
            factories.BookingFactory(
                center=rooms[0].center,
                space=rooms[n % len(rooms)],
                booker=residents[n % 4],
                start=start,
                end=start + timedelta(hours=2),
            )
        )
    return bookings


def in_threads(work, items, *, threads: int = 3) -> list[BaseException]:
    """Run `work(item)` for every item from several threads, each on its own connection."""
    errors: list[BaseException] = []
    chunks = [items[i::threads] for i in range(threads)]

    def run(chunk):
        try:
            for item in chunk:
                work(item)
        except BaseException as exc:  # noqa: BLE001 — reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def settle_in_process(*, after: timedelta) -> None:
    """What the minute timers do once the faults are over (relay, repair sweep, lock sweep),
    late enough that every backoff has passed and every dead worker's claim has run out."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True  # the follow-ups' own tasks (lock writes) run here, now
    with time_machine.travel(timezone.now() + after):
        outbox.relay()
        grant_repair_sweep()
        sweep()
        # A second round finds nothing left: the first one finished the work.
        assert outbox.relay() == 0
        assert grant_repair_sweep() == 0


def assert_nothing_lost_nothing_twice(bookings: list[Booking]) -> None:
    approved = Booking.objects.filter(pk__in=[b.pk for b in bookings], status="approved")
    assert approved.count() == len(bookings)  # every approval committed
    on_locks = Counter(
        SimulatedCode.objects.values_list("door_id", "code_index").order_by()
    )  # what the (simulated) locks really hold
    set_on_locks = set()
    for booking in approved.select_related("space"):
        grants = Grant.objects.filter(booking=booking, revoked_at__isnull=True)
        assert grants.count() == 1, f"booking {booking.pk}: {grants.count()} live grants"
        pin = grants.get().credentials.get(kind="pin")
        doors = {door.pk for door in doors_for_space(booking.space)}
        rows = LockCredential.objects.filter(credential=pin)
        assert {(r.door_id, r.status) for r in rows} == {(d, "set") for d in doors}, booking.pk
        for door in doors:  # the code is on each of its locks exactly once
            assert on_locks[(door, pin.secret_index)] == 1, (booking.pk, door)
        set_on_locks |= {(r.door_id, int(r.external_id.removeprefix("sim-"))) for r in rows}
        notices = Message.objects.filter(idempotency_key=f"booking.approved:{booking.pk}")
        assert notices.count() == 1, f"booking {booking.pk}: {notices.count()} notices"
    stray = set(SimulatedCode.objects.values_list("door_id", "pk")) - set_on_locks
    assert not stray, f"codes on locks that no grant accounts for: {stray}"
    assert outbox.backlog() == {"late": 0, "failed": 0}
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


# --- 1. the follow-up dies after the approval committed -----------------------------------------
def test_follow_ups_that_die_after_commit_are_all_delivered_later_and_once(
    rooms, olivia, monkeypatch
):
    bookings = requested_bookings(rooms, 24)
    rng = random.Random(8)  # noqa: S311 — a reproducible choice of victims, not a secret
    # Each approval's follow-ups meet one fate: the process dies before it asks the queue
    # ("lost"), the delivery fails before the handler runs ("before"), or after the handler did
    # its work but before the row is marked delivered ("midway", so that work is rolled back).
    fate = {b.pk: rng.choice(["ok", "lost", "before", "midway"]) for b in bookings}
    assert set(fate.values()) == {"ok", "lost", "before", "midway"}
    real_kick, real_subscriber = outbox.kick, outbox.subscriber

    def kick(ids):
        booking_ids = OutboxMessage.objects.filter(pk__in=ids).values_list(
            "payload__booking_id", flat=True
        )
        if not any(fate.get(b) == "lost" for b in booking_ids):
            real_kick(ids)

    def faulty(event, name):
        found = real_subscriber(event, name)

        def handler(**payload):
            doom = fate.get(payload.get("booking_id"), "ok")
            if doom == "before":
                raise ConnectionError("the worker's connection was killed")
            found.handler(**payload)
            if doom == "midway":
                raise ConnectionError("killed after the handler, before the row was marked")

        return events.Subscriber(found.name, handler, found.durable)

    with monkeypatch.context() as faults:
        faults.setattr(outbox, "kick", kick)
        faults.setattr(outbox, "subscriber", faulty)
        errors = in_threads(lambda b: booking_approve(booking=b, by=olivia), bookings)
    assert errors == []  # every request succeeded: the faults all came after commit
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True)
    assert pending.count() == 2 * sum(f != "ok" for f in fate.values())  # grant + notice each

    settle_in_process(after=timedelta(minutes=1))
    assert_nothing_lost_nothing_twice(bookings)


def test_the_repair_sweep_running_beside_the_deliveries_neither_fails_nor_doubles_a_grant(
    rooms, olivia
):
    """The minute sweep meets approvals whose follow-ups are being delivered that very moment:
    both want to create the same grant. One wins; the other sees it and does nothing."""
    bookings = requested_bookings(rooms, 18)
    stop = threading.Event()
    sweep_errors: list[BaseException] = []

    def sweeping():
        try:
            while not stop.is_set():
                grant_repair_sweep()
        except BaseException as exc:  # noqa: BLE001
            sweep_errors.append(exc)
        finally:
            connections.close_all()

    sweeper = threading.Thread(target=sweeping)
    sweeper.start()
    try:
        errors = in_threads(lambda b: booking_approve(booking=b, by=olivia), bookings)
    finally:
        stop.set()
        sweeper.join(timeout=60)
    assert errors == [] and sweep_errors == []
    settle_in_process(after=timedelta(minutes=1))
    assert_nothing_lost_nothing_twice(bookings)


# --- the connection dies between a change and the record of its follow-up ---------------------
def test_a_registration_and_its_notice_are_recorded_together_or_not_at_all(
    committed_db, center_a, dance_room, alice, olivia, monkeypatch
):
    """Found by bench/faults.py: with PostgreSQL connections killed mid-burst, a registration
    committed while its notice was never recorded (two commits, not one)."""
    from openhall.activities import signup as activities
    from openhall.activities.models import Activity, Registration, Session

    activity = Activity.objects.create(
        center=center_a,
        type="course",
        title="书法体验课",
        capacity=10,
        status="published",
        created_by=olivia,
    )
    start = timezone.now() + timedelta(days=3)
    Session.objects.create(
        activity=activity, space=dance_room, start=start, end=start + timedelta(hours=1)
    )
    real_record = outbox.record

    def connection_killed(**kwargs):
        if kwargs["event"] == events.DEFERRED:  # the notice's row: the connection dies here
            raise OperationalError("terminating connection due to administrator command")
        return real_record(**kwargs)

    with monkeypatch.context() as killed, pytest.raises(OperationalError):
        killed.setattr(outbox, "record", connection_killed)
        activities.register(activity=activity, user=alice)
    # The resident saw an error: nothing half-done stays behind…
    assert not Registration.objects.filter(user=alice).exists()
    # …and trying again registers, and tells, once.
    ticket = activities.register(activity=activity, user=alice)
    key = f"activity:confirmed:{ticket.registration.pk}"
    assert Message.objects.filter(idempotency_key=key).count() == 1


# --- the worker dies between the lock's answer and the record of it ----------------------------
@pytest.fixture
def written_then_died(rooms, olivia, monkeypatch):
    """An approved booking whose locks were written by a worker killed before it could record
    what the locks answered: the codes are on the locks, their ids nowhere."""
    booking = requested_bookings(rooms, 1)[0]
    with monkeypatch.context() as no_worker:
        no_worker.setattr("openhall.access.grants.reconcile_soon", lambda grant_id: None)
        booking_approve(booking=booking, by=olivia)
    rows = LockCredential.objects.filter(credential__grant__booking=booking)
    assert rows.count() == 2
    for row in rows:
        _carry_out(_claim(row.pk, timezone.now()))  # …and SIGKILL
    assert SimulatedCode.objects.count() == 2 and set(
        rows.values_list("external_id", flat=True)
    ) == {""}
    return booking


def test_a_lock_write_repeated_after_its_worker_died_leaves_the_code_once(written_then_died):
    with time_machine.travel(timezone.now() + CLAIM + timedelta(seconds=1)):
        assert sweep() == 2
    assert_nothing_lost_nothing_twice([written_then_died])


def test_a_grant_withdrawn_after_its_worker_died_mid_write_leaves_nothing_on_the_locks(
    written_then_died, olivia
):
    grant_revoke(grant=Grant.objects.get(booking=written_then_died), by=olivia)
    with time_machine.travel(timezone.now() + CLAIM + timedelta(seconds=1)):
        sweep()
    assert set(LockCredential.objects.values_list("status", flat=True)) == {"removed"}
    assert not SimulatedCode.objects.exists()  # the door no longer opens to that PIN


# --- a real worker on a real queue ---------------------------------------------------------------
FAULTS_REDIS_DB = 12  # the queue of these tests only (the suite's Redis tests use 15)
KILLS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]  # at test time: pytest-django's test database
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class Queue:
    """This process enqueues on a Redis queue (not the suite's immediate mode), which a real
    `openhall run_huey` subprocess consumes; `kill()` is `kill -9`."""

    def __init__(self, redis_url: str, log_dir: Path):
        from huey.contrib.djhuey import HUEY
        from huey.storage import PriorityRedisStorage

        self.huey = HUEY
        self.name = f"openhall-faults-{os.getpid()}"
        base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
        self.url = f"{base}/{FAULTS_REDIS_DB}"
        self.log = (log_dir / "worker.log").open("ab")
        self.worker: subprocess.Popen | None = None
        self.kills = 0
        HUEY.immediate = False
        self.live = PriorityRedisStorage(name=self.name, url=self.url)
        self.live.flush_all()
        HUEY.storage = self.live

    def point_at(self, url: str | None) -> None:
        """The queue this process enqueues on: a dead Redis, or (None) the live one again."""
        from huey.storage import PriorityRedisStorage

        self.huey.storage = (
            self.live
            if url is None
            else PriorityRedisStorage(name=self.name, url=f"{url}?socket_connect_timeout=1")
        )

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.url,
            "HUEY_NAME": self.name,
            "HUEY_WORKERS": "4",
            "HUEY_IMMEDIATE": "false",
            "OPENHALL_LOCK_SIMULATOR": "true",
            "PYTHONWARNINGS": "ignore",
            "PYTHONUNBUFFERED": "1",
            "OPENHALL_VAR_DIR": str(Path(self.log.name).parent),
        }
        self.worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "openhall.cli", "run_huey"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGKILL)
            self.worker.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def settle(self, done=None) -> bool:
        """Wait (bounded) until the worker has emptied the queue and `done()` holds — or, with
        no `done`, until it has stopped making progress (what is left waits for the relay)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        seen, quiet_since = None, time.monotonic()
        while time.monotonic() < deadline:
            close_old_connections()
            if self.live.queue_size() == 0:
                if done is not None and done():
                    return True
                now_seen = (_delivered(), LockCredential.objects.filter(status="set").count())
                if now_seen != seen:
                    seen, quiet_since = now_seen, time.monotonic()
                elif done is None and time.monotonic() - quiet_since > 2:
                    return True
            time.sleep(0.5)
        return False

    def close(self) -> None:
        self.stop()
        self.huey.storage = self.live
        self.live.flush_all()
        self.log.close()
        self.huey.immediate = True  # the suite's mode again (conftest restores the rest)


@pytest.fixture
def queue(redis_url, tmp_path):
    queue = Queue(redis_url, tmp_path)
    yield queue
    queue.close()


def _undelivered() -> int:
    return OutboxMessage.objects.filter(delivered_at__isnull=True).count()


def _delivered() -> int:
    return OutboxMessage.objects.filter(delivered_at__isnull=False).count()


@pytest.mark.services
def test_a_worker_killed_again_and_again_mid_burst_loses_no_grant_and_doubles_no_notice(
    rooms, olivia, queue
):
    bookings = requested_bookings(rooms, 32)
    waves = [bookings[n::KILLS] for n in range(KILLS)]
    rng = random.Random(9)  # noqa: S311 — reproducible moments of death, not a secret
    busy_at_kill, errors = [], []

    def approve(booking):
        booking_approve(booking=booking, by=olivia)
        time.sleep(0.1)  # a burst, not a single instant: it spans the worker's death

    queue.start()
    for wave in waves:
        # A wave of approvals commits while this worker lives; once it has taken up the work,
        # it dies with SIGKILL at a random moment (tasks popped, rows claimed, locks half
        # written) and a new one starts — while the approvals are still coming.
        approvals = threading.Thread(
            target=lambda w=wave: errors.extend(in_threads(approve, w, threads=2))
        )
        delivered = _delivered()
        approvals.start()
        deadline = time.monotonic() + 20
        while _delivered() == delivered and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.4))
        busy_at_kill.append(queue.live.queue_size() + _undelivered())
        queue.kill()
        queue.start()
        approvals.join(timeout=60)
    assert errors == []  # every approval committed, whatever the worker was doing
    assert queue.kills == KILLS and sum(n > 0 for n in busy_at_kill) >= 2  # work in hand

    # The last worker lives: it delivers what the queue still holds.
    assert queue.settle()
    queue.stop()
    print(
        "waiting at each kill:",
        busy_at_kill,
        "left for the relay:",
        _undelivered(),
        "claimed by the dead:",
        OutboxMessage.objects.filter(
            delivered_at__isnull=True, claimed_until__isnull=False
        ).count(),
    )
    # What the dead workers held (claimed rows, tasks popped and never finished): the minute
    # relay and sweeps, once the claims have run out.
    settle_in_process(after=outbox.LEASE + timedelta(minutes=1))
    assert_nothing_lost_nothing_twice(bookings)


@pytest.mark.services
def test_with_the_queue_down_approvals_succeed_and_the_relay_delivers_each_follow_up_once(
    rooms, olivia, queue, api_client
):
    bookings = requested_bookings(rooms, 12)
    queue.point_at(f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there
    client = api_client(olivia)
    for booking in bookings:
        started = time.monotonic()
        response = client.post(f"/api/v1/bookings/{booking.pk}/approve")
        assert response.status_code == 200, response.content
        assert time.monotonic() - started < 3  # no hanging on the dead queue either
    assert _undelivered() == 2 * len(bookings)  # on record, waiting for the queue
    assert not Grant.objects.exists()

    queue.point_at(None)  # Redis is back; a worker runs the minute relay and lock sweep
    queue.start()
    from openhall.access.tasks import sweep_locks
    from openhall.core.tasks import outbox_relay_task

    outbox_relay_task()
    assert queue.settle(lambda: _undelivered() == 0)
    sweep_locks()
    assert queue.settle(
        lambda: (
            not LockCredential.objects.exclude(status="set").exists()
            and LockCredential.objects.exists()
        )
    )
    queue.stop()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}  # once each
    assert_nothing_lost_nothing_twice(bookings)
