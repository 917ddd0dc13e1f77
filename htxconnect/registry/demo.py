"""Demo data of the registry (idempotent): every organisation, product, certification and mark
named in the two seed articles (/work/shared/seeds), with their addresses as the articles wrote
them converted to current units, plus a few hundred generated cooperatives.

Facts the articles do not give (products of some cooperatives, certificate numbers, GTINs,
dates) are demo values and say so: GTINs use the demo range 893 9999 (GS1 Vietnam prefix 893,
company number 9999 is not a real allocation).
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from htxconnect.core.actors import system_actor

from . import services, units
from .models import (
    Certification, IPRight, IPUsageGrant, Membership, OcopRating, Organization, OrganizationUser, Person, Product,
    Sector,
)
from htxconnect.core.identifiers import check_digit as gtin_check_digit

DEMO = system_actor("load_demo")  # demo data is written by the system, unchecked

D = datetime.date
BINH_DUONG_REPORT = "Báo cáo Chương trình phối hợp Sở KH&CN – Liên minh HTX tỉnh Bình Dương giai đoạn 2016–2020"
AN_GIANG_REPORT = "Báo cáo sơ kết 6 tháng đầu năm 2020 của Liên minh HTX tỉnh An Giang (hội nghị 09/7/2020)"
DEMO_GTIN_COMPANY = "8939999"  # GS1 Vietnam prefix 893 + demo company number 9999 (not a real allocation)
GENERATED_MARK = "DEMO-GEN-"


def demo_gtin(item: int) -> str:
    body = f"{DEMO_GTIN_COMPANY}{item:05d}"
    return body + gtin_check_digit(body)


# When an old district alone was written (no commune), the converter names no single ward.
# The demo picks one explicitly, documented here: the ward that kept the district's name (the
# former district town). Anything not listed stays at province level with address_needs_review.
DISTRICT_WARD_PICKS = {
    "thị xã Bến Cát, tỉnh Bình Dương": "25813",  # Phường Bến Cát
    "huyện Phú Giáo, tỉnh Bình Dương": "25858",  # Xã Phú Giáo
    "thị xã Tân Uyên, tỉnh Bình Dương": "25888",  # Phường Tân Uyên
    "huyện Bắc Tân Uyên, tỉnh Bình Dương": "25906",  # Xã Bắc Tân Uyên
    "huyện Dầu Tiếng, tỉnh Bình Dương": "25777",  # Xã Dầu Tiếng
    "huyện Châu Thành, tỉnh An Giang": "30607",  # Xã Bình Hòa (took in the former xã Bình Thạnh)
}
LEGACY_PROVINCE = {"tỉnh Bình Dương": "79", "tỉnh An Giang": "91"}

# (name, short name, kind, address as written, sectors, description)
SEED_ORGANIZATIONS = [
    # --- Bình Dương article (now Thành phố Hồ Chí Minh) ---
    ("HTX Hồng Đức", "", "cooperative", "thị xã Bến Cát, tỉnh Bình Dương", ["trong-trot"],
     "Được hỗ trợ xây dựng hệ thống quản lý chất lượng ISO 9001:2015 (Chương trình phối hợp 2016–2020)."),
    ("HTX Ổi Thanh Kiên", "", "cooperative", "huyện Phú Giáo, tỉnh Bình Dương", ["cay-an-qua"],
     "Trồng ổi; được hỗ trợ ISO 9001:2015 và cấp mã số mã vạch."),
    ("HTX Tân Nông Phát", "", "cooperative", "thị xã Tân Uyên, tỉnh Bình Dương", ["cay-an-qua"],
     "Được hỗ trợ cấp mã số mã vạch hàng hóa."),
    ("HTX Nhân Đức", "", "cooperative", "huyện Bắc Tân Uyên, tỉnh Bình Dương", ["rau-an-toan"],
     "Được hỗ trợ cấp mã số mã vạch hàng hóa."),
    ("HTX Nấm sạch Bình Dương", "", "cooperative", "thị xã Bến Cát, tỉnh Bình Dương", ["nam"],
     "Sản xuất nấm sạch; được hỗ trợ cấp mã số mã vạch hàng hóa."),
    ("HTX Minh Hòa Phát", "", "cooperative", "huyện Dầu Tiếng, tỉnh Bình Dương", ["cay-an-qua"],
     "Được hỗ trợ cấp mã số mã vạch hàng hóa."),
    ("HTX nông nghiệp Bông Trang", "HTX Bông Trang", "cooperative", "tỉnh Bình Dương", ["trong-trot"],
     "Được hướng dẫn đăng ký xác lập quyền nhãn hiệu hàng hóa."),
    ("HTX Tân Hiệp An", "", "cooperative", "tỉnh Bình Dương", ["trong-trot"],
     "Được hướng dẫn đăng ký xác lập quyền nhãn hiệu hàng hóa."),
    ("HTX Chăn nuôi Tâm Phát", "HTX Tâm Phát", "cooperative", "tỉnh Bình Dương", ["chan-nuoi"],
     "Được hướng dẫn đăng ký nhãn hiệu; dự án ứng dụng KH&CN được xét duyệt vay vốn ưu đãi."),
    ("HTX Cao su Nhật Hưng", "", "cooperative", "tỉnh Bình Dương", ["cay-cong-nghiep"],
     "Dự án ứng dụng KH&CN được xét duyệt vay vốn ưu đãi."),
    ("Sở Khoa học và Công nghệ tỉnh Bình Dương", "Sở KH&CN Bình Dương", "agency", "tỉnh Bình Dương",
     ["quan-ly-nha-nuoc"], "Cơ quan phối hợp giai đoạn 2016–2025 (nay thuộc Thành phố Hồ Chí Minh)."),
    ("Liên minh Hợp tác xã tỉnh Bình Dương", "LM HTX Bình Dương", "agency", "tỉnh Bình Dương",
     ["quan-ly-nha-nuoc"], "Cơ quan phối hợp giai đoạn 2016–2025 (nay thuộc Thành phố Hồ Chí Minh)."),
    # --- An Giang article ---
    ("Sở Khoa học và Công nghệ tỉnh An Giang", "Sở KH&CN An Giang", "agency", "tỉnh An Giang",
     ["quan-ly-nha-nuoc"], "Chủ sở hữu nhãn hiệu chứng nhận “An Giang”."),
    ("Liên minh Hợp tác xã tỉnh An Giang", "LM HTX An Giang", "agency", "tỉnh An Giang", ["quan-ly-nha-nuoc"], ""),
    ("Trung tâm Ứng dụng tiến bộ khoa học và công nghệ tỉnh An Giang", "Trung tâm Ứng dụng tiến bộ KH&CN",
     "research_institute", "tỉnh An Giang", ["khcn"],
     "Tổ chức 03 buổi kết nối cung cầu; hoàn thiện quy trình sản xuất rượu nho rừng."),
    ("Liên hiệp Hợp tác xã Việt Nam", "", "cooperative_union", "", ["thuong-mai"],
     "Ký bản ghi nhớ với Liên minh HTX tỉnh An Giang về đầu tư xây dựng các dự án chợ."),
    ("HTX Nông nghiệp Vĩnh Thắng", "", "cooperative", "tỉnh An Giang", ["lua-gao"], "Sản phẩm gạo an toàn."),
    ("HTX Nông nghiệp An Bình", "", "cooperative", "tỉnh An Giang", ["lua-gao"], "Sản phẩm gạo an toàn."),
    ("HTX Nông nghiệp Vĩnh Bình", "", "cooperative", "tỉnh An Giang", ["lua-gao"], "Sản phẩm gạo an toàn."),
    ("HTX Sản xuất Kinh doanh Dịch vụ Nông nghiệp Chợ Mới", "HTX SX KD DV NN Chợ Mới", "cooperative",
     "tỉnh An Giang", ["che-bien", "cay-an-qua"], "Sản phẩm nước ép xoài."),
    ("HTX làm vườn Bến Bà Chi", "", "cooperative", "tỉnh An Giang", ["cay-an-qua"], ""),
    ("HTX Nông nghiệp Long Bình", "", "cooperative", "tỉnh An Giang", ["cay-an-qua"], "Sản phẩm xoài các loại."),
    ("HTX Nông sản An toàn Kiến An - Chợ Mới", "", "cooperative", "xã Kiến An, huyện Chợ Mới, tỉnh An Giang",
     ["rau-an-toan", "trong-trot"], "Chủ nhãn hiệu tập thể “HTX. NÔNG SẢN AN TOÀN KIẾN AN - CHỢ MỚI”."),
    ("HTX Sản xuất GAP Bình Phước Xuân", "", "cooperative", "xã Bình Phước Xuân, huyện Chợ Mới, tỉnh An Giang",
     ["cay-an-qua"], "Chủ nhãn hiệu tập thể “HTX TRÁI CÂY GAP CÙ LAO GIÊNG”."),
    ("HTX sản xuất rau an toàn Bình Thạnh", "HTX Bình Thạnh", "cooperative", "huyện Châu Thành, tỉnh An Giang",
     ["rau-an-toan"], "Đề nghị hỗ trợ dự án sản xuất cây con giống rau theo Quyết định 71/2019/QĐ-UBND."),
]

# The 8 first units granted the certification mark "An Giang": the article does not name them.
FIRST_NHCN_UNITS = [
    "Công ty TNHH Gạo Sạch Long Xuyên", "HTX Nông nghiệp Tân Phú Thạnh", "Cơ sở Mắm Thái Châu Đốc",
    "HTX Rau an toàn Mỹ Hòa Hưng", "Công ty CP Thực phẩm Thốt Nốt An Giang", "HTX Dịch vụ Nông nghiệp Phú An",
    "Cơ sở Khô cá lóc Tri Tôn", "HTX Trái cây Núi Cấm",
]

# (producer, product, category, unit, season months, gtin item or None, description)
SEED_PRODUCTS = [
    ("HTX Ổi Thanh Kiên", "Ổi Thanh Kiên", "fruit", "kg", list(range(1, 13)), 1, "Ổi ruột trắng giòn, thu hoạch quanh năm."),
    ("HTX Tân Nông Phát", "Bưởi da xanh Tân Nông Phát", "fruit", "kg", [8, 9, 10, 11, 12], 2,
     "Sản phẩm mẫu (bài viết không nêu sản phẩm)."),
    ("HTX Nhân Đức", "Rau an toàn Nhân Đức", "vegetable", "kg", list(range(1, 13)), 3,
     "Sản phẩm mẫu (bài viết không nêu sản phẩm)."),
    ("HTX Nấm sạch Bình Dương", "Nấm bào ngư sạch", "mushroom", "kg", list(range(1, 13)), 4, "Nấm bào ngư tươi."),
    ("HTX Nấm sạch Bình Dương", "Nấm linh chi sấy khô", "mushroom", "hộp 200 g", list(range(1, 13)), 5, ""),
    ("HTX Minh Hòa Phát", "Mít Thái Minh Hòa Phát", "fruit", "kg", [4, 5, 6, 7, 8], 6,
     "Sản phẩm mẫu (bài viết không nêu sản phẩm)."),
    ("HTX Chăn nuôi Tâm Phát", "Heo thịt Tâm Phát", "livestock", "kg", list(range(1, 13)), None, ""),
    ("HTX Cao su Nhật Hưng", "Mủ cao su", "industrial_crop", "tấn", [1, 2, 3, 10, 11, 12], None, ""),
    ("HTX Nông nghiệp Vĩnh Thắng", "Gạo an toàn Vĩnh Thắng", "rice", "kg", [3, 4, 7, 8, 11, 12], None, ""),
    ("HTX Nông nghiệp An Bình", "Gạo an toàn An Bình", "rice", "kg", [3, 4, 7, 8, 11, 12], None, ""),
    ("HTX Nông nghiệp Vĩnh Bình", "Gạo an toàn Vĩnh Bình", "rice", "kg", [3, 4, 7, 8, 11, 12], None, ""),
    ("HTX Sản xuất Kinh doanh Dịch vụ Nông nghiệp Chợ Mới", "Nước ép xoài Chợ Mới", "beverage", "chai 330 ml",
     list(range(1, 13)), None, ""),
    ("HTX Nông nghiệp Long Bình", "Xoài các loại Long Bình", "fruit", "kg", [3, 4, 5, 6], None,
     "Xoài cát Hòa Lộc, xoài cát Chu, xoài Đài Loan."),
    ("HTX Nông sản An toàn Kiến An - Chợ Mới", "Rau màu an toàn Kiến An", "vegetable", "kg", list(range(1, 13)), None, ""),
    ("HTX Sản xuất GAP Bình Phước Xuân", "Trái cây GAP Cù lao Giêng", "fruit", "kg", list(range(1, 13)), None, ""),
    ("HTX sản xuất rau an toàn Bình Thạnh", "Cây con giống rau Bình Thạnh", "vegetable", "khay", list(range(1, 13)),
     None, ""),
]


def _system_user(username):
    return get_user_model().objects.filter(username=username).first()


def _address_fields(written: str) -> dict:
    """Current-unit fields for an address as written, never guessing a ward silently."""
    if not written:
        return {"address_as_written": ""}
    fields = {"address_as_written": written}
    pick = DISTRICT_WARD_PICKS.get(written)
    if written in LEGACY_PROVINCE:
        fields.update(province_code=LEGACY_PROVINCE[written], address_needs_review=True)
        return fields
    conversion = units.convert_legacy_address(written)
    if conversion.status == "converted" and conversion.ward is not None:
        fields.update(ward_code=conversion.ward.code, province_code=conversion.ward.province_code)
    elif pick and (not conversion.candidates or pick in {c.code for c in conversion.candidates}):
        fields.update(ward_code=pick)
    elif conversion.province is not None:
        fields.update(province_code=conversion.province.code, address_needs_review=True)
    else:
        fields.update(address_needs_review=True)
    return fields


def _org(name, **fields):
    existing = Organization.objects.filter(name=name).first()
    if existing is not None:
        return existing
    sectors = fields.pop("sectors", [])
    return services.create_organization(actor=DEMO, name=name, sectors=sectors, **fields)


def _verify(obj, officer, against):
    if officer is not None and obj.verified_at is None:
        obj.verified_by, obj.verified_at, obj.verified_against = officer, timezone.now(), against
        obj.save(update_fields=["verified_by", "verified_at", "verified_against"])


def load_seed(stdout=None) -> dict[str, Organization]:
    officer_hcm = _system_user("canbo.khcn")
    officer_ag = _system_user("canbo.angiang")
    orgs = {}
    for name, short, kind, written, sectors, description in SEED_ORGANIZATIONS:
        orgs[name] = _org(name, short_name=short, kind=kind, sectors=sectors, description=description,
                          **_address_fields(written))
    for index, name in enumerate(FIRST_NHCN_UNITS):
        kind = "enterprise" if name.startswith(("Công ty", "Cơ sở")) else "cooperative"
        if name.startswith("Cơ sở"):
            kind = "household_business"
        orgs[name] = _org(name, kind=kind, sectors=["che-bien" if kind != "cooperative" else "trong-trot"],
                          province_code="91", address_needs_review=True,
                          description="Một trong 08 đơn vị đầu tiên được trao quyền sử dụng NHCN “An Giang” "
                                      "(bài viết không nêu tên: tên là dữ liệu mẫu).")

    # Products, with demo GTINs for the five cooperatives that were given barcodes.
    products = {}
    for producer, pname, category, unit, season, gtin_item, description in SEED_PRODUCTS:
        org = orgs[producer]
        product = Product.objects.filter(producer=org, name=pname).first()
        if product is None:
            product = services.create_product(
                actor=DEMO, producer=org, name=pname, category=category, unit=unit, season_months=season,
                gtin=demo_gtin(gtin_item) if gtin_item else None,
                description=(description + (" Mã GTIN là mã mẫu cho trình diễn (dải 893 9999), không phải mã thật."
                                            if gtin_item else "")).strip(),
                origin_ward_code=org.ward_code)
            if gtin_item:  # barcodes were allocated through the program: the report vouches for them
                _verify(product, officer_hcm, BINH_DUONG_REPORT)
        products[pname] = product

    # ISO 9001:2015 for the two cooperatives named in the Bình Dương article.
    for org_name, number, issued, expires in [
        ("HTX Hồng Đức", "ISO-9001-DEMO-0001", D(2024, 3, 15), D(2027, 3, 14)),
        ("HTX Ổi Thanh Kiên", "ISO-9001-DEMO-0002", D(2023, 12, 20), D(2026, 12, 19)),
    ]:
        org = orgs[org_name]
        if not Certification.objects.filter(organization=org, number=number).exists():
            cert = services.create_certification(
                actor=DEMO, organization=org, type=Certification.Type.ISO_9001, number=number,
                issuer="Tổ chức chứng nhận (dữ liệu mẫu)", issue_date=issued, expiry_date=expires)
            _verify(cert, officer_hcm, BINH_DUONG_REPORT)

    # Trademark guidance for three cooperatives: applications being prepared.
    for org_name, mark in [("HTX nông nghiệp Bông Trang", "BÔNG TRANG"), ("HTX Tân Hiệp An", "TÂN HIỆP AN"),
                           ("HTX Chăn nuôi Tâm Phát", "TÂM PHÁT")]:
        org = orgs[org_name]
        if not IPRight.objects.filter(owner=org, name=mark).exists():
            services.create_ip_right(actor=DEMO, owner=org, kind=IPRight.Kind.TRADEMARK, name=mark,
                                     status=IPRight.Status.GUIDANCE,
                                     notes="Sở KH&CN hướng dẫn đăng ký xác lập quyền nhãn hiệu hàng hóa (2016–2020).")

    # Collective marks supported in An Giang (2,500,000 đ registration fee each).
    for org_name, mark, status, note in [
        ("HTX Nông sản An toàn Kiến An - Chợ Mới", "HTX. NÔNG SẢN AN TOÀN KIẾN AN - CHỢ MỚI", IPRight.Status.APPLIED,
         "Sở KH&CN hỗ trợ chi phí đăng ký ban đầu 2.500.000 đồng."),
        ("HTX Sản xuất GAP Bình Phước Xuân", "HTX TRÁI CÂY GAP CÙ LAO GIÊNG", IPRight.Status.EXAMINING,
         "Sở KH&CN thanh lý hợp đồng đăng ký nhãn hiệu tập thể, 2.500.000 đồng."),
    ]:
        org = orgs[org_name]
        if not IPRight.objects.filter(owner=org, name=mark).exists():
            right = services.create_ip_right(actor=DEMO, owner=org, kind=IPRight.Kind.COLLECTIVE_MARK, name=mark,
                                             status=status, application_date=D(2019, 10, 1), notes=note)
            _verify(right, officer_ag, AN_GIANG_REPORT)

    # The certification mark "An Giang", owned by the provincial DOST, and its usage grants.
    dost_ag = orgs["Sở Khoa học và Công nghệ tỉnh An Giang"]
    nhcn = IPRight.objects.filter(owner=dost_ag, name="An Giang").first()
    if nhcn is None:
        nhcn = services.create_ip_right(
            actor=DEMO, owner=dost_ag, kind=IPRight.Kind.CERTIFICATION_MARK, name="An Giang",
            status=IPRight.Status.GRANTED, application_date=D(2016, 6, 1), grant_date=D(2018, 5, 10),
            number="NHCN-DEMO-0001", products_description="Nông sản, thực phẩm đặc trưng của tỉnh An Giang",
            notes="Số văn bằng là dữ liệu mẫu.")
        _verify(nhcn, officer_ag, AN_GIANG_REPORT)
    for name in FIRST_NHCN_UNITS:
        if not IPUsageGrant.objects.filter(ip_right=nhcn, grantee=orgs[name]).exists():
            services.grant_ip_usage(actor=DEMO, ip_right=nhcn, grantee=orgs[name], granted_on=D(2019, 8, 15),
                                    notes="Hội nghị trao quyền cho 08 đơn vị đầu tiên.")
    for org_name, product_name in [
        ("HTX Nông nghiệp Vĩnh Thắng", "Gạo an toàn Vĩnh Thắng"), ("HTX Nông nghiệp An Bình", "Gạo an toàn An Bình"),
        ("HTX Nông nghiệp Vĩnh Bình", "Gạo an toàn Vĩnh Bình"),
        ("HTX Sản xuất Kinh doanh Dịch vụ Nông nghiệp Chợ Mới", "Nước ép xoài Chợ Mới"),
        ("HTX làm vườn Bến Bà Chi", None), ("HTX Nông nghiệp Long Bình", "Xoài các loại Long Bình"),
    ]:
        org = orgs[org_name]
        if not IPUsageGrant.objects.filter(ip_right=nhcn, grantee=org).exists():
            services.grant_ip_usage(actor=DEMO, ip_right=nhcn, grantee=org,
                                    product=products[product_name] if product_name else None,
                                    granted_on=D(2020, 3, 20), notes="Trao quyền sử dụng NHCN An Giang (2019–2020).")

    # Seed cooperatives whose facts come from official reports are verified against them.
    for name, *_rest in SEED_ORGANIZATIONS:
        org = orgs[name]
        if org.province_code == "79" and name not in ("HTX nông nghiệp Bông Trang", "HTX Tân Hiệp An"):
            _verify(org, officer_hcm, BINH_DUONG_REPORT)
        elif org.province_code == "91" and org.kind != "agency":
            _verify(org, officer_ag, AN_GIANG_REPORT)

    # The demo cooperative manager keeps HTX Ổi Thanh Kiên's profile.
    manager = _system_user("htx.oithanhkien")
    oi = orgs["HTX Ổi Thanh Kiên"]
    if manager is not None:
        OrganizationUser.objects.get_or_create(user=manager, organization=oi, defaults={"role": "manager"})
    if not oi.memberships.exists():
        services.add_person(actor=DEMO, organization=oi, role=Membership.Role.DIRECTOR, full_name="Nguyễn Văn Kiên",
                            phone="0909000001", consent=True)
        services.add_person(actor=DEMO, organization=oi, role=Membership.Role.ACCOUNTANT, full_name="Trần Thị Hoa",
                            consent=True)
    return orgs


# --- Generated cooperatives ---------------------------------------------------------------------

PROVINCES = {"79": 90, "91": 80, "82": 45, "86": 45, "92": 40}  # code → how many
KIND_WORDS = [
    ("Nông nghiệp", ["trong-trot", "dich-vu-nong-nghiep"], "rice"),
    ("Dịch vụ nông nghiệp", ["dich-vu-nong-nghiep"], "rice"),
    ("Rau an toàn", ["rau-an-toan"], "vegetable"),
    ("Cây ăn trái", ["cay-an-qua"], "fruit"),
    ("Trái cây GAP", ["cay-an-qua"], "fruit"),
    ("Lúa giống", ["lua-gao"], "rice"),
    ("Chăn nuôi", ["chan-nuoi"], "livestock"),
    ("Thủy sản", ["thuy-san"], "aquatic"),
    ("Nấm", ["nam"], "mushroom"),
    ("Chế biến nông sản", ["che-bien"], "processed"),
    ("Dừa", ["cay-an-qua", "che-bien"], "processed"),
    ("Ca cao", ["cay-cong-nghiep"], "industrial_crop"),
    ("Du lịch sinh thái", ["du-lich"], "service"),
]
PRODUCTS_BY_CATEGORY = {
    "rice": ["Gạo thơm", "Gạo ST25", "Lúa giống OM18", "Gạo nàng hoa"],
    "vegetable": ["Rau muống", "Cải ngọt", "Dưa leo", "Hành lá", "Ớt chỉ thiên"],
    "fruit": ["Xoài cát Hòa Lộc", "Bưởi da xanh", "Sầu riêng Ri6", "Chôm chôm", "Mít Thái", "Thanh long", "Dứa"],
    "livestock": ["Heo thịt", "Gà thả vườn", "Trứng gà sạch", "Bò thịt"],
    "aquatic": ["Cá tra", "Tôm càng xanh", "Cá lóc", "Lươn"],
    "mushroom": ["Nấm rơm", "Nấm bào ngư", "Nấm linh chi"],
    "processed": ["Mắm cá linh", "Khô cá lóc", "Kẹo dừa", "Bánh phồng", "Trà mãng cầu"],
    "industrial_crop": ["Hạt ca cao lên men", "Mủ cao su", "Hạt điều"],
    "service": ["Tour tham quan vườn"],
}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Văn Hùng", "Thị Lan", "Minh Tâm", "Thanh Sơn", "Văn Phúc", "Thị Mai", "Quốc Bảo", "Hoàng Nam", "Thị Hồng",
         "Văn Lộc", "Ngọc Ánh", "Văn Tài"]


def _tax_code(rng, province_code):
    from stdnum.vn import mst

    while True:
        body = f"{province_code[:2]}{rng.randrange(1, 9999999):07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check


@transaction.atomic
def load_generated(count_scale: float = 1.0) -> int:
    if Organization.objects.filter(registration_number__startswith=GENERATED_MARK).exists():
        return 0
    rng = random.Random(20260701)
    sectors = {s.code: s for s in Sector.objects.all()}
    orgs, sector_links, used_names, used_tax = [], [], set(Organization.objects.values_list("name", flat=True)), set()
    for province_code, how_many in PROVINCES.items():
        wards = units.wards(province_code)
        province = units.province(province_code)
        for i in range(int(how_many * count_scale)):
            ward = rng.choice(wards)
            word, sector_codes, _category = rng.choice(KIND_WORDS)
            place = ward.name.split(" ", 1)[1] if " " in ward.name else ward.name
            name = f"HTX {word} {place}"
            if name in used_names:
                name = f"HTX {word} {place} {rng.choice(['Xanh', 'Phát', 'Thịnh', 'Hưng', 'An', 'Lộc'])}"
            if name in used_names:
                continue
            used_names.add(name)
            tax = _tax_code(rng, province_code)
            if tax in used_tax:
                continue
            used_tax.add(tax)
            registered = D(rng.randrange(2005, 2025), rng.randrange(1, 13), rng.randrange(1, 28))
            status = rng.choices(["active", "suspended", "dissolved"], weights=[90, 6, 4])[0]
            org = Organization(
                kind=rng.choices(["cooperative", "cooperative_group", "cooperative_union"], weights=[85, 12, 3])[0],
                name=name, tax_code=tax, registration_number=f"{GENERATED_MARK}{province_code}-{i:04d}",
                registration_date=registered, established_on=registered,
                legal_representative=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                members_count=rng.randrange(7, 400), charter_capital=rng.randrange(50, 20000) * 1_000_000,
                province_code=province_code, province_name=province.name, ward_code=ward.code, ward_name=ward.name,
                street=f"Ấp {rng.randrange(1, 9)}" if ward.name.startswith("Xã") else f"Khu phố {rng.randrange(1, 12)}",
                phone=f"09{rng.randrange(10000000, 99999999)}", status=status,
                status_changed_on=registered + datetime.timedelta(days=rng.randrange(400, 6000)) if status != "active" else None,
                is_public=rng.random() < 0.9, public_contact=rng.random() < 0.5,
                description="Hợp tác xã được tạo tự động cho dữ liệu mẫu.",
            )
            org.search_text = org.build_search_text()
            orgs.append((org, sector_codes))
    Organization.objects.bulk_create([o for o, _s in orgs], batch_size=500)
    # Re-read ids (SQLite before 3.35 and some backends do not return them from bulk_create).
    ids = dict(Organization.objects.filter(registration_number__startswith=GENERATED_MARK).values_list(
        "registration_number", "pk"))
    Link = Organization.sectors.through
    for org, sector_codes in orgs:
        for code in sector_codes:
            sector_links.append(Link(organization_id=ids[org.registration_number], sector_id=sectors[code].pk))
    Link.objects.bulk_create(sector_links, batch_size=1000)

    products, certs = [], []
    for org, sector_codes in orgs:
        org_id = ids[org.registration_number]
        category = next(c for w, s, c in KIND_WORDS if s == sector_codes)
        for name in rng.sample(PRODUCTS_BY_CATEGORY[category], k=min(len(PRODUCTS_BY_CATEGORY[category]), rng.randrange(1, 4))):
            product = Product(producer_id=org_id, name=f"{name} {org.ward_name.split(' ', 1)[-1]}", category=category,
                              unit="kg", season_months=sorted(rng.sample(range(1, 13), k=rng.randrange(2, 13))),
                              origin_province_code=org.province_code, origin_ward_code=org.ward_code,
                              origin_ward_name=org.ward_name, is_public=True)
            product.search_text = f"{product.name}"
            from htxconnect.core.text import fold

            product.search_text = fold(product.name)
            products.append(product)
        if rng.random() < 0.35:
            issued = D(rng.randrange(2021, 2027), rng.randrange(1, 13), rng.randrange(1, 28))
            if issued > timezone.localdate():
                issued = timezone.localdate() - datetime.timedelta(days=rng.randrange(10, 300))
            kind = rng.choice(["vietgap", "vietgap", "globalgap", "organic", "haccp", "iso_22000"])
            certs.append(Certification(organization_id=org_id, type=kind, number=f"DEMO-{kind.upper()}-{org_id}",
                                       issuer="Tổ chức chứng nhận (dữ liệu mẫu)", issue_date=issued,
                                       expiry_date=issued + datetime.timedelta(days=3 * 365 if kind != "vietgap" else 2 * 365)))
    Product.objects.bulk_create(products, batch_size=1000)
    Certification.objects.bulk_create(certs, batch_size=1000)

    ratings = []
    product_rows = list(Product.objects.filter(producer__registration_number__startswith=GENERATED_MARK)
                        .values_list("pk", "producer__province_code"))
    for pk, _province in product_rows:
        if rng.random() < 0.12:
            stars = rng.choices([3, 4, 5], weights=[60, 35, 5])[0]
            decided = D(rng.randrange(2021, 2026), rng.randrange(1, 13), rng.randrange(1, 28))
            parts = {"Phần A – Sản phẩm và sức mạnh cộng đồng": rng.randrange(18, 35),
                     "Phần B – Khả năng tiếp thị": rng.randrange(15, 25),
                     "Phần C – Chất lượng sản phẩm": rng.randrange(20, 40)}
            total = min(100, sum(parts.values()))
            stars = 5 if total >= 90 else (4 if total >= 70 else 3)
            ratings.append(OcopRating(product_id=pk, stars=stars, total_score=total, score_parts=parts,
                                      decision_number=f"{rng.randrange(100, 3000)}/QĐ-UBND (mẫu)",
                                      decision_date=decided, level="national" if stars == 5 else "province"))
    OcopRating.objects.bulk_create(ratings, batch_size=1000)
    return len(orgs)


def load(stdout):
    orgs = load_seed(stdout)
    generated = load_generated()
    stdout.write(
        f"  sổ đăng ký: {len(orgs)} tổ chức trong bài viết, {generated} HTX tạo thêm; "
        f"tổng {Organization.objects.count()} tổ chức, {Product.objects.count()} sản phẩm, "
        f"{Certification.objects.count()} chứng nhận, {IPRight.objects.count()} quyền SHTT, "
        f"{OcopRating.objects.count()} xếp hạng OCOP, {Person.objects.count()} cá nhân"
    )
