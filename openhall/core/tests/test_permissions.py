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
