"""API keys: issued once, stored hashed, checked in constant time, revocable, audited."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from htxconnect.accounts import apikeys
from htxconnect.accounts.models import ApiKey
from htxconnect.core.models import AuditEntry
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_issued_key_has_the_documented_shape_and_only_its_digest_is_stored(users):
    key, raw = apikeys.issue_key(users["officer"], "máy chủ EPCIS", by=SYSTEM)
    assert apikeys.KEY_PATTERN.match(raw)
    assert raw.startswith(f"htx_{key.prefix}_")
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    secret = raw.split("_", 2)[2]
    for field in ("name", "prefix", "digest"):
        assert secret not in getattr(stored, field)
    assert stored.name == "máy chủ EPCIS"


def test_two_keys_differ(users):
    (a, raw_a), (b, raw_b) = apikeys.issue_key(users["buyer"], by=SYSTEM), apikeys.issue_key(users["buyer"], by=SYSTEM)
    assert a.prefix != b.prefix and raw_a != raw_b


def test_authenticate_accepts_the_key_and_rejects_tampering(users):
    key, raw = apikeys.issue_key(users["coop_manager"], by=SYSTEM)
    assert apikeys.authenticate_key(raw) == key
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert apikeys.authenticate_key(tampered) is None
    assert apikeys.check_key(tampered) == (None, "unknown")
    for bad in ("", "htx_", "Bearer " + raw, raw + "x", raw.replace("htx_", "abc_"), "htx_ZZZZZZZZZZ_" + "a" * 43):
        assert apikeys.check_key(bad) == (None, "malformed"), bad


def test_revoked_key_and_inactive_user_are_rejected(users):
    key, raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    apikeys.revoke_key(key.prefix, by=users["buyer"])
    assert apikeys.check_key(raw) == (None, "revoked")
    key2, raw2 = apikeys.issue_key(users["coop_member"], by=SYSTEM)
    users["coop_member"].is_active = False
    users["coop_member"].save()
    assert apikeys.check_key(raw2) == (None, "inactive")


def test_last_used_is_written_at_most_once_a_minute(users, django_assert_num_queries):
    key, raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    assert key.last_used_at is None
    apikeys.authenticate_key(raw)
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only, no UPDATE
        apikeys.authenticate_key(raw)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    apikeys.authenticate_key(raw)
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first


def test_issue_and_revoke_are_audited(users):
    key, raw = apikeys.issue_key(users["officer"], "k1", by=users["admin"])
    issued = AuditEntry.objects.get(action="accounts.api_key.issued")
    assert issued.actor == users["admin"]
    assert issued.object_id == str(key.pk)
    assert issued.agency_id == users["officer"].agency_id
    assert raw.split("_", 2)[2] not in str(issued.changes)
    apikeys.revoke_key(key.pk, by=users["admin"])
    apikeys.revoke_key(key.pk, by=users["admin"])  # twice: one entry only
    assert AuditEntry.objects.filter(action="accounts.api_key.revoked").count() == 1


def test_only_the_owner_or_an_admin_may_revoke(users):
    key, _ = apikeys.issue_key(users["buyer"], by=SYSTEM)
    with pytest.raises(PermissionDenied):
        apikeys.revoke_key(key, by=users["officer"])
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    apikeys.revoke_key(key, by=users["admin"])
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_revoke_finds_a_key_by_prefix_whole_key_or_id(users):
    for finder in (lambda k, raw: k.prefix, lambda k, raw: raw, lambda k, raw: k.pk, lambda k, raw: f"htx_{k.prefix}"):
        key, raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
        assert apikeys.revoke_key(finder(key, raw), by=SYSTEM).revoked_at is not None
    with pytest.raises(ApiKey.DoesNotExist):
        apikeys.revoke_key("0000000000", by=SYSTEM)


def test_inactive_user_gets_no_key(users):
    users["buyer"].is_active = False
    users["buyer"].save()
    with pytest.raises(Exception) as exc:
        apikeys.issue_key(users["buyer"], by=SYSTEM)
    assert "khóa" in str(exc.value)


def test_keys_of_lists_newest_first(users):
    a, _ = apikeys.issue_key(users["buyer"], "a", by=SYSTEM)
    b, _ = apikeys.issue_key(users["buyer"], "b", by=SYSTEM)
    apikeys.issue_key(users["officer"], "other", by=SYSTEM)
    assert list(apikeys.keys_of(users["buyer"])) == [b, a]


# --- management commands -----------------------------------------------------------------


def test_issue_api_key_command_prints_the_key_once_in_both_languages(users, capsys):
    call_command("issue_api_key", "u_buyer", "--name", "kho lạnh")
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert "chỉ hiển thị một lần" in lines[0]
    assert "shown only this once" in lines[1]
    raw = lines[-1].split("Bearer ", 1)[1]
    assert out.count(raw) == 1
    key = apikeys.authenticate_key(raw)
    assert key is not None and key.user == users["buyer"] and key.name == "kho lạnh"


def test_issue_api_key_command_unknown_user(db):
    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("issue_api_key", "khong-ai")


def test_revoke_api_key_command(users, capsys):
    key, raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    call_command("revoke_api_key", key.prefix)
    assert "Đã thu hồi" in capsys.readouterr().out
    assert apikeys.authenticate_key(raw) is None
    call_command("revoke_api_key", raw)
    assert "đã bị thu hồi từ trước" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Không có khóa API"):
        call_command("revoke_api_key", "abcdefabcd")
    with pytest.raises(CommandError, match="không phải tiền tố"):
        call_command("revoke_api_key", "xyz")


# --- a key's own rate limit (decision 0031) -------------------------------------------------------------


@pytest.mark.parametrize("who", ["coop_manager", "coop_member", "buyer", "officer", "leader"])
def test_only_an_administrator_sets_a_key_s_own_rate_limit(users, who):
    """Not even the key's owner: a cooperative's manager must not raise their own allowance."""
    key, _raw = apikeys.issue_key(users[who], by=SYSTEM)
    with pytest.raises(PermissionDenied):
        apikeys.set_rate_limit(key, 100_000, by=users[who])
    assert ApiKey.objects.get(pk=key.pk).rate_limit is None
    assert not AuditEntry.objects.filter(action="accounts.api_key.rate_limit_changed").exists()


def test_an_administrator_and_the_system_set_it_and_each_change_is_audited(users):
    key, _raw = apikeys.issue_key(users["officer"], by=SYSTEM)
    apikeys.set_rate_limit(key.prefix, 5000, by=users["admin"])
    apikeys.set_rate_limit(key.pk, 5000, by=users["admin"])  # the same value: nothing to record
    apikeys.set_rate_limit(key, 0, by=SYSTEM)
    apikeys.set_rate_limit(key, None, by=users["admin"])
    assert ApiKey.objects.get(pk=key.pk).rate_limit is None
    entries = list(AuditEntry.objects.filter(action="accounts.api_key.rate_limit_changed").order_by("pk"))
    assert [e.changes for e in entries] == [{"rate_limit": [None, 5000]}, {"rate_limit": [5000, 0]},
                                            {"rate_limit": [0, None]}]
    assert [e.actor for e in entries] == [users["admin"], None, users["admin"]]
    assert {e.object_id for e in entries} == {str(key.pk)}
    assert {e.agency_id for e in entries} == {users["officer"].agency_id}


@pytest.mark.parametrize("bad", [-1, "5000", 2.5, True, 2_147_483_648])
def test_a_rate_limit_is_a_whole_number_from_zero(users, bad):
    from django.core.exceptions import ValidationError

    key, _raw = apikeys.issue_key(users["buyer"], by=SYSTEM)
    with pytest.raises(ValidationError) as excinfo:
        apikeys.set_rate_limit(key, bad, by=users["admin"])
    assert "rate_limit" in excinfo.value.message_dict
    assert ApiKey.objects.get(pk=key.pk).rate_limit is None
