"""Login throttling: count failed sign-ins per username and per client address in the cache.

After settings.LOGIN_MAX_FAILURES failures for one username or one address within
settings.LOGIN_LOCKOUT_SECONDS (a fixed window that starts at the first failure), further
attempts are refused until the window ends. Counters live in the Django cache and are bumped
with `incr` (core.ratelimit.count_in_window, as for the public forms' limit), which is atomic in
Redis and under the local-memory cache's lock, so parallel guesses cannot slip past the limit. A successful sign-in clears the username's counter (not the
address's: one office may share an address with an attacker).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from htxconnect.core.ratelimit import count_in_window, seconds_until, window_end
from htxconnect.core.text import fold

security_log = logging.getLogger("htxconnect.security")

PREFIX = "htx:login-fail"


def _digest(value: str) -> str:
    # Usernames are user input: hashing keeps keys short and safe for every cache backend.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _keys(kind: str, value: str) -> tuple[str, str]:
    base = f"{PREFIX}:{kind}:{_digest(value)}"
    return base + ":n", base + ":t0"


def _username_key(username: str) -> str:
    return fold(username or "")[:150]


@dataclass(frozen=True)
class Lockout:
    """Why and until when sign-in is refused."""

    scope: str  # "username" or "address"
    retry_at: float  # Unix time

    @property
    def seconds_left(self) -> int:
        return seconds_until(self.retry_at)


def _subjects(username: str, address: str):
    if username:
        yield "username", _username_key(username)
    if address:
        yield "address", address


def check(username: str, address: str) -> Lockout | None:
    """The lockout in force for this username or address, or None when sign-in may proceed."""
    limit = settings.LOGIN_MAX_FAILURES
    window = settings.LOGIN_LOCKOUT_SECONDS
    for scope, value in _subjects(username, address):
        count_key, start_key = _keys(scope, value)
        values = cache.get_many([count_key, start_key])
        if values.get(count_key, 0) >= limit:
            start = values.get(start_key) or time.time()
            return Lockout(scope=scope, retry_at=start + window)
    return None


def register_failure(username: str, address: str) -> Lockout | None:
    """Count one failed attempt; returns the lockout it triggers (if it is the N-th failure)."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    lockout = None
    for scope, value in _subjects(username, address):
        count_key, start_key = _keys(scope, value)
        count = count_in_window(count_key, start_key, window)
        if count >= settings.LOGIN_MAX_FAILURES and lockout is None:
            lockout = Lockout(scope=scope, retry_at=window_end(start_key, window))
            if count == settings.LOGIN_MAX_FAILURES:
                security_log.warning("login lockout started: %s=%s failures=%s", scope,
                                     safe_for_log(value), count)
    return lockout


def count_request(kind: str, value: str, *, limit: int, window: int) -> Lockout | None:
    """Count one request of `kind` from `value` (e.g. password-reset mails per address);
    returns a Lockout once more than `limit` were made within `window` seconds."""
    count_key, start_key = _keys(kind, value)
    if count_in_window(count_key, start_key, window) > limit:
        return Lockout(scope=kind, retry_at=window_end(start_key, window))
    return None


def clear_username(username: str) -> None:
    cache.delete_many(list(_keys("username", _username_key(username))))


def safe_for_log(value: str) -> str:
    """A value fit for a log line: no control characters, bounded length."""
    return repr(str(value)[:80])
