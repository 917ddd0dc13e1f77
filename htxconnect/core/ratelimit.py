"""One rate limit for every public form: POSTs per client address in a fixed window, counted in the
cache (atomic `incr`: Redis in production, the local-memory cache's lock elsewhere).

    @public
    @limit_public_posts("event-register")
    def register(request, pk): ...

More than `settings.PUBLIC_POST_LIMIT` POSTs (or `PUBLIC_POST_LIMITS[kind]`) from one address within
`settings.PUBLIC_POST_WINDOW` seconds get the Vietnamese 429 page (errors/429.html) with `Retry-After`;
nothing else runs. Limits are generous (an office or a school shares one address): they stop scripts,
not people. Forms with a tighter rule of their own (mail floods, failed sign-ins) keep it as well.
The decorated view carries `rate_limit` (the kind), which tests/security/test_rate_limits.py requires of
every public view that takes a POST.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from htxconnect.core.request_context import client_ip_from

security_log = logging.getLogger("htxconnect.security")


def seconds_until(retry_at: float) -> int:
    """Whole seconds until `retry_at` (Unix time), at least 1: what Retry-After and pages say."""
    return max(1, int(retry_at - time.time() + 0.999))


def count_in_window(count_key: str, start_key: str, window: int) -> int:
    """Count one more under `count_key` in a fixed window of `window` seconds that starts at the
    first count (its time kept under `start_key`); the count so far in the window. Atomic `incr`:
    parallel requests cannot slip past a limit. accounts.throttle counts failed sign-ins with it."""
    cache.add(start_key, time.time(), timeout=window)  # add() sets only a missing key: the window starts once
    cache.add(count_key, 0, timeout=window)
    try:
        return cache.incr(count_key)
    except ValueError:  # expired between add() and incr()
        cache.set(count_key, 1, timeout=window)
        return 1


def window_end(start_key: str, window: int) -> float:
    """When the window counted by count_in_window under `start_key` ends (Unix time)."""
    return (cache.get(start_key) or time.time()) + window


@dataclass(frozen=True)
class Limited:
    kind: str
    retry_at: float  # Unix time

    @property
    def seconds_left(self) -> int:
        return seconds_until(self.retry_at)


def hit(kind: str, subject: str, *, limit: int, window: int) -> Limited | None:
    """Count one request of `kind` from `subject`; a Limited once more than `limit` were made within
    `window` seconds of the first, else None."""
    digest = hashlib.sha256(f"{kind}\x00{subject}".encode()).hexdigest()[:32]  # user input: short safe keys
    count_key, start_key = f"htx:rate:{digest}:n", f"htx:rate:{digest}:t0"
    if count_in_window(count_key, start_key, window) > limit:
        return Limited(kind=kind, retry_at=window_end(start_key, window))
    return None


def limits_for(kind: str) -> tuple[int, int]:
    limit = settings.PUBLIC_POST_LIMITS.get(kind, settings.PUBLIC_POST_LIMIT)
    return limit, settings.PUBLIC_POST_WINDOW


def too_many_requests(request, limited: Limited):
    minutes = max(1, (limited.seconds_left + 59) // 60)
    response = render(request, "errors/429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(limited.seconds_left)
    response["Cache-Control"] = "no-store"
    return response


def limit_public_posts(kind: str):
    """Decorate a view that takes POSTs from anyone (see the module's docstring)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                limit, window = limits_for(kind)
                limited = hit(f"post:{kind}", client_ip_from(request), limit=limit, window=window)
                if limited is not None:
                    security_log.warning("rate limit: kind=%s path=%s", kind, request.path)
                    return too_many_requests(request, limited)
            return view(request, *args, **kwargs)

        wrapped.rate_limit = kind
        return wrapped

    return decorate
