"""Opening hours and closures: set by a center admin, checked, audited, and read by the
booking rules at once."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from openhall.core.models import AuditEntry
from openhall.core.refusals import Forbidden, NotFound
from openhall.venues import services
from openhall.venues.models import Closure, OpeningHours
from openhall.venues.rules import center_setup

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = 0


def set_hours(center, by, opens=time(8), closes=time(21), staffed=(time(9), time(17))):
    return services.opening_hours_set(
        center=center,
        weekday=MONDAY,
        opens=opens,
        closes=closes,
        staffed_from=staffed[0] if staffed else None,
        staffed_until=staffed[1] if staffed else None,
        by=by,
    )


def test_a_center_admin_opens_a_weekday_and_the_rules_see_it(center_a, adam):
    set_hours(center_a, adam)
    hours = center_setup(center_a.pk).hours[MONDAY]
    assert (hours.opens, hours.closes) == (time(8), time(21))
    assert (hours.staffed_from, hours.staffed_until) == (time(9), time(17))
    entry = AuditEntry.objects.get(action="opening_hours.update")
    assert entry.after["opens"] == "08:00:00" and entry.actor_id == adam.pk


def test_changing_the_hours_keeps_one_row_per_weekday(center_a, adam):
    set_hours(center_a, adam)
    set_hours(center_a, adam, closes=time(22))
    assert OpeningHours.objects.filter(center=center_a).count() == 1
    assert center_setup(center_a.pk).hours[MONDAY].closes == time(22)


def test_emptying_both_times_closes_the_day(center_a, adam):
    set_hours(center_a, adam)
    assert set_hours(center_a, adam, opens=None, closes=None, staffed=None) is None
    assert MONDAY not in center_setup(center_a.pk).hours
    assert AuditEntry.objects.filter(action="opening_hours.close_day").count() == 1


@pytest.mark.parametrize(
    ("opens", "closes"), [(time(9), None), (None, time(9)), (time(18), time(9)), (time(9), time(9))]
)
def test_hours_that_do_not_make_a_day_are_refused(center_a, adam, opens, closes):
    with pytest.raises(ValidationError) as refused:
        set_hours(center_a, adam, opens=opens, closes=closes, staffed=None)
    assert refused.value.code == "invalid_hours"
    assert not OpeningHours.objects.exists()


@pytest.mark.parametrize(
    "staffed",
    [
        (time(7), time(12)),  # staff before the doors open
        (time(9), time(22)),  # staff after they close
        (time(12), time(10)),  # backwards
        (time(9), None),  # half an answer
    ],
)
def test_staffed_hours_must_lie_within_the_opening_hours(center_a, adam, staffed):
    with pytest.raises(ValidationError) as refused:
        set_hours(center_a, adam, staffed=staffed)
    assert refused.value.code == "invalid_staffed_hours"


def test_an_unstaffed_day_is_allowed(center_a, adam):
    hours = set_hours(center_a, adam, staffed=None)
    assert hours.staffed_from is None and hours.staffed_until is None


def test_only_a_center_admin_sets_hours_and_closures(center_a, olivia, oscar):
    start = datetime(2026, 10, 1, tzinfo=SHANGHAI)
    with pytest.raises(Forbidden):  # an operator sees the center but may not change it
        set_hours(center_a, olivia)
    with pytest.raises(NotFound):  # staff of another center do not even see it
        services.closure_create(
            center=center_a,
            space=None,
            start=start,
            end=start.replace(day=8),
            reason="国庆",
            by=oscar,
        )
    assert not OpeningHours.objects.exists() and not Closure.objects.exists()


def test_a_closure_of_the_whole_center_is_read_by_the_rules(center_a, adam):
    start = datetime(2026, 10, 1, tzinfo=SHANGHAI)
    closure = services.closure_create(
        center=center_a,
        space=None,
        start=start,
        end=start.replace(day=8),
        reason="  国庆假期  ",
        by=adam,
    )
    assert closure.reason == "国庆假期"
    assert center_setup(center_a.pk).closures == (closure,)
    assert AuditEntry.objects.filter(action="closure.create", center=center_a).count() == 1


def test_a_closure_of_one_room_names_it(center_a, adam, dance_room):
    start = datetime(2026, 10, 1, 9, tzinfo=SHANGHAI)
    services.closure_create(
        center=center_a,
        space=dance_room,
        start=start,
        end=start.replace(hour=12),
        reason="检修",
        by=adam,
    )
    (closure,) = center_setup(center_a.pk).closures
    assert closure.space == dance_room


def test_a_closure_must_end_after_it_starts(center_a, adam):
    start = datetime(2026, 10, 1, 9, tzinfo=SHANGHAI)
    with pytest.raises(ValidationError) as refused:
        services.closure_create(
            center=center_a, space=None, start=start, end=start, reason="检修", by=adam
        )
    assert refused.value.code == "invalid_time"


def test_a_closure_cannot_name_a_room_of_another_center(center_a, center_b, adam):
    from openhall import factories

    elsewhere = factories.SpaceFactory(center=center_b, name="会议室")
    start = datetime(2026, 10, 1, 9, tzinfo=SHANGHAI)
    with pytest.raises(ValidationError) as refused:
        services.closure_create(
            center=center_a,
            space=elsewhere,
            start=start,
            end=start.replace(hour=12),
            reason="检修",
            by=adam,
        )
    assert refused.value.code == "other_center"
    assert not Closure.objects.exists()
