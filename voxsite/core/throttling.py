"""Request-rate limits counted in the cache with one round trip per request.

DRF's SimpleRateThrottle keeps a list of timestamps per client: a cache GET and a SET per
request. With Redis as the cache (several server processes), those two round trips were a
quarter of a text turn's time in bench/bench_text.py, spent waiting with the request's thread.
Here a limit is a fixed-window counter: Redis INCR and EXPIRE, pipelined (one round trip); other
caches use add/incr. A client may reach twice the rate across a window boundary, which is
within what DRF's docs promise of throttles: a guard against overuse, not a security control.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling
from rest_framework.settings import api_settings


def cache_count(key: str, ttl: int) -> int:
    """Add one to the counter `key` (created with `ttl` seconds to live); return its new value."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full)
        pipe.expire(full, ttl)
        return int(pipe.execute()[0])
    if backend.add(key, 1, ttl):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr
        backend.set(key, 1, ttl)
        return 1


class CounterThrottle(throttling.BaseThrottle):
    """Subclasses name a `scope` (its rate is REST_FRAMEWORK's DEFAULT_THROTTLE_RATES[scope], read
    per request so settings overrides apply) and say whom a request counts against."""

    scope = ""
    _wait: float | None = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = self.get_rate()
        if not rate:
            return True
        ident = self.get_ident_key(request, view)
        if ident is None:
            return True
        num_requests, duration = throttling.SimpleRateThrottle.parse_rate(None, rate)
        now = time.time()
        window = int(now // duration)
        count = cache_count(f"throttle:{self.scope}:{ident}:{window}", duration + 1)
        if count <= num_requests:
            return True
        self._wait = (window + 1) * duration - now
        return False

    def wait(self) -> float | None:
        return self._wait
