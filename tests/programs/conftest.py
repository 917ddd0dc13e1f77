"""A small program world: the home agency's program (2024–2026) with three content groups and a
2025 plan, a policy with one item (max 10.000.000 đ, one required document) and two conditions,
a cooperative in the home province managed by `u_coop_manager`, and one outside it."""

import datetime

import pytest
from django.core.files.base import ContentFile

from htxconnect.programs import services
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import OrganizationUser
from htxconnect.core.actors import SYSTEM

PDF = b"%PDF-1.4\n% test\n%%EOF\n"


def pdf(name="don.pdf"):
    return ContentFile(PDF, name=name)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(users, agencies):
    home, other = agencies
    coop = registry_services.create_organization(actor=SYSTEM, name="HTX Hồng Đức", province_code="79",
                                                 ward_code="25813", members_count=12, sectors=["trong-trot"],
                                                 email="hongduc@example.vn")
    OrganizationUser.objects.create(user=users["coop_manager"], organization=coop, role="manager")
    outside = registry_services.create_organization(actor=SYSTEM, name="HTX Long Bình", province_code="91")
    program = services.create_program(actor=SYSTEM, agency=home, name="Chương trình phối hợp 2024–2026",
                                      start_year=2024, end_year=2026)
    groups = [services.add_content_group(actor=SYSTEM, program=program, number=i, title=t)
              for i, t in enumerate(["Thông tin, tuyên truyền", "Tiếp cận chính sách", "Tập huấn"], start=1)]
    plan = services.create_plan(actor=SYSTEM, program=program, year=2025)
    policy = services.create_policy(actor=SYSTEM, agency=home, number="98/2018/NĐ-CP", title="Liên kết",
                                    issuer="Chính phủ", issued_on=datetime.date(2018, 7, 5))
    services.add_condition(actor=SYSTEM, policy=policy, kind="org_kind", params={"kinds": ["cooperative"]},
                           label="Là hợp tác xã", order=1)
    services.add_condition(actor=SYSTEM, policy=policy, kind="province", params={"provinces": ["79"]},
                           label="Tại TP. Hồ Chí Minh", order=2)
    item = services.add_support_item(actor=SYSTEM, policy=policy, code="1", name="Tư vấn liên kết", kind="consulting",
                                     max_amount=10_000_000, required_documents=["Đơn đề nghị hỗ trợ"])
    return {"home": home, "other": other, "coop": coop, "outside": outside, "program": program, "groups": groups,
            "plan": plan, "policy": policy, "item": item}
