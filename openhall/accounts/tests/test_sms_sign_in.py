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
