"""The demo data: the five barcode cooperatives of the Bình Dương article tell a story."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import strip_tags

from htxconnect.resolver.demo import COOPERATIVES, RECALLED
from htxconnect.resolver.models import CompanyPrefix, Lot
from htxconnect.trace.models import EPCISEvent

pytestmark = pytest.mark.django_db


def test_demo_is_complete_and_idempotent():
    call_command("load_demo", stdout=io.StringIO())
    assert CompanyPrefix.objects.filter(is_demo=True).count() == len(COOPERATIVES)
    for name, *_rest in COOPERATIVES:
        lots = Lot.objects.filter(product__producer__name=name)
        assert lots.count() >= 2, name
    assert EPCISEvent.objects.filter(public=True).count() >= 40
    recalled = Lot.objects.get(product__producer__name=RECALLED[0], code=RECALLED[1])
    assert recalled.recalled_at is not None
    counts = (Lot.objects.count(), EPCISEvent.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Lot.objects.count(), EPCISEvent.objects.count()) == counts

    lot = Lot.objects.filter(product__producer__name="HTX Ổi Thanh Kiên", recalled_at__isnull=True) \
        .order_by("production_date").first()
    r = Client().get(f"/01/{lot.product.gtin}/10/{lot.code}", follow=True)
    text = strip_tags(r.content.decode())
    assert "Thu hoạch tại Vườn ổi Thanh Kiên" in text and "Nhận hàng tại" in text
    r = Client().get(f"/scan/01/{recalled.product.gtin}/10/{recalled.code}/")
    assert "LÔ HÀNG ĐÃ BỊ THU HỒI" in r.content.decode()
