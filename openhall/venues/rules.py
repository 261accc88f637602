"""The effective booking rules of a space: its own, inherited up the tree, then the center's,
then these defaults. One place answers "what are the rules here?"."""

from dataclasses import dataclass, fields
from typing import Any

from openhall.core.models import Center, new_setup_token
from openhall.venues.models import (
    BookerKind,
    BookingRule,
    Closure,
    OpeningHours,
    Purpose,
    Space,
)

RULE_FIELDS = [
    "booker_kinds",
    "purposes",
    "min_duration_minutes",
    "max_duration_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "buffer_minutes",
    "max_active_per_booker",
    "requires_approval",
    "allow_unstaffed",
    "cancel_deadline_minutes",
    "paid_hours_per_week",
]


@dataclass(frozen=True)
class EffectiveRules:
    booker_kinds: tuple[str, ...]
    purposes: tuple[str, ...]
    min_duration_minutes: int
    max_duration_minutes: int
    min_notice_minutes: int
    max_days_ahead: int
    buffer_minutes: int
    max_active_per_booker: int
    requires_approval: bool
    allow_unstaffed: bool
    cancel_deadline_minutes: int
    paid_hours_per_week: int


DEFAULT_RULES = EffectiveRules(
    booker_kinds=tuple(BookerKind.values),
    purposes=tuple(Purpose.values),
    min_duration_minutes=30,
    max_duration_minutes=4 * 60,
    min_notice_minutes=60,
    max_days_ahead=30,
    buffer_minutes=0,
    max_active_per_booker=5,
    requires_approval=True,
    allow_unstaffed=False,
    cancel_deadline_minutes=2 * 60,
    paid_hours_per_week=10,
)

# No single occurrence may claim more than this (buffers included). Availability queries rely
# on it to bound their scan on both sides: a day touches only that day's claims.
MAX_CLAIM_MINUTES = 24 * 60


@dataclass(frozen=True)
class CenterSetup:
    """A center's spaces, rules, opening hours and closures, as one read-only value.

    Every booking request reads all of them and they change a few times a year, so each process
    keeps the latest setup of each center in memory under the center's `setup_token`, which every
    change replaces (`setup_changed`). Checking the token costs one indexed read instead of five,
    and none when the caller read the token with the center a moment ago (`center_setup(token=)`).
    """

    token: str
    spaces: dict[int, Space]
    leaves: dict[int, list[Space]]
    children: dict[int, list[Space]]
    rules: dict[int | None, BookingRule]
    hours: dict[int, OpeningHours]
    closures: tuple[Closure, ...]


_setups: dict[int, CenterSetup] = {}


def setup_changed(center_id: int) -> None:
    Center.objects.filter(pk=center_id).update(setup_token=new_setup_token())


def center_setup(center_id: int, *, token: str | None = None) -> CenterSetup:
    """The center's setup as of its `setup_token`.

    `token`: the token the caller read in the same request, in the statement that read the space
    and its center (the booking API does), which saves the check's own statement on the hot path.
    Pass it only when read that way: a Center object kept from before a change holds the old
    token and would be answered with the old setup.
    """
    if token is None:
        token = Center.objects.filter(pk=center_id).values_list("setup_token", flat=True).get()
    cached = _setups.get(center_id)
    if cached is not None and cached.token == token:
        return cached
    setup = _load_setup(center_id, token or "")
    _setups[center_id] = setup
    return setup


def _load_setup(center_id: int, token: str) -> CenterSetup:
    spaces = {s.pk: s for s in Space.objects.filter(center_id=center_id).order_by("pk")}
    children: dict[int, list[Space]] = {}
    for space in spaces.values():
        if space.parent_id is not None:
            space.parent = spaces[space.parent_id]  # walk the tree without a query per level
            children.setdefault(space.parent_id, []).append(space)

    def leaves(space: Space) -> list[Space]:
        kids = children.get(space.pk)
        if not kids:
            return [space]
        return [leaf for kid in kids for leaf in leaves(kid)]

    closures = tuple(Closure.objects.filter(center_id=center_id).order_by("start"))
    for closure in closures:
        if closure.space_id is not None:
            closure.space = spaces[closure.space_id]
    return CenterSetup(
        token=token,
        spaces=spaces,
        leaves={pk: leaves(space) for pk, space in spaces.items()},
        children=children,
        rules={r.space_id: r for r in BookingRule.objects.filter(center_id=center_id)},
        hours={h.weekday: h for h in OpeningHours.objects.filter(center_id=center_id)},
        closures=closures,
    )


def space_ancestry(space: Space, setup: CenterSetup | None = None) -> list[Space]:
    """The space, its parent, its parent's parent … up to the room."""
    spaces = setup.spaces if setup is not None else {}
    chain = []
    node: Space | None = space
    while node is not None:
        chain.append(node)
        node = spaces.get(node.parent_id) if node.parent_id in spaces else node.parent
    return chain


def effective_rules(space: Space, setup: CenterSetup | None = None) -> EffectiveRules:
    setup = setup or center_setup(space.center_id)
    layers = [setup.rules.get(s.pk) for s in space_ancestry(space, setup)] + [setup.rules.get(None)]
    values: dict[str, Any] = {}
    for field in fields(EffectiveRules):
        value = next(
            (
                getattr(layer, field.name)
                for layer in layers
                if layer and getattr(layer, field.name) is not None
            ),
            None,
        )
        if value is None:
            value = getattr(DEFAULT_RULES, field.name)
        if isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return EffectiveRules(**values)


def leaf_units(space: Space, setup: CenterSetup | None = None) -> list[Space]:
    """The smallest bookable parts a booking of `space` occupies: a room with zones claims all of
    them, a zone or a room without zones claims itself."""
    setup = setup or center_setup(space.center_id)
    return setup.leaves.get(space.pk) or [space]


def leaf_units_of_center(center_id: int) -> dict[int, list[Space]]:
    """Every space of a center mapped to its leaf units."""
    return center_setup(center_id).leaves
