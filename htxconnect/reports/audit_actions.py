"""Audit action types of the reports app: reports written, generated and downloaded, dashboard
tables exported (exports are audited).

Written in the format of the audit registry (core.audit.action); until that registry is on main,
`action` falls back to the plain dotted code so the services already name their actions here.
"""

from django.utils.translation import gettext_lazy as _

try:
    from htxconnect.core.audit import action
except ImportError:  # the audit registry has not landed yet: the code itself is the action
    def action(code: str, label) -> str:  # noqa: ARG001 - same signature as core.audit.action
        return code

REPORT_CREATED = action("reports.report.created", _("Lập báo cáo"))
REPORT_UPDATED = action("reports.report.updated", _("Sửa báo cáo"))
REPORT_GENERATION_REQUESTED = action("reports.report.generation_requested", _("Yêu cầu tạo báo cáo"))
REPORT_GENERATED = action("reports.report.generated", _("Tạo báo cáo (Word, Excel, PDF)"))
REPORT_DOWNLOADED = action("reports.report.downloaded", _("Tải báo cáo"))
DASHBOARD_EXPORTED = action("reports.dashboard.exported", _("Tải số liệu bảng điều hành"))
