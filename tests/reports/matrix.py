"""Authorization-matrix entries of the reports' URLs (merged into tests/test_authorization_matrix.py).

The sample is a generated report of the programs' sample program (home agency), written by the home
officer: its figures and DOCX stored as generation stores them (no PDF, to keep the matrix fast).
Reports belong to their issuing agency: its staff read them, its officers write; the other agency's
staff get 404, cooperatives and buyers 403.
"""

from __future__ import annotations

import datetime

from tests.programs.matrix import AGENCY_STAFF, HOME_STAFF, OFFICERS, _answers, _case
from tests.programs.matrix import sample as program_sample


def sample() -> dict:
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from htxconnect.accounts.models import User
    from htxconnect.programs.models import Program
    from htxconnect.reports import document, figures, services
    from htxconnect.reports.models import Report

    report = Report.objects.filter(subject="Báo cáo ma trận").first()
    if report is None:
        program = Program.objects.get(pk=program_sample()["program"])
        report = services.create_report(
            actor=User.objects.get(username="u_officer"), program=program, kind=Report.Kind.ANNUAL,
            period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 12, 31), place="TP. Hồ Chí Minh",
            issued_on=datetime.date(2026, 1, 10), subject="Báo cáo ma trận")
        content = figures.collect(report)
        report.docx.save("ma-tran.docx", ContentFile(document.render(report, content)), save=False)
        report.figures, report.status, report.generated_at = content, Report.Status.DONE, timezone.now()
        report.save()
    return {"report": report.pk}


# Home officers (and administrators) are answered with a redirect: the report is generated already.
HOME_OFFICERS_POST = _answers(default=403, anonymous="login", admin=302, officer=302, other_officer=404)


def reports_matrix() -> dict:
    r = lambda o: sample()["report"]  # noqa: E731
    return {
        "reports:report_list": _case("/reports/", AGENCY_STAFF),
        "reports:report_create": _case("/reports/new/", OFFICERS),
        "reports:report_detail": _case(lambda o: f"/reports/{r(o)}/", HOME_STAFF),
        "reports:report_edit": _case(lambda o: f"/reports/{r(o)}/edit/", HOME_OFFICERS_POST),
        "reports:report_progress": _case(lambda o: f"/reports/{r(o)}/progress/", HOME_STAFF),
        "reports:report_generate": _case(lambda o: f"/reports/{r(o)}/generate/", HOME_OFFICERS_POST, method="post"),
        "reports:report_changes": _case(lambda o: f"/reports/{r(o)}/changes/", HOME_STAFF),
        "reports:report_download": _case(lambda o: f"/reports/{r(o)}/download/docx/", HOME_STAFF),
    }


def dashboard_matrix() -> dict:
    return {
        "reports:dashboard": _case("/reports/dashboard/", AGENCY_STAFF),
        "reports:dashboard_xlsx": _case("/reports/dashboard/supports_kind.xlsx", AGENCY_STAFF),
    }
