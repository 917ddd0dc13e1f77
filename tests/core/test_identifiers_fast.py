"""canonical_epc's fast path (Digital Link GTIN + serial/lot, SGTIN URN) gives what the full
parser (GS1Key + biip's AI table) gives, or steps aside; the expected values are the full path's
and, for the fixed cases, GS1's own examples (TDS: urn:epc:id:sgtin:0614141.812345.6789 is
GTIN 80614141123458 with serial 6789)."""

import string

from hypothesis import given, strategies as st

from htxconnect.core import identifiers as ids

SERIAL_CHARS = string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_ ~é#/" + "%2F%20%41"


def test_published_pairs():
    assert ids.canonical_epc("urn:epc:id:sgtin:0614141.812345.6789") == "https://id.gs1.org/01/80614141123458/21/6789"
    assert ids._fast_canonical("urn:epc:id:sgtin:0614141.812345.6789") == "https://id.gs1.org/01/80614141123458/21/6789"
    assert ids._fast_canonical("https://example.com/01/09506000134352/10/ABC%2F1") == \
        "https://id.gs1.org/01/09506000134352/10/ABC%2F1"
    assert ids._fast_canonical("https://example.com/01/09506000134353/21/1") is None  # wrong check digit
    assert ids._fast_canonical("https://id.gs1.org/01/09506000134352/21/1?17=261231") is None  # full path


def _agrees(value):
    fast = ids._fast_canonical(value)
    if fast is not None:
        assert fast == ids._canonical_epc_full(value), value
    assert ids.canonical_epc(value) == ids._canonical_epc_full(value)


gtins = st.text("0123456789", min_size=13, max_size=13).flatmap(
    lambda body: st.sampled_from([body + str(ids.gs1_standard_check_digit(body)), body + "0"]))
serials = st.text(SERIAL_CHARS, min_size=0, max_size=24)


@given(host=st.sampled_from(["https://id.gs1.org", "http://example.vn", "https://a.b:8080", "HTTPS://x.y"]),
       gtin=gtins, ai=st.sampled_from(["21", "10", "22"]), serial=serials)
def test_digital_links(host, gtin, ai, serial):
    _agrees(f"{host}/01/{gtin}/{ai}/{serial}")


@given(cp=st.text("0123456789", min_size=5, max_size=13), ref=st.text("0123456789٣", min_size=0, max_size=8),
       serial=serials, scheme=st.sampled_from(["sgtin", "SGTIN", "lgtin"]))
def test_sgtin_urns(cp, ref, serial, scheme):
    _agrees(f"urn:epc:id:{scheme}:{cp}.{ref}.{serial}")
