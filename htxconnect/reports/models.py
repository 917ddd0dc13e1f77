"""Reports: a semi-annual, annual or any-period report of a program (or of an agency across its
programs), the officer's own text (difficulties, next period's plan), and — once generated — the
figures it used (a JSON snapshot) and the files (DOCX, XLSX annex, PDF) kept in storage.

A generated report never changes when records are corrected later: its document and figures are
what was issued; `diff.changes_since` compares them with the figures computed today.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    class Kind(models.TextChoices):
        SEMI_ANNUAL = "semi_annual", _("Sơ kết 6 tháng")
        ANNUAL = "annual", _("Tổng kết năm")
        PERIOD = "period", _("Sơ kết / tổng kết theo kỳ tùy chọn")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Chưa tạo")
        QUEUED = "queued", _("Đang chờ tạo")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Đã tạo")
        FAILED = "failed", _("Tạo không thành công")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="reports",
                               verbose_name=_("cơ quan ban hành"))
    # Empty: the agency's report across all its programs active in the period.
    program = models.ForeignKey("programs.Program", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="reports", verbose_name=_("chương trình"))
    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=Kind.choices, default=Kind.PERIOD)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    # Decree 30/2020/NĐ-CP header and signature block.
    superior_body = models.CharField(_("cơ quan chủ quản"), max_length=200, blank=True)
    issuing_body = models.CharField(_("cơ quan ban hành (như in trên văn bản)"), max_length=200, blank=True)
    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True, help_text=_("Ví dụ: 35/BC-LMHTX"))
    place = models.CharField(_("địa danh"), max_length=100)
    issued_on = models.DateField(_("ngày ban hành"))
    subject = models.CharField(_("trích yếu"), max_length=400)
    recipients = models.TextField(_("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận."))
    signer_authority = models.CharField(_("quyền hạn ký"), max_length=100, blank=True,
                                        help_text=_("Ví dụ: KT. GIÁM ĐỐC"))
    signer_title = models.CharField(_("chức vụ người ký"), max_length=100, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)
    # What the officer types before generating.
    advantages = models.TextField(_("thuận lợi"), blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    next_plan = models.TextField(_("phương hướng, kế hoạch kỳ tới"), blank=True)
    # Generation.
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    figures = models.JSONField(_("số liệu đã dùng"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("thời điểm tạo"), null=True, blank=True)
    docx = models.FileField(upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/", blank=True)
    pdf = models.FileField(upload_to="reports/%Y/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                              name="reports_report_period_ordered",
                                              violation_error_message=_("Ngày kết thúc kỳ phải từ ngày bắt đầu trở đi."))]

    def __str__(self):
        return self.subject

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _(
                "“Đến ngày” (%(end)s) phải từ “Từ ngày” (%(start)s) trở đi: kỳ báo cáo kết thúc trước khi bắt đầu.")
                % {"end": self.period_end.strftime("%d/%m/%Y"), "start": self.period_start.strftime("%d/%m/%Y")}})

    @property
    def is_generated(self) -> bool:
        return self.status == self.Status.DONE and bool(self.docx)

    @property
    def recipient_lines(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]
