"""Rate limits on every public form (core.ratelimit): found programmatically, then exercised.

Every URL pattern whose view is `@public` is posted to anonymously (its path from the authorization
matrix, on real sample objects). A view that does not answer 405 takes POSTs from anyone, so it must be
rate limited (`@limit_public_posts`) or be listed in NOT_LIMITED with the reason.
"""

from __future__ import annotations

import functools
import inspect
import re

import pytest
from django.test import Client

from htxconnect.core.permissions import PUBLIC
from tests.test_authorization_matrix import MATRIX, all_patterns, samples  # noqa: F401 - the samples fixture

NOT_LIMITED = {
    "accounts:login": "its own throttle: 5 failures per account or address lock them (accounts.throttle; "
                      "tests/accounts/test_login.py::test_throttling_by_address_across_usernames)",
    "core:set_language": "sets the caller's own language cookie; writes nothing",
}


def _public(callback) -> bool:
    rule = getattr(callback, "permission", None) or getattr(getattr(callback, "view_class", None), "permission", None)
    return rule is PUBLIC


def _reads_posts(callback) -> bool:
    """The view's code handles a POST: a class view with `post`, or a function that reads request.POST /
    request.method (a page that answers a POST exactly as a GET takes nothing from it)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    function = inspect.unwrap(callback)
    while isinstance(function, functools.partial):
        function = inspect.unwrap(function.func)
    return bool(re.search(r"request\.(POST|method)\b", inspect.getsource(function)))


def public_posts(samples) -> list[tuple[str, str, object]]:
    """(url name, path, view) of every public page view that takes a POST from an anonymous visitor.
    The API is apart: its public operations are all GET (test below)."""
    found = []
    for _route, name, callback in all_patterns():
        if not _public(callback) or name not in MATRIX or not _reads_posts(callback):
            continue
        case = MATRIX[name]
        path = case.path(samples) if callable(case.path) else case.path
        if Client().post(path, {}).status_code != 405:
            found.append((name, path, callback))
    return found


@pytest.mark.django_db
def test_every_public_view_that_takes_a_post_is_rate_limited(world, samples):
    found = public_posts(samples)
    names = {name for name, _, _ in found}
    assert {"events:register", "resolver:report", "accounts:password_reset"} <= names, names  # the probe works
    unlimited = sorted(name for name, _, callback in found
                       if not getattr(callback, "rate_limit", None) and name not in NOT_LIMITED)
    assert not unlimited, f"public views taking POSTs without a rate limit: {unlimited}"
    stale = set(NOT_LIMITED) - names
    assert not stale, f"NOT_LIMITED names views that take no POST (any more): {stale}"


@pytest.mark.django_db
def test_each_limited_form_answers_429_in_vietnamese_then_serves_other_addresses(world, samples, settings):
    settings.PUBLIC_POST_LIMIT = 2
    limited = [(name, path) for name, path, callback in public_posts(samples) if getattr(callback, "rate_limit", None)]
    assert len(limited) >= 5, limited
    for name, path in limited:
        client = Client(REMOTE_ADDR="198.51.100.7")
        for _ in range(2):
            assert client.post(path, {}).status_code != 429, name
        refused = client.post(path, {})
        assert refused.status_code == 429, name
        body = refused.content.decode()
        assert "Bạn đã gửi quá nhiều lần" in body and "Too many submissions" in body, name
        assert 1 <= int(refused["Retry-After"]) <= settings.PUBLIC_POST_WINDOW, name
        assert Client(REMOTE_ADDR="198.51.100.8").post(path, {}).status_code != 429, name
        assert client.get(path).status_code != 429, name  # reading the page is not limited


def test_public_api_operations_only_read():
    """Every API operation that needs no credentials is a GET: nothing an anonymous caller can write."""
    from htxconnect.api.urls import iter_operations

    public = [(path, method) for path, method, authenticated in iter_operations() if not authenticated]
    assert public, "the enumeration found the public board operations"
    assert all(method == "GET" for _, method in public), public
