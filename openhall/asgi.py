"""The ASGI entry point.

Ordinary requests go to Django's WSGI handler on a small thread pool (a2wsgi): one thread hop
a request. Django's own ASGI path with sync middleware and sync views hops between the event loop
and threads three times a request, which on two cores cost more than the views themselves
(booking storm at 32 clients: 167 → 295 requests/s, p95 305 → 134 ms). Few threads beat many:
they share one GIL (OPENHALL_WEB_THREADS, default 3 a process; scale with processes).
Streams that stay open for hours (the lobby screens' Server-Sent Events) go to Django's ASGI
handler, where they hold no thread.
"""

import os

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
streaming = get_asgi_application()
ordinary = WSGIMiddleware(
    get_wsgi_application(), workers=int(os.environ.get("OPENHALL_WEB_THREADS", "3"))
)


def is_stream(scope) -> bool:
    return scope["type"] != "http" or scope["path"].endswith("/events")


async def application(scope, receive, send):
    if is_stream(scope):
        return await streaming(scope, receive, send)
    return await ordinary(scope, receive, send)
