"""Who may read generated reports (core.private_files): the staff who may open the report
(queries.access_report); the report's own download view (reports.views) names the file."""

from htxconnect.core.private_files import granted, register

from . import queries
from .models import Report

for field in ("docx", "xlsx", "pdf"):
    register("reports/", Report, field, may_read=lambda user, report: granted(queries.access_report, user, report.pk))
