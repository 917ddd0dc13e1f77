"""Forms of the resolver's staff pages: phone-friendly, no EPCIS words."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from htxconnect.registry import queries as registry_queries

from .models import Link, Location, Lot, PrintRun
from .steps import ESSENTIALS, STEP_FIELDS, STEPS, UNITS


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class Bootstrap:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
                "form-select" if isinstance(widget, forms.Select) else "form-control")
            widget.attrs.setdefault("class", css)


class LotForm(Bootstrap, forms.Form):
    product = forms.ModelChoiceField(label=_("Sản phẩm"), queryset=None)
    code = forms.CharField(label=_("Mã lô"), max_length=20, help_text=_("Ví dụ: OI-2026-11-01"))
    production_date = forms.DateField(label=_("Ngày thu hoạch / sản xuất"), widget=forms.DateInput(attrs={"type": "date"}))
    expiry_date = forms.DateField(label=_("Hạn sử dụng"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.DecimalField(label=_("Số lượng"), required=False, min_value=0, max_digits=12, decimal_places=2)
    origin = forms.ModelChoiceField(label=_("Nơi sản xuất"), queryset=None, required=False)
    is_public = forms.BooleanField(label=_("Công khai trên trang quét mã"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = registry_queries.scope_products(user).filter(gtin__isnull=False)
        self.fields["origin"].queryset = Location.objects.filter(
            organization__in=registry_queries.scope_organizations(user))
        self._style()


class LotEditForm(LotForm):
    """The lot's corrections: everything but the product and the code, which labels carry."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["product"], self.fields["code"]


class StepForm(Bootstrap, forms.Form):
    """One step of a lot's journey. Built for the chosen step: only that step's fields
    (steps.STEP_FIELDS), its essentials required, prefilled from the lot."""

    step = forms.ChoiceField(label=_("Công việc"), choices=[(k, s.label) for k, s in STEPS.items()],
                             widget=forms.HiddenInput)
    when = forms.DateTimeField(label=_("Thời điểm"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                                  format="%Y-%m-%dT%H:%M"))
    location = forms.ModelChoiceField(label=_("Tại"), queryset=None, required=False)
    destination = forms.ModelChoiceField(label=_("Nơi nhận hàng"), queryset=None, required=False)
    output_lot = forms.ModelChoiceField(label=_("Lô thành phẩm"), queryset=None, required=False)
    quantity = forms.DecimalField(label=_("Số lượng"), required=False, min_value=0, max_digits=12, decimal_places=2)
    uom = forms.ChoiceField(label=_("Đơn vị"), choices=list(UNITS.items()), initial="KGM", required=False)
    note = forms.CharField(label=_("Ghi chú nội bộ (không hiện cho người mua)"), required=False, max_length=500)

    LOCATION_LABELS = {"harvest": _("Nơi thu hoạch"), "sort": _("Nơi phân loại"), "pack": _("Nơi đóng gói"),
                       "ship": _("Xuất từ"), "receive": _("Nơi nhận"), "process": _("Nơi chế biến")}

    def __init__(self, *args, lot: Lot, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_key = step
        for name in list(self.fields):
            if name != "step" and name not in STEP_FIELDS[step]:
                del self.fields[name]
        self.fields["step"].initial = step
        for name in ESSENTIALS[step]:
            self.fields[name].required = True
        places = Location.objects.filter(organization=lot.product.producer_id)
        for name in ("location", "destination"):
            if name in self.fields:
                self.fields[name].queryset = places
        self.fields["location"].label = self.LOCATION_LABELS[step]
        if "output_lot" in self.fields:
            self.fields["output_lot"].queryset = Lot.objects.filter(product__producer=lot.product.producer_id) \
                .exclude(pk=lot.pk).select_related("product")
        # Prefilled from the lot: where it was grown (for the harvest) and how much there is.
        self.fields["when"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if step == "harvest" and lot.origin_id:
            self.fields["location"].initial = lot.origin_id
        if lot.quantity is not None:
            self.fields["quantity"].initial = lot.quantity
        self._style()

    def clean_step(self):
        if self.cleaned_data["step"] != self.step_key:
            raise ValidationError(_("Bước gửi lên không khớp với bước đã chọn."))
        return self.cleaned_data["step"]


class RecallForm(Bootstrap, forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    return_to = forms.CharField(label=_("Nơi trả lại hàng"), max_length=300, required=False,
                                help_text=_("Ví dụ: cửa hàng đã mua hoặc trụ sở HTX, địa chỉ cụ thể."))
    hotline = forms.CharField(label=_("Đường dây nóng thu hồi"), max_length=30, required=False,
                              help_text=_("Số điện thoại người mua gọi để được hướng dẫn, hoàn tiền."))
    cancel = forms.BooleanField(label=_("Hủy thu hồi (lô an toàn trở lại)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self):
        data = super().clean()
        if not data.get("cancel") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Hãy ghi lý do thu hồi lô."))
        return data


class LinkForm(Bootstrap, forms.Form):
    scope = forms.ChoiceField(label=_("Áp dụng cho"), choices=[("lot", _("Chỉ lô này")), ("product", _("Cả sản phẩm"))])
    link_type = forms.ChoiceField(label=_("Loại liên kết"), choices=Link.LinkType.choices)
    target_url = forms.URLField(label=_("Địa chỉ đích"), max_length=500, assume_scheme="https")
    title = forms.CharField(label=_("Tiêu đề"), max_length=200)
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=[("vi", "Tiếng Việt"), ("en", "English")])
    media_type = forms.CharField(label=_("Kiểu nội dung"), max_length=60, initial="text/html")
    is_default = forms.BooleanField(label=_("Là liên kết mặc định"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class PrintForm(Bootstrap, forms.Form):
    layout = forms.ChoiceField(label=_("Khổ nhãn"), choices=PrintRun.Layout.choices)
    count = forms.IntegerField(label=_("Số nhãn"), min_value=1, max_value=10000, initial=24)
    with_serials = forms.BooleanField(label=_("Đánh số sê-ri riêng từng nhãn"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ProblemReportForm(forms.Form):
    message = forms.CharField(label=_("Vấn đề bạn gặp"), min_length=5, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"min_length": _("Nội dung phản ánh cần ít nhất 5 ký tự.")})
    contact = forms.CharField(label=_("Số điện thoại hoặc thư điện tử (không bắt buộc)"), max_length=150, required=False)
    lot = forms.CharField(required=False, widget=forms.HiddenInput)
