"""Password sign-in throttle: portal, console and Django admin share one count, kept in the
database, keyed on the number *and* the client's address so it cannot be turned on a victim.

Personas: alice (resident), root (superuser), mallory (an attacker at her own address).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openhall import factories

PASSWORD = "correct-horse-9"  # every persona's password (conftest.py)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MALLORY = "203.0.113.66"  # the attacker
ALICE_HOME = "198.51.100.7"  # the victim's own connection
CENTER_WIFI = "198.51.100.200"  # one public address for a whole center's guest Wi-Fi
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


def sign_in(client, mobile, password, ip, path="/login/", **headers):
    field = "username" if path.startswith("/django-admin/") else "mobile"
    return client.post(path, {field: mobile, "password": password}, REMOTE_ADDR=ip, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def guess_wrong(client, mobile, ip, times, path="/login/", **headers):
    for n in range(times):
        sign_in(client, mobile, f"wrong-{n}", ip, path=path, **headers)


def test_ten_wrong_passwords_lock_that_number_only_from_that_address(client, alice):
    guess_wrong(client, alice.mobile, MALLORY, 10)
    refused = sign_in(client, alice.mobile, PASSWORD, MALLORY)
    assert not signed_in(client)
    assert "后再试" in refused.content.decode()
    # Alice, at home, is not locked out by what someone else typed.
    assert sign_in(client, alice.mobile, PASSWORD, ALICE_HOME).status_code == 302
    assert signed_in(client)


def test_rotating_x_forwarded_for_from_an_untrusted_peer_locks_only_the_peer(client, alice):
    for n in range(30):
        sign_in(client, alice.mobile, f"wrong-{n}", MALLORY, HTTP_X_FORWARDED_FOR=f"10.9.8.{n}")
    assert sign_in(client, alice.mobile, PASSWORD, ALICE_HOME).status_code == 302
    assert signed_in(client)


def test_rotating_the_spelling_of_the_number_does_not_reset_the_count(client, alice):
    spaced = f"{alice.mobile[:3]} {alice.mobile[3:7]} {alice.mobile[7:]}"
    guess_wrong(client, alice.mobile, MALLORY, 5)
    guess_wrong(client, spaced, MALLORY, 5)
    sign_in(client, alice.mobile, PASSWORD, MALLORY)
    assert not signed_in(client)


def test_thirty_residents_behind_one_address_each_mistyping_once_all_sign_in(db):
    from django.test import Client

    residents = [factories.UserFactory() for _ in range(30)]
    for resident in residents:
        client = Client()
        sign_in(client, resident.mobile, "typo", CENTER_WIFI)
        assert sign_in(client, resident.mobile, PASSWORD, CENTER_WIFI).status_code == 302
        assert signed_in(client)


def test_one_address_spraying_many_numbers_is_stopped_at_one_hundred_failures(client, alice):
    for n in range(100):
        sign_in(client, f"1390000{n // 10:04d}", f"wrong-{n}", MALLORY)
    sign_in(client, alice.mobile, PASSWORD, MALLORY)
    assert not signed_in(client)
    assert sign_in(client, alice.mobile, PASSWORD, ALICE_HOME).status_code == 302


def test_the_page_says_when_to_try_again_in_shanghai_time(client, alice):
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        guess_wrong(client, alice.mobile, MALLORY, 9)
        page = sign_in(client, alice.mobile, "wrong-again", MALLORY).content.decode()
    assert "15 分钟后" in page and "10:15" in page


def test_the_lock_lifts_after_fifteen_minutes(client, alice):
    start = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        guess_wrong(client, alice.mobile, MALLORY, 10)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        sign_in(client, alice.mobile, PASSWORD, MALLORY)
        assert not signed_in(client)
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, alice.mobile, PASSWORD, MALLORY).status_code == 302


def test_a_successful_sign_in_clears_the_count(client, alice):
    guess_wrong(client, alice.mobile, ALICE_HOME, 9)
    assert sign_in(client, alice.mobile, PASSWORD, ALICE_HOME).status_code == 302
    client.logout()
    guess_wrong(client, alice.mobile, ALICE_HOME, 9)
    assert sign_in(client, alice.mobile, PASSWORD, ALICE_HOME).status_code == 302


def test_django_admin_sign_in_is_throttled(client, root):
    guess_wrong(client, root.mobile, MALLORY, 10, path="/django-admin/login/")
    refused = sign_in(client, root.mobile, PASSWORD, MALLORY, path="/django-admin/login/")
    assert refused.status_code == 429
    assert "后再试" in refused.content.decode()
    assert not signed_in(client)
    welcome = sign_in(client, root.mobile, PASSWORD, ALICE_HOME, path="/django-admin/login/")
    assert welcome.status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("last", ["/login/", "/console/login/", "/django-admin/login/"])
def test_every_password_form_shares_one_count(client, root, last):
    guess_wrong(client, root.mobile, MALLORY, 4, path="/login/")
    guess_wrong(client, root.mobile, MALLORY, 3, path="/console/login/")
    guess_wrong(client, root.mobile, MALLORY, 3, path="/django-admin/login/")
    sign_in(client, root.mobile, PASSWORD, MALLORY, path=last)
    assert not signed_in(client)


def test_failures_are_counted_in_the_database_not_the_cache(client, alice):
    from django.core.cache import cache

    guess_wrong(client, alice.mobile, MALLORY, 10)
    cache.clear()  # a Redis restart
    sign_in(client, alice.mobile, PASSWORD, MALLORY)
    assert not signed_in(client)


def test_password_sign_in_answers_a_page_when_redis_is_down(client, alice):
    from django.test import override_settings

    with override_settings(CACHES=DEAD_REDIS):
        wrong = sign_in(client, alice.mobile, "wrong-one", ALICE_HOME)
        assert wrong.status_code == 200
        assert "手机号或密码不正确" in wrong.content.decode()
        assert sign_in(client, alice.mobile, PASSWORD, ALICE_HOME).status_code == 302


def test_a_proxy_without_trusted_addresses_is_warned_about_at_start_up(settings):
    from openhall.accounts.checks import proxy_without_trusted_addresses

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.OPENHALL_TRUSTED_PROXIES = []
    assert [w.id for w in proxy_without_trusted_addresses(None)] == ["openhall.W007"]
    settings.OPENHALL_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    assert proxy_without_trusted_addresses(None) == []


def test_behind_a_trusted_proxy_the_lock_follows_the_forwarded_address(client, alice, settings):
    settings.OPENHALL_TRUSTED_PROXIES = ["127.0.0.1"]
    guess_wrong(client, alice.mobile, "127.0.0.1", 10, HTTP_X_FORWARDED_FOR=MALLORY)
    sign_in(client, alice.mobile, PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=MALLORY)
    assert not signed_in(client)
    welcome = sign_in(client, alice.mobile, PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=ALICE_HOME)
    assert welcome.status_code == 302
