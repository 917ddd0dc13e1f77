"""Issue 9, erasure really erases: erasing a person scrubs their name and details from the audit
entries already written, keeping the fact that something happened; a user's phone is masked in
the audit log the way a person's is."""

import json

import pytest

from htxconnect.accounts import services as account_services
from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from htxconnect.registry import services

pytestmark = pytest.mark.django_db

NAME, PHONE, CCCD, EMAIL = "Trịnh Thị Xuân Mai", "0909111222", "079199000123", "xuanmai@example.vn"


def everything(entries) -> str:
    return json.dumps([[e.object_repr, e.changes, e.actor_repr] for e in entries], ensure_ascii=False)


def test_erasing_a_person_scrubs_the_entries_already_written(orgs, users, clients):
    person = services.add_person(actor=users["coop_manager"], organization=orgs["oi"], role="director",
                                 full_name=NAME, gender="female", birth_year=1980, phone=PHONE, email=EMAIL,
                                 id_number=CCCD, consent=True)
    services.update_person(actor=users["officer"], person=person, full_name=NAME + " B", birth_year=1981)
    services.export_person_data(actor=users["officer"], person=person)
    before = list(AuditEntry.objects.order_by("id").values_list("id", "action"))
    assert NAME in everything(AuditEntry.objects.all())  # the name was there
    services.erase_person(actor=users["officer"], person=person)

    entries = list(AuditEntry.objects.order_by("id"))
    text = everything(entries)
    for value in (NAME, "Xuân Mai", PHONE, CCCD, EMAIL, "1980", "1981"):
        assert value not in text, value
    # The facts stay: the same entries (same actions, order) plus the erasure itself.
    assert [(e.id, e.action) for e in entries[:-1]] == before
    assert entries[-1].action == "registry.person.erased"
    update = next(e for e in entries if e.action == "registry.person.updated")
    assert {"full_name", "birth_year"} <= set(update.changes)  # which fields changed is kept
    assert update.changes["full_name"] == ["(đã xóa)", "(đã xóa)"]
    membership = next(e for e in entries if e.action == "registry.membership.created")
    assert "(đã xóa theo yêu cầu)" in membership.object_repr
    # And the page shows no trace either.
    body = clients["admin"].get("/audit/").content.decode()
    assert NAME not in body and PHONE not in body


def test_entries_can_still_not_be_changed_otherwise(orgs, users):
    from htxconnect.core.models import AuditEntry as Entry

    services.add_person(actor=users["coop_manager"], organization=orgs["oi"], full_name=NAME)
    with pytest.raises(PermissionError):
        Entry.objects.all().update(object_repr="x")


def test_a_users_phone_is_masked_in_the_audit_log(users, clients, agencies):
    user = account_services.create_user(username="sdt.moi", password="Mat-khau-rat-dai-2026", role="buyer",
                                        phone=PHONE, email="sdt@example.vn", actor=SYSTEM)
    account_services.update_user(user=user, actor=users["admin"], phone="0912333444", full_name="Người Có Số")
    account_services.update_profile(user=user, phone="")
    stored = everything(AuditEntry.objects.all())
    assert PHONE not in stored and "0912333444" not in stored
    created = AuditEntry.objects.get(action="accounts.user.created")
    assert created.changes["phone"] == [None, "…"]
    updated = AuditEntry.objects.get(action="accounts.user.updated")
    assert updated.changes["phone"] == ["…", "…"] and updated.changes["full_name"] == ["", "Người Có Số"]
    text = clients["admin"].get("/audit/", {"object_type": "accounts.user"}).content.decode()
    assert "Số điện thoại" in text and "đã thay đổi (giá trị được ẩn)" in text
    assert "đã xóa (giá trị được ẩn)" in text  # the profile change removed it


def test_a_persons_phone_is_masked_from_the_first_entry(orgs, users):
    services.add_person(actor=users["coop_manager"], organization=orgs["oi"], full_name=NAME, phone=PHONE)
    services.update_person(actor=users["officer"], person=orgs["oi"].memberships.get().person, phone="0988777666")
    stored = everything(AuditEntry.objects.all())
    assert PHONE not in stored and "0988777666" not in stored
