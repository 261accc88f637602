"""What the rules are in a space: its own, then its room's, then the center's, then the defaults;
and which parts a booking of a space occupies."""

import pytest

from openhall import factories
from openhall.venues import services
from openhall.venues.models import BookingRule
from openhall.venues.rules import (
    DEFAULT_RULES,
    center_setup,
    effective_rules,
    leaf_units,
    leaf_units_of_center,
    space_ancestry,
)

pytestmark = pytest.mark.django_db


def rule(center, space=None, **values):
    return BookingRule.objects.create(center=center, space=space, **values)


def test_a_center_without_rules_books_by_the_defaults(multimedia):
    room, zone_a, _ = multimedia
    assert effective_rules(room) == effective_rules(zone_a) == DEFAULT_RULES


def test_the_centers_rule_applies_to_every_space(center_a, multimedia, dance_room):
    _, zone_a, _ = multimedia
    rule(center_a, max_days_ahead=14, requires_approval=False)
    for space in (zone_a, dance_room):
        rules = effective_rules(space)
        assert rules.max_days_ahead == 14 and rules.requires_approval is False
        assert rules.min_duration_minutes == DEFAULT_RULES.min_duration_minutes


def test_a_zone_inherits_its_rooms_rule_over_the_centers(center_a, multimedia):
    room, zone_a, zone_b = multimedia
    rule(center_a, max_duration_minutes=120, buffer_minutes=10)
    rule(center_a, room, max_duration_minutes=180)
    rule(center_a, zone_b, max_duration_minutes=60)
    assert effective_rules(room).max_duration_minutes == 180
    assert effective_rules(zone_a).max_duration_minutes == 180  # from the room
    assert effective_rules(zone_b).max_duration_minutes == 60  # its own
    # What neither the zone nor the room sets still comes from the center.
    assert effective_rules(zone_a).buffer_minutes == effective_rules(zone_b).buffer_minutes == 10


def test_an_empty_field_inherits_while_false_and_zero_are_settings(center_a, multimedia):
    room, zone_a, _ = multimedia
    rule(center_a, requires_approval=True, buffer_minutes=15, min_notice_minutes=120)
    rule(center_a, room, requires_approval=False, buffer_minutes=0, min_notice_minutes=None)
    rules = effective_rules(zone_a)
    assert rules.requires_approval is False
    assert rules.buffer_minutes == 0
    assert rules.min_notice_minutes == 120


def test_lists_of_bookers_and_purposes_narrow_and_read_as_tuples(center_a, dance_room):
    rule(center_a, dance_room, booker_kinds=["team"], purposes=["team", "party"])
    rules = effective_rules(dance_room)
    assert rules.booker_kinds == ("team",)
    assert rules.purposes == ("team", "party")
    hash(rules)  # a frozen value: safe to cache and compare


def test_a_rule_saved_by_the_center_admin_is_read_at_once(center_a, dance_room, adam):
    assert effective_rules(dance_room).max_days_ahead == DEFAULT_RULES.max_days_ahead
    services.booking_rule_save(
        center=center_a, space=dance_room, values={"max_days_ahead": 7}, by=adam
    )
    # The cached setup of the center is replaced, not served stale.
    assert effective_rules(dance_room).max_days_ahead == 7
    services.booking_rule_save(center=center_a, space=dance_room, values={}, by=adam)
    assert effective_rules(dance_room).max_days_ahead == DEFAULT_RULES.max_days_ahead


def test_a_booking_of_a_room_occupies_all_its_zones(multimedia, dance_room):
    room, zone_a, zone_b = multimedia
    assert set(leaf_units(room)) == {zone_a, zone_b}
    assert leaf_units(zone_a) == [zone_a]
    assert leaf_units(dance_room) == [dance_room]  # a room without zones is its own unit
    assert set(leaf_units_of_center(room.center_id)[room.pk]) == {zone_a, zone_b}


def test_a_zone_added_later_is_part_of_its_room_at_once(center_a, multimedia, adam):
    room, zone_a, zone_b = multimedia
    assert len(leaf_units(room)) == 2
    zone_c = services.space_save(center=center_a, parent=room, values={"name": "C区"}, by=adam)
    assert set(leaf_units(room)) == {zone_a, zone_b, zone_c}


def test_the_ancestry_of_a_zone_runs_up_to_its_room(multimedia):
    room, zone_a, _ = multimedia
    assert space_ancestry(zone_a, center_setup(room.center_id)) == [zone_a, room]
    assert space_ancestry(room) == [room]


def test_one_centers_rules_never_reach_another(center_a, center_b, dance_room):
    other_room = factories.SpaceFactory(center=center_b, name="会议室")
    rule(center_b, max_days_ahead=3)
    assert effective_rules(other_room).max_days_ahead == 3
    assert effective_rules(dance_room).max_days_ahead == DEFAULT_RULES.max_days_ahead
