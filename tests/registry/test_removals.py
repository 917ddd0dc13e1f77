"""Removing and undoing registry records from the organisation's page: each through a confirmation
page, one service call, an audit entry; what cannot be removed is refused with the reason, and an
officer gives cooperative accounts the right to act for their cooperative."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from htxconnect.core.models import AuditEntry
from htxconnect.core.roles import Role
from htxconnect.registry import services
from htxconnect.registry.models import Certification, IPUsageGrant, Membership, Organization, Product, ProductPhoto
from tests.conftest import make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    return world.client("officer")


def _actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_a_product_is_deleted_after_confirmation(world, officer):
    product = services.create_product(actor=world.people["admin"], producer=world.org, name="Ổi nữ hoàng")
    page = officer.get(f"/registry/products/{product.pk}/delete/")
    assert page.status_code == 200 and "Xóa sản phẩm Ổi nữ hoàng?" in page.content.decode()
    assert Product.objects.filter(pk=product.pk).exists()  # looking at the page deletes nothing
    response = officer.post(f"/registry/products/{product.pk}/delete/")
    assert response.status_code == 302 and response["Location"].endswith("?tab=products")
    assert not Product.objects.filter(pk=product.pk).exists()
    assert _actions()[-1] == "registry.product.deleted"


def test_a_product_with_traceability_lots_is_kept_and_the_reason_given(world, officer):
    from htxconnect.resolver import services as resolver_services

    product = services.create_product(actor=world.people["admin"], producer=world.org, name="Bưởi",
                                      gtin="08930000000019")
    resolver_services.create_lot(actor=world.people["admin"], product=product, code="L1",
                                 production_date=datetime.date(2026, 1, 1))
    response = officer.post(f"/registry/products/{product.pk}/delete/", follow=True)
    assert Product.objects.filter(pk=product.pk).exists()
    assert "đã có lô truy xuất" in response.content.decode()
    assert "registry.product.deleted" not in _actions()  # nothing recorded for what did not happen


def test_a_photo_is_deleted(world, clients):
    manager = world.client("coop_manager")
    product = services.create_product(actor=world.people["admin"], producer=world.org, name="Xoài")
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "yellow").save(buffer, "PNG")
    photo = services.add_product_photo(actor=world.people["admin"], product=product,
                                       image=SimpleUploadedFile("x.png", buffer.getvalue(), "image/png"))
    assert manager.get(f"/registry/photos/{photo.pk}/delete/").status_code == 405  # POST only
    assert manager.post(f"/registry/photos/{photo.pk}/delete/").status_code == 302
    assert not ProductPhoto.objects.filter(pk=photo.pk).exists()
    assert _actions()[-1] == "registry.product.photo_deleted"


def test_a_certification_entered_by_mistake_is_deleted(world, officer):
    cert = services.create_certification(actor=world.people["admin"], organization=world.org, type="vietgap",
                                         issue_date=datetime.date(2025, 1, 1))
    assert "Chỉ xóa khi nhập nhầm" in officer.get(f"/registry/certifications/{cert.pk}/delete/").content.decode()
    officer.post(f"/registry/certifications/{cert.pk}/delete/")
    assert not Certification.objects.filter(pk=cert.pk).exists()
    # a member of the cooperative may look but not delete
    other = services.create_certification(actor=world.people["admin"], organization=world.org, type="iso_9001",
                                          issue_date=datetime.date(2025, 1, 1))
    assert world.client("coop_member").post(f"/registry/certifications/{other.pk}/delete/").status_code == 403
    assert Certification.objects.filter(pk=other.pk).exists()


def test_an_ip_usage_grant_is_revoked(world, officer):
    ip = services.create_ip_right(actor=world.people["admin"], owner=world.org, kind="certification_mark",
                                  name="An Giang", status="applied")
    grant = services.grant_ip_usage(actor=world.people["admin"], ip_right=ip, grantee=world.other_org)
    officer.post(f"/registry/ip/grants/{grant.pk}/revoke/")
    assert not IPUsageGrant.objects.filter(pk=grant.pk).exists()
    assert _actions()[-1] == "registry.ipusagegrant.deleted"


def test_a_membership_ends_on_a_date_and_bad_dates_are_explained(world, officer):
    person = services.add_person(actor=world.people["admin"], organization=world.org, full_name="Trần Văn Bảy",
                                 role=Membership.Role.DIRECTOR)
    membership = person.memberships.get()
    bad = officer.post(f"/registry/memberships/{membership.pk}/end/", {"end_date": "31/02/2026"})
    assert bad.status_code == 200 and "Ngày thôi" in bad.content.decode()
    assert 'value="31/02/2026"' in bad.content.decode()  # what was typed stays on the form
    officer.post(f"/registry/memberships/{membership.pk}/end/", {"end_date": "2026-06-30"})
    membership.refresh_from_db()
    assert membership.end_date == datetime.date(2026, 6, 30) and person.memberships.count() == 1


def test_unverify_needs_a_reason_and_returns_the_record_to_self_declared(world, officer):
    org = Organization.objects.get(pk=world.org.pk)
    services.verify_record(actor=world.people["officer"], obj=org, against="GCN ĐK HTX số 3603000123")
    assert officer.post(f"/registry/verify/organization/{org.pk}/undo/", {"reason": ""}).status_code == 200
    org.refresh_from_db()
    assert org.is_verified
    officer.post(f"/registry/verify/organization/{org.pk}/undo/", {"reason": "Giấy chứng nhận đã bị thu hồi"})
    org.refresh_from_db()
    assert not org.is_verified
    entry = AuditEntry.objects.filter(action="registry.organization.unverified").get()
    assert entry.changes["reason"] == [None, "Giấy chứng nhận đã bị thu hồi"]


def test_an_officer_links_a_cooperative_account_and_it_can_then_edit(world, officer):
    account = make_user("giamdoc.htxmoi", Role.COOP_MANAGER)
    account.email = "GiamDoc@HTXmoi.vn"
    account.save()
    assert signed_in_client(account).get(f"/registry/{world.org.pk}/edit/").status_code == 404
    response = officer.post(f"/registry/{world.org.pk}/users/", {"account": "giamdoc@htxmoi.vn", "role": "manager"})
    assert response.status_code == 302
    assert signed_in_client(account).get(f"/registry/{world.org.pk}/edit/").status_code == 200
    link = world.org.user_links.get(user=account)
    officer.post(f"/registry/{world.org.pk}/users/{link.pk}/unlink/")
    assert signed_in_client(account).get(f"/registry/{world.org.pk}/edit/").status_code == 404
    assert _actions()[-2:] == ["registry.organization.user_linked", "registry.organization.user_unlinked"]


def test_linking_refuses_unknown_accounts_and_staff_accounts_with_the_reason(world, officer):
    unknown = officer.post(f"/registry/{world.org.pk}/users/", {"account": "khong.co.ai", "role": "manager"})
    html = unknown.content.decode()
    assert unknown.status_code == 200 and "Không có tài khoản nào" in html and 'value="khong.co.ai"' in html
    staff = officer.post(f"/registry/{world.org.pk}/users/", {"account": "u_other_officer", "role": "manager"})
    assert "Chỉ tài khoản HTX" in staff.content.decode()
    assert not world.org.user_links.filter(user__username="u_other_officer").exists()
