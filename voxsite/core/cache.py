"""Django's Redis cache with one connection pool per process.

Django makes a cache object per async context (`caches` is context-local, not thread-local),
and under ASGI every request is a new context, so the stock RedisCache built a new pool, and
with it a new TCP connection to Redis, for every request that touched the cache: the DRF
throttle does on every API call. bench/bench_text.py measured it at ~20% of a turn's CPU.
redis-py's pools are thread-safe, so all requests of a process can share one.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple, RedisCacheClient] = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), tuple(sorted((k, repr(v)) for k, v in self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, self._class(self._servers, **self._options))
        return client
