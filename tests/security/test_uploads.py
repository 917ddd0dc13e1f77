"""Uploads, for every file field of the project (found from the models, not listed by hand): wrong types
by content, size limits, decompression bombs in .xlsx imports, and path tricks in names.

Expected values: a PDF starts with `%PDF-`, a PNG with 89 50 4E 47 0D 0A 1A 0A, a JPEG with FF D8 FF
(the formats' specifications); an .xlsx is a ZIP (ECMA-376 Part 2, OPC).
"""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from htxconnect.registry.importer import filecheck
from htxconnect.registry.validators import MAX_DOCUMENT_BYTES, validate_document_file


def file_fields():
    """(model, field) of every FileField/ImageField of the project's models."""
    return [(model, field) for model in apps.get_models() if model.__module__.startswith("htxconnect.")
            for field in model._meta.get_fields() if isinstance(field, models.FileField)]


def test_the_enumeration_finds_every_upload_field():
    names = {f"{model._meta.label}.{field.name}" for model, field in file_fields()}
    # The ones known when this test was written; a new one is checked by the tests below without edits here.
    assert {"programs.Policy.document", "events.SubmissionFile.file", "registry.ProductPhoto.image"} <= names, names
    assert len(names) >= 9, names


# File fields the server writes itself (nobody uploads into them), each with what writes it.
GENERATED = {"resolver.PrintRun.pdf": "label sheets rendered by resolver.labels",
             **{f"reports.Report.{kind}": "reports rendered by the reports app" for kind in ("docx", "xlsx", "pdf")}}


@pytest.mark.parametrize("model,field", file_fields(), ids=lambda x: getattr(x, "name", str(x)))
def test_every_file_field_checks_the_content_not_the_name(model, field):
    """A document field runs validate_document_file (PDF/JPEG/PNG by magic bytes, ≤ 10 MB); an image field
    is an ImageField (Pillow must open it)."""
    if f"{model._meta.label}.{field.name}" in GENERATED:
        return
    assert isinstance(field, models.ImageField) or validate_document_file in field.validators, \
        f"{model._meta.label}.{field.name} accepts any content"


TRICKY_NAMES = ["../../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "a\x00.pdf", "báo cáo\u202egpj.pdf",
                "CON.pdf", "x" * 300 + ".pdf", ".htaccess", "~/.ssh/id_rsa", "sub/../../escape.pdf", "%2e%2e%2fpasswd.pdf",
                "ｆｕｌｌ／ｗｉｄｔｈ.pdf", "file name with spaces & quotes'\".pdf"]


@pytest.mark.parametrize("model,field", file_fields(), ids=lambda x: getattr(x, "name", str(x)))
def test_uploaded_names_stay_inside_their_folder(model, field, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in TRICKY_NAMES:
        try:
            stored = field.generate_filename(model(), name.replace("\x00", ""))  # Django refuses NUL itself (below)
        except Exception as error:  # noqa: BLE001 - a refusal is fine, as long as it is Django's SuspiciousFileOperation
            assert type(error).__name__ == "SuspiciousFileOperation", (name, error)
            continue
        assert not os.path.isabs(stored) and ".." not in Path(stored).parts, (name, stored)
        assert "\x00" not in stored and "/" not in os.path.basename(stored)
        full = (tmp_path / stored).resolve()
        assert full.is_relative_to(tmp_path.resolve()), (name, stored)
        folder = field.upload_to if isinstance(field.upload_to, str) else ""
        assert stored.startswith(folder.split("%")[0]), (name, stored)


def test_a_nul_byte_in_a_name_is_refused():
    from django.core.exceptions import SuspiciousFileOperation
    from django.core.files.storage import default_storage

    with pytest.raises((SuspiciousFileOperation, ValueError)):
        default_storage.generate_filename("a\x00/../../x.pdf")


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize("name,content", [
    ("hoa-don.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows program named .pdf
    ("anh.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),  # SVG with script, named .png
    ("trang.jpg", b"<!doctype html><script>alert(1)</script>"),
    ("tai-lieu.pdf", b"PK\x03\x04" + b"\x00" * 26),  # a ZIP (or .docx) named .pdf
    ("rong.pdf", b""),
    ("gan-dung.pdf", b"%PD"),
])
def test_documents_are_checked_by_content(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_document_file(SimpleUploadedFile(name, content) if content else _EmptyUpload(name))
    assert "PDF, JPEG hay PNG" in " ".join(refused.value.messages) or refused.value.code == "file_type"


class _EmptyUpload(SimpleUploadedFile):
    def __init__(self, name):
        super().__init__(name, b"")

    def __bool__(self):  # an empty upload is still an upload here
        return True


@pytest.mark.parametrize("name,content", [("giay-chung-nhan.bin", PDF), ("anh", PNG), ("x.exe", b"\xff\xd8\xff\xe0")])
def test_real_documents_pass_whatever_their_name(name, content):
    validate_document_file(SimpleUploadedFile(name, content))


def test_a_document_over_the_limit_is_refused_with_its_size():
    big = SimpleUploadedFile("lon.pdf", PDF)
    big.size = MAX_DOCUMENT_BYTES + 1
    with pytest.raises(ValidationError) as refused:
        validate_document_file(big)
    assert "10 MB" in refused.value.messages[0]


# --- .xlsx imports: decompression bombs ---------------------------------------------------------------


def _xlsx_parts(sheet: bytes) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               b'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                               b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": sheet,
    }


def bomb(path: Path, *, expanded: int) -> Path:
    """A small .xlsx whose one sheet expands to `expanded` bytes (zeros deflate about 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in _xlsx_parts(b"").items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(expanded // len(chunk)):
                member.write(chunk)
    return path


def many_members(path: Path, count: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in _xlsx_parts(b"<worksheet/>").items():
            archive.writestr(name, data)
        for index in range(count):
            archive.writestr(f"xl/media/{index}.bin", b"")
    return path


def lying_sizes(path: Path) -> Path:
    """A member whose headers declare 100 bytes while it deflates to 50 MB: the declared sizes are small."""
    real = bomb(path.with_suffix(".real.xlsx"), expanded=50 * 1024 * 1024).read_bytes()
    data = bytearray(real)
    with zipfile.ZipFile(io.BytesIO(real)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Patch the uncompressed size in the central directory and the local header (both say 100 bytes).
    for marker in (b"PK\x01\x02", b"PK\x03\x04"):
        start = 0
        while (at := data.find(marker, start)) != -1:
            start = at + 4
            name_at = at + (46 if marker == b"PK\x01\x02" else 30)
            name_len = int.from_bytes(data[at + (28 if marker == b"PK\x01\x02" else 26):][:2], "little")
            if bytes(data[name_at:name_at + name_len]) == info.filename.encode():
                offset = 24 if marker == b"PK\x01\x02" else 22
                if int.from_bytes(data[at + offset:at + offset + 4], "little") != 0xFFFFFFFF:
                    data[at + offset:at + offset + 4] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def test_a_decompression_bomb_is_refused_by_its_declared_size(tmp_path):
    path = bomb(tmp_path / "bom.xlsx", expanded=filecheck.MAX_UNCOMPRESSED_BYTES + 1024 * 1024)
    assert path.stat().st_size < 2 * 1024 * 1024  # small on the wire, under every upload limit
    with pytest.raises(filecheck.FileRefused) as refused:
        filecheck.check_content(path)
    assert refused.value.code == "too_big" and "giải nén" in refused.value.message


def test_a_workbook_with_too_many_parts_is_refused(tmp_path):
    path = many_members(tmp_path / "nhieu.xlsx", filecheck.MAX_MEMBERS + 1)
    with pytest.raises(filecheck.FileRefused) as refused:
        filecheck.check_content(path)
    assert refused.value.code == "too_many_parts"
    assert "phần" in refused.value.message


def test_a_part_that_lies_about_its_size_is_refused_without_exhausting_memory(tmp_path):
    """The declared sizes pass the check; reading the part must then stop at the declared size (zipfile
    checks it) and the import answer that the file is damaged, with memory bounded."""
    from htxconnect.registry.importer import parse

    path = lying_sizes(tmp_path / "doi.xlsx")
    tracemalloc.start()
    try:
        with pytest.raises(filecheck.FileRefused):
            filecheck.check_content(path)
            parse.read_workbook(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, peak
