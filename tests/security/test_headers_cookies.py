"""CSRF, clickjacking, CSP and cookie flags under the PRODUCTION settings: their values are read from a
process started with DJANGO_ENV=production (tests/ops/test_production_settings.py), then applied here (a
production process has no test database to sign in to); what a browser receives over HTTPS.

Expected values come from the standards, not from settings.py: OWASP ASVS 5.0 V3.3 (cookies: `Secure`,
the `__Host-` name prefix with `Path=/` and no `Domain` (3.3.1), `HttpOnly` for the session, `SameSite`), V3.4 (CSP with `frame-ancestors`, X-Content-Type-Options, HSTS),
V3.5 (CSRF on state-changing requests).
"""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie

import pytest

from tests.ops.test_production_settings import run_production

# The settings that decide headers and cookies, read from a process started with DJANGO_ENV=production.
KEYS = ["MIDDLEWARE", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "CSRF_USE_SESSIONS",
        "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "CONTENT_SECURITY_POLICY", "CSRF_TRUSTED_ORIGINS",
        "SESSION_COOKIE_AGE", "DEBUG", "SECURE_COOKIES", "COOKIE_NAME_PREFIX", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME",
        "LANGUAGE_COOKIE_NAME", "SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN", "LANGUAGE_COOKIE_DOMAIN",
        "SESSION_COOKIE_PATH", "CSRF_COOKIE_PATH", "LANGUAGE_COOKIE_PATH"]
# ASVS 5.0 3.3.1: over HTTPS every cookie is Secure and named __Host- (then Path=/ and no Domain).
SESSION, CSRF, LANGUAGE = "__Host-sessionid", "__Host-csrftoken", "__Host-django_language"
READ = "import json; from django.conf import settings as s; print('SETTINGS ' + json.dumps({k: getattr(s, k) for k in %r}))"


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory):
    result = run_production(["shell", "-c", READ % KEYS], tmp_path_factory.mktemp("prod"), TASK_BACKEND="immediate")
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("SETTINGS "))
    return json.loads(line[len("SETTINGS "):])


@pytest.fixture
def seen(production_settings, settings, db):
    """Sign in, post without a token, post from another origin, switch language: over HTTPS, with the
    production values of every setting above (the test database and process otherwise)."""
    from django.test import Client

    from htxconnect.accounts.models import User

    for key, value in production_settings.items():
        setattr(settings, key, value)
    settings.ALLOWED_HOSTS = ["htx.example.vn"]
    User.objects.create_user(username="canbo", password="Mat-khau-rat-dai-2026", role="buyer")
    out = {"settings": production_settings}
    strict = Client(HTTP_HOST="htx.example.vn", enforce_csrf_checks=True)
    page = strict.get("/accounts/login/", secure=True)
    out["login_headers"] = dict(page.headers.items())
    out["login_cookies"] = [c.output(header="") for c in page.cookies.values()]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    forged = Client(HTTP_HOST="htx.example.vn", enforce_csrf_checks=True)
    forged.get("/accounts/login/", secure=True)
    no_token = forged.post("/accounts/login/", {"username": "canbo", "password": "Mat-khau-rat-dai-2026"}, secure=True)
    out["no_token"] = [no_token.status_code, SESSION in no_token.cookies]
    cross = strict.post("/accounts/login/", {"username": "canbo", "password": "Mat-khau-rat-dai-2026",
                                             "csrfmiddlewaretoken": token}, secure=True,
                        headers={"Origin": "https://evil.example.com", "Referer": "https://evil.example.com/x"})
    out["cross_origin"] = [cross.status_code, SESSION in cross.cookies]
    ok = strict.post("/accounts/login/", {"username": "canbo", "password": "Mat-khau-rat-dai-2026",
                                          "csrfmiddlewaretoken": token}, secure=True,
                     headers={"Referer": "https://htx.example.vn/accounts/login/"})
    out["login"] = ok.status_code
    out["login_cookies_after"] = [c.output(header="") for c in ok.cookies.values()]
    lang = strict.post("/i18n/setlang/", {"language": "en", "next": "/",
                                          "csrfmiddlewaretoken": strict.cookies[CSRF].value},
                       secure=True, headers={"Referer": "https://htx.example.vn/"})
    out["language_cookies"] = [c.output(header="") for c in lang.cookies.values()]
    out["logout_cookies"] = [c.output(header="") for c in strict.post(
        "/accounts/logout/", {"csrfmiddlewaretoken": strict.cookies[CSRF].value}, secure=True,
        headers={"Referer": "https://htx.example.vn/"}).cookies.values()]
    out["api_headers"] = dict(Client(HTTP_HOST="htx.example.vn").get("/api/v1/openapi.json", secure=True).headers.items())
    plain = Client(HTTP_HOST="htx.example.vn").get("/accounts/login/")
    out["plain_http"] = [plain.status_code, plain.get("Location", "")]
    return out


def _cookie(lines, name):
    for line in lines:
        jar = SimpleCookie()
        jar.load(line.strip())
        if name in jar:
            return jar[name], line
    raise AssertionError(f"no {name} cookie in {lines}")


def test_pages_cannot_be_framed(seen):
    headers = seen["login_headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_csp_allows_only_our_own_scripts(seen):
    csp = {d.split()[0]: d.split()[1:] for d in seen["login_headers"]["Content-Security-Policy"].split(";") if d.strip()}
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["default-src"] == ["'self'"]
    # ASVS 5.0 3.4.3 (level 2): object-src 'none' and base-uri 'none' must be defined.
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("style-src", [])


def test_other_protective_headers(seen):
    for headers in (seen["login_headers"], seen["api_headers"]):
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_cookie_is_secure_httponly_samesite(seen):
    assert seen["login"] == 302
    morsel, line = _cookie(seen["login_cookies_after"], SESSION)
    assert morsel["secure"] and morsel["httponly"], line
    assert morsel["samesite"] == "Lax", line


def test_csrf_cookie_is_secure_and_samesite(seen):
    # Not HttpOnly on purpose: Django's own guidance (the token is also in the page); Secure and SameSite are.
    morsel, line = _cookie(seen["login_cookies"], CSRF)
    assert morsel["secure"] and morsel["samesite"] == "Lax", line


def test_language_cookie_is_secure_httponly_samesite(seen):
    morsel, line = _cookie(seen["language_cookies"], LANGUAGE)
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax", line


def test_every_cookie_is_a_host_cookie(seen):
    """ASVS 5.0 3.3.1: each cookie set over HTTPS (session, CSRF, language, the signed-in marker, and
    those that end them at logout) is named __Host-, Secure, Path=/ and carries no Domain, so plain
    HTTP and sibling subdomains can neither set nor shadow it."""
    lines = [line for key in ("login_cookies", "login_cookies_after", "language_cookies", "logout_cookies")
             for line in seen[key]]
    names = set()
    for line in lines:
        jar = SimpleCookie()
        jar.load(line.strip())
        for name, morsel in jar.items():
            names.add(name)
            assert name.startswith("__Host-"), line
            assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"], line
            assert morsel["samesite"] == "Lax", line
    assert {SESSION, CSRF, LANGUAGE, "__Host-htx_signed_in"} <= names, names


def test_post_without_csrf_token_or_from_another_origin_is_refused(seen):
    assert seen["no_token"] == [403, False]
    assert seen["cross_origin"] == [403, False]


def test_plain_http_is_redirected_to_https_and_debug_is_off(seen):
    assert seen["plain_http"][0] == 301 and seen["plain_http"][1].startswith("https://htx.example.vn/")
    assert seen["settings"]["DEBUG"] is False
