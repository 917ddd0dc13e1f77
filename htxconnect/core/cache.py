"""The Redis cache, degrading to a per-process memory cache while Redis is unreachable.

Everything the site keeps in the cache can be recomputed (rendered scan pages, product versions,
login-failure counters), so a stopped Redis must make the site slower, never broken. Django's
RedisCache raises redis.ConnectionError on every call when Redis is down; this backend answers
from a local-memory cache instead, and stops trying Redis for RETRY_SECONDS after a failure so
requests do not each wait for a refused or timed-out connection. After that pause the next call
tries Redis again: recovery needs no restart.

While degraded: login throttling counts per app-server process (limits still apply, per process);
a scan-page purge reaches only the process that made it, so other processes may show a page up
to SCAN_PAGE_CACHE_SECONDS old — and so may Redis after it returns, for pages it held before the
outage. /healthz reports the cache as failed (core.health calls `raise_if_down`).

settings.CACHES: {"BACKEND": "htxconnect.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}, "RETRY_SECONDS": 5}
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("htxconnect.cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)


class CacheUnavailable(Exception):
    """Raised by `raise_if_down` (the health check) while Redis cannot be reached."""


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        self.retry_seconds = float(params.pop("RETRY_SECONDS", 5))
        super().__init__(server, params)
        self._fallback = LocMemCache(f"htx-fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300),
                                                                  "OPTIONS": {"MAX_ENTRIES": 5000}})
        self._down_until = 0.0
        self._down_since = None
        self._lock = threading.Lock()

    # -- state ------------------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_seconds
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("Redis unreachable (%s): cache answers from process memory for now", type(exc).__name__)

    def _recovered(self) -> None:
        with self._lock:
            if self._down_since is not None:
                log.warning("Redis reachable again after %.1f s: cache back on Redis",
                            time.monotonic() - self._down_since)
                self._down_since = None

    def _call(self, name, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._failed(exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        if self._down_since is not None:
            self._recovered()
        return result

    def raise_if_down(self) -> None:
        """For the health check: ping Redis itself, never the fallback."""
        try:
            self._cache.get_client(write=False).ping()
        except UNAVAILABLE as exc:
            self._failed(exc)
            raise CacheUnavailable(type(exc).__name__) from exc
        if self._down_since is not None:
            self._recovered()
            self._down_until = 0.0

    # -- the cache API (what RedisCache implements; the rest of BaseCache builds on these) ----------

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")
