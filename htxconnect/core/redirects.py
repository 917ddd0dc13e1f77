"""The one check for a `next` address taken from a request: only this site, never elsewhere.

An address a visitor can put in a link (`?next=…`, a hidden form field, the Referer) is used as
a redirect target only when it stays on this host (and on HTTPS when the request is); anything
else (`https://evil.example/`, `//evil.example`, `javascript:…`) falls back to `default`.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_target(request, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def safe_next(request, default: str) -> str:
    """The request's `next` (POST first, then the query string) when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if is_safe_target(request, target) else default


def redirect_next(request, default: str):
    """A redirect to the request's `next` when it stays on this site, else to `default`."""
    return redirect(safe_next(request, default))
