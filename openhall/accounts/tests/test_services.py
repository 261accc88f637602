import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from openhall import factories
from openhall.accounts import services
from openhall.accounts.models import Enterprise, User
from openhall.accounts.validators import id_check_char
from openhall.core.models import AuditEntry
from openhall.core.refusals import NotFound

ID_NUMBER = "11010519491231002X"


def test_it_creates_a_user_from_a_formatted_mobile_number(db):
    user = services.user_create(
        mobile="+86 138-1234-5678", password="correct-horse-9", real_name=" 王芳 "
    )
    assert user.mobile == "13812345678"
    assert user.real_name == "王芳"
    assert user.check_password("correct-horse-9")


def test_a_mobile_number_registers_once(db):
    services.user_create(mobile="13812345678", password="correct-horse-9")
    with pytest.raises(ValidationError) as refused:
        services.user_create(mobile="138 1234 5678", password="other-pass-77")
    assert "已注册" in str(refused.value)


def test_the_id_number_is_encrypted_at_rest_and_shown_masked(alice):
    services.user_set_id_number(user=alice, id_number=ID_NUMBER.lower())
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_user WHERE id = %s", [alice.pk])
        stored = cursor.fetchone()[0]
    assert ID_NUMBER not in stored and "1949" not in stored
    reloaded = User.objects.get(pk=alice.pk)
    assert reloaded.id_number == ID_NUMBER
    assert reloaded.masked_id_number == "1101**********002X"


def test_the_same_id_number_has_the_same_blind_index(alice, tom):
    services.user_set_id_number(user=alice, id_number=ID_NUMBER)
    services.user_set_id_number(user=tom, id_number=ID_NUMBER)
    other = "11010519491231003" + id_check_char("11010519491231003")
    assert alice.id_number_index == tom.id_number_index
    assert (
        services.user_set_id_number(user=tom, id_number=other).id_number_index
        != alice.id_number_index
    )


def test_an_invalid_id_number_is_refused_and_nothing_is_saved(alice):
    with pytest.raises(ValidationError):
        services.user_set_id_number(user=alice, id_number="110105194912310021")
    assert User.objects.get(pk=alice.pk).id_number == ""


def test_the_mobile_number_is_masked_for_others(alice):
    alice.mobile = "13812345678"
    assert alice.masked_mobile == "138****5678"


def test_an_operator_registers_an_enterprise_and_it_is_audited(olivia, center_a, alice):
    uscc = factories.valid_uscc()
    enterprise = services.enterprise_create(
        center=center_a, name="大连星海科技", uscc=uscc.lower(), admin=alice, by=olivia
    )
    assert enterprise.uscc == uscc
    assert enterprise.memberships.get().user == alice
    entry = AuditEntry.objects.get(action="enterprise.create")
    assert (entry.actor, entry.center, entry.after["uscc"]) == (olivia, center_a, uscc)


def test_an_enterprise_with_a_bad_credit_code_is_refused(olivia, center_a, alice):
    with pytest.raises(ValidationError):
        services.enterprise_create(
            center=center_a, name="假公司", uscc="91350100M000100Y44", admin=alice, by=olivia
        )
    assert not Enterprise.objects.exists()


def test_verifying_an_enterprise_records_who_and_when_once(olivia, center_a):
    enterprise = factories.EnterpriseFactory(center=center_a)
    services.enterprise_verify(enterprise=enterprise, by=olivia)
    services.enterprise_verify(enterprise=enterprise, by=olivia)
    enterprise.refresh_from_db()
    assert enterprise.verified_by == olivia and enterprise.verified_at is not None
    entries = AuditEntry.objects.filter(action="enterprise.verify")
    assert entries.count() == 1
    assert entries.get().before == {"verified_at": None, "verified_by": None}


def test_an_operator_cannot_verify_another_centers_enterprise(oscar, center_a):
    enterprise = factories.EnterpriseFactory(center=center_a)
    with pytest.raises(NotFound):
        services.enterprise_verify(enterprise=enterprise, by=oscar)
    enterprise.refresh_from_db()
    assert enterprise.verified_at is None


def test_a_resident_cannot_create_a_team(alice, center_a):
    with pytest.raises(NotFound):
        services.team_create(center=center_a, name="舞蹈队", leader=alice, by=alice)


def test_an_operator_creates_a_team_with_its_leader(olivia, center_a, tom):
    team = services.team_create(center=center_a, name="舞蹈队", leader=tom, by=olivia)
    assert team.memberships.get().role == "leader"
    assert AuditEntry.objects.filter(action="team.create", center=center_a).count() == 1
