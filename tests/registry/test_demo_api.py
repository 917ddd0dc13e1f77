"""Demo data (every seed organisation, idempotent) and the REST API."""

import io

import pytest
from django.test import Client

from htxconnect.registry import demo
from htxconnect.registry.models import Certification, IPRight, IPUsageGrant, Organization, Product

pytestmark = pytest.mark.django_db

SEED_NAMES = [
    "HTX Hồng Đức", "HTX Ổi Thanh Kiên", "HTX Tân Nông Phát", "HTX Nhân Đức", "HTX Nấm sạch Bình Dương",
    "HTX Minh Hòa Phát", "HTX nông nghiệp Bông Trang", "HTX Tân Hiệp An", "HTX Chăn nuôi Tâm Phát",
    "HTX Cao su Nhật Hưng", "HTX Nông nghiệp Vĩnh Thắng", "HTX Nông nghiệp An Bình", "HTX Nông nghiệp Vĩnh Bình",
    "HTX Sản xuất Kinh doanh Dịch vụ Nông nghiệp Chợ Mới", "HTX làm vườn Bến Bà Chi", "HTX Nông nghiệp Long Bình",
    "HTX Nông sản An toàn Kiến An - Chợ Mới", "HTX Sản xuất GAP Bình Phước Xuân",
    "HTX sản xuất rau an toàn Bình Thạnh", "Sở Khoa học và Công nghệ tỉnh An Giang",
]


@pytest.fixture
def loaded(db):
    from htxconnect.accounts import demo as accounts_demo

    out = io.StringIO()
    accounts_demo.load(out)
    demo.load_seed(out)
    return out


def test_every_seed_organisation_with_facts(loaded):
    present = set(Organization.objects.values_list("name", flat=True))
    assert set(SEED_NAMES) <= present
    oi = Organization.objects.get(name="HTX Ổi Thanh Kiên")
    assert oi.address_as_written == "huyện Phú Giáo, tỉnh Bình Dương"
    assert oi.province_code == "79" and oi.ward_code  # converted to current units
    assert {c.organization.name for c in Certification.objects.filter(type="iso_9001")} == {"HTX Hồng Đức",
                                                                                             "HTX Ổi Thanh Kiên"}
    barcoded = {p.producer.name for p in Product.objects.exclude(gtin=None)}
    assert barcoded == {"HTX Ổi Thanh Kiên", "HTX Tân Nông Phát", "HTX Nhân Đức", "HTX Nấm sạch Bình Dương",
                        "HTX Minh Hòa Phát"}
    assert all(p.gtin.startswith("0893") for p in Product.objects.exclude(gtin=None))
    guidance = IPRight.objects.filter(kind="trademark", status="guidance")
    assert {r.owner.name for r in guidance} == {"HTX nông nghiệp Bông Trang", "HTX Tân Hiệp An", "HTX Chăn nuôi Tâm Phát"}
    assert IPRight.objects.get(name="HTX. NÔNG SẢN AN TOÀN KIẾN AN - CHỢ MỚI").kind == "collective_mark"
    assert IPRight.objects.get(name="HTX TRÁI CÂY GAP CÙ LAO GIÊNG").owner.name == "HTX Sản xuất GAP Bình Phước Xuân"
    nhcn = IPRight.objects.get(name="An Giang", kind="certification_mark")
    assert nhcn.owner.name == "Sở Khoa học và Công nghệ tỉnh An Giang"
    assert IPUsageGrant.objects.filter(ip_right=nhcn).count() == 14  # 8 first units + 6 named cooperatives
    # No ward guessed silently: a province-only address is flagged for review.
    assert Organization.objects.get(name="HTX Tân Hiệp An").address_needs_review
    assert oi.user_links.filter(user__username="htx.oithanhkien").exists()


def test_demo_load_idempotent_and_generated(loaded):
    out = io.StringIO()
    demo.load(out)
    counts = (Organization.objects.count(), Product.objects.count(), Certification.objects.count(),
              IPUsageGrant.objects.count())
    assert Organization.objects.filter(registration_number__startswith=demo.GENERATED_MARK).count() >= 250
    assert Organization.objects.values("province_code").distinct().count() >= 5
    demo.load(out)
    assert counts == (Organization.objects.count(), Product.objects.count(), Certification.objects.count(),
                      IPUsageGrant.objects.count())


def test_api_organisations_and_products(loaded):
    from htxconnect.accounts.models import User
    from tests.conftest import signed_in_client

    clients = {name: signed_in_client(User.objects.get(username=username))
               for name, username in [("admin", "admin"), ("officer", "canbo.khcn"), ("buyer", "doanhnghiep")]}
    response = clients["admin"].get("/api/v1/organisations", {"q": "hong duc"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["results"][0]["name"] == "HTX Hồng Đức"
    response = clients["officer"].get("/api/v1/organisations", {"page_size": 5})
    assert response.json()["count"] == 0 or all(r["province_code"] == "79" for r in response.json()["results"])
    response = clients["admin"].get("/api/v1/products", {"q": "oi thanh kien"})
    product = response.json()["results"][0]
    assert product["gtin"] and len(product["gtin"]) == 14 and product["gtin_display"].startswith("893")
    gtin = product["gtin_display"]
    assert clients["admin"].get("/api/v1/products", {"gtin": gtin}).json()["count"] == 1
    assert Client().get("/api/v1/organisations").status_code == 401
    assert clients["buyer"].get("/api/v1/organisations").status_code == 403
