"""A pinned clock for the server under test.

Browser tests and demos must not depend on the hour they run at: the lobby screen reads 空闲 in
the morning and 今日已闭馆 at night. `OPENHALL_CLOCK=2026-12-01T19:30:00+08:00` starts every
OpenHall process (web, worker, management commands) at that instant, and time runs on from there.

All processes of one run share one origin: the first process records the real time it pinned at
in `OPENHALL_CLOCK_SINCE`, which its children inherit, so a worker started a second after the web
process reads the same pinned time, not one a second behind.

Only with DEBUG=true (settings refuse it otherwise); `time_machine` (a test dependency) moves
`datetime.now()`, `time.time()` and friends, but not `time.monotonic()`, so timeouts, the event
loop and connection pools keep real time.
"""

import os
import time
from datetime import datetime


def pinned_now(value: str, *, since: float, real_now: float) -> datetime:
    """The pinned clock's reading `real_now - since` seconds after it was pinned at `value`."""
    start = datetime.fromisoformat(value)
    if start.tzinfo is None:
        raise ValueError("OPENHALL_CLOCK needs a UTC offset, e.g. 2026-12-01T19:30:00+08:00")
    return datetime.fromtimestamp(start.timestamp() + (real_now - since), tz=start.tzinfo)


def pin_clock(value: str) -> None:
    """Travel this process to the pinned clock, ticking from there."""
    import time_machine

    real_now = time.time()
    since = float(os.environ.setdefault("OPENHALL_CLOCK_SINCE", repr(real_now)))
    time_machine.travel(pinned_now(value, since=since, real_now=real_now), tick=True).start()
