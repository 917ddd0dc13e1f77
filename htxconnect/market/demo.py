"""Demo market (idempotent; runs after the registry's and the events' demo): buyers, offers and
demands that show matching across regional names, a connection through to a signed contract.

Facts the articles do not give (which cooperative grows khóm, prices, quantities, the buyers'
needs, certificate numbers) are demo data and say so in their notes. The cooperatives are the
registry's real ones from the two articles.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from htxconnect.core.actors import system_actor
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import Certification, Organization, Product

from . import services
from .models import Buyer, Connection, Demand, Offer

DEMO = system_actor("load_demo")  # demo data is written by the system, unchecked
NOTE = "Dữ liệu trình diễn: số lượng, giá và nhu cầu là giả định, không có trong bài viết."


def _org(name):
    return Organization.objects.filter(name=name).first()


def _product(org, name, category, months):
    product = Product.objects.filter(producer=org, name=name).first()
    if product is None:
        product = registry_services.create_product(actor=DEMO, producer=org, name=name, category=category,
                                                   unit="kg", season_months=months, description=NOTE)
    return product


def _vietgap(org, product, number, issued, expires):
    if not Certification.objects.filter(organization=org, number=number).exists():
        registry_services.create_certification(actor=DEMO, organization=org, product=product,
                                               type=Certification.Type.VIETGAP, number=number,
                                               issuer="Tổ chức chứng nhận (dữ liệu mẫu)", issue_date=issued,
                                               expiry_date=expires)


def _buyer(name, kind, province, username=None, **fields):
    buyer = Buyer.objects.filter(name=name).first()
    if buyer is None:
        buyer = services.create_buyer(actor=DEMO, name=name, kind=kind, province_code=province, **fields)
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is not None:
            buyer.users.add(user)
    return buyer


def load(stdout):
    today = timezone.localdate()
    year = today.year
    ben_ba_chi = _org("HTX làm vườn Bến Bà Chi")
    binh_phuoc_xuan = _org("HTX Sản xuất GAP Bình Phước Xuân")
    nhan_duc = _org("HTX Nhân Đức")
    if not (ben_ba_chi and binh_phuoc_xuan and nhan_duc):
        stdout.write("  thị trường: bỏ qua (chưa có dữ liệu mẫu của sổ đăng ký)")
        return
    khom = _product(ben_ba_chi, "Khóm Bến Bà Chi", "fruit", [3, 4, 5, 6])
    _vietgap(ben_ba_chi, khom, "VIETGAP-DEMO-0101", datetime.date(year - 1, 12, 1), datetime.date(year + 1, 12, 31))
    thom_gap = _product(binh_phuoc_xuan, "Dứa Cù lao Giêng", "fruit", [4, 5, 6, 7])
    kho_qua = _product(nhan_duc, "Khổ qua Nhân Đức", "vegetable", list(range(1, 13)))
    _vietgap(nhan_duc, kho_qua, "VIETGAP-DEMO-0102", datetime.date(year - 2, 1, 10), datetime.date(year - 1, 1, 9))

    offers = {}
    # Prices are per unit of the offer: đồng a tonne for tonnes (a kilogram of khóm sells for ~10.000 đ).
    for org, product, title, qty, unit, months, low, high in [
        (ben_ba_chi, khom, "khóm Bến Bà Chi", 20, "tan", [3, 4, 5, 6], 9_000_000, 12_000_000),
        (binh_phuoc_xuan, thom_gap, "", 8, "tan", [4, 5, 6, 7], 10_000_000, 14_000_000),
        (nhan_duc, kho_qua, "", 500, "kg", list(range(1, 13)), 15000, 18000),
    ]:
        offer = Offer.objects.filter(organization=org, product=product).first()
        if offer is None:
            offer = services.create_offer(actor=DEMO, organization=org, product=product, title=title,
                                          quantity=Decimal(qty), unit=unit, months=months, price_min=low,
                                          price_max=high, delivery_area="Đồng bằng sông Cửu Long, TP.HCM",
                                          expires_on=today + datetime.timedelta(days=180), note=NOTE)
        offers[product.name] = offer

    saigon = _buyer("Công ty Thực phẩm Sạch Sài Gòn", Buyer.Kind.SUPERMARKET, "79", username="doanhnghiep",
                    address="Thủ Đức, TP.HCM", contact_name="Phòng thu mua", phone="028 0000 0000",
                    email="thumua@demo.htxconnect.vn")
    school = _buyer("Bếp ăn Trường Tiểu học (dữ liệu mẫu)", Buyer.Kind.SCHOOL_KITCHEN, "91",
                    contact_name="Tổ bếp", phone="0296 000 000")
    start = today + datetime.timedelta(days=7)
    demands = {}
    for buyer, name, qty, unit, freq, certs, province, low, high, days in [
        (saigon, "thơm", 2, "tan", Demand.Frequency.WEEKLY, ["vietgap"], "79", 10_000_000, 13_000_000, 120),
        (school, "mướp đắng", 60, "kg", Demand.Frequency.WEEKLY, ["vietgap"], "91", 14000, 17000, 90),
    ]:
        demand = Demand.objects.filter(buyer=buyer, product_name=name).first()
        if demand is None:
            demand = services.create_demand(actor=DEMO, buyer=buyer, product_name=name, quantity=Decimal(qty),
                                            unit=unit, frequency=freq, required_certifications=certs,
                                            province_code=province, price_min=low, price_max=high, starts_on=start,
                                            ends_on=start + datetime.timedelta(days=days), note=NOTE)
        demands[name] = demand

    # The khóm offer and the "thơm" demand, followed through to a signed contract.
    offer, demand = offers["Khóm Bến Bà Chi"], demands["thơm"]
    connection = Connection.objects.filter(offer=offer, demand=demand).first()
    buyer_user = saigon.users.first()
    if connection is None and buyer_user is not None:
        connection = services.request_connection(actor=buyer_user, offer_id=offer.pk, demand_id=demand.pk,
                                                 message="Chúng tôi cần 2 tấn thơm mỗi tuần, có VietGAP.")
        # The cooperative has no user account in the demo: it answers as the system (actor None).
        services.accept_connection(actor=DEMO, connection_id=connection.pk)
        services.send_message(actor=buyer_user, connection_id=connection.pk, body="Xin gửi mẫu 5 trái để kiểm tra độ ngọt.")
        services.move_stage(actor=DEMO, connection_id=connection.pk, stage=Connection.Stage.SAMPLES)
        services.move_stage(actor=DEMO, connection_id=connection.pk, stage=Connection.Stage.NEGOTIATING)
        services.record_deal(actor=buyer_user, connection_id=connection.pk, number="01/2026/HĐLK-DEMO",
                             product_name="Khóm (thơm) tươi", quantity=Decimal(32), unit="tan",
                             quality="Trái 1,2–1,8 kg, chín 30–50%, đạt VietGAP", price_method="Giá cố định theo hợp đồng",
                             unit_price=11_000_000, delivery_terms="Giao hằng tuần tại kho bên mua ở Thủ Đức",
                             payment_terms="Chuyển khoản trong 15 ngày sau mỗi lần giao",
                             responsibilities="Bên A bảo đảm chất lượng và số lượng; bên B bao tiêu đúng giá.",
                             starts_on=demand.starts_on, ends_on=demand.ends_on, signed_on=today)
    stdout.write(f"  thị trường: {Offer.objects.count()} chào bán, {Demand.objects.count()} nhu cầu, "
                 f"{Connection.objects.count()} kết nối")
