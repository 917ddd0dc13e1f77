"""The upload disk is full: a clear Vietnamese answer (507, no server error), no partial file and no
row pointing to a missing file. The disk is a storage whose writes fail with ENOSPC past a few
hundred bytes, the way a full filesystem fails (bench/faults/disk_full.py does it with a real
tmpfs of a few MB)."""

from __future__ import annotations

import errno
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from htxconnect.core.storage import CleanFileSystemStorage
from htxconnect.registry.models import Certification, Product, ProductPhoto
from htxconnect.reports import pdf
from htxconnect.reports.models import Report
from tests.reports.test_reports import form_data, program  # noqa: F401 - the program fixture

ROOM = 600  # bytes the "disk" accepts before ENOSPC
PDF = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"
SMALL_PDF = b"%PDF-1.4\n%%EOF\n"


class _FillingFile:
    """A file on a disk with ROOM bytes free in all."""

    def __init__(self, handle, storage):
        self.handle, self.storage = handle, storage

    def write(self, data):
        if self.storage.used + len(data) > ROOM:
            self.handle.write(data[: ROOM - self.storage.used])  # what a full disk does: part of it
            self.storage.used = ROOM
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.storage.used += len(data)
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


class NearlyFullStorage(CleanFileSystemStorage):
    used = 0

    def _open_temporary(self, path):
        return _FillingFile(super()._open_temporary(path), self)


@pytest.fixture
def full_disk(settings, tmp_path):
    NearlyFullStorage.used = 0
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.NearlyFullStorage"}}
    return tmp_path


def files_in(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_certificate_scan_that_does_not_fit_is_refused_clearly_and_leaves_nothing(world, full_disk):
    client = world.client("coop_manager")
    response = client.post(f"/registry/{world.org.pk}/certifications/new/", {
        "type": "vietgap", "issuer": "Trung tâm Chứng nhận", "number": "VG-FULL",
        "issue_date": "2026-01-05", "expiry_date": "2028-01-04",
        "document": SimpleUploadedFile("vietgap.pdf", PDF, "application/pdf")},
        HTTP_REFERER=f"http://testserver/registry/{world.org.pk}/certifications/new/")
    assert response.status_code == 507
    page = response.content.decode()
    assert "bộ nhớ lưu trữ của máy chủ đã đầy" in page and "Tệp chưa được lưu" in page
    assert f'href="http://testserver/registry/{world.org.pk}/certifications/new/"' in page  # back to the form
    assert not Certification.objects.filter(number="VG-FULL").exists()
    assert files_in(full_disk) == []  # not the truncated bytes, not a temporary file


def test_a_file_that_fits_is_stored_whole(world, full_disk):
    client = world.client("coop_manager")
    response = client.post(f"/registry/{world.org.pk}/certifications/new/", {
        "type": "vietgap", "issuer": "Trung tâm Chứng nhận", "number": "VG-OK",
        "issue_date": "2026-01-05", "expiry_date": "2028-01-04",
        "document": SimpleUploadedFile("vietgap.pdf", SMALL_PDF, "application/pdf")})
    assert response.status_code == 302
    cert = Certification.objects.get(number="VG-OK")
    assert (full_disk / cert.document.name).read_bytes() == SMALL_PDF
    assert files_in(full_disk) == [cert.document.name]


def test_a_product_and_its_photo_are_saved_together_or_not_at_all(world, full_disk):
    from PIL import Image

    image = io.BytesIO()
    Image.effect_noise((64, 64), 80).convert("RGB").save(image, "PNG")  # noise: does not compress to 600 B
    assert len(image.getvalue()) > ROOM
    response = world.client("coop_manager").post(f"/registry/{world.org.pk}/products/new/", {
        "name": "Dứa MD2 đầy đĩa", "category": "fruit", "unit": "kg",
        "photo": SimpleUploadedFile("dua.png", image.getvalue(), "image/png")})
    assert response.status_code == 507
    assert not Product.objects.filter(name="Dứa MD2 đầy đĩa").exists() and not ProductPhoto.objects.exists()
    assert files_in(full_disk) == []


def test_a_report_that_does_not_fit_fails_with_the_reason_and_points_to_no_file(
        world, program, full_disk, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    monkeypatch.setattr(pdf, "docx_to_pdf", lambda docx: SMALL_PDF)
    with django_capture_on_commit_callbacks(execute=True):
        world.client("officer").post("/reports/new/", form_data(program))
    report = Report.objects.get()
    assert report.status == Report.Status.FAILED
    assert "bộ nhớ lưu trữ của máy chủ đã đầy" in report.error
    for field in (report.docx, report.xlsx, report.pdf):
        assert not field or (full_disk / field.name).is_file()  # a name in the row is a whole file on disk
    assert not [name for name in files_in(full_disk) if name.endswith(".part")]


def test_two_files_of_the_same_name_never_overwrite_each_other(tmp_path):
    storage = CleanFileSystemStorage(location=tmp_path)
    first = storage.save("a/b.txt", ContentFile(b"first"))
    second = storage.save("a/b.txt", ContentFile(b"second"))
    assert first == "a/b.txt" and second != first
    assert storage.open(first).read() == b"first" and storage.open(second).read() == b"second"
    assert files_in(tmp_path) == sorted([first, second])
