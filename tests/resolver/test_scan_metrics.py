"""Scans are counted in the Prometheus metrics (htx_scans_total by kind), once per recorded scan."""

import pytest
from django.test import Client
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db


def scans(kind):
    return REGISTRY.get_sample_value("htx_scans_total", {"kind": kind}) or 0.0


def test_scans_are_counted_by_kind(lot):
    from htxconnect.resolver.models import ScanEvent

    before = {kind: scans(kind) for kind in ("lot", "serial", "product")}
    client = Client()
    gtin = lot.product.gtin
    assert client.get(f"/01/{gtin}/10/{lot.code}").status_code == 307
    assert client.get(f"/01/{gtin}/10/{lot.code}").status_code == 307
    assert client.get(f"/01/{gtin}/10/{lot.code}/21/12345").status_code == 307
    assert client.get(f"/01/{gtin}").status_code == 307
    assert client.head(f"/01/{gtin}/10/{lot.code}").status_code == 307  # a HEAD is not a scan
    assert ScanEvent.objects.count() == 4
    assert scans("lot") - before["lot"] == 2
    assert scans("serial") - before["serial"] == 1
    assert scans("product") - before["product"] == 1
