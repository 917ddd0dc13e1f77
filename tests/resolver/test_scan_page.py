"""The public scan page: content, English, at most 6 queries, caching and purge, problem reports."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags

from htxconnect.resolver import services, steps
from htxconnect.resolver.models import ProblemReport

pytestmark = pytest.mark.django_db


def url(lot, **params):
    base = f"/scan/01/{lot.product.gtin}/10/{lot.code}/"
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_content_vietnamese(lot, journey, certified):
    r = Client().get(url(lot))
    assert r.status_code == 200
    html = strip_tags(r.content.decode())
    assert lot.product.name in html and "HTX Ổi Thử Nghiệm" in html
    assert "12/11/2026: Thu hoạch tại Vườn ổi Phú Giáo" in html
    assert "Đóng gói tại Nhà sơ chế" in html and "Xuất hàng đi Siêu thị Thủ Đức" in html
    assert "OCOP 4 sao" in html
    assert "0909123456" in html  # public contact
    assert "Báo cáo vấn đề" in html
    assert "THU HỒI" not in html
    assert r["Content-Language"] == "vi"


def test_expired_certificate_shown_as_expired_never_valid(lot, certified):
    html = Client().get(url(lot)).content.decode()
    start = html.index("ISO 9001")
    iso = html[start:html.index("</li>", start)]
    assert "Hết hiệu lực" in iso and "Còn hiệu lực" not in iso
    start = html.index("VietGAP")
    vietgap = html[start:html.index("</li>", start)]
    assert "Còn hiệu lực" in vietgap


def test_english(lot, journey, certified):
    r = Client().get(url(lot, lang="en"))
    html = strip_tags(r.content.decode())
    assert r["Content-Language"] == "en"
    assert "12/11/2026: Harvested at Vườn ổi Phú Giáo" in html
    assert "Journey of this lot" in html and "Expired" in html and "Producer" in html
    assert 'href="/scan/' in r.content.decode() and "lang=vi" in r.content.decode()  # the switch back


def test_language_from_accept_language(lot):
    r = Client().get(url(lot), headers={"Accept-Language": "en-US,en"})
    assert r["Content-Language"] == "en"
    assert "Accept-Language" in r["Vary"]


def test_page_is_small_and_has_no_script(lot, journey, certified):
    html = Client().get(url(lot)).content.decode()
    assert "<script" not in html and "bootstrap" not in html
    from pathlib import Path

    css = Path("htxconnect/resolver/static/resolver/scan.css").read_bytes()
    assert len(html.encode()) + len(css) < 30 * 1024


def test_at_most_six_queries_on_a_miss_and_none_on_a_hit(lot, journey, certified, django_assert_max_num_queries,
                                                        django_assert_num_queries):
    client = Client()
    with django_assert_max_num_queries(6):
        assert client.get(url(lot)).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url(lot)).status_code == 200


def test_cache_headers_and_etag(lot):
    client = Client()
    r = client.get(url(lot))
    assert "public" in r["Cache-Control"] and "s-maxage=3" in r["Cache-Control"]
    assert client.get(url(lot), headers={"If-None-Match": r["ETag"]}).status_code == 304


def test_recall_purges_the_cached_page(lot, django_capture_on_commit_callbacks):
    client = Client()
    assert "THU HỒI" not in client.get(url(lot)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.recall_lot(actor=None, lot=lot, reason="Phát hiện nấm mốc")
    html = client.get(url(lot)).content.decode()
    assert "LÔ HÀNG ĐÃ BỊ THU HỒI" in html and "Phát hiện nấm mốc" in html
    assert "THIS LOT HAS BEEN RECALLED" in client.get(url(lot, lang="en")).content.decode()


def test_new_event_purges_the_cached_page(lot, places, users, django_capture_on_commit_callbacks):
    client = Client()
    assert "Thu hoạch" not in client.get(url(lot)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        steps.record_step(actor=users["coop_member"], lot=lot, step="harvest",
                          when=timezone.make_aware(datetime.datetime(2026, 11, 12, 7, 0)), location=places[0])
    assert "Thu hoạch tại Vườn ổi Phú Giáo" in strip_tags(client.get(url(lot)).content.decode())


def test_product_change_purges(lot, django_capture_on_commit_callbacks):
    from htxconnect.registry import services as registry_services

    client = Client()
    client.get(url(lot))
    with django_capture_on_commit_callbacks(execute=True):
        registry_services.update_product(actor=None, product=lot.product, name="Ổi ruột đỏ Phú Giáo")
    assert "Ổi ruột đỏ Phú Giáo" in client.get(url(lot)).content.decode()


def test_private_lot_and_unknown_gtin(lot, product):
    services.update_lot(actor=None, lot=lot, is_public=False)
    html = Client().get(url(lot)).content.decode()
    assert "chưa có thông tin lô" in html  # product shown, lot hidden
    assert Client().get("/scan/01/08930000000019/").status_code == 404


def test_report_a_problem_stored_audited_throttled(lot):
    from htxconnect.core.models import AuditEntry

    client = Client(enforce_csrf_checks=True)
    path = f"/scan/01/{lot.product.gtin}/report/?lot={lot.code}"
    assert client.get(path).status_code == 200
    r = client.post(path, {"message": "Ổi bị dập, có mùi lạ", "contact": "0909000000", "lot": lot.code})
    assert r.status_code == 200 and "Cảm ơn" in r.content.decode()
    report = ProblemReport.objects.get()
    assert report.lot == lot and len(report.ip_hash) == 16
    assert AuditEntry.objects.filter(action="resolver.problem.reported").exists()
    r = client.post(path, {"message": "x"})
    assert "ít nhất 5 ký tự" in r.content.decode()
    for _ in range(5):
        r = client.post(path, {"message": "Thêm một phản ánh nữa"})
    assert r.status_code == 429
    assert ProblemReport.objects.count() == 5
