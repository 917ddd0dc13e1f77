"""Checks of an uploaded workbook by its CONTENT (never its name): size, zip structure of an
.xlsx, macros. Each refusal is a `FileRefused` with a Vietnamese message saying what is wrong
and what to do."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

# Decompressed size limit: a small zip can expand to gigabytes (a "zip bomb").
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
# Parts of the package: a real workbook has tens; each costs memory when the zip directory is read,
# so the count is read from the end record BEFORE the directory is parsed.
MAX_MEMBERS = 2000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003), .doc, encrypted .xlsx
MACRO_CONTENT_TYPE = "macroEnabled"


class FileRefused(Exception):
    """The file as a whole cannot be imported; `message` says why (Vietnamese)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def max_bytes() -> int:
    return settings.REGISTRY_IMPORT_MAX_BYTES


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",")


def check_size(size: int) -> None:
    if size == 0:
        raise FileRefused(_("Tệp rỗng (0 byte): không có gì để nhập. Hãy chọn lại tệp Excel đã điền dữ liệu."), "empty")
    limit = max_bytes()
    if size > limit:
        raise FileRefused(
            _("Tệp nặng %(size)s MB, vượt giới hạn %(limit)s MB cho một lần nhập. Hãy chia thành nhiều tệp nhỏ hơn "
              "(ví dụ theo huyện/xã) rồi nhập lần lượt.") % {"size": _mb(size), "limit": _mb(limit).replace(",0", "")},
            "too_big",
        )


def _declared_members(path) -> int:
    """The number of entries the zip's end-of-central-directory record declares (65535 for ZIP64, which
    no workbook of ours needs); 0 when there is no such record (then zipfile refuses the file)."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65557))  # the record (22 bytes) plus the longest comment
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at == -1 or len(tail) < at + 22:
        return 0
    return int.from_bytes(tail[at + 10:at + 12], "little")


def check_content(path) -> None:
    """Refuse anything that is not a plain .xlsx workbook, whatever its name says."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise FileRefused(_("Tệp rỗng (0 byte): không có gì để nhập. Hãy chọn lại tệp Excel đã điền dữ liệu."), "empty")
    if head == OLE2_MAGIC:
        raise FileRefused(
            _("Tệp theo định dạng Excel 97–2003 (.xls) hoặc đã đặt mật khẩu: hệ thống chỉ nhận tệp .xlsx. Hãy mở tệp "
              "trong Excel, chọn Lưu thành → “Sổ làm việc Excel (.xlsx)”, bỏ mật khẩu rồi tải lên lại."),
            "xls",
        )
    if not zipfile.is_zipfile(path):
        raise FileRefused(
            _("Tệp không phải bảng tính Excel .xlsx (nội dung tệp không đúng định dạng, dù tên tệp có thể là .xlsx). "
              "Hãy tải mẫu nhập liệu, điền dữ liệu và lưu dưới dạng .xlsx."),
            "not_xlsx",
        )
    if _declared_members(path) > MAX_MEMBERS:
        raise FileRefused(_("Tệp .xlsx có quá nhiều phần (trên %(n)s): không phải một bảng tính bình thường. Hãy mở "
                            "tệp trong Excel và lưu lại thành .xlsx.") % {"n": MAX_MEMBERS}, "too_many_parts")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise FileRefused(_("Tệp giải nén ra quá lớn (trên 300 MB): không nhập được. Hãy chia nhỏ tệp."),
                                  "too_big")
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace") \
                if "[Content_Types].xml" in names else ""
    except zipfile.BadZipFile:
        raise FileRefused(_("Tệp .xlsx bị hỏng (không đọc được cấu trúc nén). Hãy mở tệp trong Excel và lưu lại."),
                          "corrupt") from None
    if not content_types or "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            what = _("tài liệu Word (.docx)")
        elif "ppt/presentation.xml" in names:
            what = _("bài trình chiếu PowerPoint (.pptx)")
        elif "content.xml" in names:
            what = _("tệp OpenDocument (.ods/.odt)")
        else:
            what = _("tệp nén ZIP")
        raise FileRefused(
            _("Tệp là %(what)s, không phải bảng tính Excel .xlsx. Hãy dùng mẫu nhập liệu của hệ thống.") % {"what": what},
            "not_xlsx",
        )
    if "xl/vbaProject.bin" in names or MACRO_CONTENT_TYPE in content_types:
        raise FileRefused(
            _("Tệp có chứa macro (VBA, định dạng .xlsm): vì an toàn, hệ thống không nhận tệp có macro. Hãy lưu lại "
              "thành “Sổ làm việc Excel (.xlsx)” (không có macro) rồi tải lên lại."),
            "macro",
        )
