"""Browser tests: Playwright driving Debian's /usr/bin/chromium against pytest-django's live server.

One browser per test session (launching chromium is the slow part); each test gets a fresh
context (cookies, viewport). Never `playwright install`: the browser is the distribution's.
"""

import os
from pathlib import Path

import pytest

from tests.tools import require

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told this is fine (the tests are single-threaded).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("HTX_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    require(CHROMIUM.exists(), f"Debian chromium ({CHROMIUM})")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(viewport=PHONE) → a page in a fresh context whose base URL is the live server."""
    contexts = []

    def make(viewport=DESKTOP, **kwargs):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="vi-VN", **kwargs)
        context.set_default_timeout(30_000)  # a state is waited for; a busy CI machine is slow, not wrong
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def signed_in_page(new_page, live_server, user, viewport):
    """A page whose browser carries `user`'s session (staff already past two-factor), recording
    Content-Security-Policy violations in `page.csp_violations`."""
    from tests.conftest import signed_in_client

    page = new_page(viewport=viewport)
    from django.conf import settings

    cookie = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.csp_violations = violations
    return page


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
