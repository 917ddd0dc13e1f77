"""Reads of reports, scoped to the acting user: a report belongs to its issuing agency; that
agency's officers and leaders (and administrators) see it, nobody else learns it exists."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from htxconnect.programs import queries as program_queries

from .models import Report


def scope_reports(user):
    if program_queries.is_admin(user):
        return Report.objects.all()
    agency = program_queries.agency_of(user)
    if agency is None:
        return Report.objects.none()
    return Report.objects.filter(agency_id=agency)


def access_report(user, report_id: int) -> Report:
    """The report, or 404 when the user may not know it exists."""
    report = scope_reports(user).select_related("agency", "program", "created_by").filter(pk=report_id).first()
    if report is None:
        raise Http404(_("Không tìm thấy báo cáo trong phạm vi của bạn."))
    return report


def can_generate(user, report: Report) -> bool:
    """Officers of the issuing agency (and administrators) write and generate; leaders read."""
    return program_queries.can_record(user) and (
        program_queries.is_admin(user) or program_queries.agency_of(user) == report.agency_id)


def list_reports(user):
    return scope_reports(user).select_related("agency", "program").order_by("-created_at", "-id")
