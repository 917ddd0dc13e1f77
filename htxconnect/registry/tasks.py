"""Background work of the registry: e-mail reminders before certifications lapse."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from . import queries, services


def run_expiry_reminders(today: datetime.date | None = None, days: int = 60) -> int:
    """Mail each cooperative (its e-mail and its managers') about certifications lapsing within
    `days`, once per certification. Returns the number of certifications reminded."""
    today = today or timezone.localdate()
    by_org = defaultdict(list)
    for cert in queries.certifications_to_remind(days=days, today=today):
        by_org[cert.organization].append(cert)
    reminded = 0
    for org, certs in by_org.items():
        recipients = {org.email} if org.email else set()
        recipients |= {link.user.email for link in org.user_links.select_related("user") if link.user.email}
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


@task()
def send_expiry_reminders(days: int = 60) -> int:
    return run_expiry_reminders(days=days)
