"""An officer's Excel list of participants: checked like the registry's imports (the file by its
content: filecheck; cells read as a person reads them: parse.cell_text), every bad row explained
with its row number, nothing registered until the officer confirms the preview."""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from htxconnect.core.text import fold
from htxconnect.registry.importer import filecheck
from htxconnect.registry.importer.parse import cell_text

from .models import Event, Registration, email_key, phone_key

HEADERS = {
    "full_name": ("ho va ten", "ho ten", "full name", "name"),
    "phone": ("dien thoai", "so dien thoai", "sdt", "phone"),
    "email": ("thu dien tu", "email", "e-mail"),
    "organization_name": ("don vi", "htx", "to chuc", "organization"),
}
MAX_ROWS = 2000


@dataclass
class Row:
    number: int
    full_name: str
    phone: str
    email: str
    organization_name: str
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        key = fold(title).strip(" :*")
        for name, names in HEADERS.items():
            if key in names and name not in found:
                found[name] = index
    if "full_name" not in found:
        raise filecheck.FileRefused(_("Không thấy cột “Họ và tên” ở dòng đầu của trang tính. Các cột nhận được: "
                                      "Họ và tên, Điện thoại, Thư điện tử, Đơn vị."), "no_header")
    return found


def read(upload, event: Event) -> list[Row]:
    """The rows of the uploaded workbook with what is wrong with each; raises FileRefused when the
    file as a whole cannot be read."""
    import openpyxl

    filecheck.check_size(upload.size)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        filecheck.check_content(handle.name)
        try:
            book = openpyxl.load_workbook(handle.name, read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise filecheck.FileRefused(_("Không đọc được tệp Excel (%(e)s).") % {"e": str(error)[:80]},
                                        "unreadable") from error
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1))
        book.close()
    if not rows:
        raise filecheck.FileRefused(_("Trang tính đầu tiên trống."), "empty")
    columns = _columns([cell_text(v) for v in rows[0]])
    existing = event.registrations.exclude(status=Registration.Status.CANCELLED)
    taken_phones = set(existing.exclude(phone_key="").values_list("phone_key", flat=True))
    taken_emails = set(existing.exclude(email_key="").values_list("email_key", flat=True))
    seen: dict[str, int] = {}
    result = []
    for number, values in enumerate(rows[1:], start=2):
        def get(name):
            index = columns.get(name)
            return cell_text(values[index]).strip() if index is not None and index < len(values) else ""

        row = Row(number, get("full_name"), get("phone"), get("email"), get("organization_name"))
        if not any((row.full_name, row.phone, row.email, row.organization_name)):
            continue
        if any(isinstance(v, str) and v.startswith("=") for v in values):
            row.errors.append(_("Dòng có công thức: chỉ nhận giá trị."))
        if not row.full_name:
            row.errors.append(_("Thiếu họ và tên."))
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(_("Thư điện tử “%(v)s” không đúng dạng.") % {"v": row.email})
        p = phone_key(row.phone)
        if row.phone and not 9 <= len(p) <= 11:
            row.errors.append(_("Điện thoại “%(v)s” không đúng (cần 10 chữ số, ví dụ 0912 345 678).") % {"v": row.phone})
        for key, taken in ((f"p:{p}" if p else "", taken_phones if p in taken_phones else ()),
                           (f"e:{email_key(row.email)}" if row.email else "",
                            taken_emails if email_key(row.email) in taken_emails else ())):
            if not key:
                continue
            if taken:
                row.errors.append(_("Người này đã đăng ký sự kiện (trùng %(k)s).") % {
                    "k": _("điện thoại") if key.startswith("p:") else _("thư điện tử")})
            elif key in seen:
                row.errors.append(_("Trùng với dòng %(n)s của tệp.") % {"n": seen[key]})
            else:
                seen[key] = number
        result.append(row)
    if len(rows) > MAX_ROWS:
        raise filecheck.FileRefused(_("Tệp có hơn %(n)s dòng: hãy chia nhỏ.") % {"n": MAX_ROWS}, "too_many")
    return result


def to_session(rows: list[Row]) -> list[dict]:
    return [asdict(r) for r in rows]


def from_session(data: list[dict]) -> list[Row]:
    return [Row(**d) for d in data or []]
