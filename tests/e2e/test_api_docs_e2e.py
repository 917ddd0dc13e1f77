"""The API docs page in a real browser: Swagger UI runs under the site's strict CSP and can call
the API with a key entered in its Authorize dialog."""

import pytest
from playwright.sync_api import expect

from htxconnect.accounts import apikeys
from htxconnect.core.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_works_under_the_strict_csp_and_calls_me_with_a_key(new_page, users):
    _, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    page = new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    expect(page.get_by_text("HTX Connect API").first).to_be_visible()

    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".auth-container input[type=text], .auth-container input[type=password]").first.fill(raw)
    page.locator(".auth-container").first.locator("button.authorize").click()
    page.locator(".modal-ux button.btn-done").first.click()

    page.locator("#operations-Tài_khoản-htxconnect_api_endpoints_me .opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tr.response td.response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert '"username": "u_coop_manager"' in page.locator(".live-responses-table").inner_text()
    assert not problems, problems
