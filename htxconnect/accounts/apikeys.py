"""API keys for machine clients: issue, check and revoke (the ApiKey model is in models.py).

A key reads `htx_<prefix>_<secret>`. The prefix (10 hex digits) is stored in clear so a key can
be found and named; only the SHA-256 digest of the whole key is stored. Keys carry 256 bits of
randomness, so a fast hash is enough: there is nothing to brute-force.

Each key may make settings.API_KEY_RATE_LIMIT requests per settings.API_KEY_RATE_WINDOW seconds (a
fixed window from its first request, counted in the cache with core.ratelimit.count_in_window, as
sign-in failures are), or its own `rate_limit` when an administrator set one (`set_rate_limit`;
0 lifts the limit for that key). Only a valid key is counted, so nobody can use up another's
allowance by sending its prefix with a wrong secret. Past the limit `authenticate_bearer` raises KeyRateLimited;
the API and the EPCIS binding answer 429 with Retry-After, each in its own JSON error format.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit, request_context
from htxconnect.core.ratelimit import count_in_window, seconds_until, window_end
from htxconnect.core.roles import Role

from . import audit_actions as actions
from .models import ApiKey, User

security_log = logging.getLogger("htxconnect.security")

KEY_PATTERN = re.compile(r"^htx_(?P<prefix>[0-9a-f]{10})_(?P<secret>[A-Za-z0-9_-]{43})$")
PREFIX_PATTERN = re.compile(r"^[0-9a-f]{10}$")
# last_used_at is refreshed at most this often, so a busy client does not write on every call.
LAST_USED_PRECISION = timedelta(minutes=1)
# The largest ApiKey.rate_limit (a PositiveIntegerField: PostgreSQL's integer; SQLite would take more).
MAX_RATE_LIMIT = 2_147_483_647
_DUMMY_DIGEST = hashlib.sha256(b"htx-no-such-key").hexdigest()


def digest_of(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def parse_prefix(text: str) -> str | None:
    """The prefix from a whole key (`htx_<prefix>_…`), `htx_<prefix>` or the bare prefix."""
    text = (text or "").strip()
    if text.startswith("htx_"):
        text = text[4:].split("_", 1)[0]
    return text if PREFIX_PATTERN.match(text) else None


def issue_key(user: User, name: str = "", *, by) -> tuple[ApiKey, str]:
    """Create a key for `user`; returns (ApiKey, raw key). The raw key is never stored or shown again.

    `by`: who issues it (an administrator, or `SYSTEM` for the management command)."""
    audit.check_actor(by)
    if not user.is_active:
        raise ValidationError({"user": _("Tài khoản “%(user)s” đã bị khóa, không thể cấp khóa API.") % {"user": user}})
    name = (name or "").strip()
    for _attempt in range(5):
        prefix = secrets.token_hex(5)
        raw = f"htx_{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(user=user, name=name, prefix=prefix, digest=digest_of(raw))
        key.full_clean()
        try:
            with transaction.atomic():
                key.save()
                audit.record(
                    actions.API_KEY_ISSUED, obj=key, actor=by, agency_id=user.agency_id,
                    changes={"user": [None, user.get_username()], "name": [None, name], "prefix": [None, prefix]},
                )
        except IntegrityError:  # prefix collision (1 in 10^12): draw again
            continue
        return key, raw
    raise RuntimeError("could not draw a unique API key prefix")


def _find(key: ApiKey | int | str) -> ApiKey:
    if isinstance(key, ApiKey):
        return key
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit() and not PREFIX_PATTERN.match(key)):
        return ApiKey.objects.select_related("user").get(pk=int(key))
    prefix = parse_prefix(str(key))
    if prefix is None:
        raise ApiKey.DoesNotExist(key)
    return ApiKey.objects.select_related("user").get(prefix=prefix)


def revoke_key(key: ApiKey | int | str, *, by) -> ApiKey:
    """Revoke a key given as an ApiKey, its id, or its prefix. Revoking twice changes nothing.

    `by` must own the key or be an administrator, or be the system actor (the management
    command). Raises ApiKey.DoesNotExist.
    """
    audit.check_actor(by)
    with transaction.atomic():
        found = _find(key)
        # Lock the row so two revocations do not both write an audit entry.
        found = ApiKey.objects.select_for_update().select_related("user").get(pk=found.pk)
        if not audit.is_system(by) and by.pk != found.user_id and getattr(by, "role", None) != Role.ADMIN:
            raise PermissionDenied("api_key.revoke")
        if found.revoked_at is not None:
            return found
        found.revoke()
        found.save(update_fields=["revoked_at"])
        audit.record(
            actions.API_KEY_REVOKED, obj=found, actor=by, agency_id=found.user.agency_id,
            changes={"revoked_at": [None, found.revoked_at]},
        )
    security_log.info("api key revoked: prefix=%s user=%s", found.prefix, found.user_id)
    return found


def check_key(raw: str) -> tuple[ApiKey | None, str]:
    """(key, "") for a valid key, else (None, reason) with reason malformed/unknown/revoked/inactive."""
    match = KEY_PATTERN.match(raw or "")
    if not match:
        return None, "malformed"
    key = ApiKey.objects.select_related("user", "user__agency").filter(prefix=match["prefix"]).first()
    # Compare in constant time; with no row compare against a dummy so both paths cost the same.
    if not hmac.compare_digest(digest_of(raw), key.digest if key else _DUMMY_DIGEST) or key is None:
        return None, "unknown"
    if key.revoked_at is not None:
        return None, "revoked"
    if not key.user.is_active:
        return None, "inactive"
    return key, ""


def set_rate_limit(key: ApiKey | int | str, limit: int | None, *, by) -> ApiKey:
    """Give a key its own rate limit: `limit` requests per settings.API_KEY_RATE_WINDOW, None for the
    site's settings.API_KEY_RATE_LIMIT, 0 for no limit. Audited when it changes.

    Only an administrator (or the system actor) may: a key's owner must not raise their own
    allowance. Raises PermissionDenied, ValidationError (rate_limit) or ApiKey.DoesNotExist."""
    audit.check_actor(by)
    if not audit.is_system(by) and getattr(by, "role", None) != Role.ADMIN:
        raise PermissionDenied("api_key.rate_limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or not 0 <= limit <= MAX_RATE_LIMIT):
        raise ValidationError({"rate_limit": _("Giới hạn yêu cầu phải là số nguyên từ 0 đến %(max)s.")
                               % {"max": MAX_RATE_LIMIT}})
    with transaction.atomic():
        found = ApiKey.objects.select_for_update().select_related("user").get(pk=_find(key).pk)
        before = found.rate_limit
        if before == limit:
            return found
        found.rate_limit = limit
        found.save(update_fields=["rate_limit"])
        audit.record(
            actions.API_KEY_RATE_LIMIT_CHANGED, obj=found, actor=by, agency_id=found.user.agency_id,
            changes={"rate_limit": [before, limit]},
        )
    security_log.info("api key rate limit changed: prefix=%s user=%s limit=%s", found.prefix, found.user_id,
                      "default" if limit is None else limit)
    return found


def rate_limit_of(key: ApiKey) -> int:
    """The requests `key` may make per settings.API_KEY_RATE_WINDOW: its own limit, else the site's.
    0: no limit."""
    return settings.API_KEY_RATE_LIMIT if key.rate_limit is None else key.rate_limit


class KeyRateLimited(Exception):
    """A valid key that made more requests in its window than its limit (rate_limit_of)."""

    def __init__(self, key: ApiKey, retry_after: int):
        super().__init__(f"API key {key.prefix} over its rate limit")
        self.key = key
        self.retry_after = retry_after  # whole seconds until the window ends (Retry-After)


def count_request(key: ApiKey) -> None:
    """Count one request of `key`; raises KeyRateLimited once it is over its limit in the window.
    The first refusal of each window is logged (a client that ignores Retry-After floods no log)."""
    limit, window = rate_limit_of(key), settings.API_KEY_RATE_WINDOW
    if limit <= 0:
        return
    base = f"htx:api-key-rate:{key.prefix}"
    count = count_in_window(base + ":n", base + ":t0", window)
    if count <= limit:
        return
    if count == limit + 1:
        security_log.warning("api key rate limit: prefix=%s user=%s limit=%s window=%ss", key.prefix, key.user_id,
                             limit, window)
    raise KeyRateLimited(key, seconds_until(window_end(base + ":t0", window)))


def authenticate_key(raw: str, *, address: str = "") -> ApiKey | None:
    """The active key matching `raw`, or None. Counts the request against the key's rate limit
    (KeyRateLimited past it), marks the key used (at most once a minute) and audits its first use
    of each day, with the caller's address."""
    key, reason = check_key(raw)
    if key is None:
        match = KEY_PATTERN.match(raw or "")
        security_log.warning("api key rejected: reason=%s prefix=%s", reason, match["prefix"] if match else "-")
        return None
    count_request(key)
    mark_used(key, address=address)
    return key


def authenticate_bearer(request) -> User | None:
    """THE authentication of machine clients (the REST API and the EPCIS binding both call it).

    Returns the owner of the request's valid Bearer key, bound to the request (`request.user`,
    `request.api_key`), or None (no key, or a bad one: logged). Raises KeyRateLimited for a valid
    key past its rate limit (see the module's docstring). A key is a 256-bit secret issued
    out of band by an administrator: it stands in for both factors, so the request counts as
    two-factor verified."""
    token = request_context.bearer_token(request)
    address = request_context.client_ip_from(request)
    # "" too: refused and logged
    key = authenticate_key(token, address=address) if token is not None else None
    if key is None:
        return None
    user = key.user
    user.is_verified = lambda: True
    user.otp_device = None
    # Services audit the user they are given: the key's owner, with the request's address.
    request.user = request_context.attach_address(user, address)
    request.api_key = key
    return user


def _start_of_today():
    today = timezone.localdate()
    return timezone.make_aware(datetime.combine(today, time.min))


def mark_used(key: ApiKey, *, address: str = "") -> None:
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_PRECISION:
        return
    day_start = _start_of_today()
    with transaction.atomic():
        # Claim the first use of the day with a conditional update: of concurrent first calls
        # exactly one sees a row count of 1, so the day gets one audit entry.
        first_today = ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=day_start)
        ).update(last_used_at=now)
        if first_today:
            audit.record(actions.API_KEY_USED, obj=key, actor=key.user, agency_id=key.user.agency_id,
                         address=address, changes={"prefix": [None, key.prefix]})
        else:
            # Conditional update: concurrent requests of one client write at most once per minute.
            ApiKey.objects.filter(pk=key.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
            ).update(last_used_at=now)
    key.last_used_at = now


def keys_of(user: User):
    """The user's keys, newest first (for the profile page)."""
    return ApiKey.objects.filter(user=user).order_by("-created_at", "-pk")
