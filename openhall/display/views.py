"""The lobby screen page and its live stream. No login: the secret URL is the key."""

import asyncio

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from openhall.display import live, services
from openhall.display.selectors import snapshot

KEEPALIVE = 15  # seconds between pings: proxies keep the stream open, the screen counts as seen


def _and_close(fn, *args):
    try:
        return fn(*args)
    finally:
        connection.close()


async def _db(fn, *args):
    """A short database call from the stream. The connection goes back at once: an open stream
    lasts hours and must not hold one of the pool's few connections meanwhile."""
    return await sync_to_async(_and_close, thread_sensitive=False)(fn, *args)


@never_cache
def screen_page(request, token: str):
    screen = services.screen_for_token(token)
    if screen is None:
        raise Http404
    services.screen_seen(screen)
    # The template writes the picture with `json_script`, which escapes < > & so that a title
    # like "</script><h1>" cannot end the script element and become markup on a public screen.
    context = {"screen": screen, "initial": snapshot(screen.center_id), "show": screen.counters}
    # The clock on the wall shows the center's time, whatever zone the kiosk PC is set to.
    context["time_zone"] = settings.TIME_ZONE
    return render(request, "display/screen.html", context)


async def screen_events(request, token: str):
    screen = await _db(services.screen_for_token, token)
    if screen is None:
        raise Http404
    queue = await live.hub.subscribe(screen.center_id)

    async def stream():
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    payload = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE)
                except TimeoutError:
                    still = await _db(services.screen_for_token, token)
                    if still is None:  # token rotated or screen switched off
                        return
                    await _db(services.screen_seen, still)
                    yield ": ping\n\n"
                    continue
                yield f"event: snapshot\ndata: {payload}\n\n"
        finally:
            live.hub.unsubscribe(screen.center_id, queue)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event through at once
    return response
