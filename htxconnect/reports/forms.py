"""The report form: which program (or the agency's programs), which period, the header of the
document and the officer's own text (difficulties, next period's plan)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from htxconnect.programs import queries as program_queries
from htxconnect.programs.models import Program

from .models import Report

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


class ReportForm(forms.ModelForm):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), required=False, label=_("Chương trình"),
                                     empty_label=_("— Tất cả chương trình của cơ quan —"),
                                     widget=forms.Select(attrs={"class": "form-select"}))
    year = forms.IntegerField(label=_("Năm (báo cáo 6 tháng, năm)"), required=False, min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs=TEXT))

    class Meta:
        model = Report
        fields = ["program", "kind", "year", "period_start", "period_end", "superior_body", "issuing_body", "number",
                  "place", "issued_on", "subject", "recipients", "signer_authority", "signer_title", "signer_name",
                  "advantages", "difficulties", "next_plan"]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select"}),
            "period_start": DATE, "period_end": DATE, "issued_on": DATE,
            "recipients": forms.Textarea(attrs={**TEXT, "rows": 4}),
            "advantages": forms.Textarea(attrs={**TEXT, "rows": 3}),
            "difficulties": forms.Textarea(attrs={**TEXT, "rows": 4}),
            "next_plan": forms.Textarea(attrs={**TEXT, "rows": 4}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = program_queries.scope_programs(user).order_by("-start_year", "name")
        for name in ("superior_body", "issuing_body", "number", "place", "subject", "signer_authority",
                     "signer_title", "signer_name"):
            self.fields[name].widget.attrs.update(TEXT)
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        if not self.is_bound and not self.initial.get("issued_on"):
            self.initial["issued_on"] = timezone.localdate()

    def clean(self):
        data = super().clean()
        kind, year = data.get("kind"), data.get("year")
        if kind in (Report.Kind.SEMI_ANNUAL, Report.Kind.ANNUAL) and year and not (
                data.get("period_start") and data.get("period_end")):
            data["period_start"] = datetime.date(year, 1, 1)
            data["period_end"] = datetime.date(year, 6, 30) if kind == Report.Kind.SEMI_ANNUAL else \
                datetime.date(year, 12, 31)
        for name, label in (("period_start", _("Từ ngày")), ("period_end", _("Đến ngày"))):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Cần nhập “%(f)s” (hoặc chọn loại báo cáo 6 tháng/năm và năm).") % {"f": label})
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("“Đến ngày” (%(end)s) phải từ “Từ ngày” (%(start)s) trở đi: kỳ báo cáo "
                                           "kết thúc trước khi bắt đầu.")
                           % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")})
        return data

    def _post_clean(self):
        # The model's own clean repeats the period rule; skip it when the form already said so.
        if "period_end" not in self.errors:
            super()._post_clean()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("year", None)
        data.pop("program", None)
        return data
