"""The repair sweeps, by name, for the periodic tasks and for `openhall sweep NAME`.

A sweep re-derives what must hold (every approved booking has its grant, every due follow-up
is delivered …) and repairs it; each is idempotent, so running one by hand beside the workers
is safe. Core knows no domain: each app registers its sweep from its AppConfig.ready(), e.g.

    register_sweep("bookings", services.booking_sweep)

and the periodic tasks and the command look them up here, so the two cannot drift apart.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    sweep: str
    func: Callable[[], object]
    # Run by the command only when asked (--with-optional): it talks to an outside system on
    # a slower cadence of its own (the TTLock cloud's door records).
    optional: bool = False

    @property
    def name(self) -> str:
        return self.func.__name__


class UnknownSweep(LookupError):
    pass


_sweeps: dict[str, list[Step]] = {}


def register_sweep(
    name: str, *funcs: Callable[[], object], optional: tuple[Callable[[], object], ...] = ()
) -> None:
    """Sweep `name` runs `funcs` in this order, then (when asked) the `optional` ones. Each is
    called without arguments and returns what it did (a count, or counts by kind)."""
    steps = _sweeps.setdefault(name, [])
    known = {step.func for step in steps}
    for func in funcs:
        if func not in known:
            steps.append(Step(name, func))
    for func in optional:
        if func not in known:
            steps.append(Step(name, func, optional=True))


def sweep_names() -> list[str]:
    """In the order the apps registered them (INSTALLED_APPS)."""
    return list(_sweeps)


def sweep_steps(name: str, *, optional: bool = False) -> list[Step]:
    if name not in _sweeps:
        raise UnknownSweep(name)
    return [step for step in _sweeps[name] if optional or not step.optional]


def run_sweep(name: str) -> dict[str, object]:
    """What a periodic task runs: the sweep's steps (not the optional ones) in order; the first
    that raises stops the sweep, and the queue logs and counts it as a failed task."""
    return {step.name: step.func() for step in sweep_steps(name)}
