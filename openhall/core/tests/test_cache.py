"""The Redis cache keeps one client (and its connection pool) a process: a2wsgi runs every
request in a fresh copy of the context, where Django makes a new cache object each time."""

import contextvars

from openhall.core.cache import SharedRedisCache


def test_every_request_context_shares_one_redis_client():
    def client_of_a_request():
        # What `caches["default"]` does in a request's fresh context: a new cache object.
        cache = SharedRedisCache("redis://127.0.0.1:6399/3", {"KEY_PREFIX": "openhall"})
        return cache._cache

    first = contextvars.copy_context().run(client_of_a_request)
    second = contextvars.copy_context().run(client_of_a_request)
    assert first is second


def test_a_cache_of_other_settings_has_its_own_client():
    one = SharedRedisCache("redis://127.0.0.1:6399/3", {})
    other = SharedRedisCache("redis://127.0.0.1:6399/4", {})
    assert one._cache is not other._cache
