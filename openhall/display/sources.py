"""What other apps put on the lobby screen. The display reads bookings and the ledger itself;
apps that sit beside it (activities, access) register their part in their AppConfig.ready:

    register_schedule(lambda center, day: [{"start": dt, "end": dt, "title": "…",
                                             "place": "…", "kind": "activity"}, …])
    register_counter("door_entries", _("Door entries"), lambda center, day: 12)

Sources return public facts only: no names or numbers of people.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from openhall.core.models import Center

ScheduleSource = Callable[[Center, date], list[dict]]


@dataclass(frozen=True)
class Counter:
    key: str
    label: str  # lazily translated
    count: Callable[[Center, date], int]


_schedules: list[ScheduleSource] = []
_counters: dict[str, Counter] = {}


def register_schedule(source: ScheduleSource) -> None:
    if source not in _schedules:
        _schedules.append(source)


def register_counter(key: str, label, count: Callable[[Center, date], int]) -> None:
    _counters[key] = Counter(key, label, count)


def schedule_sources() -> list[ScheduleSource]:
    return list(_schedules)


def counters() -> list[Counter]:
    return list(_counters.values())
