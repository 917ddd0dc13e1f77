"""The resolver against the SHALLs of the GS1-Conformant Resolver standard 1.2 (ref.gs1.org/
standards/resolver/1.2.0), checked the way GS1's conformance test suite (gs1/GS1DL-resolver-
testsuite) checks them. docs/trace/resolver.md lists each criterion beside the test here that
proves it. Expected values are written by hand from the standard's text and GS1's schema."""

import json
from pathlib import Path
from urllib.parse import quote

import jsonschema_rs
import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from htxconnect.resolver import services
from htxconnect.resolver.models import Link
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

GS1 = Path(__file__).parent / "gs1"
LINKSET_SCHEMA = json.loads((GS1 / "gs1-linkset-schema.json").read_text())
GS1_LINK_TYPES = set(json.loads((GS1 / "gs1-link-types.json").read_text()))
VOC = "https://gs1.org/voc/"


@pytest.fixture
def c():
    return Client()


def lot_path(lot):
    return f"/01/{lot.product.gtin}/10/{lot.code}"


def get_linkset(c, path):
    r = c.get(path, {"linkType": "linkset"})
    assert r.status_code == 200 and r["Content-Type"] == "application/linkset+json"
    return json.loads(r.content)


# --- §2.6.2: "If the requested type of link is not available, the resolver SHALL return a 404" ----------


@pytest.mark.parametrize("link_type", ["gs1:nosuchlt", "gs1:productImage", "https://gs1.org/voc/nutritionalInfo"])
def test_requested_link_type_the_item_lacks_is_404_not_the_default(c, lot, link_type):
    for path in (lot_path(lot), f"/01/{lot.product.gtin}"):
        r = c.get(path, {"linkType": link_type})
        assert r.status_code == 404, (path, link_type)
        assert "Location" not in r
        assert 'rel="linkset"' in r["Link"]  # the client can still discover what the item has


def test_traceability_exists_for_a_lot_but_not_for_the_bare_gtin(c, lot):
    r = c.get(lot_path(lot), {"linkType": "gs1:traceability"})
    assert r.status_code == 307
    assert r["Location"] == f"http://testserver/scan/01/{lot.product.gtin}/10/{lot.code}/#journey"
    assert c.get(f"/01/{lot.product.gtin}", {"linkType": "gs1:traceability"}).status_code == 404


def test_404_page_for_a_missing_link_type_does_not_say_product_not_found(c, lot):
    html = c.get(lot_path(lot), {"linkType": "gs1:epil"}).content.decode()
    assert "Không có thông tin loại này" in html and "Không tìm thấy sản phẩm" not in html
    assert f'href="http://testserver/scan/01/{lot.product.gtin}/10/{lot.code}/"' in html


def test_404_names_the_link_types_the_item_has(c, product):
    r = c.get(f"/01/{product.gtin}", {"linkType": "gs1:epil"}, headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert "gs1:pip" in r.json()["detail"] and "gs1:epil" in r.json()["detail"]


def test_default_link_and_explicit_link_type_still_redirect(c, lot):
    assert c.get(lot_path(lot)).status_code == 307
    assert c.get(lot_path(lot), {"linkType": "gs1:defaultLink"}).status_code == 307
    assert c.get(lot_path(lot), {"linkType": "gs1:pip"}).status_code == 307


# --- §2.10: linksets SHALL validate against GS1's linkset schema, at every level -------------------------


def _validate(body):
    jsonschema_rs.Draft7Validator(LINKSET_SCHEMA).validate(body)
    for context in body["linkset"]:
        assert context["itemDescription"]  # required by the schema for every context object


def test_linkset_of_gtin_lot_and_serial_validates_against_gs1_schema(c, lot):
    services.add_link(actor=SYSTEM, product=lot.product, link_type="gs1:certificationInfo",
                      target_url="https://example.vn/vietgap", title="VietGAP", language="en", media_type="application/pdf")
    services.add_link(actor=SYSTEM, product=lot.product, lot=lot, link_type="gs1:instructions",
                      target_url="https://example.vn/hdsd", title="Hướng dẫn")
    gtin = get_linkset(c, f"/01/{lot.product.gtin}")
    assert [o["anchor"] for o in gtin["linkset"]] == [f"http://testserver/01/{lot.product.gtin}"]
    _validate(gtin)
    lot_level = get_linkset(c, lot_path(lot))
    assert [o["anchor"] for o in lot_level["linkset"]] == [f"http://testserver{lot_path(lot)}",
                                                           f"http://testserver/01/{lot.product.gtin}"]
    assert lot_level["linkset"][0]["itemDescription"] == "Ổi ruột đỏ, lô OI-2611-01"
    assert lot_level["linkset"][1]["itemDescription"] == "Ổi ruột đỏ"
    _validate(lot_level)
    serial = get_linkset(c, f"{lot_path(lot)}/21/A0001")
    _validate(serial)
    # "any links associated with each level up to the primary key SHALL be included"
    assert serial["linkset"][0][VOC + "instructions"][0]["href"] == "https://example.vn/hdsd"
    assert serial["linkset"][1][VOC + "certificationInfo"][0] == {
        "href": "https://example.vn/vietgap", "title": "VietGAP", "type": "application/pdf", "hreflang": ["en"]}


def test_the_schema_itself_refuses_a_context_object_without_item_description():
    """The check above is not vacuous: GS1's schema does refuse what the lot level used to be."""
    body = {"linkset": [{"anchor": "https://x.vn/01/08931234560010/10/L1",
                         VOC + "pip": [{"href": "https://x.vn/p", "title": "p"}]}]}
    with pytest.raises(jsonschema_rs.ValidationError):
        jsonschema_rs.Draft7Validator(LINKSET_SCHEMA).validate(body)


# --- §2.5.8: exactly one default link, with a title and no other attribute -------------------------------


def test_exactly_one_default_link_per_level_without_optional_attributes(c, lot):
    body = get_linkset(c, lot_path(lot))
    for context in body["linkset"]:
        defaults = context[VOC + "defaultLink"]
        assert len(defaults) == 1
        assert set(defaults[0]) == {"href", "title"}
    assert body["linkset"][0][VOC + "defaultLink"][0]["href"] == \
        f"http://testserver/scan/01/{lot.product.gtin}/10/{lot.code}/"


def test_explicit_default_replaces_the_scan_page_and_keeps_its_attributes_under_its_own_type(c, product):
    services.add_link(actor=SYSTEM, product=product, link_type="gs1:pip", target_url="https://htx.example.vn/oi",
                      title="Trang HTX", language="vi", is_default=True)
    context = get_linkset(c, f"/01/{product.gtin}")["linkset"][0]
    assert context[VOC + "defaultLink"] == [{"href": "https://htx.example.vn/oi", "title": "Trang HTX"}]
    assert {"href": "https://htx.example.vn/oi", "title": "Trang HTX", "type": "text/html",
            "hreflang": ["vi"]} in context[VOC + "pip"]
    # GS1's suite: a plain request SHALL redirect to exactly the default link's href.
    assert c.get(f"/01/{product.gtin}")["Location"] == "https://htx.example.vn/oi"


def test_a_second_default_link_at_the_same_level_is_refused(product):
    from django.core.exceptions import ValidationError

    services.add_link(actor=SYSTEM, product=product, link_type="gs1:pip", target_url="https://a.vn/", title="A",
                      is_default=True)
    with pytest.raises(ValidationError) as exc:
        services.add_link(actor=SYSTEM, product=product, link_type="gs1:pip", target_url="https://b.vn/", title="B",
                          is_default=True)
    assert "liên kết mặc định" in str(exc.value.message_dict["is_default"])


# --- §2.14: GS1 link types only from the GS1 Web Vocabulary; both namespace URIs recognised -------------


def test_every_gs1_link_type_offered_is_in_the_gs1_web_vocabulary():
    offered = [value for value, _label in Link.LinkType.choices]
    assert "gs1:productImage" not in offered and "gs1:relatedImage" in offered
    assert [v for v in offered if v.startswith("gs1:") and v[4:] not in GS1_LINK_TYPES] == []


def test_every_link_type_in_a_linkset_is_in_the_gs1_web_vocabulary(c, lot):
    services.recall_lot(actor=SYSTEM, lot=lot, reason="Nấm mốc")
    for context in get_linkset(c, lot_path(lot))["linkset"]:
        for key in context:
            if key.startswith("http"):
                assert key.startswith(VOC) and key[len(VOC):] in GS1_LINK_TYPES, key


@pytest.mark.parametrize("value", ["gs1:certificationInfo", "certificationInfo", "https://gs1.org/voc/certificationInfo",
                                   "https://ref.gs1.org/voc/certificationInfo", "http://gs1.org/voc/certificationInfo"])
def test_link_type_recognised_under_both_vocabulary_namespaces(c, product, value):
    services.add_link(actor=SYSTEM, product=product, link_type="gs1:certificationInfo",
                      target_url="https://example.vn/vietgap", title="VietGAP")
    r = c.get(f"/01/{product.gtin}", {"linkType": value})
    assert r.status_code == 307 and r["Location"] == "https://example.vn/vietgap"


# --- §3: the description file at /.well-known/gs1resolver with the schema's property names ------------

# Property names and types of GS1's description-file schema (ref.gs1.org/standards/resolver/1.2.0/
# description-file-schema), written out here by hand.
DESCRIPTION_SCHEMA = {
    "type": "object",
    "required": ["resolverRoot", "supportedPrimaryKeys"],
    "additionalProperties": False,
    "properties": {
        "resolverRoot": {"type": "string", "format": "uri"},
        "supportedPrimaryKeys": {"type": "array", "items": {"enum": [
            "all", "01", "8006", "8013", "8010", "410", "411", "412", "413", "414", "415", "417", "8017", "8018",
            "255", "00", "253", "401", "402", "8003", "8004"]}},
        "name": {"type": "string"},
        "supportedLinkType": {"type": "array", "items": {"type": "object", "properties": {
            "namespace": {"type": "string"}, "prefix": {"type": "string", "pattern": "^[a-zA-Z_][A-Za-z0-9_-]*?:$"}}}},
        "linkTypeDefaultCanBeLinkset": {"type": "boolean"},
        "supportedContextValuesEnumerated": {"type": "array"},
        "supportedContextValuesExternal": {"type": "array"},
        "jsonLdContextLocation": {"type": "string"},
        "contact": {"type": "object"},
    },
}


def test_description_file_uses_the_schemas_property_names(c):
    r = c.get("/.well-known/gs1resolver")
    assert r.status_code == 200
    body = r.json()
    jsonschema_rs.Draft7Validator(DESCRIPTION_SCHEMA).validate(body)
    assert body["jsonLdContextLocation"] == "https://ref.gs1.org/standards/resolver/linkset-context"
    assert body["resolverRoot"] == "http://testserver"
    assert body["supportedPrimaryKeys"] == ["01"]
    assert body["linkTypeDefaultCanBeLinkset"] is False
    assert "validLinkTypes" not in body and "linksetContext" not in body


# --- §2.2: GET, HEAD and OPTIONS; the linkset announced in a Link header on every answer ----------------


def test_options_answer_carries_the_linkset_link(c, lot):
    r = c.options(lot_path(lot))
    assert r.status_code == 204
    assert (f'<http://testserver{lot_path(lot)}?linkType=linkset>; rel="linkset"; type="application/linkset+json"'
            in r["Link"])
    assert "OPTIONS" in r["Access-Control-Allow-Methods"]
    r = c.options(f"/01/{lot.product.gtin[1:]}")  # GTIN-13: the linkset of the canonical URI
    assert f'<http://testserver/01/{lot.product.gtin}?linkType=linkset>; rel="linkset"' in r["Link"]


# --- Behind a TLS proxy: public scheme and host in Location and anchors ---------------------------------


@override_settings(SITE_URL="", SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_configured_tls_proxy_location_and_anchors_are_https(c, lot):
    headers = {"X-Forwarded-Proto": "https", "Host": "testserver"}  # as nginx sends them
    r = c.get(lot_path(lot), headers=headers)
    assert r["Location"] == f"https://testserver/scan/01/{lot.product.gtin}/10/{lot.code}/"
    assert f"<https://testserver{lot_path(lot)}?linkType=linkset>" in r["Link"]
    body = json.loads(c.get(lot_path(lot), {"linkType": "linkset"}, headers=headers).content)
    assert [o["anchor"] for o in body["linkset"]] == [f"https://testserver{lot_path(lot)}",
                                                      f"https://testserver/01/{lot.product.gtin}"]


@override_settings(SITE_URL="", SECURE_PROXY_SSL_HEADER=None)  # Django's default
def test_x_forwarded_proto_ignored_unless_configured(c, lot):
    r = c.get(lot_path(lot), headers={"X-Forwarded-Proto": "https"})
    assert r["Location"] == f"http://testserver/scan/01/{lot.product.gtin}/10/{lot.code}/"


@override_settings(SITE_URL="https://htx.example.vn")
def test_site_url_gives_the_public_host(c, lot):
    r = c.get(lot_path(lot))
    assert r["Location"] == f"https://htx.example.vn/scan/01/{lot.product.gtin}/10/{lot.code}/"
    body = json.loads(c.get(lot_path(lot), {"linkType": "linkset"}).content)
    assert body["linkset"][0]["anchor"] == f"https://htx.example.vn{lot_path(lot)}"


def test_trust_x_forwarded_proto_setting_reads_the_environment(monkeypatch):
    import importlib

    import htxconnect.settings as settings_module

    monkeypatch.setenv("TRUST_X_FORWARDED_PROTO", "true")
    try:
        assert importlib.reload(settings_module).SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        monkeypatch.setenv("TRUST_X_FORWARDED_PROTO", "false")
        assert importlib.reload(settings_module).SECURE_PROXY_SSL_HEADER is None
    finally:
        monkeypatch.delenv("TRUST_X_FORWARDED_PROTO")
        importlib.reload(settings_module)


def test_nginx_config_sets_x_forwarded_proto_from_the_connection():
    conf = Path("deploy/nginx/htxconnect-proxy.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "TRUST_X_FORWARDED_PROTO=true" in Path("deploy/htxconnect.env.example").read_text()


# --- §2.4.1: a malformed URI SHALL be reported with 400 — never a server error --------------------------


@pytest.mark.parametrize("path", ["/01/x/y", "/01/etc/passwd", "/01/..%2F..%2Fetc%2Fpasswd", "/01/%00",
                                  "/01/08931234560010/etc/passwd", "/01/08931234560010/10", "/01/08931234560010/10/a/21",
                                  "/01/08931234560010/x/AAAAAAAAAAAA", "/01/abcdefghijklmn/AQnYUc1gmiCNV4JG",
                                  "/01/08931234560010/foo", "/01/%C3%A9"])
def test_malformed_paths_are_400(c, product, path):
    assert product.gtin == "08931234560010"
    assert c.get(path).status_code == 400


SEGMENT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25),
    st.sampled_from(["01", "10", "21", "22", "17", "..", ".", "08931234560010", "8931234560010", "AQnYUc1gmiCNV4JG",
                     "%", "%2F", "%00", "etc", "passwd"]),
    st.from_regex(r"[A-Za-z0-9_-]{10,30}", fullmatch=True),
)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(SEGMENT, min_size=1, max_size=6), query=st.dictionaries(
    st.sampled_from(["linkType", "17", "10", "3103", "lang", "x"]), st.text(max_size=12), max_size=3))
def test_random_paths_never_give_a_server_error(product, segments, query):
    path = "/01/" + "/".join(quote(s, safe="%") for s in segments)
    r = Client(raise_request_exception=False).get(path, query)
    assert r.status_code in (307, 400, 404), (path, query, r.status_code)
    r = Client(raise_request_exception=False).get("/" + quote(segments[0], safe=""))
    assert r.status_code < 500, (segments[0], r.status_code)
