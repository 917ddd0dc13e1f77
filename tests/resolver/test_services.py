"""GTIN assignment, lots, recall, suspicious scans, national export, staff pages and permissions."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from htxconnect.core.models import AuditEntry
from htxconnect.registry import services as registry_services
from htxconnect.resolver import scans, services
from htxconnect.resolver.models import CompanyPrefix, Lot, ScanEvent
from htxconnect.core import identifiers as gs1
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_assign_gtin_computes_check_digit_and_advances(coop, users):
    prefix = services.register_company_prefix(actor=users["coop_manager"], organization=coop, prefix="893555001",
                                              is_demo=True)
    first = registry_services.create_product(actor=SYSTEM, producer=coop, name="Ổi")
    second = registry_services.create_product(actor=SYSTEM, producer=coop, name="Bưởi")
    g1 = services.assign_gtin(actor=users["coop_manager"], product=first)
    g2 = services.assign_gtin(actor=users["coop_manager"], product=second)
    assert g1 == "0" + "893555001001" + gs1.check_digit("893555001001")
    assert g2[:13] == "0893555001002" and gs1.is_valid_gtin(g2)
    prefix.refresh_from_db()
    assert prefix.next_item_reference == 3
    first.refresh_from_db()
    assert first.gtin == g1
    assert AuditEntry.objects.filter(action="registry.product.updated", object_id=str(first.pk)).exists()
    with pytest.raises(ValidationError):
        services.assign_gtin(actor=SYSTEM, product=first)  # already has one


def test_assign_gtin_needs_a_prefix_and_permission(coop, users):
    product = registry_services.create_product(actor=SYSTEM, producer=coop, name="Mít")
    with pytest.raises(ValidationError):
        services.assign_gtin(actor=SYSTEM, product=product)
    services.register_company_prefix(actor=SYSTEM, organization=coop, prefix="893555002")
    with pytest.raises(PermissionDenied):
        services.assign_gtin(actor=users["other_officer"], product=product)
    with pytest.raises(ValidationError):
        services.register_company_prefix(actor=SYSTEM, organization=coop, prefix="89A")


def test_lot_rules(product):
    with pytest.raises(ValidationError) as exc:
        services.create_lot(actor=SYSTEM, product=product, code="LÔ 1", production_date=datetime.date(2026, 1, 1))
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.create_lot(actor=SYSTEM, product=product, code="L1", production_date=datetime.date(2026, 2, 1),
                            expiry_date=datetime.date(2026, 1, 1))
    services.create_lot(actor=SYSTEM, product=product, code="L1", production_date=datetime.date(2026, 2, 1))
    with pytest.raises(ValidationError):
        services.create_lot(actor=SYSTEM, product=product, code="L1", production_date=datetime.date(2026, 2, 1))


def test_recall_needs_reason_and_manager(lot, users):
    with pytest.raises(ValidationError):
        services.recall_lot(actor=users["coop_manager"], lot=lot, reason=" ")
    with pytest.raises(PermissionDenied):
        services.recall_lot(actor=users["coop_member"], lot=lot, reason="x")
    services.recall_lot(actor=users["officer"], lot=lot, reason="Nhiễm khuẩn")
    lot.refresh_from_db()
    assert lot.recalled_at and lot.recall_reason == "Nhiễm khuẩn"
    assert AuditEntry.objects.filter(action="resolver.lot.recalled").exists()
    services.cancel_recall(actor=users["coop_manager"], lot=lot)
    lot.refresh_from_db()
    assert lot.recalled_at is None


def _scan(lot, serial, country):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_CF_IPCOUNTRY=country)
    scans.record_scan(request, product_id=lot.product_id, lot_id=lot.pk, serial=serial)


def test_suspicious_scans_flagged(lot):
    services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_3x8", count=24, with_serials=True)
    _scan(lot, "5", "VN")
    _scan(lot, "5", "KH")  # the same serial, another country, minutes later
    _scan(lot, "999", "VN")  # never printed
    _scan(lot, "", "VN")
    assert ScanEvent.objects.count() == 4  # each scan is in the database at once
    assert scans.check_new_scans() == 4
    flags = {(s.serial, s.country): s.flags for s in ScanEvent.objects.all()}
    assert flags[("5", "VN")] == []
    assert flags[("5", "KH")] == ["far_apart"]
    assert flags[("999", "VN")] == ["never_printed"]
    assert flags[("", "VN")] == []
    assert scans.check_new_scans() == 0  # nothing twice


def test_stats_page_scoped(clients, lot):
    _scan(lot, "", "VN")
    r = clients["coop_manager"].get("/trace/stats/")
    assert r.status_code == 200 and lot.product.name in r.content.decode() and "<svg" in r.content.decode()
    r = clients["other_officer"].get("/trace/stats/")
    assert r.status_code == 200 and lot.product.name not in r.content.decode()
    assert clients["officer"].get("/trace/stats/").status_code == 200


def test_national_export(clients, lot, journey, certified):
    r = clients["coop_manager"].get(f"/trace/lots/{lot.pk}/export.json")
    assert r.status_code == 200
    data = json.loads(r.content)
    assert data["format"] == "htx-trace-export/1"
    assert data["product"]["gtin"] == lot.product.gtin and data["producer"]["name"] == lot.product.producer.name
    assert data["lot"]["code"] == lot.code and data["lot"]["production_date"] == "2026-11-12"
    assert [e["business_step"] for e in data["events"]] == ["commissioning", "inspecting", "packing", "shipping",
                                                            "receiving"]
    assert {c["status"] for c in data["certifications"]} == {"valid", "expired"}
    assert clients["other_officer"].get(f"/trace/lots/{lot.pk}/export.json").status_code == 404
    # Every export is audited (issue 9): the refused one is not.
    (entry,) = AuditEntry.objects.filter(action="resolver.lot.exported")
    assert entry.actor.username == "u_coop_manager" and entry.object_id == str(lot.pk)


def test_staff_pages_permissions(clients, lot):
    for who in ("coop_manager", "coop_member", "officer", "admin"):
        assert clients[who].get(f"/trace/lots/{lot.pk}/").status_code == 200, who
        assert clients[who].get("/trace/lots/").status_code == 200, who
    assert clients["other_officer"].get(f"/trace/lots/{lot.pk}/").status_code == 404
    assert clients["buyer"].get("/trace/lots/").status_code == 403
    assert clients["anonymous"].get("/trace/lots/").status_code == 302


def test_create_lot_and_recall_and_links_through_pages(clients, product):
    r = clients["coop_manager"].post("/trace/lots/new/", {"product": product.pk, "code": "OI-NEW",
                                                          "production_date": "2026-11-20", "is_public": "on"})
    lot = Lot.objects.get(code="OI-NEW")
    assert r.status_code == 302
    r = clients["coop_manager"].post("/trace/lots/new/", {"product": product.pk, "code": "Ổi mới",
                                                          "production_date": "2026-11-20"})
    assert r.status_code == 200 and "Mã lô" in r.content.decode()
    r = clients["coop_manager"].post(f"/trace/lots/{lot.pk}/links/new/", {
        "scope": "lot", "link_type": "gs1:certificationInfo", "target_url": "https://vietgap.example/1",
        "title": "VietGAP", "language": "vi", "media_type": "text/html"})
    assert r.status_code == 302 and lot.links.count() == 1
    assert clients["coop_member"].post(f"/trace/lots/{lot.pk}/links/new/", {
        "scope": "lot", "link_type": "gs1:pip", "target_url": "https://x.vn", "title": "x", "language": "vi",
        "media_type": "text/html"}).status_code == 403  # refused: members record, managers manage
    assert lot.links.count() == 1
    r = clients["coop_manager"].post(f"/trace/lots/{lot.pk}/recall/", {"reason": ""})
    assert r.status_code == 200
    r = clients["coop_manager"].post(f"/trace/lots/{lot.pk}/recall/", {"reason": "Nấm mốc"})
    lot.refresh_from_db()
    assert r.status_code == 302 and lot.recalled_at is not None


def test_prefix_demo_flag(coop):
    row = services.register_company_prefix(actor=SYSTEM, organization=coop, prefix="893999909", is_demo=True)
    assert str(row) == "893999909 (demo)" and CompanyPrefix.objects.get().is_demo


def test_cancel_recall_acts_on_the_locked_row_once(lot, users):
    """Two officers cancel the same recall from pages loaded before either acted: the second
    cancel sees the current row (locked), changes nothing and logs nothing."""
    services.recall_lot(actor=users["officer"], lot=lot, reason="Nhiễm khuẩn")
    lot.refresh_from_db()
    first_copy, second_copy = Lot.objects.get(pk=lot.pk), Lot.objects.get(pk=lot.pk)
    services.cancel_recall(actor=users["officer"], lot=first_copy)
    result = services.cancel_recall(actor=users["coop_manager"], lot=second_copy)
    assert result.recalled_at is None
    assert AuditEntry.objects.filter(action="resolver.lot.recall_cancelled").count() == 1


def test_cancel_recall_locks_the_row(lot, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.recall_lot(actor=users["officer"], lot=lot, reason="Nhiễm khuẩn")
    with CaptureQueriesContext(connection) as ctx:
        services.cancel_recall(actor=users["officer"], lot=lot)
    selects = [q["sql"] for q in ctx.captured_queries if '"resolver_lot"' in q["sql"] and "SELECT" in q["sql"]]
    if connection.features.has_select_for_update:  # PostgreSQL; SQLite locks the whole database instead
        assert any("FOR UPDATE" in sql for sql in selects)
    else:
        assert selects  # the current row is read again inside the transaction


def test_a_scan_survives_the_cache_being_emptied(lot):
    """Scans are data: an eviction, a restart or another process's cache loses none of them."""
    from django.core.cache import cache

    _scan(lot, "", "VN")
    cache.clear()
    assert scans.check_new_scans() == 1
    assert ScanEvent.objects.get().country == "VN"


def test_recording_a_scan_is_one_insert(lot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _scan(lot, "7", "VN")
    assert len(ctx.captured_queries) == 1 and ctx.captured_queries[0]["sql"].startswith("INSERT")


def test_a_failed_insert_does_not_break_the_scan_and_is_logged(lot, monkeypatch, caplog):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(ScanEvent.objects, "create", broken)
    _scan(lot, "", "VN")  # no exception reaches the resolver
    assert "not recorded" in caplog.text


def test_flags_use_scans_checked_in_an_earlier_run(lot):
    services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_3x8", count=24, with_serials=True)
    _scan(lot, "5", "VN")
    assert scans.check_new_scans() == 1
    _scan(lot, "5", "KH")  # checked in a later run: the earlier scan is its history
    assert scans.check_new_scans() == 1
    assert ScanEvent.objects.get(country="KH").flags == ["far_apart"]
