"""Background work of the registry: e-mail reminders before certifications and OCOP ratings lapse."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from . import queries, services


def _recipients(org) -> set[str]:
    """The cooperative's own e-mail and its linked users' (managers, members)."""
    recipients = {org.email} if org.email else set()
    recipients |= {link.user.email for link in org.user_links.select_related("user") if link.user.email}
    return recipients


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def run_certification_reminders(today: datetime.date | None = None, days: int = 60) -> int:
    """Mail each cooperative (its e-mail and its managers') about certifications lapsing within
    `days`, once per certification. Returns the number of certifications reminded."""
    today = today or timezone.localdate()
    by_org = defaultdict(list)
    for cert in queries.certifications_to_remind(days=days, today=today):
        by_org[cert.organization].append(cert)
    reminded = 0
    for org, certs in by_org.items():
        recipients = _recipients(org)
        if not recipients:
            continue
        # Claim first (conditional update) so a retried or parallel run never mails twice.
        claimed = services.mark_expiry_reminder_sent(certification_ids=[c.pk for c in certs], on=today)
        if not claimed:
            continue
        lines = [
            _("- %(type)s số %(number)s: hết hạn ngày %(date)s") % {
                "type": c.type_label, "number": c.number or "—", "date": c.expiry_date.strftime("%d/%m/%Y")}
            for c in certs
        ]
        body = _("Kính gửi %(org)s,\n\nCác chứng nhận sau sắp hết hạn:\n%(lines)s\n\n"
                 "Đề nghị HTX chuẩn bị hồ sơ đánh giá lại. Trân trọng,\nHTX Connect") % {
            "org": org.name, "lines": "\n".join(lines)}
        send_mail(_("[HTX Connect] Chứng nhận sắp hết hạn"), body, None, sorted(recipients))
        reminded += claimed
    return reminded


def run_ocop_reminders(today: datetime.date | None = None, months: int = queries.OCOP_REMINDER_MONTHS) -> int:
    """Mail each cooperative about its OCOP ratings lapsing within `months` (and not re-rated yet),
    once per rating, listing the documents already in the registry that the new dossier can reuse."""
    today = today or timezone.localdate()
    by_org = defaultdict(list)
    for rating in queries.ocop_to_remind(months=months, today=today):
        by_org[rating.product.producer].append(rating)
    reminded = 0
    for org, ratings in by_org.items():
        recipients = _recipients(org)
        if not recipients:
            continue
        claimed = services.mark_ocop_reminder_sent(rating_ids=[r.pk for r in ratings], on=today)
        if not claimed:
            continue
        lines = [
            _("- %(product)s (OCOP %(stars)s sao, QĐ %(number)s): hết hiệu lực ngày %(date)s – chuẩn bị hồ sơ: %(url)s") % {
                "product": r.product.name, "stars": r.stars, "number": r.decision_number,
                "date": r.valid_until.strftime("%d/%m/%Y"),
                "url": _link(reverse("registry:ocop_rerating", args=[r.pk]))}
            for r in ratings
        ]
        documents = queries.reusable_documents(org, today=today)
        doc_lines = [f"- {d.kind}: {d.title}" + ("" if d.is_valid else _(" (hết hiệu lực, cần bản mới)"))
                     for d in documents] or [_("- (chưa có bản quét nào; hãy tải lên hồ sơ của HTX)")]
        body = _("Kính gửi %(org)s,\n\nCác sản phẩm OCOP sau sắp hết hiệu lực xếp hạng (36 tháng) "
                 "và cần đánh giá lại:\n%(lines)s\n\n"
                 "Tài liệu đã có trong sổ đăng ký, có thể dùng lại cho hồ sơ mới:\n%(docs)s\n\n"
                 "Trân trọng,\nHTX Connect") % {
            "org": org.name, "lines": "\n".join(lines), "docs": "\n".join(doc_lines)}
        send_mail(_("[HTX Connect] Sản phẩm OCOP cần đánh giá lại"), body, None, sorted(recipients))
        reminded += claimed
    return reminded


def run_expiry_reminders(today: datetime.date | None = None, days: int = 60) -> int:
    """Certification reminders (`days` ahead) and OCOP re-rating reminders (months ahead).
    Returns the number of certifications and ratings reminded."""
    return run_certification_reminders(today=today, days=days) + run_ocop_reminders(today=today)


@task(queue_name="mail")
def send_expiry_reminders(days: int = 60) -> int:
    return run_expiry_reminders(days=days)
