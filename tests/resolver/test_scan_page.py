"""The public scan page: content, English, at most 6 queries, caching and purge, problem reports."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags

from htxconnect.resolver import services, steps
from htxconnect.resolver.models import ProblemReport
from htxconnect.core.actors import SYSTEM

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
        services.recall_lot(actor=SYSTEM, lot=lot, reason="Phát hiện nấm mốc")
    html = client.get(url(lot)).content.decode()
    assert "LÔ HÀNG ĐÃ BỊ THU HỒI" in html and "Phát hiện nấm mốc" in html
    assert "THIS LOT HAS BEEN RECALLED" in client.get(url(lot, lang="en")).content.decode()


def test_new_event_purges_the_cached_page(lot, places, users, django_capture_on_commit_callbacks):
    client = Client()
    assert "Thu hoạch" not in client.get(url(lot)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        steps.record_step(actor=users["coop_member"], lot=lot, step="harvest",
                          when=timezone.make_aware(datetime.datetime(2026, 11, 12, 7, 0)), location=places[0],
                          quantity=80)
    assert "Thu hoạch tại Vườn ổi Phú Giáo" in strip_tags(client.get(url(lot)).content.decode())


def test_product_change_purges(lot, django_capture_on_commit_callbacks):
    from htxconnect.registry import services as registry_services

    client = Client()
    client.get(url(lot))
    with django_capture_on_commit_callbacks(execute=True):
        registry_services.update_product(actor=SYSTEM, product=lot.product, name="Ổi ruột đỏ Phú Giáo")
    assert "Ổi ruột đỏ Phú Giáo" in client.get(url(lot)).content.decode()


def test_private_lot_and_unknown_gtin(lot, product):
    services.update_lot(actor=SYSTEM, lot=lot, is_public=False)
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


# --- The scan page tells the truth (issue 8) -----------------------------------------------------------


def _section(html, marker, end="</section>"):
    start = html.index(marker)
    return html[start:html.index(end, start)]


def _expire(lot, *, days_ago):
    today = timezone.localdate()
    services.update_lot(actor=SYSTEM, lot=lot, production_date=today - datetime.timedelta(days=40),
                        expiry_date=today - datetime.timedelta(days=days_ago))


def test_expired_lot_is_red_and_never_shows_the_green_tick(lot):
    _expire(lot, days_ago=1)
    expiry = (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    html = Client().get(url(lot)).content.decode()
    box = _section(html, 'id="expired"')
    assert 'class="recall"' in box  # the red box
    assert "LÔ HÀNG ĐÃ HẾT HẠN SỬ DỤNG" in box and expiry in box
    assert "không bị thu hồi" not in html and "✓" not in html
    assert f'<dd class="bad">{expiry} (đã hết hạn)</dd>' in html
    english = Client().get(url(lot, lang="en")).content.decode()
    assert "THIS LOT HAS EXPIRED" in english and "has not been recalled" not in english


def test_lot_on_its_last_day_is_not_expired(lot):
    _expire(lot, days_ago=0)
    html = Client().get(url(lot)).content.decode()
    assert "HẾT HẠN SỬ DỤNG" not in html and "✓ Lô này không bị thu hồi." in html


def test_recall_says_what_to_do(lot):
    services.recall_lot(actor=SYSTEM, lot=lot, reason="Phát hiện nấm mốc", return_to="Cửa hàng đã mua hoặc trụ sở HTX",
                        hotline="1800 6838")
    box = _section(Client().get(url(lot)).content.decode(), 'id="recall"')
    assert "Ngừng sử dụng ngay sản phẩm thuộc lô này." in box
    assert "Lý do: Phát hiện nấm mốc" in box
    assert "Trả lại hàng tại: Cửa hàng đã mua hoặc trụ sở HTX" in box
    assert '<a href="tel:18006838">1800 6838</a>' in box                  # the hotline entered with the recall
    assert '<a href="tel:0909123456">0909123456</a>' in box               # the producer's phone
    english = strip_tags(_section(Client().get(url(lot, lang="en")).content.decode(), 'id="recall"'))
    assert "Stop using products of this lot now." in english and "Return it to:" in english
    assert "Hotline: 1800 6838" in english and "Producer's phone: 0909123456" in english


def test_recall_without_a_return_place_still_says_where(lot):
    services.recall_lot(actor=SYSTEM, lot=lot, reason="Nhãn sai")
    box = strip_tags(_section(Client().get(url(lot)).content.decode(), 'id="recall"'))
    assert "Trả lại hàng tại: nơi bạn đã mua" in box


def test_recall_form_takes_return_place_and_hotline(clients, lot):
    path = f"/trace/lots/{lot.pk}/recall/"
    r = clients["officer"].post(path, {"reason": "Dư lượng", "return_to": "Trụ sở HTX", "hotline": "gọi chúng tôi"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Đường dây nóng “gọi chúng tôi” không phải số điện thoại" in html
    assert 'value="Trụ sở HTX"' in html  # input kept
    r = clients["officer"].post(path, {"reason": "Dư lượng", "return_to": "Trụ sở HTX", "hotline": "0274 3822 555"})
    assert r.status_code == 302
    lot.refresh_from_db()
    assert (lot.recall_return_to, lot.recall_hotline) == ("Trụ sở HTX", "0274 3822 555")


def test_journey_never_shows_a_step_without_its_essentials(lot, places, users):
    """An integrator's harvest event without a quantity (and a receipt without a place) is kept in
    the repository but left off the public journey; complete steps are shown with their unit."""
    from htxconnect.trace.epcis.capture import receive_document

    farm, house, _shop = places
    when = timezone.make_aware(datetime.datetime(2026, 11, 12, 6, 0))
    bare = [steps.build_event(step=steps.STEPS["harvest"], lot=lot, when=when, location=farm),
            steps.build_event(step=steps.STEPS["receive"], lot=lot, when=when + datetime.timedelta(hours=2),
                              location=None, quantity=5)]
    receive_document(steps.document_for(bare), user=users["coop_manager"], public=True,
                     organization_id=lot.product.producer_id, synchronous=True)
    steps.record_step(actor=users["coop_manager"], lot=lot, step="pack", when=when + datetime.timedelta(hours=4),
                      location=house, quantity=2.5, uom="TNE")
    journey = strip_tags(_section(Client().get(url(lot)).content.decode(), 'id="journey"'))
    assert "Thu hoạch" not in journey and "Nhận hàng" not in journey
    assert "12/11/2026: Đóng gói tại Nhà sơ chế (2,5 tấn)" in journey


def test_internal_notes_and_staff_badges_stay_off_the_public_page(lot, places, users, coop, product):
    from htxconnect.registry import services as registry_services

    steps.record_step(actor=users["coop_manager"], lot=lot, step="harvest", when=timezone.now(), location=places[0],
                      quantity=100, note="Ghi chú nội bộ: giá bán cho đại lý 18.000 đ")
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=10)
    registry_services.create_certification(actor=SYSTEM, organization=coop, product=product, type="haccp",
                                           number="HC-9", issue_date=today - datetime.timedelta(days=300),
                                           expiry_date=soon)
    for lang in ("vi", "en"):
        html = Client().get(url(lot, lang=lang)).content.decode()
        assert "Ghi chú nội bộ" not in html and "18.000" not in html
        assert "Sắp hết hạn" not in html and "Expiring soon" not in html and "expiring" not in html
    html = Client().get(url(lot)).content.decode()
    assert f"Còn hiệu lực đến {soon:%d/%m/%Y}" in _section(html, "HACCP", "</li>")


def test_certificates_say_valid_until_or_expired_in_both_languages(lot, certified):
    valid, expired, rating = certified
    html = Client().get(url(lot)).content.decode()
    assert f"Còn hiệu lực đến {valid.expiry_date:%d/%m/%Y}" in _section(html, "VietGAP", "</li>")
    iso = strip_tags(_section(html, "ISO 9001", "</li>"))
    assert f"Hết hiệu lực từ ngày {expired.expiry_date:%d/%m/%Y}" in iso and "Còn hiệu lực" not in iso
    assert f"Còn hiệu lực đến {rating.valid_until:%d/%m/%Y}" in _section(html, "QĐ 12/2026", "</li>")
    english = Client().get(url(lot, lang="en")).content.decode()
    assert f"Valid until {valid.expiry_date:%d/%m/%Y}" in _section(english, "VietGAP", "</li>")
    assert f"Expired since {expired.expiry_date:%d/%m/%Y}" in strip_tags(_section(english, "ISO 9001", "</li>"))


def test_photo_ocop_stars_and_contact_shown_when_the_registry_has_them(lot, certified, coop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from htxconnect.registry.models import ProductPhoto

    # a 1 × 1 PNG
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
    ProductPhoto.objects.create(product=lot.product, image=SimpleUploadedFile("oi.png", png, "image/png"),
                                caption="Ổi ruột đỏ Phú Giáo")
    from htxconnect.resolver import cache as page_cache

    page_cache.purge_product(lot.product_id)
    html = Client().get(url(lot)).content.decode()
    assert '<img src="/media/registry/products/' in html and 'alt="Ổi ruột đỏ Phú Giáo"' in html
    assert "★★★★ OCOP 4 sao" in html
    assert '<a href="tel:0909123456">0909123456</a>' in _section(html, "Đơn vị sản xuất")
    coop.public_contact = False
    coop.save()
    page_cache.purge_product(lot.product_id)
    assert "0909123456" not in _section(Client().get(url(lot)).content.decode(), "Đơn vị sản xuất")


def test_purge_after_a_saved_lot_never_asks_the_database(lot, django_capture_on_commit_callbacks,
                                                         django_assert_num_queries):
    """The drill stopped PostgreSQL right after a lot's commit: the purge then read the product's
    GTIN from the dead database and the saved lot was answered "503, not saved". The GTIN is read
    inside the transaction; after the commit only the cache and the page files are touched."""
    from htxconnect.resolver import cache as page_cache

    before = page_cache.product_version(lot.product.gtin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.create_lot(actor=SYSTEM, product=lot.product, code="L-SAU-COMMIT",
                            production_date=datetime.date(2026, 11, 20))
    with django_assert_num_queries(0):
        for callback in callbacks:
            callback()
    assert page_cache.product_version(lot.product.gtin) > before  # purged (cached pages stale)


def _link(lot):
    return services.add_link(actor=SYSTEM, product=lot.product, link_type="gs1:pip", title="Ổi",
                             target_url="https://htx.example.vn/oi")


def _one_change(change: str, lot):
    """What sets the change up is done here, uncounted; the change itself is returned, to be counted."""
    if change == "cancel_recall":
        recalled = services.recall_lot(actor=SYSTEM, lot=lot, reason="Nấm mốc")
        return lambda: services.cancel_recall(actor=SYSTEM, lot=recalled)
    if change == "delete_link":
        link = _link(lot)
        return lambda: services.delete_link(actor=SYSTEM, link=link)
    return {
        "create_lot": lambda: services.create_lot(actor=SYSTEM, product=lot.product, code="OI-MOT-LAN",
                                                  production_date=datetime.date(2026, 11, 20)),
        "update_lot": lambda: services.update_lot(actor=SYSTEM, lot=lot, production_date=datetime.date(2026, 11, 13)),
        "recall_lot": lambda: services.recall_lot(actor=SYSTEM, lot=lot, reason="Nấm mốc"),
        "add_link": lambda: _link(lot),
    }[change]


@pytest.mark.parametrize("change", ["create_lot", "update_lot", "recall_lot", "cancel_recall", "add_link",
                                    "delete_link"])
def test_each_change_purges_the_product_once(change, lot, monkeypatch, django_capture_on_commit_callbacks):
    """A service that saves a lot or a link leaves the purge to the signal on that row: the product's
    pages are purged once per change, not once by the service and again by the signal."""
    from htxconnect.resolver import cache as page_cache

    act = _one_change(change, lot)
    purged = []
    monkeypatch.setattr(page_cache, "purge_gtin", purged.append)
    with django_capture_on_commit_callbacks(execute=True):
        act()
    assert purged == [lot.product.gtin]


def test_a_new_gtin_purges_the_product_once(coop, monkeypatch, django_capture_on_commit_callbacks):
    from htxconnect.registry import services as registry_services
    from htxconnect.resolver import cache as page_cache

    services.register_company_prefix(actor=SYSTEM, organization=coop, prefix="893123457", is_demo=True)
    product = registry_services.create_product(actor=SYSTEM, producer=coop, name="Bưởi", category="fruit")
    purged = []
    monkeypatch.setattr(page_cache, "purge_gtin", purged.append)
    with django_capture_on_commit_callbacks(execute=True):
        gtin = services.assign_gtin(actor=SYSTEM, product=product)
    assert purged == [gtin]


def test_a_failing_purge_after_commit_is_logged_not_raised(lot, monkeypatch, caplog):
    from django.db import transaction

    from htxconnect.resolver import cache as page_cache

    def broken(gtin):
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache, "purge_gtin", broken)
    registered = []
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: registered.append(robust))
    page_cache.purge_after_commit([lot.product.gtin, "", lot.product.gtin])
    assert registered == [True]  # one callback for the GTIN, and Django logs its failure instead of raising
