"""The effective booking rules of a space: its own, inherited up the tree, then the center's,
then these defaults. One place answers "what are the rules here?"."""

from dataclasses import dataclass, fields

from django.db.models import Q

from openhall.venues.models import BookerKind, BookingRule, Purpose, Space

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


def space_ancestry(space: Space) -> list[Space]:
    chain = []
    node: Space | None = space
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def effective_rules(space: Space) -> EffectiveRules:
    chain = space_ancestry(space)
    rules = {
        r.space_id: r
        for r in BookingRule.objects.filter(center_id=space.center_id).filter(
            Q(space__in=chain) | Q(space__isnull=True)
        )
    }
    layers = [rules.get(s.pk) for s in chain] + [rules.get(None)]
    values = {}
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


def leaf_units(space: Space) -> list[Space]:
    """The smallest bookable parts a booking of `space` occupies: a room with zones claims all of
    them, a zone or a room without zones claims itself."""
    return leaf_units_of_center(space.center_id)[space.pk] or [space]


def leaf_units_of_center(center_id: int) -> dict[int, list[Space]]:
    """Every space of a center mapped to its leaf units, from one query (a center has tens of
    spaces; walking the tree with a query per level cost more than the booking itself)."""
    spaces = list(Space.objects.filter(center_id=center_id).order_by("pk"))
    children: dict[int | None, list[Space]] = {}
    for space in spaces:
        children.setdefault(space.parent_id, []).append(space)

    def leaves(space: Space) -> list[Space]:
        kids = children.get(space.pk)
        if not kids:
            return [space]
        return [leaf for kid in kids for leaf in leaves(kid)]

    return {space.pk: leaves(space) for space in spaces}
