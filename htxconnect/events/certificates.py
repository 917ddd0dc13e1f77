"""Certificates of completion: who earns one (the event's rule), issuing and revoking them (one
transaction each, audited), the public verification, and the PDF.

The PDF follows the layout of a Vietnamese administrative document (Decree 30/2020/NĐ-CP): the
superior body and the issuing body top left, the national title and motto top right, the number,
the document type "GIẤY CHỨNG NHẬN", place and date in italics, the signature block bottom right.
A4 landscape, in a Times New Roman–compatible serif with every Vietnamese glyph (Liberation Serif
from Debian's fonts-liberation, else DejaVu Serif, else the labels' sans-serif), embedded in the
file. Its QR code opens the public verification page.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from htxconnect.core import audit

from . import audit_actions as actions
from . import queries
from .actors import is_system as _system
from .actors import user_of as _user
from .models import Attendance, Event, Registration
from .models_followup import Certificate, CertificatePolicy

POLICY_FIELDS = ("min_sessions", "superior_agency", "issuer_name", "place", "signer_title", "signer_name")


def _label(certificate: Certificate) -> str:
    """How the audit log names a certificate: by number and event, never the holder's name."""
    return f"Giấy chứng nhận {certificate.number_label} – {certificate.event}"[:200]


def _require_manager(actor, event: Event) -> None:
    if not _system(actor) and not queries.can_manage(actor, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được làm việc này."))


# --- Rule and issue ------------------------------------------------------------------------------------------


def required_sessions(event: Event, policy: CertificatePolicy | None) -> int:
    """Sessions a person must attend: the policy's minimum (capped at the number of sessions), else all."""
    total = event.sessions.count()
    if policy is None or policy.min_sessions is None:
        return total
    return min(policy.min_sessions, total)


@dataclass(frozen=True)
class Candidate:
    registration: Registration
    attended: int
    certificate: Certificate | None

    @property
    def eligible(self) -> bool:
        return self.certificate is None and self.attended >= self.required

    required: int = 0


def candidates(event: Event) -> list[Candidate]:
    """Every confirmed registration with the sessions attended and the certificate if any (2 queries)."""
    policy = CertificatePolicy.objects.filter(event=event).first()
    required = required_sessions(event, policy)
    rows = (event.registrations.filter(status=Registration.Status.CONFIRMED)
            .annotate(n=Count("attendances")).select_related("certificate", "organization").order_by("name_folded", "id"))
    return [Candidate(r, r.n, getattr(r, "certificate", None), required) for r in rows]


@transaction.atomic
def set_policy(*, actor, event: Event, **fields) -> CertificatePolicy:
    _require_manager(actor, event)
    policy = CertificatePolicy.objects.select_for_update().filter(event=event).first()
    before = audit.snapshot(policy) if policy else {}
    if policy is None:
        policy = CertificatePolicy(event=event)
    for name, value in fields.items():
        if name not in POLICY_FIELDS:
            raise ValidationError({name: _("Trường này không sửa được.")})
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    audit.record(actions.CERTIFICATE_POLICY_SET, obj=policy, actor=actor, agency_id=event.agency_id,
                 changes=audit.diff(before, audit.snapshot(policy)))
    return policy


@transaction.atomic
def issue_certificates(*, actor, event_id: int, issued_on: datetime.date | None = None) -> list[Certificate]:
    """Issue a certificate to every confirmed attendee who meets the event's rule and has none yet."""
    event = Event.objects.select_for_update().get(pk=event_id)  # numbers are drawn under the lock
    _require_manager(actor, event)
    if event.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
        raise ValidationError(_("Chỉ cấp giấy chứng nhận cho sự kiện đã công bố hoặc đã kết thúc."))
    policy = CertificatePolicy.objects.filter(event=event).first()
    if policy is None:
        raise ValidationError(_("Nhập cơ quan cấp, người ký và địa danh trước khi cấp giấy chứng nhận."))
    if not event.sessions.exists():
        raise ValidationError(_("Sự kiện chưa có buổi nào."))
    issued_on = issued_on or timezone.localdate()
    number = (Certificate.objects.filter(event=event).aggregate(n=Max("number"))["n"] or 0)
    created = []
    for candidate in candidates(event):
        if not candidate.eligible:
            continue
        number += 1
        r = candidate.registration
        certificate = Certificate(
            event=event, registration=r, number=number, full_name=r.full_name,
            organization_name=r.organization_label, course_title=event.title, starts_on=event.starts_on,
            ends_on=event.ends_on, sessions_attended=candidate.attended, issuer_name=policy.issuer_name,
            superior_agency=policy.superior_agency, place=policy.place, signer_title=policy.signer_title,
            signer_name=policy.signer_name, issued_on=issued_on,
            issued_by=_user(actor))
        certificate.full_clean()
        certificate.save()
        audit.record(actions.CERTIFICATE_ISSUED, obj=certificate, object_repr=_label(certificate), actor=actor, agency_id=event.agency_id,
                     changes={"registration": [None, r.pk], "number": [None, number],
                              "sessions_attended": [None, candidate.attended]})
        created.append(certificate)
    return created


@transaction.atomic
def revoke_certificate(*, actor, certificate_id: int, reason: str, now: datetime.datetime | None = None) -> Certificate:
    certificate = Certificate.objects.select_for_update().select_related("event").get(pk=certificate_id)
    _require_manager(actor, certificate.event)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Ghi lý do thu hồi giấy chứng nhận.")})
    if certificate.revoked_at is not None:
        raise ValidationError(_("Giấy chứng nhận này đã bị thu hồi ngày %(d)s.") % {
            "d": timezone.localtime(certificate.revoked_at).strftime("%d/%m/%Y")})
    certificate.revoked_at = now or timezone.now()
    certificate.revoked_reason = reason[:500]
    certificate.revoked_by = _user(actor)
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    audit.record(actions.CERTIFICATE_REVOKED, obj=certificate, object_repr=_label(certificate), actor=actor, agency_id=certificate.event.agency_id,
                 changes={"revoked_at": [None, certificate.revoked_at], "revoked_reason": [None, reason]})
    return certificate


def erase_personal_data(*, actor, registration: Registration) -> Certificate | None:
    """Called when a registrant's personal data is erased (services.erase_registration, same
    transaction): the certificate's copy of the name goes too, and a certificate without its
    holder's name proves nothing, so it is revoked (the verification page says "not valid")."""
    certificate = Certificate.objects.select_for_update().filter(registration=registration).first()
    if certificate is None:
        return None
    erased = _("(đã xóa dữ liệu cá nhân)")
    certificate.full_name, certificate.organization_name = erased, ""
    fields = ["full_name", "organization_name"]
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = _("Xóa dữ liệu cá nhân theo yêu cầu của người được cấp.")
        certificate.revoked_by = _user(actor)
        fields += ["revoked_at", "revoked_reason", "revoked_by"]
    certificate.save(update_fields=fields)
    audit.record(actions.CERTIFICATE_REVOKED, obj=certificate, object_repr=_label(certificate), actor=actor, agency_id=registration.event.agency_id,
                 changes={"personal_data": ["…", None], "revoked_at": [None, certificate.revoked_at]})
    return certificate


def find(code: str) -> Certificate | None:
    """The certificate of a verification code (None for an unknown code)."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    return Certificate.objects.select_related("event", "event__agency").filter(code=code).first()


def verify_path(certificate: Certificate) -> str:
    return reverse("events:certificate_verify", args=[certificate.code])


def attendance_count(registration: Registration) -> int:
    return Attendance.objects.filter(registration=registration).count()


# --- PDF -----------------------------------------------------------------------------------------------------

# Liberation Serif 2 (metric-compatible with Times New Roman) has the Vietnamese letters; the 1.x
# files of the older fonts-liberation package do not, so each candidate's glyphs are checked.
SERIF_CANDIDATES = [
    ("/usr/share/fonts/truetype/liberation2/LiberationSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic")),
    ("/usr/share/fonts/truetype/liberation/LiberationSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic")),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf", ("", "-Bold", "-Italic", "-BoldItalic")),
]
FONT_NAMES = ("HTXSerif", "HTXSerif-Bold", "HTXSerif-Italic", "HTXSerif-BoldItalic")
VIETNAMESE_SAMPLE = "ẰẲẴẶẤẦẨẪẬĐỀỂỄỆỈỊỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸăâđêôơư"


def _covers_vietnamese(font: TTFont) -> bool:
    glyphs = font.face.charToGlyph
    return all(ord(ch) in glyphs for ch in VIETNAMESE_SAMPLE + VIETNAMESE_SAMPLE.lower())


def serif_fonts() -> tuple[str, str, str, str]:
    """(regular, bold, italic, bold italic) with every Vietnamese glyph, registered once."""
    if FONT_NAMES[0] in pdfmetrics.getRegisteredFontNames():
        return FONT_NAMES
    for pattern, styles in SERIF_CANDIDATES:
        paths = [pattern.format(s) for s in styles]
        if not all(Path(p).is_file() for p in paths):
            continue
        fonts = [TTFont(name, path) for name, path in zip(FONT_NAMES, paths)]
        if all(_covers_vietnamese(f) for f in fonts):
            for f in fonts:
                pdfmetrics.registerFont(f)
            return FONT_NAMES
    from htxconnect.resolver.labels import fonts

    regular, bold = fonts()
    return regular, bold, regular, bold


def vn_date_line(place: str, day: datetime.date) -> str:
    """"Thủ Dầu Một, ngày 05 tháng 02 năm 2025": a day below 10 and the months 1 and 2 take a
    leading zero (Decree 30/2020/NĐ-CP, Appendix I)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


DARK_RED = Color(0.55, 0.07, 0.07)
NAVY = Color(0.05, 0.15, 0.35)


def _qr(c: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    matrix = [list(row) for row in segno.make(text, error="m", micro=False).matrix]
    n = len(matrix)
    cell = size / n
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        start = None
        for col in range(n + 1):
            on = col < n and row[col]
            if on and start is None:
                start = col
            elif not on and start is not None:
                c.rect(x + start * cell, y + size - (r + 1) * cell, (col - start) * cell, cell, stroke=0, fill=1)
                start = None


def _centred(c, text, x, y, font, size, width=None):
    """Draw `text` centred on x, wrapped to `width`; returns the y below the last line."""
    lines = simpleSplit(text, font, size, width) if width else [text]
    c.setFont(font, size)
    for line in lines:
        c.drawCentredString(x, y, line)
        y -= size * 1.25
    return y


def render_pdf(certificate: Certificate, verify_url: str) -> bytes:
    regular, bold, italic, bold_italic = serif_fonts()
    out = io.BytesIO()
    page_w, page_h = landscape(A4)
    c = canvas.Canvas(out, pagesize=(page_w, page_h), initialFontName=regular)
    c.setTitle(f"Giấy chứng nhận {certificate.number_label} – {certificate.full_name}")
    c.setAuthor(certificate.issuer_name)
    c.setSubject(certificate.course_title)

    # Frame: a thick outer line and a thin inner one.
    c.setStrokeColor(NAVY)
    c.setLineWidth(3)
    c.rect(10 * mm, 10 * mm, page_w - 20 * mm, page_h - 20 * mm)
    c.setLineWidth(0.8)
    c.rect(13 * mm, 13 * mm, page_w - 26 * mm, page_h - 26 * mm)
    c.setFillColorRGB(0, 0, 0)

    # Top left: superior body, issuing body (bold), a short rule, the number.
    left_x = 75 * mm
    y = page_h - 28 * mm
    if certificate.superior_agency:
        y = _centred(c, certificate.superior_agency.upper(), left_x, y, regular, 12, 110 * mm)
    y = _centred(c, certificate.issuer_name.upper(), left_x, y, bold, 12, 110 * mm)
    c.setLineWidth(0.6)
    c.setStrokeColorRGB(0, 0, 0)
    c.line(left_x - 15 * mm, y + 6, left_x + 15 * mm, y + 6)
    _centred(c, f"Số: {certificate.number_label}", left_x, y - 10, regular, 12)

    # Top right: national title, motto (bold), a rule as long as the motto.
    right_x = page_w - 80 * mm
    y = page_h - 28 * mm
    y = _centred(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", right_x, y, bold, 12.5)
    motto = "Độc lập - Tự do - Hạnh phúc"
    y = _centred(c, motto, right_x, y, bold, 13.5)
    half = pdfmetrics.stringWidth(motto, bold, 13.5) / 2
    c.line(right_x - half, y + 10, right_x + half, y + 10)

    # The document type and its subject.
    centre = page_w / 2
    c.setFillColor(DARK_RED)
    y = _centred(c, "GIẤY CHỨNG NHẬN", centre, page_h - 60 * mm, bold, 32)
    c.setFillColor(NAVY)
    y = _centred(c, "HOÀN THÀNH KHÓA TẬP HUẤN", centre, y - 2, bold, 15)
    c.setFillColorRGB(0, 0, 0)

    y -= 6 * mm
    y = _centred(c, f"{certificate.issuer_name} chứng nhận Ông/Bà:", centre, y, regular, 14, 220 * mm)
    c.setFillColor(NAVY)
    y = _centred(c, certificate.full_name, centre, y - 10, bold_italic, 24, 220 * mm)
    c.setFillColorRGB(0, 0, 0)
    if certificate.organization_name:
        y = _centred(c, f"Đơn vị: {certificate.organization_name}", centre, y - 2, regular, 13.5, 220 * mm)
    y = _centred(c, "Đã tham dự và hoàn thành:", centre, y - 2, regular, 13.5)
    y = _centred(c, f"“{certificate.course_title}”", centre, y, bold, 14.5, 220 * mm)
    dates = (f"ngày {certificate.starts_on:%d/%m/%Y}" if certificate.starts_on == certificate.ends_on
             else f"từ ngày {certificate.starts_on:%d/%m/%Y} đến ngày {certificate.ends_on:%d/%m/%Y}")
    _centred(c, f"Thời gian: {dates} ({certificate.sessions_attended:02d} buổi).", centre, y, regular, 13.5, 220 * mm)

    # Bottom right: place and date (italic), signer's title (bold), the signature space, the name.
    sign_x = page_w - 80 * mm
    y = 55 * mm
    y = _centred(c, vn_date_line(certificate.place, certificate.issued_on), sign_x, y, italic, 13.5)
    y = _centred(c, certificate.signer_title.upper(), sign_x, y - 2, bold, 13, 110 * mm)
    _centred(c, certificate.signer_name, sign_x, 24 * mm, bold, 13.5)

    # Bottom left: the QR code to the verification page, the code and how to check it.
    qr_size = 30 * mm
    qr_x, qr_y = 22 * mm, 20 * mm
    _qr(c, verify_url, qr_x, qr_y, qr_size)
    c.setFont(regular, 9.5)
    text_x = qr_x + qr_size + 4 * mm
    c.drawString(text_x, qr_y + qr_size - 8, "Quét mã để xác minh giấy chứng nhận")
    c.setFont(italic, 9.5)
    c.drawString(text_x, qr_y + qr_size - 20, "Scan to verify this certificate")
    c.setFont(regular, 9)
    c.drawString(text_x, qr_y + qr_size - 34, f"Mã xác minh: {certificate.code}")
    for i, line in enumerate(simpleSplit(verify_url, regular, 7.5, 75 * mm)[:3]):
        c.setFont(regular, 7.5)
        c.drawString(text_x, qr_y + qr_size - 46 - i * 9, line)

    c.showPage()
    c.save()
    return out.getvalue()
