"""Compressed GS1 Digital Link URIs (GS1 Digital Link URI Syntax, compression): the codec against
published pairs, round trips, and the resolver answering a compressed URI as the uncompressed one."""

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from htxconnect.resolver import dl_compression as dlc
from htxconnect.resolver import services
from htxconnect.core import identifiers as gs1
from htxconnect.core.actors import SYSTEM

# Pairs published with GS1's Digital Link examples (id.gs1.org, GTIN 05412345000013, lot ABC123,
# serial 72292641703, CPV AJY3095721P49) and other primary keys; compressed without optimisations.
KNOWN = [
    ("AQnYUc1gmg", "/01/05412345000013"),
    ("AQnYUc1gmiCNV4JG", "/01/05412345000013/10/ABC123"),
    ("AQnYUc1gmiCNV4JGQhcNT6K6c", "/01/05412345000013/10/ABC123/21/72292641703"),
    ("AQnYUc1gmiCNV4JGQhcNT6K6cibQCWN9Pee9tT-PQ", "/01/05412345000013/22/AJY3095721P49/10/ABC123/21/72292641703"),
    ("AQnYUc1gmiCNV4JGRNoBLG-nvPe2p_Ho", "/01/05412345000013/22/AJY3095721P49/10/ABC123"),
    ("AQnYUc1gmkIXDU-iun", "/01/05412345000013/21/72292641703"),
    ("AQnYUc1gmkTaASxvp7z3tqfx6", "/01/05412345000013/22/AJY3095721P49"),
    ("AN2yxDhfaiaw", "/00/998440410914660971"),
    ("QCJZyW9mC6Z4", "/402/21173492661712079"),
    ("QUSaVjC_dA", "/414/5060917510004"),
    ("JUa0T-eifdtOO9UFEmlYwv3Q", "/414/5060917510004/254/RP56J920471"),
    ("QUSaVjC_dHBAVlCrg", "/414/5060917510004/7040/5KFX"),
    ("QBl2DVoxZM2jVm3ZOWEFoxTR5HDgzZg", "/401/0541234537290A41&GHpp33"),
    ("gAYMBI_bNGwJk", "/8006/054123450000130201"),
    ("gBN05060917511473062B98T", "/8013/5060917511473062B98T"),
    ("gBe1ajAd9ATDmAGXPRfk", "/8017/817019610850151481/8019/4003812"),
    ("gBCVYNWjFkzaNWbdk5YQWjFHHkM2cAI0xdvpGo", "/8010/0541234537290A41#GH33/8011/6639047221"),
]


def _elements(path: str) -> dict:
    parts = path.strip("/").split("/")
    return dict(zip(parts[::2], parts[1::2]))


@pytest.mark.parametrize("token,path", KNOWN)
def test_known_pairs_decompress(token, path):
    ais, other = dlc.decompress_token(token)
    assert ais == _elements(path) and other == {}


@pytest.mark.parametrize("token,path", KNOWN)
def test_known_pairs_compress_to_the_same_token(token, path):
    assert dlc.compress_elements(_elements(path)) == token


def test_partially_compressed_primary_key_left_as_is():
    assert dlc.expand("/01/05412345000013/EEarwSM") == ({"01": "05412345000013", "10": "ABC123"}, {})
    assert dlc.expand("/01/05412345000013/EEarwSMhC4an0V04") == (
        {"01": "05412345000013", "10": "ABC123", "21": "72292641703"}, {})
    assert dlc.compress_path("/01/05412345000013/10/ABC123", partial=True) == "/01/05412345000013/EEarwSM"


def test_optimisation_codes_are_read():
    # 0B = (01, 10): the GTIN and lot follow without their AIs.
    token = dlc.compress_elements({"01": "05412345000013", "10": "ABC123"}, optimise=True)
    assert token[0] == "C" and token != "AQnYUc1gmiCNV4JG"  # 0000 1011 …
    assert dlc.decompress_token(token)[0] == {"01": "05412345000013", "10": "ABC123"}
    many = {"01": "05412345000013", "10": "ABC123", "21": "72292641703", "17": "290331"}
    token = dlc.compress_elements(many, optimise=True)
    assert token[0] == "G"  # 1A = (01, 10, 21, 17), the longest sequence, chosen first
    assert dlc.decompress_token(token)[0] == many


def test_non_gs1_key_value_pairs_and_query_attributes():
    token = dlc.compress_elements({"01": "05412345000013", "17": "290331"}, {"arv": "true", "donor": "bmgf"})
    ais, other = dlc.decompress_token(token)
    assert other == {"arv": "true", "donor": "bmgf"}
    assert dlc.build_path(ais, other) == "/01/05412345000013?17=290331&arv=true&donor=bmgf"


def test_each_value_encoding():
    for value in ("0012", "abc123", "ABC123", "Ab-_z9", "a b&c%"):
        token = dlc.compress_elements({"01": "05412345000013", "21": value})
        assert dlc.decompress_token(token)[0]["21"] == value


@pytest.mark.parametrize("token", ["AA", "_____________", "9QnYUc1gmg", "AQnYUc1g"])
def test_garbage_is_refused(token):
    with pytest.raises(dlc.CompressionError):
        dlc.decompress_token(token)


def test_values_that_do_not_fit_are_refused():
    with pytest.raises(dlc.CompressionError):
        dlc.compress_elements({"01": "0541234500001"})  # 13 digits for N14
    with pytest.raises(dlc.CompressionError):
        dlc.compress_elements({"01": "05412345000013", "10": "X" * 21})
    with pytest.raises(dlc.CompressionError):
        dlc.compress_elements({"01": "05412345000013", "10": "lô"})  # not 7-bit ASCII


gtins = st.integers(min_value=0, max_value=10**13 - 1).map(lambda n: f"{n:013d}" + gs1.check_digit(f"{n:013d}"))
printable = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(gtin=gtins, lot=st.none() | printable, serial=st.none() | printable, cpv=st.none() | printable,
       expiry=st.none() | st.from_regex(r"\A[0-9]{6}\Z"), optimise=st.booleans())
def test_round_trip(gtin, lot, serial, cpv, expiry, optimise):
    ais = {"01": gtin}
    for ai, value in (("10", lot), ("21", serial), ("22", cpv), ("17", expiry)):
        if value is not None:
            ais[ai] = value
    token = dlc.compress_elements(ais, optimise=optimise)
    assert dlc.TOKEN_RE.fullmatch(token)
    assert dlc.decompress_token(token) == (ais, {})
    # and through whole paths
    path = dlc.build_path(ais)
    assert dlc.expand(dlc.compress_path(path, optimise=optimise))[0] == ais


# --- Through the resolver --------------------------------------------------------------------------

@pytest.fixture
def c():
    return Client()


@pytest.mark.django_db
def test_compressed_uri_resolves_as_the_uncompressed_one(c, lot):
    gtin = lot.product.gtin
    token = dlc.compress_elements({"01": gtin, "10": lot.code})
    plain = c.get(f"/01/{gtin}/10/{lot.code}")
    r = c.get(f"/{token}")
    assert r.status_code == 307 == plain.status_code
    assert r["Location"] == plain["Location"]
    assert f'<http://testserver/01/{gtin}/10/{lot.code}>; rel="owl:sameAs"' in r["Link"]
    assert 'rel="linkset"' in r["Link"]
    assert r["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_compressed_uri_linkset_and_query_attributes(c, lot):
    gtin = lot.product.gtin
    token = dlc.compress_elements({"01": gtin, "10": lot.code, "17": "271231"})
    r = c.get(f"/{token}", {"linkType": "linkset"})
    assert r.status_code == 200 and r["Content-Type"] == "application/linkset+json"
    anchors = [ctx["anchor"] for ctx in r.json()["linkset"]]
    assert anchors == [f"http://testserver/01/{gtin}/10/{lot.code}", f"http://testserver/01/{gtin}"]
    assert f'<http://testserver/01/{gtin}/10/{lot.code}?17=271231>; rel="owl:sameAs"' in r["Link"]
    r = c.get(f"/{token}")
    assert r.status_code == 307 and "17=271231" in r["Location"]


@pytest.mark.django_db
def test_compressed_uri_redirects_to_requested_link_type(c, lot):
    services.add_link(actor=SYSTEM, product=lot.product, link_type="gs1:certificationInfo",
                      target_url="https://cert.example/vietgap", title="VietGAP")
    token = dlc.compress_elements({"01": lot.product.gtin})
    r = c.get(f"/{token}", {"linkType": "gs1:certificationInfo"})
    assert r.status_code == 307 and r["Location"].startswith("https://cert.example/vietgap")


@pytest.mark.django_db
def test_partially_compressed_uri(c, lot):
    gtin = lot.product.gtin
    r = c.get(dlc.compress_path(f"/01/{gtin}/10/{lot.code}", partial=True))
    assert r.status_code == 307
    assert f'<http://testserver/01/{gtin}/10/{lot.code}>; rel="owl:sameAs"' in r["Link"]


@pytest.mark.django_db
def test_compressed_uri_head_and_options(c, lot):
    token = dlc.compress_elements({"01": lot.product.gtin})
    assert c.head(f"/{token}").status_code == 307
    r = c.options(f"/{token}")
    assert r.status_code == 204 and "OPTIONS" in r["Allow"]


@pytest.mark.django_db
def test_compressed_uri_errors(c, product):
    unknown = gs1.make_gtin13("893999999", 1)
    r = c.get("/" + dlc.compress_elements({"01": "0" + unknown}))
    assert r.status_code == 404 and 'rel="owl:sameAs"' in r["Link"]
    bad = product.gtin[:-1] + str((int(product.gtin[-1]) + 1) % 10)
    r = c.get("/" + dlc.compress_elements({"01": bad}))
    assert r.status_code == 400 and f"phải là {product.gtin[-1]}" in r.content.decode()
    r = c.get("/" + dlc.compress_elements({"00": "998440410914660971"}))  # an SSCC: not resolved here
    assert r.status_code == 404 and "AI 01" in r.content.decode()
    r = c.get("/_____________")  # not compressed data at all: the site's ordinary 404
    assert r.status_code == 404 and "owl:sameAs" not in r.get("Link", "")


@pytest.mark.django_db
@pytest.mark.urls("tests.resolver.urls_slash")
def test_other_pages_without_their_slash_still_redirect(c):
    # `/cooperatives` is base64url-shaped, but `/cooperatives/` is a page: APPEND_SLASH as usual.
    r = c.get("/cooperatives", {"q": "1"})
    assert r.status_code == 301 and r["Location"] == "/cooperatives/?q=1"
