"""What one person can book in a space on a day, and why the rest of the day cannot be booked.

The day is cut at every moment where an answer can change (opening and staffed hours, closures,
other bookings and their buffers, now, the notice and the booking horizon), and each piece is
judged by `rules.check_booking` — the very check the booking service makes — and by the same
live claims the service's conflict check reads (`services.overlapping_claims`). There is no
second copy of the rules here: this module only names which rule stands in the way.

A free stretch is one any booking inside it may take (as long as it lasts between the shortest
and the longest booking the rules allow). An unavailable stretch is one where no booking may
start, with the reason.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from openhall.accounts.models import Team, User
from openhall.bookings.rules import RuleViolation, check_booking, minutes_text
from openhall.bookings.selectors import Interval, local_day_bounds, opening_window
from openhall.bookings.services import overlapping_claims
from openhall.venues.models import Purpose, Space
from openhall.venues.rules import EffectiveRules, center_setup, effective_rules, leaf_units

# Which rule of check_booking stands behind each reason an interval gives.
REASON_OF_RULE = {
    "in_the_past": "past",
    "closed_day": "closed",
    "outside_opening_hours": "closed",
    "closed": "closed",
    "too_far_ahead": "horizon",
    "too_soon": "notice",
    "unstaffed_hours": "unstaffed",
}
# When several stand in the way, the one a person can do least about is named.
REASONS = ("past", "closed", "horizon", "notice", "unstaffed", "taken", "buffer", "too_short")
# How the day view names each reason, in a word or two.
REASON_LABELS = {
    "": pgettext_lazy("availability", "free"),
    "past": pgettext_lazy("availability", "past"),
    "closed": pgettext_lazy("availability", "closed"),
    "unstaffed": pgettext_lazy("availability", "no staff present"),
    "taken": pgettext_lazy("availability", "booked"),
    "buffer": pgettext_lazy("availability", "kept free between bookings"),
    "too_short": pgettext_lazy("availability", "too short to book"),
    "notice": pgettext_lazy("availability", "too soon to book"),
    "horizon": pgettext_lazy("availability", "not bookable yet"),
    "refused": pgettext_lazy("availability", "you cannot book"),
}
# Rules about what the request says (its length, purpose, head count), not about the time.
REQUEST_RULES = frozenset(
    {
        "too_short",
        "too_long",
        "invalid_time",
        "invalid_purpose",
        "purpose_not_allowed",
        "invalid_attendees",
        "over_capacity",
        "paid_cap",
        # Checked on the request itself (a title, a series' recurrence), not on a time of day.
        "title_required",
        "invalid_rrule",
        "series_too_long",
    }
)
# Rules about the person (suspended, a full quota, not a kind of booker the space takes): they
# hold for every time of the day, and a visitor who has not signed in is not judged by them.
# Any other rule that holds all day (a space not open for booking) refuses everyone.
PERSON_RULES = frozenset({"booker_not_allowed", "too_many_active", "suspended"})
# Rules about a team or an enterprise booked for: the day view books for the person themselves.
BOOKED_FOR_RULES = frozenset(
    {
        "not_team_leader",
        "not_enterprise_member",
        "enterprise_unverified",
        "team_other_center",
        "enterprise_other_center",
    }
)
# Starts the pickers offer besides the boundaries of the day's stretches.
PICKER_STEP = timedelta(minutes=30)
# "Now" and the notice are rounded up to this, so a start offered a moment ago is still
# bookable when the form comes back.
NOW_STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class Stretch:
    start: datetime
    end: datetime
    reason: str = ""  # one of REASONS or "refused"; empty when free
    rule: str = ""  # the rule code behind the reason (check_booking's, "conflict" for claims)
    message: str = ""  # in the rule's own words

    @property
    def free(self) -> bool:
        return not self.reason

    @property
    def label(self) -> str:
        return str(REASON_LABELS[self.reason])

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class BookableDay:
    space: Space
    day: date
    open: Interval | None
    rules: EffectiveRules
    stretches: list[Stretch]  # the whole span in time order, free and unavailable
    refusals: list[RuleViolation] = field(default_factory=list)  # person rules broken all day

    @property
    def free(self) -> list[Stretch]:
        return [s for s in self.stretches if s.free]

    @property
    def unavailable(self) -> list[Stretch]:
        return [s for s in self.stretches if not s.free]

    def start_times(self) -> list[datetime]:
        """Every start the pickers offer: on the grid, inside a free stretch, with room for the
        shortest booking before the stretch ends."""
        shortest = timedelta(minutes=self.rules.min_duration_minutes)
        return [
            t for t in self.grid() if any(s.start <= t and t + shortest <= s.end for s in self.free)
        ]

    def end_times(self) -> list[datetime]:
        """Every end the pickers offer: on the grid, at least the shortest booking after the
        start of a free stretch it lies in."""
        shortest = timedelta(minutes=self.rules.min_duration_minutes)
        return [t for t in self.grid() if any(s.start + shortest <= t <= s.end for s in self.free)]

    def grid(self) -> list[datetime]:
        """Half hours of the day plus every boundary of its stretches, so a start right after
        another booking (11:10 after one ending at 11:00 with a 10-minute buffer) can be picked."""
        if not self.stretches:
            return []
        first, last = self.stretches[0].start, self.stretches[-1].end
        day_start, _ = local_day_bounds(self.day)
        steps = -(-(first - day_start) // PICKER_STEP)  # the first half hour not before `first`
        marks = set()
        moment = day_start + steps * PICKER_STEP
        while moment <= last:
            marks.add(moment)
            moment += PICKER_STEP
        for stretch in self.stretches:
            marks.update((stretch.start, stretch.end))
        return sorted(m for m in marks if timezone.localtime(m).date() == self.day)


def _round_up(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    return epoch + -(-(moment - epoch) // step) * step


def _probe_purpose(rules: EffectiveRules) -> str:
    """A purpose the space takes, preferring one the weekly paid-course cap does not count."""
    allowed = [p for p in rules.purposes if p in Purpose.values]
    unpaid = [p for p in allowed if p != Purpose.PAID_COURSE]
    return (unpaid or allowed or [Purpose.OTHER])[0]


def bookable_day(
    *,
    space: Space,
    day: date,
    booker: User | None = None,
    team: Team | None = None,
    now: datetime | None = None,
) -> BookableDay:
    """The day of `space` as `booker` (None: a visitor, judged by the time rules alone) sees it,
    booking for themselves or for the `team` they lead: every stretch of the opening hours (the
    whole day when closed), free or with the reason."""
    now = now or timezone.now()
    setup = center_setup(space.center_id)
    rules = effective_rules(space, setup)
    day_start, day_end = local_day_bounds(day)
    window = opening_window(space.center, day)
    span = window or Interval(day_start, day_end)
    buffer = timedelta(minutes=rules.buffer_minutes)

    claims = list(
        overlapping_claims(
            unit_ids=[u.pk for u in leaf_units(space, setup)],
            start=span.start,
            end=span.end + buffer,
        ).values_list("start", "end", "booking__end")
    )
    # Where a rule's answer can change: the rules are judged once per stretch between these.
    rule_cuts = {span.start, span.end}
    hours = setup.hours.get(day.weekday())
    if hours is not None:
        for moment in (hours.staffed_from, hours.staffed_until):
            if moment is not None:
                rule_cuts.add(timezone.make_aware(datetime.combine(day, moment)))
    for closure in setup.closures:
        rule_cuts.update((closure.start, closure.end))
    latest_start = now + timedelta(days=rules.max_days_ahead)
    rule_cuts.update(
        (
            _round_up(now, NOW_STEP),
            _round_up(now + timedelta(minutes=rules.min_notice_minutes), NOW_STEP),
            # The first whole minute after the latest start the horizon allows.
            _round_up(latest_start + timedelta(microseconds=1), timedelta(minutes=1)),
        )
    )
    # Where another booking's claim (its time, its buffer, this space's buffer before it) begins
    # or ends: these only split a stretch the rules already judged.
    claim_cuts: set[datetime] = set()
    for claim_start, claim_end, booking_end in claims:
        claim_cuts.update((claim_start, claim_end, booking_end, claim_start - buffer))
    edges = sorted(c for c in rule_cuts if span.start <= c <= span.end)
    claim_cuts = {c for c in claim_cuts if span.start < c < span.end}

    purpose = _probe_purpose(rules)
    refusals: dict[str, RuleViolation] = {}
    pieces: list[Stretch] = []
    for start, end in zip(edges, edges[1:], strict=False):
        violations = check_booking(
            space=space,
            start=start,
            end=end,
            purpose=purpose,
            attendees=1,
            booker=booker,  # None for a visitor: person rules are skipped
            team=team,
            now=now,
            rules=rules,
            setup=setup,
            skip=REQUEST_RULES
            | BOOKED_FOR_RULES
            | (PERSON_RULES if booker is None else frozenset()),
        )
        for v in violations:
            if v.code not in REASON_OF_RULE:
                refusals.setdefault(v.code, v)
        inner = sorted({start, end} | {c for c in claim_cuts if start < c < end})
        for piece_start, piece_end in zip(inner, inner[1:], strict=False):
            pieces.append(_judge(piece_start, piece_end, violations, claims, buffer))

    stretches = _too_short(_joined(pieces), rules)
    if refusals:
        first = next(iter(refusals.values()))
        stretches = [
            Stretch(s.start, s.end, "refused", first.code, first.message) if s.free else s
            for s in stretches
        ]
    return BookableDay(
        space=space,
        day=day,
        open=window,
        rules=rules,
        stretches=stretches,
        refusals=list(refusals.values()),
    )


def _judge(
    start: datetime,
    end: datetime,
    violations: list[RuleViolation],
    claims: list[tuple[datetime, datetime, datetime]],
    buffer: timedelta,
) -> Stretch:
    timed = [v for v in violations if v.code in REASON_OF_RULE]
    if timed:
        first = min(timed, key=lambda v: REASONS.index(REASON_OF_RULE[v.code]))
        return Stretch(start, end, REASON_OF_RULE[first.code], first.code, first.message)
    # The service's conflict check: live claims overlapping [start, end + buffer).
    clashing = [c for c in claims if c[0] < end + buffer and c[1] > start]
    if any(claim_start < end and booking_end > start for claim_start, _, booking_end in clashing):
        return Stretch(start, end, "taken", "conflict", _("Already booked."))
    if clashing:
        return Stretch(
            start, end, "buffer", "conflict", _("Kept free between bookings for tidying up.")
        )
    return Stretch(start, end)


def _joined(pieces: list[Stretch]) -> list[Stretch]:
    joined: list[Stretch] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if last and (last.reason, last.rule) == (piece.reason, piece.rule):
            joined[-1] = Stretch(last.start, piece.end, last.reason, last.rule, last.message)
        else:
            joined.append(piece)
    return joined


def _too_short(stretches: list[Stretch], rules: EffectiveRules) -> list[Stretch]:
    """A free gap shorter than the shortest booking cannot be booked either."""
    shortest = rules.min_duration_minutes
    message = _("Shorter than the shortest booking (%(length)s).") % {
        "length": minutes_text(shortest)
    }
    return [
        Stretch(s.start, s.end, "too_short", "too_short", message)
        if s.free and s.minutes < shortest
        else s
        for s in stretches
    ]
