"""The resolver through a real HTTP server: real headers, HEAD, OPTIONS, CORS, redirects."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def request(live_server, method, path, headers=None):
    parts = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_get_redirect_headers(live_server, lot):
    status, headers, body = request(live_server, "GET", f"/01/{lot.product.gtin}/10/{lot.code}?17=261130")
    assert status == 307
    assert headers["location"].endswith(f"/scan/01/{lot.product.gtin}/10/{lot.code}/?17=261130")
    assert headers["access-control-allow-origin"] == "*"
    assert "Link" in headers["access-control-expose-headers"]
    assert 'rel="linkset"' in headers["link"]


def test_head_has_headers_and_no_body(live_server, lot):
    status, headers, body = request(live_server, "HEAD", f"/01/{lot.product.gtin}/10/{lot.code}")
    assert status == 307 and body == b""
    assert "location" in headers and 'rel="linkset"' in headers["link"]


def test_options_preflight(live_server, product):
    status, headers, body = request(live_server, "OPTIONS", f"/01/{product.gtin}",
                                    {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"})
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert "GET" in headers["access-control-allow-methods"]


def test_linkset_over_http(live_server, lot):
    status, headers, body = request(live_server, "GET", f"/01/{lot.product.gtin}/10/{lot.code}",
                                    {"Accept": "application/linkset+json"})
    assert status == 200 and headers["content-type"] == "application/linkset+json"
    data = json.loads(body)
    assert data["linkset"][0]["anchor"].startswith(live_server.url)


def test_errors_over_http(live_server, product):
    assert request(live_server, "GET", "/01/12345678901X")[0] == 400
    assert request(live_server, "GET", "/01/08930000000019")[0] == 404
    status, headers, _ = request(live_server, "GET", "/.well-known/gs1resolver")
    assert status == 200 and headers["content-type"].startswith("application/json")


def test_scan_page_over_http_is_cacheable(live_server, lot):
    status, headers, body = request(live_server, "GET", f"/scan/01/{lot.product.gtin}/10/{lot.code}/")
    assert status == 200
    assert "s-maxage=" in headers["cache-control"] and headers["etag"]
    status, _h, body = request(live_server, "GET", f"/scan/01/{lot.product.gtin}/10/{lot.code}/",
                               {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""


def test_compressed_uri_over_http(live_server, lot):
    from htxconnect.resolver.dl_compression import compress_elements

    token = compress_elements({"01": lot.product.gtin, "10": lot.code, "17": "261130"})
    status, headers, body = request(live_server, "GET", f"/{token}")
    assert status == 307
    assert headers["location"].endswith(f"/scan/01/{lot.product.gtin}/10/{lot.code}/?17=261130")
    assert f'<{live_server.url}/01/{lot.product.gtin}/10/{lot.code}?17=261130>; rel="owl:sameAs"' in headers["link"]
    assert headers["access-control-allow-origin"] == "*"
