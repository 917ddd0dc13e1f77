"""GS1 Digital Link resolver through the test client: every point of issue 5 part 4."""

import json

import pytest
from django.test import Client

from htxconnect.resolver import services
from htxconnect.resolver.models import Link, ScanEvent
from htxconnect.resolver.scans import check_new_scans
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return Client()


def gtin13(product):
    return product.gtin[1:]


# --- Syntax errors -----------------------------------------------------------------------------


def test_letters_in_gtin_is_400_with_explanation(c):
    r = c.get("/01/89312345A0012")
    assert r.status_code == 400
    assert "chỉ được chứa chữ số" in r.content.decode()
    assert r["Access-Control-Allow-Origin"] == "*"


def test_wrong_check_digit_names_the_right_one(c, product):
    good = gtin13(product)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    r = c.get(f"/01/{wrong}")
    assert r.status_code == 400
    body = r.content.decode()
    assert f"phải là {good[-1]}" in body and f"expected {good[-1]}" in body


def test_wrong_length_is_400(c):
    assert c.get("/01/12345").status_code == 400


def test_unsupported_ai_in_path_is_400(c, product):
    r = c.get(f"/01/{product.gtin}/17/261231")
    assert r.status_code == 400
    assert "17" in r.content.decode()


def test_unsupported_ai_in_query_is_400(c, product):
    r = c.get(f"/01/{product.gtin}?9999=1")
    assert r.status_code == 400
    assert "9999" in r.content.decode()


def test_bad_expiry_value_is_400(c, product):
    assert c.get(f"/01/{product.gtin}?17=261399").status_code == 400
    assert c.get(f"/01/{product.gtin}?17=26AB01").status_code == 400


def test_qualifiers_out_of_order_is_400(c, product):
    assert c.get(f"/01/{product.gtin}/21/5/10/LOT").status_code == 400


def test_error_as_json_for_machines(c):
    r = c.get("/01/abc", headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert "detail" in r.json()


def test_unknown_gtin_is_404_page_in_both_languages(c):
    r = c.get("/01/08930000000019")
    assert r.status_code == 404
    body = r.content.decode()
    assert "Không tìm thấy sản phẩm" in body and "Product not found" in body


# --- Redirects -------------------------------------------------------------------------------------


def test_default_link_redirects_307_to_scan_page(c, lot):
    r = c.get(f"/01/{lot.product.gtin}/10/{lot.code}")
    assert r.status_code == 307
    assert r["Location"].endswith(f"/scan/01/{lot.product.gtin}/10/{lot.code}/")
    assert 'rel="linkset"' in r["Link"]
    assert f"/01/{lot.product.gtin}/10/{lot.code}?linkType=linkset" in r["Link"]


def test_query_string_passed_on(c, lot):
    r = c.get(f"/01/{lot.product.gtin}/10/{lot.code}?17=261130&utm_source=qr")
    assert r.status_code == 307
    assert "17=261130" in r["Location"] and "utm_source=qr" in r["Location"]


def test_gtin13_accepted_and_same_as_canonical(c, lot):
    r = c.get(f"/01/{gtin13(lot.product)}/10/{lot.code}")
    assert r.status_code == 307
    assert f'/01/{lot.product.gtin}/10/{lot.code}>; rel="owl:sameAs"' in r["Link"]


def test_trailing_slash_tolerated(c, lot):
    r = c.get(f"/01/{lot.product.gtin}/10/{lot.code}/")
    assert r.status_code == 307
    assert r["Location"].endswith(f"/10/{lot.code}/")


def test_product_only(c, product):
    r = c.get(f"/01/{product.gtin}")
    assert r.status_code == 307
    assert r["Location"].endswith(f"/scan/01/{product.gtin}/")


def test_serial_resolves_through_lot_and_gtin(c, lot):
    r = c.get(f"/01/{lot.product.gtin}/10/{lot.code}/21/12345")
    assert r.status_code == 307
    assert f"/10/{lot.code}/" in r["Location"]


def test_unknown_lot_falls_back_to_gtin(c, product):
    r = c.get(f"/01/{product.gtin}/10/NOPE")
    assert r.status_code == 307
    assert r["Location"].endswith(f"/scan/01/{product.gtin}/")


def test_link_type_redirect_short_and_full_uri(c, lot):
    services.add_link(actor=SYSTEM, product=lot.product, link_type="gs1:certificationInfo",
                      target_url="https://example.vn/vietgap", title="VietGAP")
    for value in ("gs1:certificationInfo", "https://gs1.org/voc/certificationInfo"):
        r = c.get(f"/01/{lot.product.gtin}/10/{lot.code}", {"linkType": value})
        assert r.status_code == 307
        assert r["Location"] == "https://example.vn/vietgap"


def test_missing_link_type_is_404_not_the_default(c, lot):
    r = c.get(f"/01/{lot.product.gtin}", {"linkType": "gs1:nutritionalInfo"})
    assert r.status_code == 404  # GS1-Conformant Resolver 1.2: never the default link


def test_lot_link_wins_over_product_link(c, lot):
    services.add_link(actor=SYSTEM, product=lot.product, link_type="gs1:instructions",
                      target_url="https://example.vn/product", title="P")
    services.add_link(actor=SYSTEM, product=lot.product, lot=lot, link_type="gs1:instructions",
                      target_url="https://example.vn/lot", title="L")
    r = c.get(f"/01/{lot.product.gtin}/10/{lot.code}", {"linkType": "gs1:instructions"})
    assert r["Location"] == "https://example.vn/lot"
    r = c.get(f"/01/{lot.product.gtin}", {"linkType": "gs1:instructions"})
    assert r["Location"] == "https://example.vn/product"


def test_language_negotiation(c, product):
    services.add_link(actor=SYSTEM, product=product, link_type="gs1:instructions", target_url="https://e.vn/vi",
                      title="Hướng dẫn", language="vi")
    services.add_link(actor=SYSTEM, product=product, link_type="gs1:instructions", target_url="https://e.vn/en",
                      title="Instructions", language="en")
    url = f"/01/{product.gtin}?linkType=gs1:instructions"
    assert c.get(url, headers={"Accept-Language": "en-US,en;q=0.9,vi;q=0.5"})["Location"] == "https://e.vn/en"
    assert c.get(url, headers={"Accept-Language": "vi-VN,vi;q=0.9"})["Location"] == "https://e.vn/vi"
    assert c.get(url, headers={"Accept-Language": "fr;q=0.9,en;q=0.8"})["Location"] == "https://e.vn/en"


def test_explicit_default_link_overrides_scan_page(c, product):
    services.add_link(actor=SYSTEM, product=product, link_type="gs1:pip", target_url="https://htx.example.vn/oi",
                      title="Trang HTX", is_default=True)
    assert c.get(f"/01/{product.gtin}")["Location"] == "https://htx.example.vn/oi"


# --- Linkset -----------------------------------------------------------------------------------------


def _linkset(r):
    assert r.status_code == 200
    assert r["Content-Type"] == "application/linkset+json"
    return json.loads(r.content)["linkset"]


def test_linkset_has_each_level_with_anchor(c, lot):
    services.add_link(actor=SYSTEM, product=lot.product, link_type="gs1:hasRetailers", target_url="https://shop.vn/",
                      title="Cửa hàng")
    body = _linkset(c.get(f"/01/{lot.product.gtin}/10/{lot.code}", {"linkType": "all"}))
    anchors = [item["anchor"] for item in body]
    assert anchors[0].endswith(f"/01/{lot.product.gtin}/10/{lot.code}")
    assert anchors[1].endswith(f"/01/{lot.product.gtin}")
    assert "https://gs1.org/voc/defaultLink" in body[0]
    assert body[1]["https://gs1.org/voc/hasRetailers"][0]["href"] == "https://shop.vn/"
    assert body[1]["itemDescription"] == lot.product.name
    entry = body[0]["https://gs1.org/voc/pip"][0]
    assert {"href", "title", "type", "hreflang"} <= set(entry)


def test_linkset_by_accept_header(c, product):
    r = c.get(f"/01/{product.gtin}", headers={"Accept": "application/linkset+json"})
    _linkset(r)
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in r["Link"]


@pytest.mark.parametrize("accept, wants_linkset", [
    # RFC 9110 §12.5.1: the highest q-value wins, whatever else the header names.
    ("application/json;q=0.9, text/html;q=0.1", True),
    ("text/html, application/linkset+json;q=0.5", False),
    ("text/html;q=0, application/linkset+json", True),
    # What browsers send, and a client that sends nothing: the page.
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
    ("*/*", False),
])
def test_linkset_or_page_by_the_accept_header_quality(c, product, accept, wants_linkset):
    r = c.get(f"/01/{product.gtin}", headers={"Accept": accept})
    if wants_linkset:
        _linkset(r)
    else:
        assert r.status_code in (302, 303, 307, 308) or r["Content-Type"].startswith("text/html")


def test_error_in_json_when_json_is_preferred_by_quality(c):
    assert "detail" in c.get("/01/abc", headers={"Accept": "text/html;q=0.2, application/json"}).json()
    assert c.get("/01/abc", headers={"Accept": "text/html, application/json;q=0.2"})["Content-Type"].startswith(
        "text/html")


def test_recall_status_in_linkset(c, lot):
    body = _linkset(c.get(f"/01/{lot.product.gtin}/10/{lot.code}", {"linkType": "linkset"}))
    assert "không bị thu hồi" in body[0]["https://gs1.org/voc/recallStatus"][0]["title"]
    services.recall_lot(actor=SYSTEM, lot=lot, reason="Dư lượng thuốc")
    body = _linkset(c.get(f"/01/{lot.product.gtin}/10/{lot.code}", {"linkType": "linkset"}))
    assert body[0]["https://gs1.org/voc/recallStatus"][0]["title"].startswith("ĐÃ THU HỒI")


# --- Methods, CORS, well-known -------------------------------------------------------------------------


def test_options_and_head(c, product):
    r = c.options(f"/01/{product.gtin}")
    assert r.status_code == 204
    assert "GET" in r["Allow"] and "HEAD" in r["Allow"] and "OPTIONS" in r["Allow"]
    assert r["Access-Control-Allow-Origin"] == "*"
    r = c.head(f"/01/{product.gtin}")
    assert r.status_code == 307 and r.content == b""
    assert "Link" in r["Access-Control-Expose-Headers"]
    assert c.post(f"/01/{product.gtin}").status_code == 405


def test_well_known_description(c):
    r = c.get("/.well-known/gs1resolver")
    assert r.status_code == 200
    body = r.json()
    assert body["supportedPrimaryKeys"] == ["01"]
    assert body["resolverRoot"].startswith("http")
    assert {"namespace": "https://gs1.org/voc/", "prefix": "gs1:"} in body["supportedLinkType"]
    assert "name" in body
    assert r["Access-Control-Allow-Origin"] == "*"


# --- Scans ---------------------------------------------------------------------------------------------


def test_scan_recorded_without_raw_ip(c, lot):
    c.get(f"/01/{lot.product.gtin}/10/{lot.code}", REMOTE_ADDR="203.113.45.67",
          headers={"Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "Mozilla/5.0 Zalo"})
    c.options(f"/01/{lot.product.gtin}")  # not a scan
    scan = ScanEvent.objects.get()  # written by the request itself: nothing waits in a cache
    assert scan.flags_checked is False
    assert check_new_scans() == 1
    scan.refresh_from_db()
    assert scan.flags_checked is True and scan.flags == []
    assert scan.lot == lot and scan.country == "VN" and scan.agent_family == "Zalo"
    assert "203.113" not in scan.ip_hash and len(scan.ip_hash) == 16


def test_links_of_other_products_not_mixed(c, lot, coop):
    from htxconnect.registry import services as registry_services

    other = registry_services.create_product(actor=SYSTEM, producer=coop, name="Ổi sấy")
    services.assign_gtin(actor=SYSTEM, product=other)
    services.add_link(actor=SYSTEM, product=other, link_type="gs1:review", target_url="https://x.vn/", title="x")
    r = c.get(f"/01/{lot.product.gtin}", {"linkType": "gs1:review"})
    assert r.status_code == 404 and "Location" not in r  # the other product's review is not this one's
    assert Link.objects.count() == 1
