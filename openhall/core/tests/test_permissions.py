import pytest

from openhall.core import permissions
from openhall.core.permissions import Perm

PERSONAS = ["alice", "olivia", "oscar", "adam", "rita", "dave", "root"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_quick_check_agrees_with_the_query_for_every_role_and_center(
    persona, request, center_a, center_b
):
    user = request.getfixturevalue(persona)
    for perm in Perm:
        allowed = set(permissions.centers_for(user, perm))
        for center in (center_a, center_b):
            assert permissions.has_center_perm(user, center, perm) == (center in allowed), (
                persona,
                perm,
                center,
            )


def test_an_inactive_center_is_closed_to_everyone_but_nothing_else_changes(olivia, center_a):
    assert permissions.has_center_perm(olivia, center_a, Perm.OPERATE)
    center_a.is_active = False
    center_a.save()
    assert not permissions.has_center_perm(olivia, center_a, Perm.OPERATE)
    assert center_a not in permissions.centers_for(olivia, Perm.OPERATE)


def test_roles_carry_exactly_their_permissions(rita, dave, olivia, adam, center_a):
    assert permissions.has_center_perm(rita, center_a, Perm.REVIEW_CONTENT)
    assert not permissions.has_center_perm(rita, center_a, Perm.OPERATE)
    assert permissions.has_center_perm(dave, center_a, Perm.VIEW_STATS)
    assert not permissions.has_center_perm(dave, center_a, Perm.VIEW_CENTER)
    assert not permissions.has_center_perm(olivia, center_a, Perm.MANAGE_CENTER)
    assert permissions.has_center_perm(adam, center_a, Perm.VIEW_AUDIT)


def test_a_service_refuses_with_not_found_elsewhere_and_forbidden_without_the_role(
    olivia, oscar, adam, center_a
):
    """Services say no with refusals, not HTTP types: the API's one handler and the pages'
    RefusalMiddleware answer them (venues' writes are the center admin's alone)."""
    from datetime import timedelta

    from django.utils import timezone

    from openhall.core.refusals import Forbidden, NotFound
    from openhall.venues import services

    start = timezone.now() + timedelta(days=3)
    args = {"center": center_a, "space": None, "start": start, "end": start + timedelta(hours=2)}
    with pytest.raises(NotFound):  # another center's staff learn nothing of this one
        services.closure_create(**args, reason="检修", by=oscar)
    with pytest.raises(Forbidden):  # an operator here sees the center but may not change it
        services.closure_create(**args, reason="检修", by=olivia)
    assert services.closure_create(**args, reason="检修", by=adam).reason == "检修"


def test_a_console_page_answers_403_to_staff_without_the_role_and_404_elsewhere(
    client, olivia, oscar, adam, center_a
):
    url = f"/console/c/{center_a.pk}/spaces/new/"
    client.force_login(olivia)
    forbidden = client.get(url)
    assert forbidden.status_code == 403
    assert "403.html" in [t.name for t in forbidden.templates]
    client.force_login(oscar)
    missing = client.get(url)
    assert missing.status_code == 404
    assert "404.html" in [t.name for t in missing.templates]
    client.force_login(adam)
    assert client.get(url).status_code == 200
