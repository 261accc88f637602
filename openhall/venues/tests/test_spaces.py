"""Rooms and zones: two levels, names unique among siblings, each change audited."""

import pytest
from django.core.exceptions import ValidationError

from openhall import factories
from openhall.core.models import AuditEntry
from openhall.venues import services
from openhall.venues.models import Space

pytestmark = pytest.mark.django_db


def refused_code(**kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        services.space_save(**kwargs)
    return refused.value.code


def test_a_center_admin_adds_a_room_and_a_zone(center_a, adam):
    room = services.space_save(
        center=center_a, values={"name": " 书画室 ", "capacity": 20}, by=adam
    )
    zone = services.space_save(center=center_a, parent=room, values={"name": "东区"}, by=adam)
    assert (room.name, room.kind, room.capacity) == ("书画室", "room", 20)
    assert (zone.kind, zone.parent) == ("zone", room)
    assert AuditEntry.objects.filter(action="space.create").count() == 2


def test_a_zone_has_no_zones_of_its_own(center_a, adam, multimedia):
    _, zone_a, _ = multimedia
    code = refused_code(center=center_a, parent=zone_a, values={"name": "角落"}, by=adam)
    assert code == "invalid_parent"


def test_names_are_unique_among_siblings_only(center_a, adam, multimedia):
    room, _, _ = multimedia
    assert refused_code(center=center_a, values={"name": room.name}, by=adam) == "name_taken"
    assert (
        refused_code(center=center_a, parent=room, values={"name": "A区"}, by=adam) == "name_taken"
    )
    other = services.space_save(center=center_a, values={"name": "舞蹈室"}, by=adam)
    assert services.space_save(center=center_a, parent=other, values={"name": "A区"}, by=adam)


def test_a_name_is_required(center_a, adam):
    assert refused_code(center=center_a, values={"name": "   "}, by=adam) == "name_required"


def test_renaming_is_audited_with_before_and_after(center_a, adam, dance_room):
    old_name = dance_room.name
    services.space_save(center=center_a, space=dance_room, values={"name": "形体室"}, by=adam)
    entry = AuditEntry.objects.get(action="space.update")
    assert entry.before["name"] == old_name and entry.after["name"] == "形体室"


def test_a_space_of_another_center_is_not_changed(center_a, center_b, adam):
    elsewhere = factories.SpaceFactory(center=center_b, name="会议室")
    code = refused_code(center=center_a, space=elsewhere, values={"name": "改名"}, by=adam)
    assert code == "other_center"
    assert Space.objects.get(pk=elsewhere.pk).name == "会议室"
