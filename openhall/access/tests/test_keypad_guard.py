"""The simulator's keypad takes guesses, so it behaves like a real lock's: five wrong codes in a
row freeze it for three minutes (even the right code is refused meanwhile), counted in the
database so every web process and a restart see the same count. And it is off in production
unless someone turns it on on purpose."""

from datetime import timedelta

import pytest
import time_machine
from django.core import checks
from django.utils import timezone

from openhall.access.alerts import alerts
from openhall.access.drivers import LockError, simulator
from openhall.access.grants import grant_create
from openhall.access.lock_events import keypad, remote_unlock
from openhall.access.models import AccessEvent, Door, LockCredential
from openhall.access.reconcile import reconcile_grant
from openhall.access.refusals import AccessRefused
from openhall.access.tests.lock_faults import FAULTS

pytestmark = pytest.mark.django_db

# Tomorrow 12:00 in Asia/Shanghai: the grant below has not ended whatever day the suite runs.
NOON = timezone.make_aware(
    timezone.datetime.combine(
        timezone.localdate() + timedelta(days=1), timezone.datetime.min.time()
    )
) + timedelta(hours=12)
FROZEN_TEXT = "键盘已锁定，请于 12:03 后再试"


@pytest.fixture
def door(center_a):
    return Door.objects.create(center=center_a, name="舞蹈教室门")


@pytest.fixture
def pin(door, center_a, olivia, tom, django_capture_on_commit_callbacks):
    """Tom's PIN, open on the door all afternoon."""
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=tom,
            doors=[door],
            starts_at=NOON - timedelta(hours=1),
            ends_at=NOON + timedelta(hours=5),
            kinds=["pin"],
        )
    return grant.credentials.get(kind="pin").secret


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**6:06d}"


def test_five_wrong_codes_freeze_the_keypad_for_three_minutes_even_for_the_right_code(door, pin):
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(4):
            assert keypad(door=door, code=wrong(pin)).opened is False
        fifth = keypad(door=door, code=wrong(pin))
        assert fifth.opened is False and FROZEN_TEXT in fifth.reason  # the lock says so at once

        clock.shift(timedelta(seconds=10))
        right = keypad(door=door, code=pin)
        assert right.opened is False and right.reason == FROZEN_TEXT
        clock.shift(timedelta(minutes=2, seconds=49))  # 12:02:59
        assert keypad(door=door, code=pin).opened is False
        clock.shift(timedelta(seconds=2))  # 12:03:01
        assert keypad(door=door, code=pin).opened is True

    refusals = AccessEvent.objects.filter(door=door, opened=False).order_by("at", "pk")
    assert refusals.count() == 7  # every refusal is logged, the frozen ones too
    assert refusals.last().detail == FROZEN_TEXT


def test_a_right_code_resets_the_count(door, pin):
    with time_machine.travel(NOON, tick=False):
        for _ in range(4):
            keypad(door=door, code=wrong(pin))
        assert keypad(door=door, code=pin).opened is True
        for _ in range(4):
            keypad(door=door, code=wrong(pin))
        assert keypad(door=door, code=pin).opened is True


def test_the_freeze_is_per_door_and_counts_cards_too(door, pin, center_a):
    other = Door.objects.create(center=center_a, name="大门", is_entrance=True)
    with time_machine.travel(NOON, tick=False):
        for _ in range(3):
            keypad(door=door, code=wrong(pin))
        for _ in range(2):
            keypad(door=door, code="CARD-0000", kind="card")
        assert keypad(door=door, code=pin).opened is False
        assert keypad(door=other, code="000000").reason != FROZEN_TEXT


def test_the_count_lives_in_the_database_not_in_the_process(door, pin):
    """A second web process (or a restart) starts with no memory of its own: nothing the
    simulator keeps in Python may carry the count."""
    with time_machine.travel(NOON, tick=False):
        for _ in range(5):
            keypad(door=door, code=wrong(pin))
        FAULTS.clear()
        simulator.OPENED.clear()
        from django.core.cache import cache

        cache.clear()
        assert keypad(door=door, code=pin).reason == FROZEN_TEXT


def test_the_console_doors_page_shows_a_frozen_keypad(client, door, pin, center_a, olivia):
    client.force_login(olivia)
    with time_machine.travel(NOON, tick=False):
        for _ in range(5):
            keypad(door=door, code=wrong(pin))
        page = client.get(f"/console/c/{center_a.pk}/doors/").content.decode()
        assert "键盘已锁定" in page and "12:03" in page
        assert "keypad" in {a["kind"] for a in alerts(center_a)}
    with time_machine.travel(NOON + timedelta(minutes=4), tick=False):
        assert "keypad" not in {a["kind"] for a in alerts(center_a)}


def test_the_keypad_page_freezes_after_five_wrong_codes(client, door, pin):
    url = f"/access/keypad/{door.pk}/"
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(5):
            client.post(url, {"code": wrong(pin)})
        page = client.post(url, {"code": pin}).content.decode()
        assert FROZEN_TEXT in page and "is-open" not in page
        clock.shift(timedelta(minutes=3, seconds=1))
        assert "is-open" in client.post(url, {"code": pin}).content.decode()


def test_the_keypad_api_freezes_after_five_wrong_codes(api_client, door, pin, olivia):
    api = api_client(olivia)
    url = f"/api/v1/simulator/doors/{door.pk}/keypad"

    def type_(code):
        return api.post(url, {"pin": code}, content_type="application/json").json()

    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(5):
            type_(wrong(pin))
        assert type_(pin) == {"opened": False, "reason": FROZEN_TEXT}
        clock.shift(timedelta(minutes=3, seconds=1))
        assert type_(pin)["opened"] is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_cannot_slip_past_the_count(center_a, olivia, tom):
    """Twenty guesses at once from ten threads: the lock still checks at most five of them."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers anyway; the race needs PostgreSQL")
    door = Door.objects.create(center=center_a, name="并发门")
    start = timezone.now() - timedelta(minutes=1)
    grant = grant_create(
        center=center_a,
        by=olivia,
        user=tom,
        doors=[door],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        kinds=["pin"],
    )
    reconcile_grant(grant.pk)
    pin = grant.credentials.get(kind="pin").secret
    checked = []
    barrier = threading.Barrier(10)

    def guesser():
        try:
            barrier.wait()
            for _ in range(2):
                result = keypad(door=door, code=wrong(pin))
                # refused unread ("frozen") or read and found wrong
                checked.append(not result.reason.startswith("键盘已锁定"))
        finally:
            connection.close()

    threads = [threading.Thread(target=guesser) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 20 and sum(checked) == 5
    assert AccessEvent.objects.filter(door=door, opened=False).count() == 20
    assert keypad(door=door, code=pin).opened is False  # frozen
    from openhall.access.models import SimulatedKeypad

    pad = SimulatedKeypad.objects.get(door=door)
    assert pad.frozen_until is not None and pad.wrong_in_a_row == 0


# --- the simulator is off unless enabled --------------------------------------------------------
def test_without_the_simulator_the_keypad_page_and_api_are_not_there(
    client, settings, api_client, door, pin, olivia
):
    settings.OPENHALL_LOCK_SIMULATOR = False
    assert client.post(f"/access/keypad/{door.pk}/", {"code": pin}).status_code == 404
    assert client.get(f"/access/keypad/{door.pk}/").status_code == 404
    response = api_client(olivia).post(
        f"/api/v1/simulator/doors/{door.pk}/keypad", {"pin": pin}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(opened=True).exists()


def test_without_the_simulator_the_doors_page_links_no_keypad(
    client, settings, door, center_a, olivia
):
    client.force_login(olivia)
    keypad_url = f"/access/keypad/{door.pk}/"
    assert keypad_url in client.get(f"/console/c/{center_a.pk}/doors/").content.decode()
    settings.OPENHALL_LOCK_SIMULATOR = False
    assert keypad_url not in client.get(f"/console/c/{center_a.pk}/doors/").content.decode()


def test_without_the_simulator_no_simulated_door_takes_a_code_or_opens(
    settings, door, center_a, olivia, alice, django_capture_on_commit_callbacks
):
    settings.OPENHALL_LOCK_SIMULATOR = False
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(
            center=center_a,
            by=olivia,
            user=alice,
            doors=[door],
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(hours=1),
        )
    assert LockCredential.objects.get(credential__grant=grant).status == "failed"
    with pytest.raises(AccessRefused):
        keypad(door=door, code="123456")
    with pytest.raises(LockError):
        simulator.SimulatorDriver().unlock(door.lock)
    with pytest.raises(AccessRefused):
        remote_unlock(door=door, by=olivia, reason="维修")


def test_check_deploy_warns_when_the_simulator_is_on(settings):
    settings.OPENHALL_LOCK_SIMULATOR = True
    found = checks.run_checks(include_deployment_checks=True)
    assert "openhall.W006" in {c.id for c in found}
    settings.OPENHALL_LOCK_SIMULATOR = False
    found = checks.run_checks(include_deployment_checks=True)
    assert "openhall.W006" not in {c.id for c in found}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "true"}, "True"),
        ({"DEBUG": "false"}, "False"),
        ({"DEBUG": "false", "OPENHALL_LOCK_SIMULATOR": "true"}, "True"),
        ({"DEBUG": "true", "OPENHALL_LOCK_SIMULATOR": "false"}, "False"),
    ],
)
def test_the_simulator_is_on_by_default_only_in_debug(env, expected):
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OPENHALL_", "DEBUG"))}
    environment.update(SECRET_KEY="x" * 50, OPENHALL_DATA_KEY="y" * 44, SMS_BACKEND="aliyun", **env)
    result = subprocess.run(
        [sys.executable, "-c", "import openhall.settings as s; print(s.OPENHALL_LOCK_SIMULATOR)"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == expected, result.stderr
