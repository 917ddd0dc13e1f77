"""Services: validation with Vietnamese messages, audit entries, self-declared vs verified."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from htxconnect.core.models import AuditEntry
from htxconnect.registry import services
from htxconnect.registry.models import Certification, CertificationStatus, OcopRating, Organization, Product
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_create_organization_audited_and_named_units(users):
    org = services.create_organization(actor=users["officer"], name="HTX Hồng Đức", ward_code="25813",
                                       tax_code="0100 233 488", sectors=["trong-trot"])
    assert org.tax_code == "0100233488"
    assert org.province_code == "79" and org.ward_name == "Phường Bến Cát"
    assert org.search_text.startswith("htx hong duc")
    entry = AuditEntry.objects.get(action="registry.organization.created")
    assert entry.actor == users["officer"] and entry.changes["name"] == [None, "HTX Hồng Đức"]
    assert entry.changes["sectors"][1]


def test_bad_tax_code_is_a_field_error(users):
    with pytest.raises(ValidationError) as exc_info:
        services.create_organization(actor=users["officer"], name="X", province_code="79", tax_code="0100233480")
    assert "phải là 8" in exc_info.value.message_dict["tax_code"][0]
    assert not Organization.objects.exists()


def test_duplicate_tax_code_rejected(orgs, users):
    with pytest.raises(ValidationError) as exc_info:
        services.create_organization(actor=users["officer"], name="Khác", province_code="79", tax_code="0100233488")
    assert "đã có trong sổ đăng ký" in exc_info.value.message_dict["tax_code"][0]


def test_ward_must_belong_to_province(users):
    with pytest.raises(ValidationError) as exc_info:
        services.create_organization(actor=SYSTEM, name="X", province_code="91", ward_code="25813")
    assert "không thuộc" in exc_info.value.message_dict["ward_code"][0]


def test_officer_cannot_create_in_other_province(users):
    with pytest.raises(PermissionDenied):
        services.create_organization(actor=users["officer"], name="X", province_code="91")


def test_update_records_diff(orgs, users):
    services.update_organization(actor=users["officer"], organization=orgs["hong_duc"], members_count=42)
    entry = AuditEntry.objects.filter(action="registry.organization.updated").get()
    assert entry.changes == {"members_count": [None, 42]}


def test_manager_change_makes_record_self_declared(orgs, users):
    oi = orgs["oi"]
    services.verify_record(actor=users["officer"], obj=oi, against="Giấy CN đăng ký HTX số 4607000123")
    oi.refresh_from_db()
    assert oi.is_verified and oi.verified_by == users["officer"]
    services.update_organization(actor=users["coop_manager"], organization=oi, members_count=120)
    oi.refresh_from_db()
    assert not oi.is_verified and oi.verified_against == ""
    assert AuditEntry.objects.filter(action="registry.organization.verified").exists()


def test_officer_change_keeps_verification(orgs, users):
    org = orgs["hong_duc"]
    services.verify_record(actor=users["officer"], obj=org, against="Giấy CN số 1")
    services.update_organization(actor=users["officer"], organization=org, members_count=9)
    org.refresh_from_db()
    assert org.is_verified


def test_manager_cannot_verify_or_edit_other_org(orgs, users):
    with pytest.raises(PermissionDenied):
        services.verify_record(actor=users["coop_manager"], obj=orgs["oi"], against="x")
    with pytest.raises(PermissionDenied):
        services.update_organization(actor=users["coop_manager"], organization=orgs["hong_duc"], members_count=1)
    with pytest.raises(PermissionDenied):
        services.update_organization(actor=users["other_officer"], organization=orgs["hong_duc"], members_count=1)


def test_verification_needs_a_document(orgs, users):
    with pytest.raises(ValidationError):
        services.verify_record(actor=users["officer"], obj=orgs["oi"], against="  ")


def test_product_gtin_normalised_and_wrong_check_digit_named(orgs, users):
    product = services.create_product(actor=users["coop_manager"], producer=orgs["oi"], name="Ổi",
                                      gtin="8934567890120")
    assert product.gtin == "08934567890120"
    with pytest.raises(ValidationError) as exc_info:
        services.create_product(actor=users["coop_manager"], producer=orgs["oi"], name="Ổi 2", gtin="8934567890127")
    assert "Số kiểm tra sai: phải là 0" in exc_info.value.message_dict["gtin"][0]
    with pytest.raises(ValidationError) as exc_info:
        services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi 3", gtin="08934567890120")
    assert "đã được gán" in exc_info.value.message_dict["gtin"][0]


def test_certification_dates_and_status(orgs, users, today):
    with pytest.raises(ValidationError) as exc_info:
        services.create_certification(actor=users["officer"], organization=orgs["oi"], type="vietgap",
                                      issue_date=today, expiry_date=today - datetime.timedelta(days=1))
    assert "phải sau ngày cấp" in exc_info.value.message_dict["expiry_date"][0]
    cert = services.create_certification(actor=users["officer"], organization=orgs["oi"], type="iso_9001",
                                         issue_date=today - datetime.timedelta(days=1000),
                                         expiry_date=today + datetime.timedelta(days=30))
    assert cert.status == CertificationStatus.EXPIRING
    assert cert.status_on(today + datetime.timedelta(days=31)) == CertificationStatus.EXPIRED
    assert cert.status_on(today - datetime.timedelta(days=31)) == CertificationStatus.VALID


def test_certification_check_constraint_in_database(orgs, today):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Certification.objects.create(organization=orgs["oi"], type="vietgap", issue_date=today, expiry_date=today)


def test_ocop_rating_rules(orgs, users):
    product = services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi")
    rating = services.create_ocop_rating(actor=users["officer"], product=product, stars=4, decision_number="12/QĐ",
                                         decision_date=datetime.date(2023, 1, 31), score_parts={"A": 30, "B": 20, "C": 25})
    assert rating.total_score == 75
    assert rating.valid_until == datetime.date(2026, 1, 31)
    assert rating.is_expired_on(datetime.date(2026, 2, 1)) and not rating.is_expired_on(datetime.date(2026, 1, 31))
    with pytest.raises(ValidationError) as exc_info:
        services.create_ocop_rating(actor=SYSTEM, product=product, stars=6, decision_number="x",
                                    decision_date=datetime.date(2024, 1, 1))
    assert "từ 3 đến 5" in exc_info.value.message_dict["stars"][0]
    with pytest.raises(ValidationError):
        services.create_ocop_rating(actor=SYSTEM, product=product, stars=5, level="province", decision_number="x",
                                    decision_date=datetime.date(2024, 1, 1))
    assert OcopRating.objects.count() == 1


def test_ip_right_and_usage_grant(orgs, users):
    agency = services.create_organization(actor=SYSTEM, name="Sở KH&CN An Giang", kind="agency", province_code="91")
    mark = services.create_ip_right(actor=users["other_officer"], owner=agency, kind="certification_mark",
                                    name="An Giang", status="granted", grant_date=datetime.date(2018, 5, 10))
    grant = services.grant_ip_usage(actor=users["other_officer"], ip_right=mark, grantee=orgs["angiang"],
                                    granted_on=datetime.date(2020, 3, 20))
    assert grant.grantee == orgs["angiang"]
    with pytest.raises(ValidationError):
        services.grant_ip_usage(actor=SYSTEM, ip_right=mark, grantee=orgs["angiang"])  # duplicate
    with pytest.raises(ValidationError) as exc_info:
        services.create_ip_right(actor=SYSTEM, owner=agency, kind="trademark", name="X", status="granted")
    assert "grant_date" in exc_info.value.message_dict


def test_personal_data_export_and_erase(orgs, users):
    person = services.add_person(actor=users["coop_manager"], organization=orgs["oi"], role="director",
                                 full_name="Nguyễn Văn Kiên", phone="0909000001", id_number="079123456789", consent=True)
    assert person.has_consent
    with pytest.raises(PermissionDenied):
        services.export_person_data(actor=users["other_officer"], person=person)
    data = services.export_person_data(actor=users["officer"], person=person)
    assert data["full_name"] == "Nguyễn Văn Kiên" and data["memberships"][0]["organization"] == "HTX Ổi Thanh Kiên"
    services.withdraw_consent(actor=users["officer"], person=person)
    services.erase_person(actor=users["officer"], person=person)
    person.refresh_from_db()
    assert person.erased_at and person.phone == "" and person.id_number == "" and "Kiên" not in person.full_name
    assert person.memberships.count() == 1  # counts survive
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"registry.person.exported", "registry.person.erased", "registry.person.consent_withdrawn"} <= actions
    # Personal values are never copied into the audit log.
    assert "079123456789" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_product_scope_and_delete_audited(orgs, users):
    product = services.create_product(actor=users["coop_manager"], producer=orgs["oi"], name="Ổi")
    with pytest.raises(PermissionDenied):
        services.delete_product(actor=users["other_officer"], product=product)
    services.delete_product(actor=users["officer"], product=product)
    assert not Product.objects.exists()
    assert AuditEntry.objects.filter(action="registry.product.deleted").exists()


def test_link_user_to_organization(orgs, users):
    manager = users["coop_manager"]
    assert not services.queries.can_edit_organization(manager, orgs["hong_duc"])
    with pytest.raises(PermissionDenied):
        services.link_user_to_organization(actor=users["other_officer"], user=manager, organization=orgs["hong_duc"])
    services.link_user_to_organization(actor=users["officer"], user=manager, organization=orgs["hong_duc"])
    assert services.queries.can_edit_organization(manager, orgs["hong_duc"])
    services.unlink_user_from_organization(actor=users["officer"], user=manager, organization=orgs["hong_duc"])
    assert not services.queries.can_edit_organization(manager, orgs["hong_duc"])
    assert AuditEntry.objects.filter(action="registry.organization.user_linked").exists()


def test_certification_document_checked_by_content(orgs, users, today, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("giay-chung-nhan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc_info:
        services.create_certification(actor=users["officer"], organization=orgs["oi"], type="vietgap",
                                      issue_date=today, document=fake)
    assert "không phải PDF" in exc_info.value.message_dict["document"][0]
    real = SimpleUploadedFile("scan.bin", b"%PDF-1.7\n...", content_type="application/octet-stream")
    cert = services.create_certification(actor=users["officer"], organization=orgs["oi"], type="vietgap",
                                         issue_date=today, document=real)
    assert cert.document.name.endswith(".bin")
    services.update_certification(actor=users["officer"], certification=cert, number="VG-2")  # stored file not re-read


def test_officer_record_defaults_to_own_province(users):
    org = services.create_organization(actor=users["officer"], name="HTX Không Tỉnh")
    assert org.province_code == "79"
