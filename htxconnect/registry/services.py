"""Every write to the registry. Keyword-only, one transaction each, validated with full_clean
and audited; the web pages, the API and the Excel importer all call these.

Self-declared vs verified: a cooperative manager's change to a verified record clears the
verification (the record is "self-declared" again until an officer verifies it against a
document); an officer's change keeps it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit
from htxconnect.core.roles import AGENCY_ROLES, COOPERATIVE_ROLES

from . import audit_actions as actions
from . import queries, units
from .models import (
    Certification, IPRight, IPUsageGrant, Membership, OcopRating, Organization, OrganizationUser, Person,
    Product, ProductPhoto, Sector,
)
from .validators import normalize_gtin, normalize_tax_code, validate_photo_file

AUDIT_EXCLUDE = ("search_text", "updated_at", "created_at")
VERIFICATION_FIELDS = ("verified_by", "verified_at", "verified_against", "verification_document")


# --- helpers --------------------------------------------------------------------------------


def _normalise_identifiers(obj) -> None:
    """Tax codes and GTINs are stored in one canonical form; a bad one is a field error."""
    if isinstance(obj, Organization) and obj.tax_code:
        try:
            obj.tax_code = normalize_tax_code(obj.tax_code)
        except ValidationError as error:
            raise ValidationError({"tax_code": error.messages}) from None
    if isinstance(obj, Product):
        if obj.gtin:
            try:
                obj.gtin = normalize_gtin(obj.gtin)
            except ValidationError as error:
                raise ValidationError({"gtin": error.messages}) from None
        else:
            obj.gtin = None


def _fill_unit_names(obj) -> None:
    """Denormalised names of the current administrative units, looked up from their codes."""
    if isinstance(obj, Product):
        if obj.origin_ward_code:
            unit = units.ward(obj.origin_ward_code)
            if unit is None:
                raise ValidationError({"origin_ward_code": _("Mã xã/phường “%(code)s” không có trong danh mục hiện hành.")
                                       % {"code": obj.origin_ward_code}})
            obj.origin_ward_name = unit.name
            obj.origin_province_code = unit.province_code
        else:
            obj.origin_ward_name = ""
        return
    if not isinstance(obj, Organization):
        return
    if obj.ward_code:
        unit = units.ward(obj.ward_code)
        if unit is None:
            raise ValidationError({"ward_code": _("Mã xã/phường “%(code)s” không có trong danh mục hiện hành.")
                                   % {"code": obj.ward_code}})
        if obj.province_code and unit.province_code != obj.province_code:
            raise ValidationError({"ward_code": _("Xã/phường “%(name)s” không thuộc tỉnh/thành phố đã chọn.")
                                   % {"name": unit.name}})
        obj.ward_name = unit.name
        obj.province_code = unit.province_code
        obj.address_needs_review = False
    else:
        obj.ward_name = ""
    if obj.province_code:
        unit = units.province(obj.province_code)
        if unit is None:
            raise ValidationError({"province_code": _("Mã tỉnh/thành phố “%(code)s” không có trong danh mục hiện hành.")
                                   % {"code": obj.province_code}})
        obj.province_name = unit.name
    else:
        obj.province_name = ""


_organization_of = queries.organization_of


def _audit_agency(actor) -> int | None:
    """The agency an audit entry of a registry record belongs to (leaders see their agency's entries):
    the acting officer's or leader's agency — who may only write records of their own province. A
    cooperative manager's or a system write stays without agency (see docs/user-guide/registry.md)."""
    if actor is not None and getattr(actor, "is_authenticated", False) and actor.role in AGENCY_ROLES:
        return actor.agency_id
    return None


def _must_check(actor) -> bool:
    """Whether `actor`'s rights are checked: always, except for the system actor (commands, tasks,
    demo loading). A missing actor is an error, never a pass."""
    audit.check_actor(actor)
    return not audit.is_system(actor)


def _check_edit(actor, organization: Organization) -> None:
    if _must_check(actor) and not queries.can_edit_organization(actor, organization):
        raise PermissionDenied(_("Bạn không có quyền sửa hồ sơ của %(name)s.") % {"name": organization.name})


def _apply(obj, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name in VERIFICATION_FIELDS or name in ("search_text", "id", "pk"):
            raise ValidationError(_("Trường “%(name)s” không sửa trực tiếp được.") % {"name": name})
        if not hasattr(obj, name) and not hasattr(type(obj), name):
            raise TypeError(f"{type(obj).__name__} has no field {name!r}")
        setattr(obj, name, value)


def _self_declared_change(actor, obj) -> bool:
    """A change by anyone but an officer makes a verified record self-declared again."""
    return not queries.is_registry_staff(actor) and getattr(obj, "verified_at", None) is not None


def _clear_verification(obj) -> None:
    obj.verified_by = None
    obj.verified_at = None
    obj.verified_against = ""
    obj.verification_document = ""


def _save_new(obj, action: str, *, actor, m2m: dict | None = None):
    _normalise_identifiers(obj)
    _fill_unit_names(obj)
    obj.full_clean()
    obj.save()
    changes = audit.created(obj, exclude=AUDIT_EXCLUDE)
    for name, values in (m2m or {}).items():
        if values is not None:
            getattr(obj, name).set(values)
            changes[name] = [None, sorted(str(v.pk if hasattr(v, "pk") else v) for v in values)]
    audit.record(action, obj=obj, changes=changes, actor=actor, agency_id=_audit_agency(actor))
    return obj


def _save_changed(obj, action: str, *, actor, fields: dict, m2m: dict | None = None):
    before = audit.snapshot(obj, exclude=AUDIT_EXCLUDE)
    m2m_before = {name: sorted(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True))
                  for name, values in (m2m or {}).items() if values is not None}
    _apply(obj, fields)
    if _self_declared_change(actor, obj):
        _clear_verification(obj)
    _normalise_identifiers(obj)
    _fill_unit_names(obj)
    obj.full_clean()
    obj.save()
    changes = audit.diff(before, audit.snapshot(obj, exclude=AUDIT_EXCLUDE))
    for name, values in (m2m or {}).items():
        if values is None:
            continue
        getattr(obj, name).set(values)
        after = sorted(str(v.pk if hasattr(v, "pk") else v) for v in values)
        if after != m2m_before[name]:
            changes[name] = [m2m_before[name], after]
    if changes:
        audit.record(action, obj=obj, changes=changes, actor=actor, agency_id=_audit_agency(actor))
    return obj


def _sectors(values) -> list[Sector] | None:
    """Sectors given as Sector objects, ids or codes."""
    if values is None:
        return None
    result = []
    for value in values:
        if isinstance(value, Sector):
            result.append(value)
        elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            result.append(Sector.objects.get(pk=int(value)))
        else:
            try:
                result.append(Sector.objects.get(code=value))
            except Sector.DoesNotExist:
                raise ValidationError({"sectors": _("Lĩnh vực “%(code)s” không có trong danh mục.") % {"code": value}})
    return result


# --- Organisations --------------------------------------------------------------------------


@transaction.atomic
def create_organization(*, actor, sectors=None, **fields) -> Organization:
    """Register an organisation. Officers register within their own province (admins anywhere)."""
    if _must_check(actor) and not queries.can_create_organization(actor, fields.get("province_code", "")):
        raise PermissionDenied(_("Bạn chỉ được thêm tổ chức thuộc tỉnh/thành phố của cơ quan mình."))
    own_province = queries.staff_province(actor) if not audit.is_system(actor) else None
    if own_province and not fields.get("province_code"):
        fields["province_code"] = own_province  # an officer's new record stays in their own scope
    org = Organization(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(org, fields)
    return _save_new(org, actions.ORGANIZATION_CREATED, actor=actor, m2m={"sectors": _sectors(sectors)})


@transaction.atomic
def update_organization(*, actor, organization: Organization, sectors=None, **fields) -> Organization:
    _check_edit(actor, organization)
    if "province_code" in fields and fields["province_code"] != organization.province_code:
        # Moving an organisation out of one's own province would hand it to another agency.
        if _must_check(actor) and not queries.can_create_organization(actor, fields["province_code"]):
            raise PermissionDenied(_("Bạn không được chuyển tổ chức sang tỉnh/thành phố khác."))
    if "status" in fields and fields["status"] != organization.status and "status_changed_on" not in fields:
        fields["status_changed_on"] = timezone.localdate()
    return _save_changed(organization, actions.ORGANIZATION_UPDATED, actor=actor, fields=fields,
                         m2m={"sectors": _sectors(sectors)})


@transaction.atomic
def link_user_to_organization(*, actor, user, organization: Organization,
                              role: str = OrganizationUser.Role.MANAGER) -> OrganizationUser:
    """Let a user act for an organisation (a cooperative manager keeps its profile)."""
    if _must_check(actor) and not (queries.is_registry_staff(actor) and queries.can_edit_organization(actor, organization)):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được gán người dùng cho tổ chức."))
    if user.role not in COOPERATIVE_ROLES:
        raise ValidationError(_("Chỉ tài khoản HTX (cán bộ quản lý hoặc thành viên HTX) được gắn với tổ chức; "
                                "tài khoản “%(name)s” có vai trò “%(role)s”.")
                              % {"name": user.get_username(), "role": user.get_role_display()})
    link, created = OrganizationUser.objects.update_or_create(user=user, organization=organization, defaults={"role": role})
    queries.forget_managed_organizations(user)
    audit.record(actions.ORGANIZATION_USER_LINKED, obj=organization, actor=actor, agency_id=_audit_agency(actor),
                 changes={"user": [None, user.pk], "role": [None, role]}, object_repr=str(organization))
    return link


@transaction.atomic
def unlink_user_from_organization(*, actor, user, organization: Organization) -> None:
    if _must_check(actor) and not (queries.is_registry_staff(actor) and queries.can_edit_organization(actor, organization)):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được gỡ người dùng khỏi tổ chức."))
    deleted, _unused = OrganizationUser.objects.filter(user=user, organization=organization).delete()
    queries.forget_managed_organizations(user)
    if deleted:
        audit.record(actions.ORGANIZATION_USER_UNLINKED, obj=organization, actor=actor,
                     agency_id=_audit_agency(actor), changes={"user": [user.pk, None]})


# --- Verification -----------------------------------------------------------------------------


@transaction.atomic
def verify_record(*, actor, obj, against: str, document=None):
    """An officer confirms a record against a document ("Giấy CN đăng ký HTX số …")."""
    organization = _organization_of(obj)
    if not (queries.is_registry_staff(actor) and queries.can_edit_organization(actor, organization)):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được xác minh hồ sơ."))
    against = (against or "").strip()
    if not against:
        raise ValidationError({"verified_against": _("Ghi rõ tài liệu dùng để xác minh (số, ngày, cơ quan cấp).")})
    before = audit.snapshot(obj, exclude=AUDIT_EXCLUDE)
    obj.verified_by = actor
    obj.verified_at = timezone.now()
    obj.verified_against = against[:300]
    if document is not None:
        obj.verification_document = document
    obj.save()
    audit.record(actions.VERIFIED[obj._meta.model_name], obj=obj, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.diff(before, audit.snapshot(obj, exclude=AUDIT_EXCLUDE)))
    return obj


@transaction.atomic
def unverify_record(*, actor, obj, reason: str = ""):
    organization = _organization_of(obj)
    if not (queries.is_registry_staff(actor) and queries.can_edit_organization(actor, organization)):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được bỏ xác minh."))
    before = audit.snapshot(obj, exclude=AUDIT_EXCLUDE)
    _clear_verification(obj)
    obj.save()
    changes = audit.diff(before, audit.snapshot(obj, exclude=AUDIT_EXCLUDE))
    if reason:
        changes["reason"] = [None, reason]
    audit.record(actions.UNVERIFIED[obj._meta.model_name], obj=obj, actor=actor, agency_id=_audit_agency(actor),
                 changes=changes)
    return obj


# --- People and personal data ------------------------------------------------------------------

PERSON_EXPORT_FIELDS = ("full_name", "gender", "birth_year", "phone", "email", "id_number", "consent_purpose",
                        "consent_given_at", "consent_withdrawn_at", "erased_at", "created_at", "updated_at")


def _check_personal_data(actor, person: Person, organization: Organization | None = None) -> None:
    orgs = [organization] if organization is not None else [m.organization for m in person.memberships.select_related("organization")]
    if not _must_check(actor) or queries.sees_everything(actor):
        return
    if not orgs or not any(queries.can_see_personal_data(actor, org) for org in orgs):
        raise PermissionDenied(_("Bạn không có quyền xem hoặc sửa dữ liệu cá nhân này."))


@transaction.atomic
def add_person(*, actor, organization: Organization, role: str = Membership.Role.MEMBER,
               start_date: datetime.date | None = None, consent: bool = False, **fields) -> Person:
    """Add a person to an organisation. Personal data needs a stated purpose; consent is recorded."""
    _check_edit(actor, organization)
    if _must_check(actor) and not queries.can_see_personal_data(actor, organization):
        raise PermissionDenied(_("Bạn không có quyền nhập dữ liệu cá nhân của tổ chức này."))
    person = Person()
    _apply(person, fields)
    if consent:
        person.consent_given_at = timezone.now()
    person.full_clean()
    person.save()
    audit.record(actions.PERSON_CREATED, obj=person, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.created(person, exclude=("id_number", "phone", "email")),
                 object_repr=person.full_name)
    membership = Membership(person=person, organization=organization, role=role, start_date=start_date)
    membership.full_clean()
    membership.save()
    audit.record(actions.MEMBERSHIP_CREATED, obj=membership, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.created(membership))
    return person


@transaction.atomic
def update_person(*, actor, person: Person, **fields) -> Person:
    _check_personal_data(actor, person)
    if person.erased_at:
        raise ValidationError(_("Dữ liệu của người này đã bị xóa theo yêu cầu; không sửa được."))
    before = audit.snapshot(person)
    _apply(person, fields)
    person.full_clean()
    person.save()
    # Values of personal fields are not copied into the audit log, only which fields changed.
    changes = {k: ["…", "…"] if k in ("id_number", "phone", "email") else v
               for k, v in audit.diff(before, audit.snapshot(person)).items()}
    if changes:
        audit.record(actions.PERSON_UPDATED, obj=person, actor=actor, agency_id=_audit_agency(actor),
                     changes=changes)
    return person


@transaction.atomic
def end_membership(*, actor, membership: Membership, end_date: datetime.date | None = None) -> Membership:
    _check_edit(actor, membership.organization)
    before = audit.snapshot(membership)
    membership.end_date = end_date or timezone.localdate()
    membership.full_clean()
    membership.save()
    audit.record(actions.MEMBERSHIP_ENDED, obj=membership, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.diff(before, audit.snapshot(membership)))
    return membership


@transaction.atomic
def record_consent(*, actor, person: Person, purpose: str | None = None) -> Person:
    _check_personal_data(actor, person)
    before = audit.snapshot(person, exclude=("id_number", "phone", "email"))
    person.consent_given_at = timezone.now()
    person.consent_withdrawn_at = None
    if purpose:
        person.consent_purpose = purpose
    person.full_clean()
    person.save()
    audit.record(actions.PERSON_CONSENT_GIVEN, obj=person, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.diff(before, audit.snapshot(person, exclude=("id_number", "phone", "email"))))
    return person


@transaction.atomic
def withdraw_consent(*, actor, person: Person) -> Person:
    _check_personal_data(actor, person)
    before = audit.snapshot(person, exclude=("id_number", "phone", "email"))
    person.consent_withdrawn_at = timezone.now()
    person.save()
    audit.record(actions.PERSON_CONSENT_WITHDRAWN, obj=person, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.diff(before, audit.snapshot(person, exclude=("id_number", "phone", "email"))))
    return person


def export_person_data(*, actor, person: Person) -> dict:
    """Everything the registry holds about a person, for a request to see or take their data."""
    _check_personal_data(actor, person)
    data = {name: audit._plain(getattr(person, name)) for name in PERSON_EXPORT_FIELDS}
    data["memberships"] = [
        {"organization": m.organization.name, "role": str(m.get_role_display()),
         "start_date": audit._plain(m.start_date), "end_date": audit._plain(m.end_date)}
        for m in person.memberships.select_related("organization")
    ]
    data["exported_at"] = timezone.now().isoformat()
    with transaction.atomic():
        audit.record(actions.PERSON_EXPORTED, obj=person, actor=actor, agency_id=_audit_agency(actor),
                     object_repr=person.full_name)
    return data


@transaction.atomic
def erase_person(*, actor, person: Person) -> Person:
    """Erase a person's personal data on request: the row stays (counts, memberships) but nothing
    identifies the person any more. Irreversible."""
    _check_personal_data(actor, person)
    if person.erased_at:
        return person
    person.full_name = _("(đã xóa theo yêu cầu)")
    person.gender = ""
    person.birth_year = None
    person.phone = ""
    person.email = ""
    person.id_number = ""
    person.erased_at = timezone.now()
    person.consent_withdrawn_at = person.consent_withdrawn_at or person.erased_at
    person.save()
    # The log keeps that the person was added, changed, exported; no longer who they were.
    audit.erase_from_entries(person, fields=Person.AUDIT_ERASED_FIELDS, object_repr=person.full_name,
                             related=list(person.memberships.select_related("organization")))
    audit.record(actions.PERSON_ERASED, obj=person, actor=actor, agency_id=_audit_agency(actor),
                 object_repr=person.full_name, changes={"erased": [False, True]})
    return person


# --- Products -----------------------------------------------------------------------------------


@transaction.atomic
def create_product(*, actor, producer: Organization, photo=None, **fields) -> Product:
    """A new product, with its first photo when `photo` is given: one transaction, so a photo
    that fails its check leaves no product behind."""
    _check_edit(actor, producer)
    product = Product(producer=producer)
    _apply(product, fields)
    product = _save_new(product, actions.PRODUCT_CREATED, actor=actor)
    if photo:
        add_product_photo(actor=actor, product=product, image=photo)
    return product


@transaction.atomic
def update_product(*, actor, product: Product, photo=None, **fields) -> Product:
    """Change a product and add `photo` to it in one transaction (all or nothing)."""
    _check_edit(actor, product.producer)
    if "producer" in fields and fields["producer"] != product.producer:
        _check_edit(actor, fields["producer"])
    product = _save_changed(product, actions.PRODUCT_UPDATED, actor=actor, fields=fields)
    if photo:
        add_product_photo(actor=actor, product=product, image=photo)
    return product


@transaction.atomic
def delete_product(*, actor, product: Product) -> None:
    _check_edit(actor, product.producer)
    snapshot = audit.snapshot(product, exclude=AUDIT_EXCLUDE)
    repr_ = str(product)
    audit.record(actions.PRODUCT_DELETED, obj=product, actor=actor, agency_id=_audit_agency(actor),
                 changes={k: [v, None] for k, v in snapshot.items()},
                 object_repr=repr_)
    product.delete()


@transaction.atomic
def add_product_photo(*, actor, product: Product, image, caption: str = "") -> ProductPhoto:
    _check_edit(actor, product.producer)
    validate_photo_file(image)  # by content: a text file renamed .png never reaches the storage
    photo = ProductPhoto(product=product, image=image, caption=caption, order=product.photos.count())
    photo.full_clean()
    photo.save()
    audit.record(actions.PRODUCT_PHOTO_ADDED, obj=product, actor=actor, agency_id=_audit_agency(actor),
                 changes={"photo": [None, photo.image.name]})
    return photo


@transaction.atomic
def delete_product_photo(*, actor, photo: ProductPhoto) -> None:
    _check_edit(actor, photo.product.producer)
    audit.record(actions.PRODUCT_PHOTO_DELETED, obj=photo.product, actor=actor, agency_id=_audit_agency(actor),
                 changes={"photo": [photo.image.name, None]})
    photo.delete()


# --- Certifications -------------------------------------------------------------------------------


@transaction.atomic
def create_certification(*, actor, organization: Organization, **fields) -> Certification:
    _check_edit(actor, organization)
    cert = Certification(organization=organization)
    _apply(cert, fields)
    return _save_new(cert, actions.CERTIFICATION_CREATED, actor=actor)


@transaction.atomic
def update_certification(*, actor, certification: Certification, **fields) -> Certification:
    _check_edit(actor, certification.organization)
    if "expiry_date" in fields and fields["expiry_date"] != certification.expiry_date:
        certification.expiry_reminder_sent_on = None  # renewed: remind again before the new date
    return _save_changed(certification, actions.CERTIFICATION_UPDATED, actor=actor, fields=fields)


@transaction.atomic
def delete_certification(*, actor, certification: Certification) -> None:
    _check_edit(actor, certification.organization)
    audit.record(actions.CERTIFICATION_DELETED, obj=certification, actor=actor, agency_id=_audit_agency(actor),
                 changes={k: [v, None] for k, v in audit.snapshot(certification).items()})
    certification.delete()


# --- IP rights ------------------------------------------------------------------------------------


@transaction.atomic
def create_ip_right(*, actor, owner: Organization, **fields) -> IPRight:
    _check_edit(actor, owner)
    right = IPRight(owner=owner)
    _apply(right, fields)
    return _save_new(right, actions.IPRIGHT_CREATED, actor=actor)


@transaction.atomic
def update_ip_right(*, actor, ip_right: IPRight, **fields) -> IPRight:
    _check_edit(actor, ip_right.owner)
    return _save_changed(ip_right, actions.IPRIGHT_UPDATED, actor=actor, fields=fields)


@transaction.atomic
def grant_ip_usage(*, actor, ip_right: IPRight, grantee: Organization, product: Product | None = None,
                   **fields) -> IPUsageGrant:
    """Record that `grantee` may use the mark (e.g. NHCN "An Giang" for its safe rice)."""
    _check_edit(actor, ip_right.owner)
    if product is not None and product.producer_id != grantee.pk:
        raise ValidationError({"product": _("Sản phẩm phải là của đơn vị được trao quyền.")})
    grant = IPUsageGrant(ip_right=ip_right, grantee=grantee, product=product)
    _apply(grant, fields)
    grant.full_clean()
    grant.save()
    audit.record(actions.IPUSAGEGRANT_CREATED, obj=grant, actor=actor, agency_id=_audit_agency(actor),
                 changes=audit.created(grant))
    return grant


@transaction.atomic
def revoke_ip_usage(*, actor, grant: IPUsageGrant) -> None:
    _check_edit(actor, grant.ip_right.owner)
    audit.record(actions.IPUSAGEGRANT_DELETED, obj=grant, actor=actor, agency_id=_audit_agency(actor),
                 changes={k: [v, None] for k, v in audit.snapshot(grant).items()})
    grant.delete()


# --- OCOP ratings -----------------------------------------------------------------------------------


@transaction.atomic
def create_ocop_rating(*, actor, product: Product, **fields) -> OcopRating:
    _check_edit(actor, product.producer)
    rating = OcopRating(product=product)
    _apply(rating, fields)
    if rating.total_score is None and isinstance(rating.score_parts, dict) and rating.score_parts:
        rating.total_score = sum(int(v) for v in rating.score_parts.values())
    return _save_new(rating, actions.OCOPRATING_CREATED, actor=actor)


@transaction.atomic
def update_ocop_rating(*, actor, rating: OcopRating, **fields) -> OcopRating:
    _check_edit(actor, rating.product.producer)
    return _save_changed(rating, actions.OCOPRATING_UPDATED, actor=actor, fields=fields)


# --- Exports ---------------------------------------------------------------------------------------


EXPORTS = {"organizations": actions.EXPORT_ORGANIZATIONS, "products": actions.EXPORT_PRODUCTS,
           "import_errors": actions.EXPORT_IMPORT_ERRORS}


@transaction.atomic
def record_export(*, actor, kind: str, filename: str, filters: dict) -> None:
    """Audit an Excel export: who took which list, with which filters (the data itself is not copied)."""
    audit.record(EXPORTS[kind], actor=actor, agency_id=_audit_agency(actor), object_repr=filename,
                 province_code=queries.staff_province(actor) if not audit.is_system(actor) else "",
                 changes={"filters": {k: v for k, v in sorted(filters.items()) if v}})


# --- Reminders ---------------------------------------------------------------------------------------


# durable: the claim must be committed before the mail goes out. Inside a caller's transaction
# a later rollback would undo the claim of a reminder already sent, and it would be sent again.
@transaction.atomic(durable=True)
def mark_expiry_reminder_sent(*, certification_ids: list[int], on: datetime.date) -> int:
    """Claim the reminders atomically so two workers never send the same one twice."""
    return Certification.objects.filter(pk__in=certification_ids, expiry_reminder_sent_on__isnull=True).update(
        expiry_reminder_sent_on=on)


@transaction.atomic(durable=True)  # see mark_expiry_reminder_sent
def mark_ocop_reminder_sent(*, rating_ids: list[int], on: datetime.date) -> int:
    """Claim OCOP re-rating reminders atomically (see `mark_expiry_reminder_sent`)."""
    return OcopRating.objects.filter(pk__in=rating_ids, reminder_sent_on__isnull=True).update(reminder_sent_on=on)
