"""Domain events: a lower app announces what happened; higher apps subscribe.

`publish_on_commit` runs the subscribers only after the transaction commits, so nobody reacts to
a booking that was rolled back. Subscribers must be quick: heavy work goes to a Huey task
(which takes ids, not objects).
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)
_subscribers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(event: str, handler: Callable[..., None]) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def publish_on_commit(event: str, **payload) -> None:
    def deliver():
        for handler in list(_subscribers[event]):
            try:
                handler(**payload)
            except Exception:  # one failing subscriber must not stop the others
                logger.exception("subscriber %s of %s failed", handler, event)

    transaction.on_commit(deliver)
