"""Forms of the shared pages: the audit-log filter."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_HELP = _("dd/mm/yyyy, ví dụ 05/03/2026")


class VietnameseDateField(forms.DateField):
    """A dd/mm/yyyy date whose error names the field, the value typed and the expected form."""

    input_formats = ["%d/%m/%Y"]
    min_year, max_year = 1900, 2100

    def to_python(self, value):
        raw = (value or "").strip() if isinstance(value, str) else value
        try:
            day = super().to_python(raw)
        except ValidationError:
            raise ValidationError(
                _("%(label)s: “%(value)s” không phải ngày hợp lệ. Nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."),
                code="invalid", params={"label": self.label, "value": raw},
            ) from None
        if day is not None and not (self.min_year <= day.year <= self.max_year):
            raise ValidationError(
                _("%(label)s: năm %(year)s nằm ngoài khoảng cho phép (%(min)s–%(max)s)."),
                code="out_of_range",
                params={"label": self.label, "year": day.year, "min": self.min_year, "max": self.max_year},
            )
        return day


def _text(label, max_length, placeholder="", **attrs):
    widget_attrs = {"class": "form-control", "placeholder": placeholder, **attrs}
    return forms.CharField(label=label, max_length=max_length, required=False,
                           widget=forms.TextInput(attrs=widget_attrs))


class AuditFilterForm(forms.Form):
    actor = _text(_("Người thực hiện"), 150, _("tên đăng nhập"), autocomplete="off")
    action = forms.ChoiceField(label=_("Hành động"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    object_type = forms.ChoiceField(label=_("Loại đối tượng"), required=False,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    date_from = VietnameseDateField(label=_("Từ ngày"), required=False, widget=forms.TextInput(
        attrs={"class": "form-control", "placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}))
    date_to = VietnameseDateField(label=_("Đến ngày"), required=False, widget=forms.TextInput(
        attrs={"class": "form-control", "placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}))
    q = _text(_("Đối tượng"), 200, _("một phần tên"), type="search")

    def __init__(self, *args, object_types=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Chosen from the registry of action types, by their Vietnamese names (core.audit).
        self.fields["action"].choices = list(actions) or [("", _("Tất cả"))]
        self.fields["action"].error_messages["invalid_choice"] = _(
            "Hành động: “%(value)s” không có trong danh sách; hãy chọn trong danh sách.")
        self.fields["object_type"].choices = [("", _("Tất cả"))] + list(object_types)
        self.fields["object_type"].error_messages["invalid_choice"] = _(
            "Loại đối tượng: “%(value)s” không có trong nhật ký bạn được xem.")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:  # Bootstrap marks the fields that need correcting
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
                widget.attrs["aria-invalid"] = "true"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", ValidationError(
                _("Đến ngày: %(end)s trước Từ ngày %(start)s; ngày kết thúc phải bằng hoặc sau ngày bắt đầu."),
                code="range", params={"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")}))
        return data

    def valid_filters(self) -> dict:
        """The filters that passed validation (an invalid field is left out, the rest still apply)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        keys = ("actor", "action", "object_type", "date_from", "date_to", "q")
        return {k: self.cleaned_data[k] for k in keys if k in self.cleaned_data and k not in self.errors}

