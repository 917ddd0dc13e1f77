"""The authorization matrix: every URL pattern of the project, for every role, gets the answer
written here. A URL missing from MATRIX fails `test_every_url_is_in_the_matrix`, so a new page
cannot be added without deciding who may open it.

Columns: anonymous, each role, and an officer and leader of ANOTHER agency (tenant isolation).
Expected answers are status codes; a redirect to the login page is "login".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

WHO = ["anonymous", "admin", "leader", "officer", "coop_manager", "coop_member", "buyer",
       "other_officer", "other_leader"]
STAFF = {"admin", "leader", "officer", "other_officer", "other_leader"}
SIGNED_IN = set(WHO) - {"anonymous"}


def everyone(code):
    return {who: code for who in WHO}


def signed_in(code, anonymous="login"):
    return {who: (anonymous if who == "anonymous" else code) for who in WHO}


def only(allowed: set, code=200, others=403, anonymous="login"):
    return {who: anonymous if who == "anonymous" else (code if who in allowed else others) for who in WHO}


@dataclass
class Case:
    """How to call one URL pattern and what each role gets."""

    path: Callable[[dict], str] | str
    expect: dict
    method: str = "get"
    data: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


def _user_pk(username):
    from htxconnect.accounts.models import User

    return User.objects.get(username=username).pk


# url name → Case. Paths may be callables taking the `objects` fixture (sample records).
MATRIX: dict[str, Case] = {
    # --- core ---
    "core:home": Case("/", everyone(200)),
    "core:set_language": Case("/i18n/setlang/", everyone(302), method="post",
                              data={"language": "en", "next": "/"}),
    "core:audit_log": Case("/audit/", only({"admin", "leader", "other_leader"})),
    # --- accounts ---
    "accounts:login": Case("/accounts/login/", signed_in(302, anonymous=200)),
    "accounts:logout": Case("/accounts/logout/", everyone("login"), method="post"),
    "accounts:otp_verify": Case("/accounts/otp/verify/", signed_in(302)),
    "accounts:otp_setup": Case("/accounts/otp/setup/", signed_in(200)),
    "accounts:otp_backup_codes": Case("/accounts/otp/backup-codes/", signed_in(200)),
    "accounts:otp_device_delete": Case("/accounts/otp/devices/999999/delete/", signed_in(404), method="post"),
    "accounts:profile": Case("/accounts/profile/", signed_in(200)),
    "accounts:password_change": Case("/accounts/password/change/", signed_in(200)),
    "accounts:password_reset": Case("/accounts/password/reset/", everyone(200)),
    "accounts:password_reset_done": Case("/accounts/password/reset/sent/", everyone(200)),
    "accounts:password_reset_confirm": Case("/accounts/password/reset/MQ/bad-token/", everyone(200)),
    "accounts:password_reset_complete": Case("/accounts/password/reset/done/", everyone(200)),
    "accounts:user_list": Case("/accounts/users/", only({"admin", "leader", "other_leader"})),
    "accounts:user_create": Case("/accounts/users/new/", only({"admin"})),
    "accounts:user_edit": Case(lambda o: f"/accounts/users/{_user_pk('u_officer')}/", only({"admin"})),
    # The administrator targets their own account: refused with a message, nothing changes.
    "accounts:user_deactivate": Case(lambda o: f"/accounts/users/{_user_pk('u_admin')}/deactivate/",
                                     only({"admin"}, code=302), method="post"),
    "accounts:user_activate": Case(lambda o: f"/accounts/users/{_user_pk('u_admin')}/activate/",
                                   only({"admin"}, code=302), method="post"),
    "accounts:user_reset_two_factor": Case(lambda o: f"/accounts/users/{_user_pk('u_buyer')}/reset-two-factor/",
                                           only({"admin"}, code=302), method="post"),
    # --- API frame ---
    "api:openapi-json": Case("/api/v1/openapi.json", everyone(200)),
    "api:openapi-view": Case("/api/v1/docs", everyone(200)),
    "api:api-root": Case("/api/v1/", everyone(200)),
    "api:not-found": Case("/api/v1/khong-co", everyone(404)),
    "api:me": Case("/api/v1/me", signed_in(200, anonymous=401)),
    # --- operations ---
    "healthz": Case("/healthz", everyone(200)),
}

from tests.registry.matrix import registry_matrix  # noqa: E402

MATRIX.update(registry_matrix())

from tests.registry.test_import_views import import_matrix  # noqa: E402

MATRIX.update(import_matrix())

from tests.resolver.matrix import resolver_matrix  # noqa: E402

MATRIX.update(resolver_matrix())

# --- trace: EPCIS 2.0 repository (machine API: 401 rather than a login redirect) ---
_EPC = "urn:epc:id:sgtin:893000000.0001.1"
MATRIX.update({
    "trace:epcis_context": Case("/epcis/context/epcis-context.jsonld", everyone(200)),
    "trace:epcis_capture": Case("/epcis/capture", signed_in(200, anonymous=401)),
    "trace:epcis_capture_detail": Case("/epcis/capture/00000000-0000-0000-0000-000000000000",
                                       signed_in(404, anonymous=401)),
    "trace:epcis_events": Case("/epcis/events", signed_in(200, anonymous=401)),
    "trace:epcis_event": Case("/epcis/events/urn:uuid:none", signed_in(404, anonymous=401)),
    "trace:epcis_event_types": Case("/epcis/eventTypes", signed_in(200, anonymous=401)),
    "trace:epcis_event_type": Case("/epcis/eventTypes/ObjectEvent", signed_in(200, anonymous=401)),
    "trace:epcis_event_type_events": Case("/epcis/eventTypes/ObjectEvent/events", signed_in(200, anonymous=401)),
    "trace:epcis_epc": Case(f"/epcis/epcs/{_EPC}", signed_in(404, anonymous=401)),
    "trace:epcis_epc_events": Case(f"/epcis/epcs/{_EPC}/events", signed_in(200, anonymous=401)),
    "trace:epcis_queries": Case("/epcis/queries", signed_in(200, anonymous=401)),
    "trace:epcis_query": Case("/epcis/queries/none", signed_in(404, anonymous=401)),
    "trace:epcis_query_events": Case("/epcis/queries/none/events", signed_in(404, anonymous=401)),
    "trace:epcis_subscriptions": Case("/epcis/queries/none/subscriptions", signed_in(404, anonymous=401)),
    "trace:epcis_subscription": Case("/epcis/queries/none/subscriptions/00000000-0000-0000-0000-000000000000",
                                     signed_in(404, anonymous=401)),
    "trace:epcis_not_found": Case("/epcis/no/such/resource", everyone(404)),
})

# Patterns that are not pages of ours (none yet); each needs a reason.
NOT_IN_MATRIX: dict[str, str] = {}


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(x for x in (namespace, pattern.namespace) if x) or None
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def all_patterns():
    return list(_walk(get_resolver()))


def test_every_url_is_in_the_matrix():
    missing = [(route, name) for route, name, _ in all_patterns()
               if name not in MATRIX and name not in NOT_IN_MATRIX]
    assert not missing, f"URL patterns without an entry in the authorization matrix: {missing}"
    stale = set(MATRIX) - {name for _, name, _ in all_patterns()}
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"


def test_every_page_view_declares_its_permission():
    """Django views carry the rule from core.permissions; API endpoints declare auth in ninja."""
    undeclared = [
        (route, name) for route, name, callback in all_patterns()
        if not route.startswith("api/") and not hasattr(callback, "permission")
        and not hasattr(getattr(callback, "view_class", None), "permission")
    ]
    assert not undeclared, f"views without a declared permission: {undeclared}"


@pytest.fixture
def objects(users):
    """Sample records each app's URLs need, owned by the first agency's province."""
    return {}


def _answer(response):
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "login"
    return response.status_code


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name, clients, objects):
    case = MATRIX[name]
    path = case.path(objects) if callable(case.path) else case.path
    got, want = {}, {}
    for who in WHO:
        client = clients[who]
        response = getattr(client, case.method)(path, data=case.data, headers=case.headers)
        got[who] = _answer(response)
        want[who] = case.expect[who]
    mismatches = {who: (got[who], want[who]) for who in WHO if got[who] != want[who]}
    assert not mismatches, f"{name} {case.method.upper()} {path}: (got, expected) {mismatches}"
