"""Invariant 1: no two live claims on one unit overlap — proven against a model and under a real race."""

import random
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhall import factories
from openhall.bookings import services
from openhall.bookings.models import Booking, BookingClaim
from openhall.bookings.tests.conftest import at, book
from openhall.venues.models import BookingRule

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race and the exclusion constraint are PostgreSQL's (CI runs both)",
)


def overlapping_live_claims() -> list[tuple[BookingClaim, BookingClaim]]:
    """Brute force over every pair of live claims: the answer must always be empty."""
    claims = list(BookingClaim.objects.filter(live=True))
    return [
        (a, b)
        for i, a in enumerate(claims)
        for b in claims[i + 1 :]
        if a.unit_id == b.unit_id and a.start < b.end and b.start < a.end
    ]


requests = st.lists(
    st.tuples(st.sampled_from(["room", "a", "b", "other"]), st.integers(0, 20), st.integers(1, 8)),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(requests=requests)
def test_the_claim_rule_matches_a_brute_force_model(
    center_a, alice, multimedia, dance_room, requests
):
    Booking.objects.all().delete()
    BookingRule.objects.get_or_create(
        center=center_a,
        space=None,
        defaults={"max_active_per_booker": 1000, "min_duration_minutes": 15},
    )
    room, zone_a, zone_b = multimedia
    spaces = {"room": room, "a": zone_a, "b": zone_b, "other": dance_room}
    units = {"room": {"a", "b"}, "a": {"a"}, "b": {"b"}, "other": {"other"}}
    accepted: list[tuple[set, int, int]] = []  # the model: units and [start, end) in quarter hours
    base = at(2, 8)
    for name, start_q, length_q in requests:
        start, end = start_q, start_q + length_q
        model_ok = all(not (units[name] & u) or end <= s or e <= start for u, s, e in accepted)
        try:
            book(
                spaces[name],
                alice,
                base + timedelta(minutes=15 * start),
                base + timedelta(minutes=15 * end),
                title="测试",
                purpose="public_benefit",
                attendees=1,
            )
            service_ok = True
        except services.BookingConflict:
            service_ok = False
        assert service_ok == model_ok, (name, start, end, accepted)
        if model_ok:
            accepted.append((units[name], start, end))
    assert overlapping_live_claims() == []


def race(attempts: list[tuple]) -> list[str]:
    """Start every booking request at the same instant, each thread on its own connection."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(person, space, start, end):
        try:
            barrier.wait(timeout=20)
            book(space, person, start, end, title="抢订", purpose="team", attendees=5)
            result = "won"
        except services.BookingConflict:
            result = "conflict"
        except Exception as exc:  # a deadlock, a raw IntegrityError …: the test must see it
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=args) for args in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_storm_of_overlapping_requests_books_each_unit_once():
    center = factories.CenterFactory()
    BookingRule.objects.create(center=center, max_active_per_booker=1000, min_duration_minutes=15)
    room = factories.SpaceFactory(center=center, name="多媒体活动室", capacity=60)
    zone_a = factories.SpaceFactory(center=center, parent=room, name="A区", capacity=30)
    zone_b = factories.SpaceFactory(center=center, parent=room, name="B区", capacity=30)
    people = [factories.UserFactory() for _ in range(24)]
    rng = random.Random(2026)  # noqa: S311 — reproducible, not secret

    for day in range(2, 7):
        attempts = []
        for person in people:
            start = at(day, 9) + timedelta(minutes=15 * rng.randint(0, 6))
            attempts.append(
                (
                    person,
                    rng.choice([room, zone_a, zone_b]),
                    start,
                    start + timedelta(minutes=15 * rng.randint(2, 6)),
                )
            )
        outcomes = race(attempts)
        assert [o for o in outcomes if o.startswith("error")] == []
        assert len(outcomes) == len(people)
        assert "won" in outcomes and "conflict" in outcomes
    assert overlapping_live_claims() == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_one_person_racing_for_many_rooms_stays_within_the_active_booking_limit():
    center = factories.CenterFactory()
    BookingRule.objects.create(center=center, max_active_per_booker=2)
    rooms = [factories.SpaceFactory(center=center, name=f"活动室{n}") for n in range(12)]
    person = factories.UserFactory()
    barrier = threading.Barrier(len(rooms))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(room):
        try:
            barrier.wait(timeout=20)
            book(room, person, at(3, 9), at(3, 10))
            result = "won"
        except services.BookingRefused as refused:
            result = ",".join(v.code for v in refused.violations)
        except Exception as exc:  # a deadlock or anything else: the test must see it
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(room,)) for room in rooms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["too_many_active"] * 10 + ["won"] * 2


@on_postgresql
def test_the_database_refuses_an_overlapping_claim_written_directly(alice, dance_room):
    booking = book(
        dance_room, alice, at(2, 9), at(2, 11), title="读书会", purpose="team", attendees=5
    )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO bookings_bookingclaim (booking_id, unit_id, start, "end", live) VALUES (%s, %s, %s, %s, true)',
            [booking.pk, dance_room.pk, at(2, 10), at(2, 12)],
        )
    # A released claim no longer blocks.
    BookingClaim.objects.filter(booking=booking).update(live=False)
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO bookings_bookingclaim (booking_id, unit_id, start, "end", live) VALUES (%s, %s, %s, %s, true)',
            [booking.pk, dance_room.pk, at(2, 10), at(2, 12)],
        )
