"""What the simulator's virtual locks remember, as a real lock keeps its codes and its keypad
counter in its own memory: rows of SimulatedCode and SimulatedKeypad.

AccessConfig.ready hands this module to the simulator driver (drivers/simulator.py), so the
drivers import no model (the `drivers` contract in pyproject.toml), as a real lock's driver
reaches its lock over the network.
"""

from datetime import datetime, timedelta

from django.db import transaction

from openhall.access.models import SimulatedCode, SimulatedKeypad
from openhall.core.crypto import blind_index


def code_add(*, door_id: int, kind: str, code: str, starts_at: datetime, ends_at: datetime) -> int:
    # A real lock refuses a code it already holds (TTLock -3007, which its driver adopts): the
    # same write repeated — its worker killed between the lock's answer and the record of it —
    # must not leave a second copy that nothing tracks (core/tests/test_faults.py).
    same = SimulatedCode.objects.filter(
        door_id=door_id,
        kind=kind,
        code_index=blind_index(code),
        starts_at=starts_at,
        ends_at=ends_at,
    ).first()
    if same is not None:
        return same.pk
    row = SimulatedCode.objects.create(
        door_id=door_id,
        kind=kind,
        code=code,
        code_index=blind_index(code),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    return row.pk


def code_ids(*, door_id: int, kind: str = "pin") -> list[int]:
    return list(
        SimulatedCode.objects.filter(door_id=door_id, kind=kind).values_list("pk", flat=True)
    )


def code_delete(*, door_id: int, code_id: int) -> None:
    SimulatedCode.objects.filter(door_id=door_id, pk=code_id).delete()


def keypad_try(
    *, door_id: int, kind: str, code: str, now: datetime, freeze_after: int, freeze: timedelta
) -> tuple[int | None, datetime | None, bool]:
    """One guess on the door's keypad at the lock's `now`: (the id of the code that opened it,
    the time the keypad is frozen until, whether the code was looked at at all)."""
    with transaction.atomic():
        # The row lock makes guesses on one door queue: each reads the count the previous
        # one wrote, so twenty at once still get five looks at the codes (on SQLite the
        # IMMEDIATE transaction serialises them the same way).
        pad, _ = SimulatedKeypad.objects.select_for_update().get_or_create(door_id=door_id)
        if pad.frozen_until and pad.frozen_until > now:
            return None, pad.frozen_until, False
        row = SimulatedCode.objects.filter(
            door_id=door_id,
            kind=kind,
            code_index=blind_index(code.strip()),
            starts_at__lte=now,
            ends_at__gt=now,
        ).first()
        if row is not None:
            pad.wrong_in_a_row, pad.frozen_until = 0, None
        else:
            pad.wrong_in_a_row += 1
            if pad.wrong_in_a_row >= freeze_after:
                # Thawed, the keypad gives another five tries, as the real ones do.
                pad.wrong_in_a_row, pad.frozen_until = 0, now + freeze
        pad.save(update_fields=["wrong_in_a_row", "frozen_until"])
    if row is not None:
        return row.pk, None, True
    return None, pad.frozen_until, True
