"""Forms of the registry pages. They only parse input; rules live in models and services."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from htxconnect.core.identifiers import display_gtin

from . import queries, units
from .models import (
    Certification, IPRight, IPUsageGrant, Membership, OcopRating, Organization, OrganizationUser, Person, Product,
    Sector,
)
from .validators import normalize_gtin, normalize_tax_code, validate_photo_file

DATE_WIDGET = {"widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class BootstrapMixin:
    """Bootstrap 5 classes on every widget (templates stay a plain loop)."""

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def _date_widgets(model_form_meta_fields, model):
    widgets = {}
    for name in model_form_meta_fields:
        field = model._meta.get_field(name)
        if field.get_internal_type() == "DateField":
            widgets[name] = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    return widgets


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                messages = item.messages
                if target is None and field != "__all__":
                    label = field
                    messages = [f"{label}: {m}" for m in messages]
                form.add_error(target, messages)
    else:
        form.add_error(None, error.messages)


ORG_FIELDS = [
    "kind", "name", "short_name", "tax_code", "registration_number", "registration_date", "established_on",
    "legal_representative", "members_count", "charter_capital", "sectors", "description",
    "province_code", "ward_code", "street", "address_as_written", "latitude", "longitude",
    "phone", "email", "website", "status", "is_public", "public_contact",
]


class OrganizationForm(BootstrapMixin, forms.ModelForm):
    province_code = forms.ChoiceField(label=_("Tỉnh/thành phố"), required=False)
    ward_code = forms.ChoiceField(label=_("Xã/phường/đặc khu (hiện hành)"), required=False)
    website = forms.URLField(label=_("Trang web"), required=False, assume_scheme="https")
    sectors = forms.ModelMultipleChoiceField(
        label=_("Lĩnh vực"), queryset=Sector.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Organization
        fields = ORG_FIELDS
        widgets = {**_date_widgets(["registration_date", "established_on"], Organization),
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        province = queries.staff_province(user) if user is not None else None
        provinces = units.provinces()
        if province:
            provinces = [p for p in provinces if p.code == province]
        self.fields["province_code"].choices = [("", "—")] + [(p.code, p.name) for p in provinces]
        chosen = self.data.get("province_code") or (self.instance.province_code if self.instance.pk else "") or province
        ward_units = units.wards(chosen) if chosen else []
        self.fields["ward_code"].choices = [("", _("— chưa xác định —"))] + [(w.code, w.name) for w in ward_units]
        if province and not self.instance.pk:
            self.initial.setdefault("province_code", province)
        # Choosing a province reloads the ward list (htmx; without JS the page re-renders on save).
        from django.urls import reverse

        self.fields["province_code"].widget.attrs.update({
            "hx-get": reverse("registry:wards_options"), "hx-target": "#id_ward_code", "hx-trigger": "change"})
        self._style()

    def clean_tax_code(self):
        value = self.cleaned_data.get("tax_code", "")
        return normalize_tax_code(value) if value else ""


class ProductForm(BootstrapMixin, forms.ModelForm):
    season_months = forms.MultipleChoiceField(
        label=_("Tháng thu hoạch"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(str(m), _("Tháng %(m)s") % {"m": m}) for m in range(1, 13)])
    gtin = forms.CharField(label=_("Mã số mã vạch (GTIN-8/12/13/14)"), required=False, max_length=20)
    photo = forms.FileField(label=_("Thêm ảnh"), required=False, validators=[validate_photo_file],
                            help_text=_("Ảnh JPEG, PNG hoặc WebP, tối đa 10 MB."),
                            error_messages={"empty": _("Tệp ảnh đã chọn rỗng: hãy chọn lại ảnh sản phẩm.")},
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    class Meta:
        model = Product
        fields = ["name", "category", "unit", "season_months", "description", "gtin", "origin_ward_code", "is_public"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["season_months"] = [str(m) for m in self.instance.season_months or []]
            self.initial["gtin"] = display_gtin(self.instance.gtin)
        self._style()

    def clean_season_months(self):
        return sorted(int(m) for m in self.cleaned_data.get("season_months") or [])

    def clean_gtin(self):
        value = self.cleaned_data.get("gtin", "").strip()
        return normalize_gtin(value) if value else None


class CertificationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["type", "type_other", "number", "issuer", "issue_date", "expiry_date", "product", "document"]
        widgets = _date_widgets(["issue_date", "expiry_date"], Certification)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = organization or getattr(self.instance, "organization", None)
        self.fields["product"].queryset = organization.products.all() if organization else Product.objects.none()
        self.fields["product"].empty_label = _("Toàn tổ chức")
        self._style()

    def clean(self):
        data = super().clean()
        issue, expiry = data.get("issue_date"), data.get("expiry_date")
        if issue and expiry and expiry <= issue:
            self.add_error("expiry_date", _("Ngày hết hạn (%(e)s) phải sau ngày cấp (%(i)s).") % {
                "e": expiry.strftime("%d/%m/%Y"), "i": issue.strftime("%d/%m/%Y")})
        return data


class IPRightForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = IPRight
        fields = ["kind", "name", "status", "application_number", "application_date", "number", "grant_date",
                  "expiry_date", "products_description", "document", "notes"]
        widgets = {**_date_widgets(["application_date", "grant_date", "expiry_date"], IPRight),
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class IPUsageGrantForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = IPUsageGrant
        fields = ["grantee", "product_description", "granted_on", "decision_number", "notes"]
        widgets = _date_widgets(["granted_on"], IPUsageGrant)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grantee"].queryset = queries.editable_organizations(user).order_by("name") if user else \
            Organization.objects.none()
        self._style()


class OcopRatingForm(BootstrapMixin, forms.ModelForm):
    score_parts_text = forms.CharField(
        label=_("Điểm thành phần (mỗi dòng: tên phần = điểm)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = OcopRating
        fields = ["stars", "total_score", "decision_number", "decision_date", "level", "document"]
        widgets = _date_widgets(["decision_date"], OcopRating)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stars"].widget = forms.Select(choices=[(3, "3 ★"), (4, "4 ★"), (5, "5 ★")])
        if self.instance.pk and self.instance.score_parts:
            self.initial["score_parts_text"] = "\n".join(f"{k} = {v}" for k, v in self.instance.score_parts.items())
        self._style()

    def clean_score_parts_text(self):
        parts = {}
        for number, line in enumerate((self.cleaned_data.get("score_parts_text") or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.rpartition("=")
            if not sep or not name.strip() or not value.strip().isdigit():
                raise ValidationError(_("Dòng %(n)d “%(line)s”: phải có dạng “tên phần = điểm” (điểm là số nguyên).")
                                      % {"n": number, "line": line.strip()})
            parts[name.strip()] = int(value.strip())
        return parts


class PersonForm(BootstrapMixin, forms.ModelForm):
    role = forms.ChoiceField(label=_("Vai trò trong tổ chức"), choices=Membership.Role.choices)
    consent = forms.BooleanField(
        label=_("Người này đã đồng ý cho xử lý dữ liệu cá nhân theo mục đích nêu trên"), required=False)

    class Meta:
        model = Person
        fields = ["full_name", "gender", "birth_year", "phone", "email", "id_number", "consent_purpose"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class PersonEditForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["full_name", "gender", "birth_year", "phone", "email", "id_number", "consent_purpose"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class VerifyForm(BootstrapMixin, forms.Form):
    against = forms.CharField(label=_("Xác minh theo tài liệu"), max_length=300,
                              help_text=_("Số, ngày và cơ quan ban hành tài liệu đã đối chiếu."))
    document = forms.FileField(label=_("Bản quét tài liệu (không bắt buộc)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def pretty_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


class LinkUserForm(BootstrapMixin, forms.Form):
    """An officer lets an existing account act for a cooperative (its manager keeps the profile)."""

    account = forms.CharField(label=_("Tên đăng nhập hoặc e-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Vai trò"), choices=OrganizationUser.Role.choices,
                             initial=OrganizationUser.Role.MANAGER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_account(self):
        value = self.cleaned_data["account"].strip()
        users = list(get_user_model().objects.filter(Q(username__iexact=value) | Q(email__iexact=value))[:2])
        if not users:
            raise forms.ValidationError(_("Không có tài khoản nào có tên đăng nhập hoặc e-mail “%(v)s”. "
                                          "Quản trị viên tạo tài khoản trước, rồi gắn vào đây.") % {"v": value})
        if len(users) > 1:
            raise forms.ValidationError(_("“%(v)s” khớp nhiều tài khoản; hãy nhập tên đăng nhập.") % {"v": value})
        return users[0]


class EndMembershipForm(BootstrapMixin, forms.Form):
    end_date = forms.DateField(label=_("Ngày thôi"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class UnverifyForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Lý do bỏ xác minh"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
