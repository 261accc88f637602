import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from openhall.accounts import services
from openhall.accounts.models import Consent, SmsCode, User
from openhall.core.models import AuditEntry
from openhall.notifications.models import ConsoleSms

MOBILE = "13912345678"


def last_code(mobile: str = MOBILE) -> str:
    text = ConsoleSms.objects.filter(mobile=mobile).first().text
    return re.search(r"验证码为(\d{6})", text).group(1)


def sign_up(mobile=MOBILE, name="李四", consents=frozenset({Consent.Kind.PRIVACY})):
    services.sms_code_send(mobile=mobile, ip="198.51.100.1")
    return services.user_sign_in_by_sms(
        mobile=mobile, code=last_code(mobile), real_name=name, consents=set(consents)
    )


def test_the_console_backend_prints_and_stores_a_six_digit_code(db, capsys):
    services.sms_code_send(mobile="139 1234 5678")
    assert re.fullmatch(r"\d{6}", last_code())
    assert last_code() in capsys.readouterr().out


def test_only_a_hash_of_the_code_is_stored(db):
    services.sms_code_send(mobile=MOBILE)
    row = SmsCode.objects.get()
    assert last_code() not in row.code_hash
    assert MOBILE not in row.mobile_index


def test_a_new_number_signs_up_with_name_and_logged_consent(
    db, settings, django_capture_on_commit_callbacks
):
    from openhall.notifications.services import preference_for

    settings.OPENHALL_PRIVACY_POLICY_VERSION = "3"
    with django_capture_on_commit_callbacks(execute=True):
        user = sign_up(consents={Consent.Kind.PRIVACY, Consent.Kind.SMS_NOTICES})
    assert preference_for(user.pk).sms  # the optional SMS box turns SMS notices on
    assert user.real_name == "李四"
    assert user.verification_level == 1
    assert not user.has_usable_password()
    consents = {(c.kind, c.version) for c in user.consents.all()}
    assert consents == {("privacy", "3"), ("sms_notices", "3")}
    assert AuditEntry.objects.filter(action="user.sign_up", object_id=str(user.pk)).exists()


def test_sign_up_needs_the_privacy_box_ticked(db):
    services.sms_code_send(mobile=MOBILE)
    with pytest.raises(ValidationError) as refused:
        services.user_sign_in_by_sms(mobile=MOBILE, code=last_code(), real_name="李四")
    assert refused.value.error_dict["agree_privacy"]
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_sign_up_needs_a_declared_name(db):
    services.sms_code_send(mobile=MOBILE)
    with pytest.raises(ValidationError):
        services.user_sign_in_by_sms(
            mobile=MOBILE, code=last_code(), consents={Consent.Kind.PRIVACY}
        )


def test_a_known_number_signs_in_without_asking_again(db):
    first = sign_up()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        services.sms_code_send(mobile=MOBILE)
        again = services.user_sign_in_by_sms(mobile=MOBILE, code=last_code())
    assert again == first
    assert first.consents.filter(kind="privacy").count() == 1


def test_a_new_policy_version_asks_for_consent_again(db, settings):
    sign_up()
    settings.OPENHALL_PRIVACY_POLICY_VERSION = "2"
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        services.sms_code_send(mobile=MOBILE)
        with pytest.raises(ValidationError):
            services.user_sign_in_by_sms(mobile=MOBILE, code=last_code())


def test_a_code_expires_after_five_minutes(db):
    services.sms_code_send(mobile=MOBILE)
    code = last_code()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=5, seconds=1)):
        assert not services.sms_code_check(mobile=MOBILE, code=code)


def test_a_code_works_once(db):
    services.sms_code_send(mobile=MOBILE)
    code = last_code()
    assert services.sms_code_check(mobile=MOBILE, code=code)
    assert not services.sms_code_check(mobile=MOBILE, code=code)


def test_five_wrong_guesses_void_the_code(db):
    services.sms_code_send(mobile=MOBILE)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(services.SMS_CODE_MAX_ATTEMPTS):
        assert not services.sms_code_check(mobile=MOBILE, code=wrong)
    assert not services.sms_code_check(mobile=MOBILE, code=code)


def test_one_code_per_number_per_minute(db):
    services.sms_code_send(mobile=MOBILE)
    with pytest.raises(ValidationError) as refused:
        services.sms_code_send(mobile=MOBILE)
    assert refused.value.code == "sms_throttled"


def test_numbers_are_capped_per_hour(db):
    now = timezone.now()
    for minute in range(services.SMS_PER_NUMBER_PER_HOUR):
        with time_machine.travel(now + timezone.timedelta(minutes=2 * minute)):
            services.sms_code_send(mobile=MOBILE)
    with time_machine.travel(now + timezone.timedelta(minutes=20)), pytest.raises(ValidationError):
        services.sms_code_send(mobile=MOBILE)


def test_one_ip_address_is_capped_per_hour(db):
    for n in range(services.SMS_PER_IP_PER_HOUR):
        services.sms_code_send(mobile=f"1391234{n:04d}", ip="203.0.113.9")
    with pytest.raises(ValidationError):
        services.sms_code_send(mobile="13800000000", ip="203.0.113.9")
    services.sms_code_send(mobile="13800000000", ip="203.0.113.10")


def test_a_bad_number_is_refused_in_chinese(db):
    with pytest.raises(ValidationError) as refused:
        services.sms_code_send(mobile="12345")
    assert "手机号" in " ".join(refused.value.messages)


def test_the_sms_page_signs_up_and_lands_on_me(client, db):
    page = client.post("/login/sms/", {"mobile": MOBILE, "action": "send"})
    assert page.status_code == 200
    response = client.post(
        "/login/sms/",
        {
            "mobile": MOBILE,
            "code": last_code(),
            "real_name": "李四",
            "agree_privacy": "on",
            "action": "login",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert "李四" in client.get("/me/").content.decode()


def test_the_sms_page_shows_a_missing_consent_next_to_the_box(client, db):
    client.post("/login/sms/", {"mobile": MOBILE, "action": "send"})
    page = client.post(
        "/login/sms/",
        {"mobile": MOBILE, "code": last_code(), "real_name": "李四", "action": "login"},
    )
    assert page.status_code == 200
    assert "隐私政策" in page.content.decode()
    assert "_auth_user_id" not in client.session


# --- Guessing codes: every wrong guess counts, durably ---------------------------------------
ATTACKER = "203.0.113.66"
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


def wrong_code(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 1_000_000:06d}"


def post_code(client, code, mobile=MOBILE, ip=ATTACKER):
    return client.post(
        "/login/sms/",
        {
            "mobile": mobile,
            "code": code,
            "real_name": "李四",
            "agree_privacy": "on",
            "action": "login",
        },
        REMOTE_ADDR=ip,
    )


def test_after_eight_wrong_codes_on_the_page_the_right_code_no_longer_signs_in(client, db):
    client.post("/login/sms/", {"mobile": MOBILE, "action": "send"})
    code = last_code()
    for n in range(1, 9):
        post_code(client, wrong_code(code, n))
    page = post_code(client, code)
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(mobile=MOBILE).exists()
    assert page.status_code in (200, 429)


@pytest.mark.django_db(transaction=True)
def test_wrong_codes_stay_counted_across_real_commits(client):
    # The same attack with real transactions: nothing a refusal rolls back may hold the count.
    client.post("/login/sms/", {"mobile": MOBILE, "action": "send"})
    code = last_code()
    for n in range(1, 9):
        post_code(client, wrong_code(code, n))
    row = SmsCode.objects.get()
    assert row.attempts == services.SMS_CODE_MAX_ATTEMPTS and row.used_at is not None
    post_code(client, code)
    assert "_auth_user_id" not in client.session


def test_a_wrong_guess_is_counted_although_the_sign_in_is_refused(db):
    services.sms_code_send(mobile=MOBILE)
    code = last_code()
    with pytest.raises(ValidationError):
        services.user_sign_in_by_sms(
            mobile=MOBILE, code=wrong_code(code), real_name="李四", consents={Consent.Kind.PRIVACY}
        )
    assert SmsCode.objects.get().attempts == 1


def test_one_address_gets_ten_wrong_guesses_an_hour_at_one_number(db):
    start = timezone.now()
    for minute in (0, 2):
        with time_machine.travel(start + timezone.timedelta(minutes=minute)):
            services.sms_code_send(mobile=MOBILE, ip="198.51.100.1")
            for n in range(1, services.SMS_CODE_MAX_ATTEMPTS + 1):
                services.sms_code_check(mobile=MOBILE, code=wrong_code(last_code(), n), ip=ATTACKER)
    with time_machine.travel(start + timezone.timedelta(minutes=4)):
        services.sms_code_send(mobile=MOBILE, ip="198.51.100.1")
        with pytest.raises(ValidationError) as refused:
            services.sms_code_check(mobile=MOBILE, code=last_code(), ip=ATTACKER)
        assert refused.value.code == "sms_guess_throttled"
        assert "后再试" in " ".join(refused.value.messages)
        # The owner of the number, elsewhere, still signs in with the code on her phone.
        assert services.sms_code_check(mobile=MOBILE, code=last_code(), ip="198.51.100.1")


def test_one_address_guessing_across_numbers_is_stopped_at_one_hundred(db):
    numbers = [f"1390000{n:04d}" for n in range(21)]
    for n, mobile in enumerate(numbers):
        services.sms_code_send(mobile=mobile, ip=f"198.51.100.{n}")
    for mobile in numbers[:20]:
        for n in range(1, services.SMS_CODE_MAX_ATTEMPTS + 1):
            services.sms_code_check(
                mobile=mobile, code=wrong_code(last_code(mobile), n), ip=ATTACKER
            )
    with pytest.raises(ValidationError):
        services.sms_code_check(mobile=numbers[20], code=last_code(numbers[20]), ip=ATTACKER)
    assert services.sms_code_check(
        mobile=numbers[20], code=last_code(numbers[20]), ip="198.51.100.9"
    )


def test_thirty_residents_on_one_wifi_each_mistyping_a_code_once_all_sign_in(db):
    wifi = "198.51.100.200"
    for n in range(30):
        mobile = f"1391111{n:04d}"
        services.sms_code_send(mobile=mobile, ip=wifi if n < 20 else "198.51.100.201")
        assert not services.sms_code_check(
            mobile=mobile, code=wrong_code(last_code(mobile)), ip=wifi
        )
        assert services.sms_code_check(mobile=mobile, code=last_code(mobile), ip=wifi)


def test_the_send_limits_hold_when_the_cache_is_emptied(db):
    from django.core.cache import cache

    services.sms_code_send(mobile=MOBILE)
    cache.clear()  # a Redis restart must not hand out a fresh allowance
    with pytest.raises(ValidationError) as refused:
        services.sms_code_send(mobile=MOBILE)
    assert refused.value.code == "sms_throttled"


def test_sms_sign_in_answers_a_page_when_redis_is_down(client, db):
    from django.test import override_settings

    with override_settings(CACHES=DEAD_REDIS):
        sent = client.post("/login/sms/", {"mobile": MOBILE, "action": "send"})
        assert sent.status_code == 200
        assert post_code(client, last_code(), ip="198.51.100.1").status_code == 302


# --- Privileged accounts never sign in with a code alone -------------------------------------
@pytest.mark.parametrize("persona", ["root", "olivia", "django_admin_user"])
def test_staff_cannot_sign_in_with_an_sms_code_alone(client, db, request, persona):
    if persona == "django_admin_user":
        from openhall import factories

        user = factories.UserFactory(is_staff=True)
    else:
        user = request.getfixturevalue(persona)
    services.consent_record(user=user, kind=Consent.Kind.PRIVACY)
    client.post("/login/sms/", {"mobile": user.mobile, "action": "send"})
    page = post_code(client, last_code(user.mobile), mobile=user.mobile, ip="198.51.100.1")
    assert "_auth_user_id" not in client.session
    text = page.content.decode()
    assert "密码" in text and "/console/login/" in text


def test_a_resident_still_signs_in_with_an_sms_code(client, alice):
    services.consent_record(user=alice, kind=Consent.Kind.PRIVACY)
    client.post("/login/sms/", {"mobile": alice.mobile, "action": "send"})
    response = post_code(client, last_code(alice.mobile), mobile=alice.mobile, ip="198.51.100.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)
