import pytest
from django.db import DatabaseError, connection, transaction

from openhall import factories
from openhall.core.audit import audit_record
from openhall.core.models import AuditEntry


@pytest.fixture
def entry(center_a, olivia):
    return audit_record(actor=olivia, action="test.something", center=center_a, after={"x": 1})


def test_an_entry_cannot_be_changed_through_the_orm(entry):
    entry.action = "test.other"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_the_database_refuses_to_change_an_entry(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.something"


def test_the_database_refuses_to_delete_an_entry(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_privileged_action_through_the_console_records_who_what_and_from_where(
    client, olivia, center_a
):
    enterprise = factories.EnterpriseFactory(center=center_a)
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/enterprises/{enterprise.pk}/verify/", REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="enterprise.verify")
    assert entry.actor == olivia
    assert entry.actor_label == olivia.real_name
    assert entry.center == center_a
    assert entry.object_type == "accounts.enterprise" and entry.object_id == str(enterprise.pk)
    assert entry.before["verified_at"] is None and entry.after["verified_by"] == olivia.pk
    assert entry.ip == "203.0.113.7"


def test_the_center_admin_browses_and_filters_the_log(client, adam, olivia, center_a, center_b):
    audit_record(actor=olivia, action="enterprise.verify", center=center_a)
    audit_record(actor=olivia, action="team.create", center=center_a)
    audit_record(
        actor=olivia, action="team.create", center=center_b
    )  # another center's: never shown
    client.force_login(adam)
    page = client.get(f"/console/c/{center_a.pk}/audit/").content.decode()
    # Actions read in Chinese (创建团体 is team.create, 认证企业 is enterprise.verify).
    assert page.count("<td>创建团体</td>") == 1 and "<td>认证企业</td>" in page
    filtered = client.get(f"/console/c/{center_a.pk}/audit/", {"action": "team"}).content.decode()
    assert "<td>创建团体</td>" in filtered and "<td>认证企业</td>" not in filtered


def test_an_htmx_filter_returns_only_the_table(client, adam, olivia, center_a):
    audit_record(actor=olivia, action="team.create", center=center_a)
    client.force_login(adam)
    response = client.get(
        f"/console/c/{center_a.pk}/audit/", {"action": "team"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="audit-table">')
    assert "<html" not in body


def test_the_api_lists_the_log_with_paging(api_client, adam, olivia, center_a):
    for n in range(3):
        audit_record(actor=olivia, action=f"test.{n}", center=center_a)
    body = api_client(adam).get(f"/api/v1/centers/{center_a.pk}/audit", {"limit": 2}).json()
    assert body["count"] == 3
    assert [item["action"] for item in body["items"]] == ["test.2", "test.1"]
