"""Domain events: a lower app announces what happened; higher apps subscribe.

Publishing writes one outbox row per durable subscriber in the publisher's own transaction (a
transactional outbox, openhall/core/outbox.py): if the change commits, its follow-ups are on
record; if it rolls back, so do they. After commit a worker delivers each row at least once, so
a handler must be idempotent (take ids, check what is already done). A relay every minute
delivers what a killed worker or a queue outage left behind.

A subscriber registered with `durable=False` is a live signal (a lobby screen redrawing): it
runs in this process right after commit and may be lost; whatever it serves must repair itself
(screens rebuild every minute).
"""

import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Callable[..., None]
    durable: bool


_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def handler_name(handler: Callable[..., None]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(event: str, handler: Callable[..., None], *, durable: bool = True) -> None:
    name = handler_name(handler)
    if any(s.name == name for s in _subscribers[event]):
        return  # connected twice (apps' ready() may run again in tests)
    _subscribers[event].append(Subscriber(name, handler, durable))


def subscriber(event: str, name: str) -> Subscriber | None:
    if event == DEFERRED:
        if name not in _deferred and name.startswith("openhall."):
            # Registered when its module is imported: import it (only ours, only registered).
            importlib.import_module(name.rsplit(".", 1)[0])
        return _deferred.get(name)
    return next((s for s in _subscribers[event] if s.name == name), None)


# A durable task: one follow-up that the changing app runs itself (tell a registrant), recorded
# like an event's so it survives what an event survives. `@durable_task` then `f.defer(**ids)`.
DEFERRED = "task"
_deferred: dict[str, Subscriber] = {}


class DurableTask(Protocol):
    """A function made durable: call it now, or `defer(**payload)` it to after commit."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    def defer(self, *, not_before: datetime | None = None, **payload: Any) -> None: ...


def durable_task(func: Callable[..., Any]) -> DurableTask:
    name = handler_name(func)
    _deferred[name] = Subscriber(name, func, durable=True)

    def defer(*, not_before: datetime | None = None, **payload: Any) -> None:
        """Record a call of `func(**payload)` in the current transaction; it runs after commit
        (not before `not_before`), at least once."""
        from openhall.core import outbox

        data = DjangoJSONEncoder().encode(payload)
        ids = outbox.record(
            event=DEFERRED, handlers=[name], payload_json=data, not_before=not_before
        )
        if not_before is None:
            transaction.on_commit(lambda: outbox.kick(ids))

    func.defer = defer  # type: ignore[attr-defined]
    return cast(DurableTask, func)


def publish_on_commit(event: str, **payload: Any) -> None:
    """Record the follow-ups of `event` in the current transaction; deliver them after commit.

    The payload carries ids and plain values (it is stored as JSON: dates arrive as ISO text).
    """
    from openhall.core import outbox

    durable = [s for s in _subscribers[event] if s.durable]
    live = [s for s in _subscribers[event] if not s.durable]
    if durable:
        data = DjangoJSONEncoder().encode(payload)
        ids = outbox.record(event=event, handlers=[s.name for s in durable], payload_json=data)
        transaction.on_commit(lambda: outbox.kick(ids))
    if live:
        transaction.on_commit(lambda: _signal(event, live, payload))


def _signal(event: str, live: list[Subscriber], payload: dict) -> None:
    for each in live:
        try:
            each.handler(**payload)
        except Exception:  # a live signal must not break the request that committed
            logger.exception("live subscriber %s of %s failed (%s)", each.name, event, payload)
