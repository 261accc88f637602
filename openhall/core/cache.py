"""The Redis cache with one client, and so one connection pool, per process.

Django keeps a cache object per context (asgiref's Local), and a2wsgi runs every request in a
fresh copy of the event loop's context (openhall/asgi.py), so the stock `RedisCache` built a new
client, a new connection pool and a new TCP connection to Redis on every request: a connect and
an address look-up in front of the bearer token's cached read, and a socket left in TIME_WAIT.
Here every cache object of the process shares the client of its settings; redis-py's pool is
thread-safe and reconnects in a forked child by itself.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class SharedRedisCache(RedisCache):
    @property
    def _cache(self) -> RedisCacheClient:
        # RedisCache's own attributes, which django-stubs does not declare.
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = (tuple(servers), repr(sorted(options.items())))
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                make = self._class  # type: ignore[attr-defined]
                client = _clients.setdefault(key, make(servers, **options))
        return client
