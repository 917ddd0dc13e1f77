"""Audit action types of the reports app: reports written, generated and downloaded, dashboard
tables exported (exports are audited; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from htxconnect.core.audit import action

REPORT_CREATED = action("reports.report.created", _("Lập báo cáo"))
REPORT_UPDATED = action("reports.report.updated", _("Sửa báo cáo"))
REPORT_GENERATION_REQUESTED = action("reports.report.generation_requested", _("Yêu cầu tạo báo cáo"))
REPORT_GENERATED = action("reports.report.generated", _("Tạo báo cáo (Word, Excel, PDF)"))
REPORT_DOWNLOADED = action("reports.report.downloaded", _("Tải báo cáo"))
DASHBOARD_EXPORTED = action("reports.dashboard.exported", _("Tải số liệu bảng điều hành"))
