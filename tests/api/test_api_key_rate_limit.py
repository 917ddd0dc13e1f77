"""A rate limit per API key on the machine API (/api/v1/) and the EPCIS binding (/epcis/): OWASP ASVS
5.0 2.4.1 (anti-automation). Past settings.API_KEY_RATE_LIMIT requests in settings.API_KEY_RATE_WINDOW
seconds a key gets 429 with Retry-After (RFC 9110 §10.2.3: whole seconds) and each endpoint's own JSON
error body; the refusal is logged once per window and counted by route as every answer is."""

import logging
import re

import pytest
from django.test import Client

from htxconnect.accounts import apikeys
from htxconnect.core.actors import SYSTEM
from tests.ops.test_metrics import TOKEN, scrape

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
EVENTS = "/epcis/events"


@pytest.fixture
def limit(settings):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 3, 60
    return 3


def call(path, raw):
    return Client().get(path, headers={"Authorization": f"Bearer {raw}"})


def test_the_default_is_on_and_generous_for_a_cooperative_s_scanners(settings):
    """Ten scanners sharing one key, each pushing a capture every second: 600 a minute."""
    assert settings.API_KEY_RATE_LIMIT > 0
    assert settings.API_KEY_RATE_LIMIT * 60 / settings.API_KEY_RATE_WINDOW >= 10 * 60


def refused_past_the_limit(users, path, limit, *, own_limit=False):
    """A new key's answer from `path` once its `limit` requests are used: 429 with Retry-After.
    `own_limit`: `limit` is the key's own (ApiKey.rate_limit, set by an administrator), not the site's."""
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    if own_limit:
        apikeys.set_rate_limit(key, limit, by=users["admin"])
    for _ in range(limit):
        assert call(path, raw).status_code == 200
    refused = call(path, raw)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    return refused


def test_the_api_answers_429_with_retry_after_and_its_json_error(users, limit):
    refused = refused_past_the_limit(users, ME, limit)
    assert refused["Content-Type"].startswith("application/json")
    detail = refused.json()["detail"]
    assert "Quá nhiều yêu cầu" in detail and f"{refused['Retry-After']} giây" in detail


def test_epcis_answers_429_with_retry_after_and_a_problem_body(users, limit):
    refused = refused_past_the_limit(users, EVENTS, limit)
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["status"] == 429 and body["type"].startswith("epcisException:")
    assert f"{refused['Retry-After']} giây" in body["detail"]


def test_one_allowance_per_key_across_the_api_and_epcis(users, limit):
    """The API and EPCIS share the key's count; another key of the same user has its own."""
    _key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    _other, other = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert [call(path, raw).status_code for path in (ME, EVENTS, ME, EVENTS)] == [200, 200, 200, 429]
    assert call(ME, other).status_code == 200


def test_a_wrong_secret_does_not_use_up_the_key_s_allowance(users, limit):
    """The prefix is no secret (logs, audit): requests with it and a wrong secret are refused as 401 and
    not counted, so nobody can lock a scanner out by its prefix."""
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    forged = f"htx_{key.prefix}_" + "A" * 43
    for _ in range(limit * 3):
        assert call(ME, forged).status_code == 401
    assert call(ME, raw).status_code == 200


def test_the_key_is_served_again_when_its_window_ends(users, settings, time_machine):
    time_machine.move_to("2026-11-28 09:00:00+07:00", tick=False)
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 2, 60
    _key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert [call(ME, raw).status_code for _ in range(3)] == [200, 200, 429]
    time_machine.shift(59)  # still inside the minute
    assert call(ME, raw).status_code == 429
    time_machine.shift(2)
    assert call(ME, raw).status_code == 200


def test_zero_turns_the_limit_off(users, settings):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 0, 60
    _key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert {call(ME, raw).status_code for _ in range(5)} == {200}


def test_the_refusal_is_logged_once_per_window_and_counted(users, limit, settings, caplog):
    settings.METRICS_TOKEN = TOKEN
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    before = scrape()
    with caplog.at_level(logging.WARNING, logger="htxconnect.security"):
        statuses = [call(EVENTS if i % 2 else ME, raw).status_code for i in range(limit + 4)]
    assert statuses.count(429) == 4
    lines = [r.getMessage() for r in caplog.records if "api key rate limit" in r.getMessage()]
    assert lines == [f"api key rate limit: prefix={key.prefix} user={users['coop_manager'].pk} limit=3 window=60s"]
    assert "api 429" not in caplog.text  # not one line per refusal
    assert raw.split("_", 2)[2] not in caplog.text  # the secret never
    after = scrape()

    def refused(samples):
        return sum(v for (name, labels), v in samples.items()
                   if name == "htx_http_requests_total" and dict(labels)["status"] == "429")
    assert refused(after) - refused(before) == 4
    assert re.search(r"prefix=[0-9a-f]{10} ", lines[0])


# --- a key's own limit (ApiKey.rate_limit, set by an administrator) ------------------------------------


@pytest.mark.parametrize("path", [ME, EVENTS])
def test_a_key_with_a_lower_limit_of_its_own_is_refused_at_it(users, settings, path):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 50, 60
    refused_past_the_limit(users, path, 2, own_limit=True)
    # Another key of the same owner keeps the site's 50.
    _other, other = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert {call(path, other).status_code for _ in range(4)} == {200}


def test_a_key_with_a_higher_limit_of_its_own_gets_it(users, limit):
    refused = refused_past_the_limit(users, ME, limit + 3, own_limit=True)  # the site's 3 would refuse the 4th
    assert f"{refused['Retry-After']} giây" in refused.json()["detail"]


def test_without_a_limit_of_its_own_a_key_follows_the_site_setting(users, settings):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 2, 60
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert key.rate_limit is None
    apikeys.set_rate_limit(key, 10, by=users["admin"])
    apikeys.set_rate_limit(key, None, by=users["admin"])  # back to the site's
    assert [call(ME, raw).status_code for _ in range(3)] == [200, 200, 429]


def test_a_limit_of_its_own_applies_from_the_next_request(users, settings):
    """The count of the window goes on; the new limit is read on each request (no cache of the key)."""
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 2, 60
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert [call(ME, raw).status_code for _ in range(3)] == [200, 200, 429]
    apikeys.set_rate_limit(key, 4, by=users["admin"])
    assert [call(ME, raw).status_code for _ in range(2)] == [200, 429]  # its 4th request, then a 5th


def test_zero_of_its_own_means_no_limit_for_that_key_only(users, settings):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 2, 60
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    apikeys.set_rate_limit(key, 0, by=users["admin"])
    assert {call(path, raw).status_code for path in (ME, EVENTS) * 4} == {200}
    _other, other = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert [call(ME, other).status_code for _ in range(3)] == [200, 200, 429]


def test_the_refusal_log_names_the_key_s_own_limit(users, settings, caplog):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 50, 60
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    apikeys.set_rate_limit(key, 1, by=users["admin"])
    with caplog.at_level(logging.WARNING, logger="htxconnect.security"):
        assert [call(ME, raw).status_code for _ in range(2)] == [200, 429]
    assert f"api key rate limit: prefix={key.prefix} user={users['coop_manager'].pk} limit=1 window=60s" in caplog.text
