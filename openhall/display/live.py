"""Live fan-out to lobby screens (Server-Sent Events under ASGI).

A change anywhere (`changed(center_id)`, from any thread or process) makes each web process
that has screens of that center open build the center's snapshot ONCE and hand the same text
to every one of those screens. Changes within `DEBOUNCE` seconds are folded into one build.

Without REDIS_URL the fan-out is in-process: changes made by web requests reach screens at
once; changes made in the worker process (sweeps) show at the next periodic refresh
(`REFRESH` seconds). With REDIS_URL every process publishes to a Redis channel that every web
process listens to, so all changes arrive within a second wherever they were made.
"""

import asyncio
import json
import logging
import threading
from collections import defaultdict

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

logger = logging.getLogger(__name__)
CHANNEL = "openhall:display"
DEBOUNCE = 0.2
REFRESH = 60  # seconds: space states change with the clock, not only with records
QUEUE_SIZE = 4


def build_payload(center_id: int) -> str:
    from django.db import connection

    from openhall.display.selectors import snapshot

    try:
        return json.dumps(snapshot(center_id), cls=DjangoJSONEncoder, ensure_ascii=False)
    finally:
        connection.close()  # no request cycle here to hand the connection back


class Hub:
    def __init__(self, redis_url: str = ""):
        self.redis_url = redis_url
        self.screens: dict[int, set[asyncio.Queue]] = defaultdict(set)
        self.latest: dict[int, str] = {}
        self.builds = 0  # snapshots built: one per change per center, however many screens
        self.loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[int] = set()
        self._tasks: list[asyncio.Task] = []
        self._publisher = None
        self._lock = threading.Lock()
        # Set once Redis confirms the subscription: changes published before that are not heard.
        self.listening = asyncio.Event()  # made anew for each event loop (_start)

    # --- the screens' side (async, in the event loop) ---------------------------------------
    async def subscribe(self, center_id: int) -> asyncio.Queue:
        self._start()
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        if center_id not in self.latest:
            await self.refresh(center_id)
        queue.put_nowait(self.latest[center_id])
        self.screens[center_id].add(queue)
        return queue

    def unsubscribe(self, center_id: int, queue: asyncio.Queue) -> None:
        self.screens[center_id].discard(queue)
        if not self.screens[center_id]:
            del self.screens[center_id]
            self.latest.pop(center_id, None)

    async def refresh(self, center_id: int) -> None:
        self._pending.discard(center_id)
        payload = await sync_to_async(build_payload, thread_sensitive=False)(center_id)
        self.builds += 1
        self.latest[center_id] = payload
        for queue in list(self.screens.get(center_id, ())):
            if queue.full():  # a slow screen skips to the newest picture
                queue.get_nowait()
            queue.put_nowait(payload)

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is loop:
            return
        self.loop = loop
        self.listening = asyncio.Event()
        self._tasks = [loop.create_task(self._tick())]
        if self.redis_url:
            self._tasks.append(loop.create_task(self._listen()))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            for center_id in list(self.screens):
                try:
                    await self.refresh(center_id)
                except Exception:
                    logger.exception("display refresh of center %s failed", center_id)

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        while True:
            client = aioredis.Redis.from_url(self.redis_url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for message in pubsub.listen():
                        if message.get("type") == "subscribe":
                            self.listening.set()
                        elif message.get("type") == "message":
                            self._soon(int(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                self.listening.clear()
                logger.warning("display: Redis unreachable, retrying in 2 s", exc_info=True)
                await asyncio.sleep(2)
            finally:
                await client.aclose()

    def _soon(self, center_id: int) -> None:
        """In the loop: build once for all changes of this center in the next DEBOUNCE s."""
        if center_id not in self.screens or center_id in self._pending:
            return
        self._pending.add(center_id)
        self.loop.call_later(DEBOUNCE, lambda: self.loop.create_task(self.refresh(center_id)))

    # --- the changes' side (any thread, any process) ----------------------------------------
    def changed(self, center_id: int) -> None:
        if self.redis_url:
            self._publish(center_id)
        elif self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._soon, center_id)

    def _publish(self, center_id: int) -> None:
        import redis

        with self._lock:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            self._publisher.publish(CHANNEL, center_id)
        except redis.RedisError:
            logger.warning("display: change of center %s not published", center_id)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks, self.loop = [], None


hub = Hub(getattr(settings, "REDIS_URL", ""))


def changed(center_id: int | None) -> None:
    """Tell every screen of the center that something it shows may have changed."""
    if center_id is not None:
        hub.changed(center_id)
