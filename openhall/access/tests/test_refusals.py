"""Access says no one way: AccessRefused is a core Refused (422, its code), a door that is not
the person's is Forbidden, a center they cannot see is NotFound — and the API answers all of
them with its one Refused handler, in the one error shape."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openhall.access.grants import grant_create
from openhall.access.models import Door
from openhall.access.refusals import AccessRefused
from openhall.core.refusals import Refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def door(center_a):
    return Door.objects.create(center=center_a, name="活动室门")


def test_an_access_refusal_is_a_core_refusal_of_input_a_person_can_fix():
    refusal = AccessRefused("结束时间必须晚于开始时间。", code="invalid_window")
    assert isinstance(refusal, Refused)
    assert (refusal.status, refusal.code, str(refusal)) == (
        422,
        "invalid_window",
        "结束时间必须晚于开始时间。",
    )


def test_staff_opening_a_door_without_a_reason_get_the_refusals_code_and_message(
    api_client, door, olivia
):
    reply = api_client(olivia).post(
        f"/api/v1/doors/{door.pk}/unlock", {"reason": ""}, content_type="application/json"
    )
    assert reply.status_code == 422
    body = reply.json()
    assert (body["code"], body["message"]) == ("reason_required", "工作人员远程开门请写明原因。")


def test_a_grantee_outside_their_window_is_forbidden_in_chinese(
    api_client, door, center_a, olivia, alice
):
    later = timezone.now() + timedelta(days=1)
    grant_create(
        center=center_a,
        by=olivia,
        user=alice,
        doors=[door],
        starts_at=later,
        ends_at=later + timedelta(hours=1),
    )
    reply = api_client(alice).post(
        f"/api/v1/doors/{door.pk}/unlock", {"reason": ""}, content_type="application/json"
    )
    assert reply.status_code == 403
    assert reply.json()["code"] == "not_your_door"
    assert reply.json()["message"] == "您现在不能开这扇门。"


def test_staff_of_another_center_cannot_give_its_doors(door, center_a, oscar, alice):
    from openhall.core.refusals import NotFound

    start = timezone.now() + timedelta(hours=1)
    with pytest.raises(NotFound):
        grant_create(
            center=center_a,
            by=oscar,
            user=alice,
            doors=[door],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
