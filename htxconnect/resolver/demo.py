"""Demo traceability data (idempotent): the five cooperatives of the Bình Dương report that
received barcodes, with DEMO company prefixes, places, lots and a few weeks of journey events
(harvest → sort → pack → ship → receive); one lot recalled. Runs after the registry's demo."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from htxconnect.core.actors import system_actor
from htxconnect.registry.models import Organization, Product

from . import services, steps
from .models import CompanyPrefix, Link, Location, Lot

DEMO = system_actor("load_demo")  # demo data is written by the system, unchecked

# (cooperative, demo prefix, farm, packing house)
COOPERATIVES = [
    ("HTX Ổi Thanh Kiên", "893999901", "Vườn ổi Thanh Kiên (Phú Giáo)", "Nhà sơ chế HTX Ổi Thanh Kiên"),
    ("HTX Tân Nông Phát", "893999902", "Vườn bưởi Tân Nông Phát (Tân Uyên)", "Nhà đóng gói Tân Nông Phát"),
    ("HTX Nhân Đức", "893999903", "Nhà màng rau Nhân Đức (Bắc Tân Uyên)", "Kho sơ chế rau Nhân Đức"),
    ("HTX Nấm sạch Bình Dương", "893999904", "Trại nấm Bến Cát", "Xưởng đóng gói nấm Bến Cát"),
    ("HTX Minh Hòa Phát", "893999905", "Vườn mít Minh Hòa (Dầu Tiếng)", "Nhà sơ chế Minh Hòa Phát"),
]
BUYER_PLACE = "Kho Công ty Thực phẩm Sạch Sài Gòn (Thủ Đức)"
RECALLED = ("HTX Nhân Đức", "RAU-2611-02", "Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng trong mẫu kiểm tra.")
D = datetime.date


def _owner():
    users = get_user_model().objects
    return users.filter(username="htx.oithanhkien").first() or users.filter(is_superuser=True).first() or users.first()


def _lot_codes(product: Product, index: int) -> list[tuple[str, datetime.date]]:
    prefix = {"fruit": "TC", "vegetable": "RAU", "mushroom": "NAM"}.get(product.category, "LO")
    if "Ổi" in product.name:
        prefix = "OI"
    today = timezone.localdate()
    first = today - datetime.timedelta(days=30)
    return [(f"{prefix}-{first:%y%m}-{index:02d}", first - datetime.timedelta(days=index)),
            (f"{prefix}-{today - datetime.timedelta(days=10):%y%m}-{index + 1:02d}", today - datetime.timedelta(days=10))]


def _journey(lot: Lot, farm: Location, house: Location, buyer: Location, owner) -> None:
    start = timezone.make_aware(datetime.datetime.combine(lot.production_date, datetime.time(6, 30)))
    qty = lot.quantity or Decimal("100")
    plan = [("harvest", 0, farm, None), ("sort", 4, house, None), ("pack", 8, house, None),
            ("ship", 26, house, buyer), ("receive", 31, buyer, None)]
    for step, hours, place, destination in plan:
        when = start + datetime.timedelta(hours=hours)
        if when > timezone.now():
            break
        steps.record_step(actor=DEMO, owner=owner, lot=lot, step=step, when=when, location=place, quantity=qty,
                          destination=destination)


def load(stdout):
    owner = _owner()
    if owner is None:
        stdout.write("  truy xuất: bỏ qua (chưa có người dùng)")
        return
    made = 0
    for name, prefix, farm_name, house_name in COOPERATIVES:
        org = Organization.objects.filter(name=name).first()
        if org is None:
            continue
        if not CompanyPrefix.objects.filter(prefix=prefix).exists():
            services.register_company_prefix(actor=DEMO, organization=org, prefix=prefix, is_demo=True)
        farm = Location.objects.filter(organization=org, name=farm_name).first() or services.create_location(
            actor=DEMO, organization=org, name=farm_name, address=org.address)
        house = Location.objects.filter(organization=org, name=house_name).first() or services.create_location(
            actor=DEMO, organization=org, name=house_name, address=org.address)
        buyer = Location.objects.filter(organization=org, name=BUYER_PLACE).first() or services.create_location(
            actor=DEMO, organization=org, name=BUYER_PLACE)
        for index, product in enumerate(Product.objects.filter(producer=org).order_by("pk"), start=1):
            if not product.gtin:
                services.assign_gtin(actor=DEMO, product=product)
                product.refresh_from_db()
            for code, produced in _lot_codes(product, index * 2 - 1):
                # The recall is of the cooperative's first product (its safe vegetables) only; other
                # apps' demos add products to the same cooperative.
                if (product.producer.name == RECALLED[0] and index == 1
                        and produced > timezone.localdate() - datetime.timedelta(days=15)):
                    code = RECALLED[1]
                if Lot.objects.filter(product=product, code=code).exists():
                    continue
                shelf = 7 if product.category in ("vegetable", "mushroom") else 20
                if "sấy" in product.name:
                    shelf = 365
                lot = services.create_lot(actor=DEMO, product=product, code=code, production_date=produced,
                                          expiry_date=produced + datetime.timedelta(days=shelf),
                                          quantity=Decimal("250"), origin=farm)
                _journey(lot, farm, house, buyer, owner)
                made += 1
            if not Link.objects.filter(product=product).exists() and org.website:
                services.add_link(actor=DEMO, product=product, link_type=Link.LinkType.HAS_RETAILERS,
                                  target_url=org.website, title=org.name)
    recalled = Lot.objects.filter(product__producer__name=RECALLED[0], code=RECALLED[1], recalled_at__isnull=True).first()
    if recalled is not None:
        services.recall_lot(actor=DEMO, lot=recalled, reason=RECALLED[2], hotline="1800 6838",
                            return_to="Cửa hàng đã mua hoặc trụ sở HTX Nhân Đức; được hoàn tiền đầy đủ.")
    stdout.write(f"  truy xuất: {made} lô mới, {Lot.objects.count()} lô, "
                 f"{CompanyPrefix.objects.filter(is_demo=True).count()} mã doanh nghiệp mẫu")
