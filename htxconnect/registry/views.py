"""Registry pages: thin views over queries (reads) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from htxconnect.core.db_router import use_replica
from htxconnect.core.permissions import AGENCY_STAFF, COOPERATIVE, OFFICER_OR_ADMIN, public, requires
from htxconnect.core.redirects import redirect_next

from . import forms, queries, services, units
from .models import (
    Certification, CertificationStatus, IPRight, IPUsageGrant, Membership, OcopRating, Organization, Person, Product,
    ProductPhoto, Sector,
)


def _require_edit(user, org):
    if not queries.can_edit_organization(user, org):
        raise PermissionDenied(_("Bạn không có quyền sửa hồ sơ này."))


def _filter_context(filters):
    return {
        "filters": filters,
        "provinces": units.provinces(),
        "wards": units.wards(filters.province) if filters.province else [],
        "sectors": Sector.objects.all(),
        "kinds": Organization.Kind.choices,
        "statuses": Organization.Status.choices,
        "certification_types": Certification.Type.choices,
        "sorts": [(key, label) for key, (_field, label) in queries.SORTS.items()],
    }


def _querystring(request, drop=("page",)):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


@requires(COOPERATIVE)
def organization_list(request):
    filters = queries.OrganizationFilters.from_params(request.GET)
    page = queries.list_organizations(request.user, filters, request.GET.get("page", 1))
    context = {"page": page, "querystring": _querystring(request), "today_status": CertificationStatus,
               "can_create": queries.can_create_organization(request.user),
               "can_import": OFFICER_OR_ADMIN.allows(request.user), **_filter_context(filters)}
    template = "registry/_organization_rows.html" if request.htmx else "registry/organization_list.html"
    return render(request, template, context)


@requires(COOPERATIVE)
def organization_detail(request, pk):
    org = queries.access_organization(request.user, pk)
    can_edit = queries.can_edit_organization(request.user, org)
    context = {
        "org": org,
        "can_edit": can_edit,
        "can_verify": queries.can_verify(request.user, org),
        "can_see_people": queries.can_see_personal_data(request.user, org),
        "ocop_ratings": queries.organization_ocop_ratings(org),
        "timeline": queries.timeline(org, request.user),
        "verify_form": forms.VerifyForm(),
        "tab": request.GET.get("tab", "overview"),
    }
    return render(request, "registry/organization_detail.html", context)


def _form_page(request, form, title, back_url, submit=None, org=None):
    return render(request, "registry/form.html", {"form": form, "title": title, "back_url": back_url,
                                                  "submit": submit or _("Lưu"), "org": org})


@requires(AGENCY_STAFF)
def organization_create(request):
    if not queries.can_create_organization(request.user):
        raise PermissionDenied(_("Tài khoản của bạn chưa gắn với cơ quan quản lý địa bàn."))
    form = forms.OrganizationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        sectors = data.pop("sectors")
        try:
            org = services.create_organization(actor=request.user, sectors=list(sectors), **data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã thêm %(name)s vào sổ đăng ký.") % {"name": org.name})
            return redirect("registry:organization_detail", pk=org.pk)
    return _form_page(request, form, _("Thêm tổ chức"), reverse("registry:organization_list"))


@requires(COOPERATIVE)
def organization_edit(request, pk):
    org = queries.access_organization(request.user, pk)
    _require_edit(request.user, org)
    form = forms.OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=org.pk), user=request.user)
    if not queries.is_registry_staff(request.user):
        form.fields["status"].disabled = True
        form.fields["province_code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        sectors = data.pop("sectors", None)
        target = Organization.objects.get(pk=org.pk)
        try:
            services.update_organization(actor=request.user, organization=target,
                                         sectors=list(sectors) if sectors is not None else None, **data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("registry:organization_detail", pk=org.pk)
    return _form_page(request, form, _("Sửa hồ sơ %(name)s") % {"name": org.name},
                      reverse("registry:organization_detail", args=[org.pk]), org=org)


# --- products, certifications, IP rights, OCOP ------------------------------------------------


def _child_form(request, *, org, form, create, back_tab, title):
    if request.method == "POST" and form.is_valid():
        try:
            obj = create(form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã lưu “%(obj)s”.") % {"obj": obj})
            return redirect(reverse("registry:organization_detail", args=[org.pk]) + f"?tab={back_tab}")
    return _form_page(request, form, title, reverse("registry:organization_detail", args=[org.pk]) + f"?tab={back_tab}",
                      org=org)


@requires(COOPERATIVE)
def product_create(request, pk):
    org = queries.access_organization(request.user, pk)
    _require_edit(request.user, org)
    form = forms.ProductForm(request.POST or None, request.FILES or None)

    def create(cleaned):
        return services.create_product(actor=request.user, producer=org, **cleaned)  # photo included

    return _child_form(request, org=org, form=form, create=create, back_tab="products", title=_("Thêm sản phẩm"))


@requires(COOPERATIVE)
def product_edit(request, pk):
    product = get_object_or_404(queries.scope_products(request.user).select_related("producer"), pk=pk)
    org = product.producer
    _require_edit(request.user, org)
    form = forms.ProductForm(request.POST or None, request.FILES or None, instance=Product.objects.get(pk=pk))

    def update(cleaned):
        data = {k: v for k, v in cleaned.items() if k in form.changed_data and k != "photo"}
        return services.update_product(actor=request.user, product=product, photo=cleaned.get("photo"), **data)

    return _child_form(request, org=org, form=form, create=update, back_tab="products",
                       title=_("Sửa sản phẩm %(name)s") % {"name": product.name})


@requires(COOPERATIVE)
def certification_create(request, pk):
    org = queries.access_organization(request.user, pk)
    _require_edit(request.user, org)
    form = forms.CertificationForm(request.POST or None, request.FILES or None, organization=org)
    return _child_form(request, org=org, form=form, back_tab="certifications", title=_("Thêm chứng nhận"),
                       create=lambda data: services.create_certification(actor=request.user, organization=org, **data))


@requires(COOPERATIVE)
def certification_edit(request, pk):
    cert = get_object_or_404(Certification.objects.select_related("organization"), pk=pk,
                             organization__in=queries.scope_organizations(request.user))
    _require_edit(request.user, cert.organization)
    form = forms.CertificationForm(request.POST or None, request.FILES or None, instance=Certification.objects.get(pk=pk))
    return _child_form(
        request, org=cert.organization, form=form, back_tab="certifications", title=_("Sửa chứng nhận"),
        create=lambda data: services.update_certification(
            actor=request.user, certification=cert, **{k: v for k, v in data.items() if k in form.changed_data}))


@requires(COOPERATIVE)
def ip_right_create(request, pk):
    org = queries.access_organization(request.user, pk)
    _require_edit(request.user, org)
    form = forms.IPRightForm(request.POST or None, request.FILES or None)
    return _child_form(request, org=org, form=form, back_tab="ip", title=_("Thêm nhãn hiệu / chỉ dẫn địa lý"),
                       create=lambda data: services.create_ip_right(actor=request.user, owner=org, **data))


@requires(COOPERATIVE)
def ip_right_edit(request, pk):
    right = get_object_or_404(IPRight.objects.select_related("owner"), pk=pk,
                              owner__in=queries.scope_organizations(request.user))
    _require_edit(request.user, right.owner)
    form = forms.IPRightForm(request.POST or None, request.FILES or None, instance=IPRight.objects.get(pk=pk))
    return _child_form(
        request, org=right.owner, form=form, back_tab="ip", title=_("Sửa %(r)s") % {"r": right},
        create=lambda data: services.update_ip_right(
            actor=request.user, ip_right=right, **{k: v for k, v in data.items() if k in form.changed_data}))


@requires(AGENCY_STAFF)
def ip_grant_create(request, pk):
    right = get_object_or_404(IPRight.objects.select_related("owner"), pk=pk,
                              owner__in=queries.scope_organizations(request.user))
    _require_edit(request.user, right.owner)
    form = forms.IPUsageGrantForm(request.POST or None, user=request.user)
    return _child_form(
        request, org=right.owner, form=form, back_tab="ip", title=_("Trao quyền sử dụng %(r)s") % {"r": right},
        create=lambda data: services.grant_ip_usage(actor=request.user, ip_right=right, **data))


def _ocop_data(cleaned):
    data = dict(cleaned)
    data["score_parts"] = data.pop("score_parts_text", {}) or {}
    return data


@requires(COOPERATIVE)
def ocop_create(request, pk):
    product = get_object_or_404(queries.scope_products(request.user).select_related("producer"), pk=pk)
    _require_edit(request.user, product.producer)
    form = forms.OcopRatingForm(request.POST or None, request.FILES or None)
    return _child_form(request, org=product.producer, form=form, back_tab="ocop",
                       title=_("Thêm xếp hạng OCOP cho %(p)s") % {"p": product.name},
                       create=lambda data: services.create_ocop_rating(actor=request.user, product=product,
                                                                       **_ocop_data(data)))


@requires(COOPERATIVE)
def ocop_edit(request, pk):
    rating = get_object_or_404(OcopRating.objects.select_related("product", "product__producer"), pk=pk,
                               product__producer__in=queries.scope_organizations(request.user))
    _require_edit(request.user, rating.product.producer)
    form = forms.OcopRatingForm(request.POST or None, request.FILES or None, instance=OcopRating.objects.get(pk=pk))
    return _child_form(request, org=rating.product.producer, form=form, back_tab="ocop", title=_("Sửa xếp hạng OCOP"),
                       create=lambda data: services.update_ocop_rating(actor=request.user, rating=rating,
                                                                       **_ocop_data(data)))


@requires(COOPERATIVE)
def ocop_rerating(request, pk):
    """Preparing the re-rating of an OCOP product: when the rating lapses and the documents already
    in the registry that the new dossier can reuse."""
    rating = queries.get_ocop_rating_for(request.user, pk)
    if rating is None:
        raise Http404(_("Không tìm thấy xếp hạng OCOP trong phạm vi của bạn."))
    org = rating.product.producer
    return render(request, "registry/ocop_rerating.html", {
        "rating": rating, "org": org, "documents": queries.reusable_documents(org),
        "can_edit": queries.can_edit_organization(request.user, org),
        "breadcrumbs": [(_("Sổ đăng ký"), reverse("registry:organization_list")),
                        (org.name, reverse("registry:organization_detail", args=[org.pk]) + "?tab=ocop"),
                        (_("Đánh giá lại OCOP"), "")],
    })


# --- verification -------------------------------------------------------------------------------

VERIFIABLE = {"organization": Organization, "product": Product, "certification": Certification,
              "ipright": IPRight, "ocoprating": OcopRating}


@requires(AGENCY_STAFF)
@require_POST
def verify(request, kind, pk):
    model = VERIFIABLE.get(kind)
    if model is None:
        raise Http404()
    obj = get_object_or_404(model, pk=pk)
    org = services._organization_of(obj)
    if not queries.can_view_organization(request.user, org):
        raise Http404()
    form = forms.VerifyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.verify_record(actor=request.user, obj=obj, against=form.cleaned_data["against"],
                                   document=form.cleaned_data.get("document"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã xác minh “%(obj)s”.") % {"obj": obj})
    else:
        messages.error(request, _("Ghi rõ tài liệu dùng để xác minh (số, ngày, cơ quan cấp)."))
    return redirect_next(request, reverse("registry:organization_detail", args=[org.pk]))


# --- people and personal data -------------------------------------------------------------------


@requires(COOPERATIVE)
def person_create(request, pk):
    org = queries.access_organization(request.user, pk)
    if not queries.can_see_personal_data(request.user, org):
        raise PermissionDenied()
    form = forms.PersonForm(request.POST or None)

    def create(cleaned):
        data = dict(cleaned)
        role, consent = data.pop("role"), data.pop("consent")
        return services.add_person(actor=request.user, organization=org, role=role, consent=consent, **data)

    return _child_form(request, org=org, form=form, create=create, back_tab="people", title=_("Thêm người"))


def _person_in_scope(user, pk) -> Person:
    person = get_object_or_404(queries.scope_persons(user), pk=pk)
    return person


@requires(COOPERATIVE)
def person_edit(request, pk):
    """Correct a person's data (on their request, through an officer or the cooperative's manager)."""
    person = _person_in_scope(request.user, pk)
    if person.erased_at:
        raise Http404(_("Dữ liệu của người này đã bị xóa theo yêu cầu."))
    form = forms.PersonEditForm(request.POST or None, instance=Person.objects.get(pk=pk))
    membership = person.memberships.select_related("organization").first()
    org = membership.organization if membership else None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=request.user, person=person,
                                   **{k: v for k, v in form.cleaned_data.items() if k in form.changed_data})
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã sửa dữ liệu của %(name)s.") % {"name": person.full_name})
            if org:
                return redirect(reverse("registry:organization_detail", args=[org.pk]) + "?tab=people")
            return redirect("registry:organization_list")
    back = reverse("registry:organization_detail", args=[org.pk]) + "?tab=people" if org else reverse(
        "registry:organization_list")
    return _form_page(request, form, _("Sửa dữ liệu cá nhân"), back, org=org)


@requires(AGENCY_STAFF)
def person_export(request, pk):
    person = _person_in_scope(request.user, pk)
    data = services.export_person_data(actor=request.user, person=person)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{person.pk}.json"'
    return response


@requires(AGENCY_STAFF)
@require_POST
def person_erase(request, pk):
    person = _person_in_scope(request.user, pk)
    org_id = person.memberships.values_list("organization_id", flat=True).first()
    services.erase_person(actor=request.user, person=person)
    messages.success(request, _("Đã xóa dữ liệu cá nhân theo yêu cầu."))
    if org_id:
        return redirect(reverse("registry:organization_detail", args=[org_id]) + "?tab=people")
    return redirect("registry:organization_list")


@requires(AGENCY_STAFF)
@require_POST
def person_consent(request, pk):
    person = _person_in_scope(request.user, pk)
    if request.POST.get("action") == "withdraw":
        services.withdraw_consent(actor=request.user, person=person)
        messages.success(request, _("Đã ghi nhận việc rút lại đồng ý."))
    else:
        services.record_consent(actor=request.user, person=person)
        messages.success(request, _("Đã ghi nhận sự đồng ý."))
    org_id = person.memberships.values_list("organization_id", flat=True).first()
    return redirect(reverse("registry:organization_detail", args=[org_id]) + "?tab=people")


# --- warnings -------------------------------------------------------------------------------------


@requires(COOPERATIVE)
def expiring(request):
    return render(request, "registry/expiring.html", {
        "certifications": queries.expiring_certifications(request.user),
        "ocop_ratings": queries.ocop_due_for_rerating(request.user),
    })


@requires(COOPERATIVE)
def wards_options(request):
    """<option>s of a province's wards for the organisation form (htmx)."""
    province = request.GET.get("province_code", "")
    return render(request, "registry/_ward_options.html", {"wards": units.wards(province) if province else []})


# --- public directory ------------------------------------------------------------------------------


@public
@use_replica
def public_list(request):
    filters = queries.OrganizationFilters.from_params(request.GET)
    filters.verified = filters.verified if filters.verified in ("yes", "no") else ""
    page = queries.list_public_organizations(filters, request.GET.get("page", 1))
    return render(request, "registry/public_list.html", {"page": page, "querystring": _querystring(request),
                                                         **_filter_context(filters)})


@public
@use_replica
def public_detail(request, pk):
    org = queries.get_public_organization(pk)
    if org is None:
        raise Http404(_("Không có tổ chức này trong danh bạ công khai."))
    ocop = [r for p in org.products.all() for r in p.ocop_ratings.all()]
    return render(request, "registry/public_detail.html", {"org": org, "ocop_ratings": ocop})


# --- removing and undoing: each a confirmation page (GET) and one service call (POST) -------------


def _confirm(request, *, title, message, back_url, button, danger=True, form=None):
    return render(request, "registry/confirm.html", {"title": title, "message": message, "back_url": back_url,
                                                     "button": button, "danger": danger, "form": form})


def _tab_url(org, tab):
    return reverse("registry:organization_detail", args=[org.pk]) + f"?tab={tab}"


@requires(COOPERATIVE)
def product_delete(request, pk):
    product = get_object_or_404(queries.scope_products(request.user).select_related("producer"), pk=pk)
    _require_edit(request.user, product.producer)
    back = _tab_url(product.producer, "products")
    if request.method == "POST":
        try:
            services.delete_product(actor=request.user, product=product)
        except ProtectedError:
            # Lots carry printed codes that shoppers still scan: the product must stay behind them.
            messages.error(request, _("Không xóa được “%(name)s”: sản phẩm đã có lô truy xuất với mã in trên bao bì. "
                                      "Hãy sửa thông tin sản phẩm thay vì xóa.") % {"name": product.name})
        else:
            messages.success(request, _("Đã xóa sản phẩm “%(name)s”.") % {"name": product.name})
        return redirect(back)
    return _confirm(request, title=_("Xóa sản phẩm %(name)s?") % {"name": product.name}, back_url=back,
                    message=_("Sản phẩm, ảnh và xếp hạng OCOP của nó sẽ bị xóa khỏi sổ đăng ký. "
                              "Việc xóa được ghi vào nhật ký thay đổi."), button=_("Xóa sản phẩm"))


@requires(COOPERATIVE)
@require_POST
def product_photo_delete(request, pk):
    photo = get_object_or_404(ProductPhoto.objects.select_related("product__producer"), pk=pk,
                              product__in=queries.scope_products(request.user))
    _require_edit(request.user, photo.product.producer)
    services.delete_product_photo(actor=request.user, photo=photo)
    messages.success(request, _("Đã xóa ảnh của “%(name)s”.") % {"name": photo.product.name})
    return redirect(_tab_url(photo.product.producer, "products"))


@requires(COOPERATIVE)
def certification_delete(request, pk):
    cert = get_object_or_404(Certification.objects.select_related("organization"), pk=pk,
                             organization__in=queries.scope_organizations(request.user))
    _require_edit(request.user, cert.organization)
    back = _tab_url(cert.organization, "certifications")
    if request.method == "POST":
        services.delete_certification(actor=request.user, certification=cert)
        messages.success(request, _("Đã xóa chứng nhận “%(c)s”.") % {"c": cert})
        return redirect(back)
    return _confirm(request, title=_("Xóa chứng nhận %(c)s?") % {"c": cert}, back_url=back,
                    message=_("Chỉ xóa khi nhập nhầm. Chứng nhận hết hạn thì giữ lại: nó vẫn là lịch sử của HTX."),
                    button=_("Xóa chứng nhận"))


@requires(AGENCY_STAFF)
def ip_grant_revoke(request, pk):
    grant = get_object_or_404(IPUsageGrant.objects.select_related("ip_right__owner", "grantee"), pk=pk)
    if not queries.can_view_organization(request.user, grant.ip_right.owner):
        raise Http404()
    _require_edit(request.user, grant.ip_right.owner)
    back = _tab_url(grant.ip_right.owner, "ip")
    if request.method == "POST":
        services.revoke_ip_usage(actor=request.user, grant=grant)
        messages.success(request, _("Đã thu hồi quyền sử dụng của %(org)s.") % {"org": grant.grantee.name})
        return redirect(back)
    return _confirm(request, back_url=back, button=_("Thu hồi quyền sử dụng"),
                    title=_("Thu hồi quyền sử dụng “%(mark)s” của %(org)s?") % {"mark": grant.ip_right.name,
                                                                               "org": grant.grantee.name},
                    message=_("Đơn vị này sẽ không còn được ghi là được phép dùng nhãn hiệu trên sản phẩm."))


@requires(COOPERATIVE)
def membership_end(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("person", "organization"), pk=pk,
                                   organization__in=queries.scope_organizations(request.user))
    if not queries.can_see_personal_data(request.user, membership.organization):
        raise Http404()
    _require_edit(request.user, membership.organization)
    back = _tab_url(membership.organization, "people")
    form = forms.EndMembershipForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_membership(actor=request.user, membership=membership, end_date=form.cleaned_data["end_date"])
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Đã ghi nhận %(name)s thôi giữ vai trò %(role)s.")
                             % {"name": membership.person.full_name, "role": membership.get_role_display()})
            return redirect(back)
    return _confirm(request, back_url=back, form=form, danger=False, button=_("Ghi nhận"),
                    title=_("%(name)s thôi giữ vai trò %(role)s") % {"name": membership.person.full_name,
                                                                     "role": membership.get_role_display()},
                    message=_("Người này vẫn ở trong danh sách với ngày thôi; dữ liệu cá nhân không bị xóa."))


@requires(AGENCY_STAFF)
def unverify(request, kind, pk):
    model = VERIFIABLE.get(kind)
    if model is None:
        raise Http404()
    obj = get_object_or_404(model, pk=pk)
    org = services._organization_of(obj)
    if not queries.can_view_organization(request.user, org):
        raise Http404()
    if not queries.can_verify(request.user, org):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được bỏ xác minh."))
    back = reverse("registry:organization_detail", args=[org.pk])
    form = forms.UnverifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.unverify_record(actor=request.user, obj=obj, reason=form.cleaned_data["reason"])
        messages.success(request, _("Đã bỏ xác minh “%(obj)s”; hồ sơ trở lại “Tự khai báo”.") % {"obj": obj})
        return redirect(back)
    return _confirm(request, back_url=back, form=form, button=_("Bỏ xác minh"),
                    title=_("Bỏ xác minh “%(obj)s”?") % {"obj": obj},
                    message=_("Dùng khi phát hiện thông tin đã xác minh không còn đúng. Lý do được ghi vào nhật ký."))


# --- accounts acting for an organisation ------------------------------------------------------------


@requires(AGENCY_STAFF)
def organization_users(request, pk):
    """Who may sign in and act for this cooperative; officers of its province link and unlink accounts."""
    org = queries.access_organization(request.user, pk)
    if not queries.can_verify(request.user, org):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được gán tài khoản cho tổ chức."))
    form = forms.LinkUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["account"]
        try:
            services.link_user_to_organization(actor=request.user, user=user, organization=org,
                                               role=form.cleaned_data["role"])
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Tài khoản %(u)s đã được gắn với %(org)s.") % {"u": user.get_username(),
                                                                                      "org": org.name})
            return redirect("registry:organization_users", pk=org.pk)
    links = org.user_links.select_related("user").order_by("role", "user__username")
    return render(request, "registry/organization_users.html", {"org": org, "form": form, "links": links})


@requires(AGENCY_STAFF)
@require_POST
def organization_user_unlink(request, pk, link_pk):
    org = queries.access_organization(request.user, pk)
    if not queries.can_verify(request.user, org):
        raise PermissionDenied(_("Chỉ cán bộ quản lý địa bàn được gỡ tài khoản khỏi tổ chức."))
    link = get_object_or_404(org.user_links.select_related("user"), pk=link_pk)
    services.unlink_user_from_organization(actor=request.user, user=link.user, organization=org)
    messages.success(request, _("Đã gỡ tài khoản %(u)s khỏi %(org)s.") % {"u": link.user.get_username(),
                                                                         "org": org.name})
    return redirect("registry:organization_users", pk=org.pk)
