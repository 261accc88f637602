"""One contract, every driver: the same tests run on the simulator and on TTLock (against the
fake TTLock cloud), and the TTLock client's own ways of failing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.utils import timezone

from openhall import factories
from openhall.access.alerts import alerts
from openhall.access.drivers import LockError, driver_for, simulator, ttlock
from openhall.access.grants import grant_create, grant_revoke
from openhall.access.lock_events import ttlock_poll, z2m_event
from openhall.access.models import AccessEvent, Door, LockCredential
from openhall.access.orphans import lock_orphans
from openhall.access.reconcile import CLAIM, reconcile, sweep
from openhall.access.tests.fake_ttlock import FakeTTLock
from openhall.access.tests.lock_faults import FAULTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(settings):
    settings.TTLOCK_CLIENT_ID, settings.TTLOCK_CLIENT_SECRET = "cid", "secret"
    settings.TTLOCK_USERNAME, settings.TTLOCK_PASSWORD = "center", "pw"
    from django.core.cache import cache

    cache.delete(ttlock.TOKEN_KEY)
    server = FakeTTLock()
    ttlock.use_transport(server.transport())
    yield server
    ttlock.use_transport(None)


@pytest.fixture(params=["simulator", "ttlock"])
def door(request, center_a):
    if request.param == "ttlock":
        request.getfixturevalue("fake")
    FAULTS.clear()
    simulator.OPENED.clear()
    return Door.objects.create(center=center_a, name="大门", driver=request.param, device_id="3001")


def window():
    now = timezone.now()
    return now - timedelta(minutes=1), now + timedelta(hours=1)


def test_a_code_is_added_and_removed_and_removing_twice_is_fine(door):
    driver = driver_for(door.lock)
    external = driver.add_passcode(door.lock, "246810", *window())
    assert external
    driver.delete_passcode(door.lock, external)
    driver.delete_passcode(door.lock, external)  # already gone: not an error


def test_remote_unlock_opens_and_the_lock_says_so(door):
    driver = driver_for(door.lock)
    assert driver.open_state(door.lock) == "locked"
    driver.unlock(door.lock)
    assert driver.open_state(door.lock) == "unlocked"


def test_both_drivers_keep_windows_on_the_lock(door):
    assert driver_for(door.lock).native_windows is True


def test_an_expired_token_is_renewed_once(center_a, fake):
    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="9")
    driver = driver_for(door.lock)
    driver.add_passcode(door.lock, "111222", *window())
    fake.expire_tokens()
    driver.add_passcode(door.lock, "333444", *window())  # 10004 → new token → done
    assert fake.calls.count("/oauth2/token") == 2


@pytest.mark.parametrize(
    ("code", "transient"),
    [(-3002, True), (-3003, True), (30006, True), (1, True), (-3009, False), (-4043, False)],
)
def test_ttlock_errors_say_whether_a_retry_can_help(center_a, fake, code, transient):
    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="9")
    fake.fail_next["/v3/keyboardPwd/add"] = code
    with pytest.raises(LockError) as failed:
        driver_for(door.lock).add_passcode(door.lock, "555666", *window())
    assert failed.value.transient is transient and failed.value.code == str(code)


def test_a_flaky_cloud_still_ends_with_every_code_set_and_every_revoked_one_removed(
    center_a, fake, olivia
):
    import time_machine

    fake.fail_share = 0.35
    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="77")
    start = timezone.now() + timedelta(hours=1)
    grants = [
        grant_create(
            center=center_a,
            by=olivia,
            user=factories.UserFactory(),
            doors=[door],
            starts_at=start,
            ends_at=start + timedelta(days=30),
            kinds=["pin"],
        )
        for _ in range(12)
    ]
    for grant in grants[:4]:
        grant_revoke(grant=grant, by=olivia)
    moment = timezone.now()
    for _ in range(40):  # sweeps, each after the backoff of the last failures
        moment += timedelta(hours=1, minutes=1)
        with time_machine.travel(moment):
            sweep(now=timezone.now())
        if not LockCredential.objects.exclude(status__in=["set", "removed"]).exists():
            break
    statuses = dict(LockCredential.objects.values_list("credential__grant_id", "status"))
    assert all(statuses[g.pk] == "removed" for g in grants[:4])
    assert all(statuses[g.pk] == "set" for g in grants[4:])
    held = [c["code"] for c in fake.codes["77"].values()]
    assert len(held) == len(set(held)) == 8  # no duplicates, nothing revoked left behind


def test_the_webhook_logs_each_record_once_and_answers_success(
    client, settings, center_a, fake, olivia
):
    import json

    settings.TTLOCK_WEBHOOK_SECRET = "hook-secret"
    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="55")
    at_ms = int(timezone.now().timestamp() * 1000)
    records = json.dumps(
        [
            {
                "recordType": 4,
                "success": 1,
                "keyboardPwd": "123456",
                "lockDate": at_ms,
                "electricQuantity": 15,
            }
        ]
    )
    form = {"notifyType": "1", "lockId": "55", "records": records}
    for _ in range(2):  # TTLock sends it twice
        answer = client.post("/access/ttlock/hook-secret/", form)
        assert answer.content == b"success"
    assert AccessEvent.objects.filter(door=door).count() == 1
    door.refresh_from_db()
    assert door.battery == 15 and {"battery", "outside"} <= {a["kind"] for a in alerts(center_a)}
    assert client.post("/access/ttlock/wrong/", form).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_workers_reconciling_at_once_write_a_code_once(center_a, fake, olivia):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("skip_locked row locks are PostgreSQL's (CI runs both)")
    from huey.contrib.djhuey import HUEY

    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="88")
    HUEY.immediate = False  # nobody reconciles but the two workers below
    try:
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=factories.UserFactory(),
            doors=[door],
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(hours=1),
            kinds=["pin"],
        )
    finally:
        HUEY.immediate = True
    row = LockCredential.objects.get(credential__grant=grant)
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            reconcile(row.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.calls.count("/v3/keyboardPwd/add") == 1
    row.refresh_from_db()
    assert row.status == "set"


@pytest.fixture
def z2m(mqtt_url, settings, center_a):
    import secrets

    from openhall.access.tests.fake_z2m_lock import FakeZigbeeLock

    settings.MQTT_URL = mqtt_url
    lock = FakeZigbeeLock(mqtt_url, f"openhall-test-{secrets.token_hex(4)}")
    door = Door.objects.create(center=center_a, name="活动室门", driver="mqtt", device_id=lock.name)
    yield lock, door
    lock.close()


def test_mqtt_a_pin_counts_as_set_only_when_the_lock_confirms_it(z2m):
    lock, door = z2m
    driver = driver_for(door.lock)
    assert driver.native_windows is False  # written at the window's start, cleared at its end
    slot = driver.add_passcode(door.lock, "482913", *window())
    assert lock.has("482913") and lock.users[slot]["status"] == "enabled"
    second = driver.add_passcode(door.lock, "173028", *window())
    assert second != slot  # the next free slot
    driver.delete_passcode(door.lock, slot)
    assert not lock.has("482913") and lock.has("173028")

    lock.asleep = True  # a sleeping battery lock drops the command: not "set"
    with pytest.raises(LockError) as unconfirmed:
        driver.add_passcode(door.lock, "555000", *window())
    assert unconfirmed.value.transient and unconfirmed.value.code == "unconfirmed"


def test_mqtt_codes_are_written_when_their_window_opens(z2m, olivia, center_a):
    import time_machine

    lock, door = z2m
    start = timezone.now() + timedelta(hours=2)
    grant = grant_create(
        center=center_a,
        by=olivia,
        user=factories.UserFactory(),
        doors=[door],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        kinds=["pin"],
    )
    pin = grant.credentials.get().secret
    assert not lock.has(pin)  # not before its window
    with time_machine.travel(start + timedelta(seconds=30)):
        sweep(now=timezone.now())
    assert lock.has(pin)
    with time_machine.travel(start + timedelta(hours=1, minutes=1)):
        sweep(now=timezone.now())
    assert not lock.has(pin)  # cleared at the end


def test_cards_are_written_with_their_window_and_removed(door):
    driver = driver_for(door.lock)
    external = driver.add_card(door.lock, "3A7F0921", *window())
    assert external
    driver.delete_card(door.lock, external)
    driver.delete_card(door.lock, external)  # already gone: fine


def test_a_fingerprint_enrolled_at_the_lock_gets_its_window_remotely(center_a, fake):
    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="66")
    fake.fingerprints["66"] = {"fp-12": (0, 0)}
    external = driver_for(door.lock).set_fingerprint(door.lock, "fp-12", *window())
    assert external == "fp-12" and fake.fingerprints["66"]["fp-12"][1] > 0
    with pytest.raises(LockError) as unknown:
        driver_for(door.lock).set_fingerprint(door.lock, "fp-99", *window())
    assert unknown.value.code == "-1023"
    driver_for(door.lock).delete_fingerprint(door.lock, "fp-12")
    assert "fp-12" not in fake.fingerprints["66"]


def test_polling_picks_up_what_the_webhook_missed_and_never_logs_twice(
    client, settings, center_a, fake
):
    import json

    settings.TTLOCK_WEBHOOK_SECRET = "hook"
    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="44")
    at_ms = int(timezone.now().timestamp() * 1000) - 60_000
    seen = {"recordType": 4, "success": 1, "keyboardPwd": "998877", "lockDate": at_ms}
    missed = {"recordType": 7, "success": 0, "keyboardPwd": "", "lockDate": at_ms + 5000}
    client.post("/access/ttlock/hook/", {"lockId": "44", "records": json.dumps([seen])})
    fake.records["44"] = [seen, missed]

    assert ttlock_poll() == 1  # only the missed one is new
    assert ttlock_poll() == 0
    assert AccessEvent.objects.filter(door=door).count() == 2
    assert AccessEvent.objects.filter(door=door, method="card", opened=False).exists()


def test_zigbee_lock_actions_are_logged_and_attributed_through_the_slot(
    z2m, olivia, center_a, django_capture_on_commit_callbacks
):
    lock, door = z2m
    start = timezone.now() - timedelta(minutes=1)
    person = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=person,
            doors=[door],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            kinds=["pin"],
        )
    slot = LockCredential.objects.get(credential__grant=grant).external_id
    opened = z2m_event(
        name=lock.name,
        payload={"action": "unlock", "action_user": int(slot), "action_source_name": "keypad"},
    )
    assert (opened.opened, opened.user, opened.grant) == (True, person, grant)
    refused = z2m_event(
        name=lock.name,
        payload={"action": "unlock_failure_invalid_pin_or_id", "action_source_name": "keypad"},
    )
    assert refused.opened is False
    assert z2m_event(name=lock.name, payload={"action": "manual_unlock"}) is None


def test_a_worker_killed_after_writing_leaves_nothing_stuck_or_doubled(
    center_a, fake, olivia, monkeypatch
):
    from huey.contrib.djhuey import HUEY

    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="31")
    original = ttlock.TTLockDriver.add_passcode

    def dies_after_writing(self, *args):
        original(self, *args)
        raise RuntimeError("worker killed")  # before our database knows

    monkeypatch.setattr(ttlock.TTLockDriver, "add_passcode", dies_after_writing)
    HUEY.immediate = False
    try:
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=factories.UserFactory(),
            doors=[door],
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(hours=1),
            kinds=["pin"],
        )
    finally:
        HUEY.immediate = True
    row = LockCredential.objects.get(credential__grant=grant)
    with pytest.raises(RuntimeError):
        reconcile(row.pk)
    row.refresh_from_db()
    assert row.status == "pending"  # the worker's claim holds it: not stuck in between
    sweep()
    assert LockCredential.objects.get(pk=row.pk).claimed_until is not None  # not yet taken up

    monkeypatch.setattr(ttlock.TTLockDriver, "add_passcode", original)
    # The claim runs out; the next worker: the lock says "duplicate", ours is adopted.
    sweep(now=timezone.now() + CLAIM + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == "set" and len(fake.codes["31"]) == 1
    assert row.external_id == str(next(iter(fake.codes["31"])))

    fake.codes["31"][999] = {"code": "424242", "start": 0, "end": 0, "name": "物业"}
    with pytest.raises(LockError) as theirs:  # someone else's code is never taken over
        driver_for(door.lock).add_passcode(door.lock, "424242", *window())
    assert theirs.value.transient is False


def test_after_a_restore_codes_the_database_forgot_are_found_and_removed(
    center_a, fake, olivia, tom, alice
):
    from django.core.management import call_command

    from openhall.access.models import Grant

    door = Door.objects.create(center=center_a, name="门", driver="ttlock", device_id="41")
    window = {"starts_at": timezone.now(), "ends_at": timezone.now() + timedelta(hours=2)}
    kept = grant_create(center=center_a, by=olivia, user=tom, doors=[door], kinds=["pin"], **window)
    lost = grant_create(
        center=center_a, by=olivia, user=alice, doors=[door], kinds=["pin"], **window
    )
    for row in LockCredential.objects.all():
        reconcile(row.pk)
    fake.codes["41"][999] = {"code": "424242", "start": 0, "end": 0, "name": "物业"}
    lost_code = lost.credentials.get().secret
    # The backup was taken before Alice's grant: restoring it forgets her row, not her code.
    Grant.objects.filter(pk=lost.pk).delete()
    assert len(fake.codes["41"]) == 3

    (report,) = lock_orphans()
    assert len(report.orphans) == 1 and len(fake.codes["41"]) == 3  # listed, not touched
    out = StringIO()
    call_command("lock_orphans", "--remove", stdout=out)
    assert "1 unknown code(s), 1 removed" in out.getvalue()
    left = {c["code"] for c in fake.codes["41"].values()}
    assert lost_code not in left
    assert kept.credentials.get().secret in left and "424242" in left  # ours known, theirs kept
    assert lock_orphans()[0].orphans == []
