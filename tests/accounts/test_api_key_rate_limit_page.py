"""An administrator gives an API key its own rate limit on the user's page (decision 0031); nobody
else can, not even the key's owner."""

import pytest

from htxconnect.accounts import apikeys
from htxconnect.accounts.models import ApiKey
from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ACTION = "accounts.api_key.rate_limit_changed"


@pytest.fixture
def key(users):
    key, _raw = apikeys.issue_key(users["coop_manager"], "máy quét kho", by=SYSTEM)
    return key


def url(key):
    return f"/accounts/users/{key.user_id}/api-keys/{key.pk}/rate-limit/"


def field(key):
    return f"key-{key.pk}-rate_limit"


def test_the_user_page_offers_a_limit_for_each_active_key(users, clients, key, settings):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 1200, 60
    revoked, _raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    apikeys.revoke_key(revoked, by=SYSTEM)
    body = clients["admin"].get(f"/accounts/users/{users['coop_manager'].pk}/").content.decode()
    assert f'name="{field(key)}"' in body and f'name="{field(revoked)}"' not in body
    assert f'action="{url(key)}"' in body
    assert "Giới hạn yêu cầu mỗi 60 giây" in body
    assert "1200 yêu cầu mỗi 60 giây" in body and "0: không giới hạn khóa này" in body


def test_an_administrator_sets_and_clears_it_and_each_change_is_audited(users, clients, key):
    response = clients["admin"].post(url(key), {field(key): "5000"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{key.user_id}/#api-keys"
    assert ApiKey.objects.get(pk=key.pk).rate_limit == 5000
    entry = AuditEntry.objects.get(action=ACTION)
    assert entry.changes == {"rate_limit": [None, 5000]}
    assert entry.actor == users["admin"] and entry.object_id == str(key.pk) and entry.ip == "127.0.0.1"
    page = clients["admin"].get(f"/accounts/users/{key.user_id}/").content.decode()
    assert f'name="{field(key)}" value="5000"' in page
    clients["admin"].post(url(key), {field(key): "5000"})  # unchanged: no entry
    clients["admin"].post(url(key), {field(key): "0"})
    clients["admin"].post(url(key), {field(key): ""})  # blank: back to the site's
    assert ApiKey.objects.get(pk=key.pk).rate_limit is None
    assert [e.changes["rate_limit"] for e in AuditEntry.objects.filter(action=ACTION).order_by("pk")] == [
        [None, 5000], [5000, 0], [0, None]]


@pytest.mark.parametrize("typed, message", [
    ("-5", "Giới hạn yêu cầu không được âm"),
    ("nhiều", "Giới hạn yêu cầu phải là một số nguyên"),
    ("1.200", "Giới hạn yêu cầu phải là một số nguyên"),
    ("3000000000", "Giới hạn yêu cầu tối đa là 2147483647"),
])
def test_a_wrong_value_is_a_field_error_and_what_was_typed_stays(clients, key, typed, message):
    response = clients["admin"].post(url(key), {field(key): typed})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'name="{field(key)}" value="{typed}"' in body
    assert "is-invalid" in body
    assert ApiKey.objects.get(pk=key.pk).rate_limit is None
    assert not AuditEntry.objects.filter(action=ACTION).exists()


@pytest.mark.parametrize("who", ["coop_manager", "coop_member", "buyer", "officer", "leader", "other_leader"])
def test_nobody_else_may_set_it_not_even_the_key_s_owner(users, clients, key, who):
    assert clients[who].post(url(key), {field(key): "100000"}).status_code == 403
    assert ApiKey.objects.get(pk=key.pk).rate_limit is None
    assert not AuditEntry.objects.filter(action=ACTION).exists()


def test_the_owner_sees_the_limit_of_their_key_but_no_field_to_change_it(users, clients, key, settings):
    settings.API_KEY_RATE_LIMIT, settings.API_KEY_RATE_WINDOW = 1200, 60
    body = clients["coop_manager"].get("/accounts/profile/").content.decode()
    assert "tối đa 1200 yêu cầu mỗi 60 giây" in body
    assert "rate_limit" not in body and "rate-limit" not in body
    apikeys.set_rate_limit(key, 0, by=users["admin"])
    body = clients["coop_manager"].get("/accounts/profile/").content.decode()
    assert "không giới hạn số yêu cầu" in body


def test_a_revoked_key_or_another_user_s_key_is_not_found(users, clients, key):
    other, _raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    # The key of the buyer under the cooperative manager's page: no such key there.
    path = f"/accounts/users/{users['coop_manager'].pk}/api-keys/{other.pk}/rate-limit/"
    assert clients["admin"].post(path, {f"key-{other.pk}-rate_limit": "10"}).status_code == 404
    apikeys.revoke_key(key, by=SYSTEM)
    assert clients["admin"].post(url(key), {field(key): "10"}).status_code == 404
    assert clients["admin"].get(url(key)).status_code == 405
    assert not AuditEntry.objects.filter(action=ACTION).exists()
