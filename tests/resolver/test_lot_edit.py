"""Correcting a lot: its manager changes dates and visibility (the scan page follows); its code and
product, printed on labels, cannot change; a wrong date is explained and kept on the form."""

import datetime

import pytest

from htxconnect.resolver.models import Lot

pytestmark = pytest.mark.django_db


def test_the_manager_corrects_the_expiry_date_and_the_scan_page_shows_it(lot, as_user, users):
    from htxconnect.registry.models import OrganizationUser

    OrganizationUser.objects.get_or_create(user=users["coop_manager"], organization=lot.product.producer)
    client = as_user(users["coop_manager"])
    page = client.get(f"/trace/lots/{lot.pk}/edit/")
    assert page.status_code == 200 and 'name="code"' not in page.content.decode()
    response = client.post(f"/trace/lots/{lot.pk}/edit/", {
        "production_date": lot.production_date.isoformat(), "expiry_date": "2027-03-31", "is_public": "on"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.expiry_date == datetime.date(2027, 3, 31)
    assert "31/03/2027" in client.get(f"/scan/01/{lot.product.gtin}/10/{lot.code}/").content.decode()


def test_an_expiry_before_production_is_refused_and_kept(lot, as_user, users):
    client = as_user(users["admin"])
    response = client.post(f"/trace/lots/{lot.pk}/edit/", {
        "production_date": "2026-05-01", "expiry_date": "2026-04-01", "is_public": "on"})
    html = response.content.decode()
    assert response.status_code == 200 and 'value="2026-04-01"' in html
    assert Lot.objects.get(pk=lot.pk).expiry_date != datetime.date(2026, 4, 1)
