"""One authentication for machine clients (accounts.apikeys.authenticate_bearer, used by the REST
API and the EPCIS binding), content negotiation through Django's request.get_preferred_type(), and
issue 8's rule: an unsafe method with a Bearer key on ANY /epcis/ path is answered with
application/problem+json, never Django's HTML CSRF page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from htxconnect.accounts import apikeys
from htxconnect.core.actors import SYSTEM


def _epcis_paths() -> list[str]:
    """A concrete path for every URL pattern under /epcis/ (placeholders filled with "x")."""
    paths = []

    def walk(patterns, prefix):
        for entry in patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, text)
            elif isinstance(entry, URLPattern) and text.lstrip("^").startswith("epcis"):
                if "(?" in text:  # a regular expression (the catch-all): its bare prefix and one below
                    stem = re.match(r"\^?([\w/]+)", text).group(1).rstrip("/")
                    paths.extend(["/" + stem, "/" + stem + "/x"])
                else:
                    paths.append("/" + re.sub(r"<(?:\w+:)?\w+>", "x", text))  # converters → "x"

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


EPCIS_PATHS = _epcis_paths()


def test_every_epcis_pattern_is_walked():
    # The walk must see the binding's resources, or the tests below would prove nothing.
    assert {"/epcis/capture", "/epcis/events", "/epcis/queries", "/epcis/queries/x/subscriptions"} <= set(EPCIS_PATHS)
    assert {"/epcis", "/epcis/x"} <= set(EPCIS_PATHS)  # the catch-all


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", EPCIS_PATHS + ["/epcis/no/such/resource"])
def test_unsafe_method_with_bearer_key_is_never_the_csrf_page(users, method, path):
    _key, raw = apikeys.issue_key(users["coop_manager"], "csrf probe", by=SYSTEM)
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path, data="{}", content_type="application/json",
                                       headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code != 403, (path, response.status_code)
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), (path, response.status_code)


@pytest.mark.django_db
def test_unsafe_method_with_a_bad_bearer_key_is_a_401_problem(users):
    client = Client(enforce_csrf_checks=True)
    for path in ("/epcis/capture", "/epcis/events", "/epcis/no/such/resource"):
        response = client.post(path, data="{}", content_type="application/json",
                               headers={"Authorization": "Bearer htx_0000000000_wrong"})
        assert response["Content-Type"].startswith("application/problem+json"), path
        assert response.status_code in (401, 404), path


@pytest.mark.django_db
def test_api_and_epcis_share_one_authentication(users, monkeypatch):
    """Both doors call accounts.apikeys.authenticate_bearer: replacing it changes both answers."""
    calls = []

    def spy(request):
        calls.append(request.path)
        return None  # refuse every key

    monkeypatch.setattr(apikeys, "authenticate_bearer", spy)
    from htxconnect.api import auth as api_auth
    from htxconnect.trace.epcis import views as epcis_views

    monkeypatch.setattr(api_auth, "authenticate_bearer", spy)
    monkeypatch.setattr(epcis_views, "authenticate_bearer", spy)
    _key, raw = apikeys.issue_key(users["coop_manager"], "spy", by=SYSTEM)
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/epcis/events", headers=headers).status_code == 401
    assert calls == ["/api/v1/me", "/epcis/events"]


def test_no_second_bearer_parser_in_the_code():
    """The Authorization header is read in one place (core.request_context.bearer_token)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "htxconnect"
    readers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if '"Authorization"' in p.read_text(encoding="utf-8") or "HTTP_AUTHORIZATION" in p.read_text(encoding="utf-8"))
    assert readers == ["core/request_context.py"]


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "expected"), [
    ("", "application/json"),  # no Accept header: anything goes
    ("*/*", "application/json"),
    ("application/ld+json", "application/ld+json"),
    ("application/json;q=0, application/ld+json", "application/ld+json"),  # q=0 means "not this"
    ("application/ld+json;q=0.5, application/json;q=0.9", "application/json"),
    ("text/html", None),
    ("text/html, application/json;q=0", None),
])
def test_content_negotiation_follows_accept_with_q_values(users, accept, expected):
    _key, raw = apikeys.issue_key(users["coop_manager"], "accept", by=SYSTEM)
    headers = {"Authorization": f"Bearer {raw}"}
    if accept:
        headers["Accept"] = accept
    response = Client().get("/epcis/events", headers=headers)
    if expected is None:
        assert response.status_code == 406
        assert response["Content-Type"].startswith("application/problem+json")
    else:
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] == expected
