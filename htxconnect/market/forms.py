"""Forms of the market pages. Money is typed the Vietnamese way ("25.000"), quantities with a
decimal comma ("2,5"); each error names the field, the value typed and the rule."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from htxconnect.core import adminunits
from htxconnect.core.forms import VietnameseDateField
from htxconnect.registry.models import Certification, Product

from .models import Buyer, Demand, ProductConcept, Unit

CERT_CHOICES = [(v, l) for v, l in Certification.Type.choices if v != Certification.Type.OTHER]
MONTH_CHOICES = [(m, _("Tháng %(m)s") % {"m": m}) for m in range(1, 13)]


def _attrs(extra=None, cls="form-control"):
    return {"class": cls, **(extra or {})}


class MoneyField(forms.CharField):
    """Whole đồng typed as "25.000", "25000" or "25.000 đ"."""

    def to_python(self, value):
        raw = (value or "").strip()
        if not raw:
            return None
        digits = re.sub(r"[.\s]|đ$|d$|vnđ$|vnd$", "", raw.lower()).strip()
        if not digits.isdigit():
            raise ValidationError(_("%(label)s: “%(value)s” không phải số tiền; nhập số đồng, ví dụ 25.000."),
                                  params={"label": self.label, "value": raw}, code="invalid")
        return int(digits)


class QuantityField(forms.CharField):
    def to_python(self, value):
        raw = (value or "").strip()
        if not raw:
            return None
        text = raw.replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("%(label)s: “%(value)s” không phải số lượng; nhập số, ví dụ 2 hoặc 2,5."),
                                  params={"label": self.label, "value": raw}, code="invalid") from None
        if not number.is_finite() or number <= 0:
            raise ValidationError(_("%(label)s: “%(value)s” phải lớn hơn 0."), params={"label": self.label, "value": raw},
                                  code="positive")
        return number.quantize(Decimal("0.01"))


def _province_choices():
    return [("", "—")] + [(p.code, p.name) for p in adminunits.provinces()]


class _Base(forms.Form):
    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("Khoảng giá bị ngược: giá từ %(a)s đ lớn hơn giá đến %(b)s đ.") % {
                "a": f"{low:,}".replace(",", "."), "b": f"{high:,}".replace(",", ".")})
        return data


class OfferForm(_Base):
    organization = forms.ModelChoiceField(label=_("Hợp tác xã"), queryset=None,
                                          widget=forms.Select(attrs=_attrs(cls="form-select")))
    product = forms.ModelChoiceField(label=_("Sản phẩm (trong hồ sơ HTX)"), queryset=Product.objects.none(),
                                     widget=forms.Select(attrs=_attrs(cls="form-select")))
    title = forms.CharField(label=_("Tên hàng người mua hay gọi"), max_length=200, required=False,
                            widget=forms.TextInput(attrs=_attrs({"placeholder": _("ví dụ: khóm Cầu Đúc")})))
    quantity = QuantityField(label=_("Số lượng"), widget=forms.TextInput(attrs=_attrs({"inputmode": "decimal"})))
    unit = forms.ChoiceField(label=_("Đơn vị"), choices=Unit.choices, widget=forms.Select(attrs=_attrs(cls="form-select")))
    months = forms.TypedMultipleChoiceField(label=_("Tháng có hàng"), choices=MONTH_CHOICES, coerce=int,
                                            widget=forms.CheckboxSelectMultiple,
                                            error_messages={"required": _("Chọn ít nhất một tháng có hàng.")})
    price_min = MoneyField(label=_("Giá từ (đ/đơn vị)"), required=False,
                           widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric", "placeholder": "25.000"})))
    price_max = MoneyField(label=_("Giá đến (đ/đơn vị)"), required=False,
                           widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric", "placeholder": "30.000"})))
    min_order = QuantityField(label=_("Đơn hàng tối thiểu (cùng đơn vị)"), required=False,
                              widget=forms.TextInput(attrs=_attrs({"inputmode": "decimal"})))
    delivery_area = forms.CharField(label=_("Khu vực giao hàng"), max_length=300, required=False,
                                    widget=forms.TextInput(attrs=_attrs()))
    expires_on = VietnameseDateField(label=_("Chào bán đến ngày"),
                                     widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs=_attrs({"rows": 2})))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["product"].queryset = Product.objects.filter(producer__in=organizations).select_related("producer")
        self.fields["product"].label_from_instance = lambda p: f"{p.name} – {p.producer}"
        self.fields["unit"].error_messages["invalid_choice"] = _(
            "Đơn vị “%(value)s” không dùng được; chọn kg, tấn, tạ, yến, quả, chai, hộp…")

    def clean(self):
        data = super().clean()
        org, product = data.get("organization"), data.get("product")
        if org and product and product.producer_id != org.pk:
            self.add_error("product", _("Sản phẩm “%(p)s” không phải của %(o)s.") % {"p": product.name, "o": org})
        return data


class DemandForm(_Base):
    buyer = forms.ModelChoiceField(label=_("Tổ chức mua"), queryset=None,
                                   widget=forms.Select(attrs=_attrs(cls="form-select")))
    product_name = forms.CharField(label=_("Sản phẩm cần mua"), max_length=200,
                                   widget=forms.TextInput(attrs=_attrs({"placeholder": _("ví dụ: thơm, khổ qua, bắp nếp")})))
    quantity = QuantityField(label=_("Số lượng mỗi lần giao"), widget=forms.TextInput(attrs=_attrs({"inputmode": "decimal"})))
    unit = forms.ChoiceField(label=_("Đơn vị"), choices=Unit.choices, widget=forms.Select(attrs=_attrs(cls="form-select")))
    frequency = forms.ChoiceField(label=_("Tần suất"), choices=Demand.Frequency.choices,
                                  widget=forms.Select(attrs=_attrs(cls="form-select")))
    required_certifications = forms.MultipleChoiceField(label=_("Chứng nhận yêu cầu"), choices=CERT_CHOICES,
                                                        required=False, widget=forms.CheckboxSelectMultiple)
    province_code = forms.ChoiceField(label=_("Giao tại tỉnh/thành phố"), choices=(),
                                      widget=forms.Select(attrs=_attrs(cls="form-select")))
    ward_code = forms.CharField(label=_("Mã xã/phường (nếu biết)"), max_length=10, required=False,
                                widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric"})))
    delivery_place = forms.CharField(label=_("Nơi giao hàng"), max_length=300, required=False,
                                     widget=forms.TextInput(attrs=_attrs()))
    price_min = MoneyField(label=_("Giá từ (đ/đơn vị)"), required=False,
                           widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric", "placeholder": "20.000"})))
    price_max = MoneyField(label=_("Giá đến (đ/đơn vị)"), required=False,
                           widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric", "placeholder": "30.000"})))
    starts_on = VietnameseDateField(label=_("Giao từ ngày"), widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    ends_on = VietnameseDateField(label=_("Giao đến ngày"), widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs=_attrs({"rows": 2})))

    def __init__(self, *args, buyers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = buyers
        self.fields["province_code"].choices = _province_choices()
        self.fields["required_certifications"].error_messages["invalid_choice"] = _(
            "Loại chứng nhận “%(value)s” không có trong danh mục (VietGAP, GlobalGAP, hữu cơ, HACCP, ISO…).")
        self.fields["unit"].error_messages["invalid_choice"] = _(
            "Đơn vị “%(value)s” không dùng được; chọn kg, tấn, tạ, yến, quả, chai, hộp…")

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("Giao đến ngày (%(e)s) phải từ ngày bắt đầu giao (%(s)s) trở đi.") % {
                "e": end.strftime("%d/%m/%Y"), "s": start.strftime("%d/%m/%Y")})
        return data


class BuyerForm(_Base):
    name = forms.CharField(label=_("Tên tổ chức mua"), max_length=255, widget=forms.TextInput(attrs=_attrs()))
    kind = forms.ChoiceField(label=_("Loại hình"), choices=Buyer.Kind.choices,
                             widget=forms.Select(attrs=_attrs(cls="form-select")))
    province_code = forms.ChoiceField(label=_("Tỉnh/thành phố"), choices=(), required=False,
                                      widget=forms.Select(attrs=_attrs(cls="form-select")))
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False, widget=forms.TextInput(attrs=_attrs()))
    contact_name = forms.CharField(label=_("Người liên hệ"), max_length=150, required=False,
                                   widget=forms.TextInput(attrs=_attrs()))
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False, widget=forms.TextInput(attrs=_attrs()))
    email = forms.EmailField(label=_("Thư điện tử"), required=False, widget=forms.EmailInput(attrs=_attrs()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province_code"].choices = _province_choices()


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Tin nhắn"), max_length=4000, widget=forms.Textarea(attrs=_attrs({"rows": 3})))


class TermForm(_Base):
    concept = forms.ModelChoiceField(label=_("Sản phẩm"), queryset=ProductConcept.objects.all(), required=False,
                                     widget=forms.Select(attrs=_attrs(cls="form-select")))
    new_concept = forms.CharField(label=_("hoặc sản phẩm mới (tên chuẩn)"), max_length=120, required=False,
                                  widget=forms.TextInput(attrs=_attrs()))
    category = forms.ChoiceField(label=_("Nhóm (sản phẩm mới)"), choices=Product.Category.choices, required=False,
                                 widget=forms.Select(attrs=_attrs(cls="form-select")))
    term = forms.CharField(label=_("Tên gọi"), max_length=120, widget=forms.TextInput(attrs=_attrs()))
    region = forms.CharField(label=_("Vùng dùng tên này"), max_length=120, required=False,
                             widget=forms.TextInput(attrs=_attrs()))

    def clean(self):
        data = super().clean()
        if not data.get("concept") and not (data.get("new_concept") or "").strip():
            self.add_error("concept", _("Chọn sản phẩm có sẵn hoặc nhập tên sản phẩm mới."))
        return data


class DealForm(_Base):
    number = forms.CharField(label=_("Số hợp đồng"), max_length=60, required=False, widget=forms.TextInput(attrs=_attrs()))
    product_name = forms.CharField(label=_("Sản phẩm"), max_length=200, widget=forms.TextInput(attrs=_attrs()))
    quantity = QuantityField(label=_("Số lượng"), widget=forms.TextInput(attrs=_attrs({"inputmode": "decimal"})))
    unit = forms.ChoiceField(label=_("Đơn vị"), choices=Unit.choices, widget=forms.Select(attrs=_attrs(cls="form-select")))
    quality = forms.CharField(label=_("Chất lượng, quy cách, tiêu chuẩn"), widget=forms.Textarea(attrs=_attrs({"rows": 2})))
    price_method = forms.CharField(label=_("Giá và cách xác định giá"), widget=forms.Textarea(attrs=_attrs({"rows": 2})))
    unit_price = MoneyField(label=_("Đơn giá (đ/đơn vị)"), widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric"})))
    delivery_terms = forms.CharField(label=_("Thời gian, địa điểm, phương thức giao nhận"),
                                     widget=forms.Textarea(attrs=_attrs({"rows": 2})))
    payment_terms = forms.CharField(label=_("Phương thức thanh toán"), widget=forms.Textarea(attrs=_attrs({"rows": 2})))
    responsibilities = forms.CharField(label=_("Quyền và nghĩa vụ của các bên"),
                                       widget=forms.Textarea(attrs=_attrs({"rows": 3})))
    dispute_resolution = forms.CharField(label=_("Giải quyết tranh chấp"), widget=forms.Textarea(attrs=_attrs({"rows": 2})),
                                         initial="Thương lượng, hòa giải; không thành thì đưa ra Tòa án có thẩm quyền.")
    force_majeure = forms.CharField(label=_("Bất khả kháng"), required=False, widget=forms.Textarea(attrs=_attrs({"rows": 2})))
    starts_on = VietnameseDateField(label=_("Hiệu lực từ ngày"), widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    ends_on = VietnameseDateField(label=_("Hiệu lực đến ngày"), widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    signed_on = VietnameseDateField(label=_("Ngày ký"), widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    file = forms.FileField(label=_("Bản hợp đồng đã ký (PDF, ảnh)"), required=False)


class DeliveryForm(forms.Form):
    delivered_on = VietnameseDateField(label=_("Ngày giao"), widget=forms.TextInput(attrs=_attrs({"placeholder": "dd/mm/yyyy"})))
    quantity = QuantityField(label=_("Số lượng"), widget=forms.TextInput(attrs=_attrs({"inputmode": "decimal"})))
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False, widget=forms.TextInput(attrs=_attrs()))


class SupportForm(_Base):
    item = forms.ModelChoiceField(label=_("Nội dung hỗ trợ"), queryset=None,
                                  widget=forms.Select(attrs=_attrs(cls="form-select")))
    amount_requested = MoneyField(label=_("Số tiền đề nghị (đồng)"), required=False,
                                  widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric"})))
    total_cost = MoneyField(label=_("Tổng chi phí (đồng)"), required=False,
                            widget=forms.TextInput(attrs=_attrs({"inputmode": "numeric"})))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda i: f"{i.policy.number} – {i.code}. {i.name}"
