import json

import pytest
from django.core.exceptions import ValidationError

from openhall import factories
from openhall.accounts import services
from openhall.accounts.identity import FakeIdentityVerifier
from openhall.accounts.models import User
from openhall.core.crypto import blind_index
from openhall.core.models import AuditEntry
from openhall.notifications.models import Message
from openhall.notifications.services import message_send

ID_NUMBER = "11010519491231002X"


def test_level_two_keeps_the_result_and_an_hmac_never_the_number(alice):
    services.user_verify_identity(user=alice, real_name="王爱丽", id_number=ID_NUMBER, consent=True)
    alice.refresh_from_db()
    assert alice.verification_level == 2
    assert alice.id_number == ""
    assert alice.id_number_index == blind_index(ID_NUMBER)
    assert alice.consents.filter(kind="id_number").exists()


def test_level_two_needs_its_own_consent(alice):
    with pytest.raises(ValidationError):
        services.user_verify_identity(
            user=alice, real_name="王爱丽", id_number=ID_NUMBER, consent=False
        )
    alice.refresh_from_db()
    assert alice.verification_level < 2


def test_a_mismatch_is_refused_and_nothing_kept(alice, monkeypatch):
    monkeypatch.setattr(FakeIdentityVerifier, "mismatches", {("王爱丽", ID_NUMBER)})
    with pytest.raises(ValidationError):
        services.user_verify_identity(
            user=alice, real_name="王爱丽", id_number=ID_NUMBER, consent=True
        )
    alice.refresh_from_db()
    assert alice.id_number_index == ""


def test_download_my_data_gives_my_profile_and_messages(client_for, alice):
    message_send(user_id=alice.pk, key="k1", title="预约已通过", body="请按时到场")
    response = client_for(alice).get("/me/export/")
    data = json.loads(response.content)
    assert data["profile"]["mobile"] == alice.mobile
    assert data["messages"][0]["title"] == "预约已通过"
    assert "attachment" in response["Content-Disposition"]


def test_closing_erases_identity_keeps_bookings_and_is_audited(
    client_for, alice, dance_room, django_capture_on_commit_callbacks
):
    booking = factories.BookingFactory(booker=alice, booked_by=alice, space=dance_room)
    message_send(user_id=alice.pk, key="k1", title="预约已通过", body="请按时到场")
    mobile = alice.mobile
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/close/", {"confirm": "1"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.closed_at and not alice.is_active
    assert alice.real_name == "" and alice.mobile != mobile
    assert not User.objects.filter(mobile=mobile).exists()
    booking.refresh_from_db()
    assert booking.booker_id == alice.pk
    entry = AuditEntry.objects.get(action="user.close")
    assert "王爱丽" not in entry.actor_label
    assert "_auth_user_id" not in client.session
    assert not Message.objects.filter(user=alice).exists()


def test_closing_needs_the_confirmation_box(client_for, alice):
    response = client_for(alice).post("/me/close/", {})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.is_active


def test_a_closed_number_can_sign_up_afresh(alice):
    mobile = alice.mobile
    services.user_close(user=alice)
    services.user_create(mobile=mobile, password=None, real_name="新用户")
    assert User.objects.get(mobile=mobile).real_name == "新用户"


def test_me_links_privacy_export_and_closure(client_for, alice):
    page = client_for(alice).get("/me/").content.decode()
    for url in ("/privacy/", "/me/export/", "/me/close/", "/messages/", "/bookings/"):
        assert url in page


def test_notification_settings_are_saved_and_sms_consent_logged(client_for, alice):
    from openhall.notifications.services import preference_for

    client = client_for(alice)
    assert client.get("/me/notifications/").status_code == 200
    response = client.post(
        "/me/notifications/", {"sms": "on", "quiet_start": "22:00", "quiet_end": "07:00"}
    )
    assert response.status_code == 302
    pref = preference_for(alice.pk)
    assert pref.sms and not pref.wechat and pref.quiet_start.hour == 22
    assert alice.consents.filter(kind="sms_notices").exists()
