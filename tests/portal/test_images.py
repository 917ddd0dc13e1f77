"""Pictures of the portal's articles: only real JPEG/PNG/WebP images pass (judged by content, not by
name or declared type), they are re-encoded without metadata (EXIF GPS and camera), turned upright
and scaled down; a file that is not an image gets a Vietnamese message naming the field, and what
the editor typed is kept. The upload endpoint of the editor's toolbar stores through Django's
storage and answers the URL to insert."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from htxconnect.core.models import AuditEntry
from htxconnect.portal import images
from htxconnect.portal.models import Article

pytestmark = pytest.mark.django_db
GPS_IFD, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _jpeg(size=(40, 20), orientation=None) -> bytes:
    """A JPEG carrying what a phone writes: camera make, GPS position, and an orientation."""
    exif = Image.Exif()
    exif[MAKE] = "CanonSecretCamera"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (10.0, 45.0, 0.0), 3: "E", 4: (106.0, 40.0, 0.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _png(size=(4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    return out.getvalue()


def _upload(data: bytes, name="anh.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_metadata_is_stripped_and_the_picture_turned_upright():
    raw = _jpeg(size=(40, 20), orientation=6)  # 6: the camera was turned, show rotated 90°
    assert b"CanonSecretCamera" in raw
    cleaned = images.clean_image(_upload(raw), field="Ảnh bìa").read()
    assert b"CanonSecretCamera" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {} and image.getexif().get_ifd(GPS_IFD) == {}
        assert image.size == (20, 40)  # upright: width and height swapped


def test_a_huge_picture_is_scaled_down_to_2000_pixels():
    cleaned = images.clean_image(_upload(_png(size=(4000, 1000)), "to.png", "image/png"), field="Ảnh bìa")
    with Image.open(cleaned) as image:
        assert image.format == "PNG" and image.size == (2000, 500)


@pytest.mark.parametrize("data, name", [
    (b"not an image at all", "anh.png"),  # a text file renamed .png
    (b"\xff\xd8\xff\xe0<script>alert(1)</script>", "anh.jpg"),  # a JPEG signature, then anything
    (_png()[:40], "cat.png"),  # a PNG cut short
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anh.gif"),  # an image, but not one of the three formats
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "anh.svg"),
])
def test_a_file_that_is_not_an_accepted_image_is_refused_naming_the_field(data, name):
    with pytest.raises(ValidationError) as caught:
        images.clean_image(_upload(data, name, "image/png"), field="Ảnh bìa")
    assert caught.value.messages == [f"Ảnh bìa: tệp “{name}” không phải ảnh JPEG, PNG hay WebP (kiểm tra theo nội "
                                     "dung tệp, không theo tên tệp)."]


def test_an_empty_or_too_heavy_file_is_refused():
    with pytest.raises(ValidationError, match="Ảnh bìa: tệp “rong.jpg” rỗng"):
        images.clean_image(_upload(b"", "rong.jpg"), field="Ảnh bìa")
    heavy = _upload(b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024), "nang.jpg")
    with pytest.raises(ValidationError, match=r"Ảnh bìa: ảnh “nang.jpg” nặng 8.0 MB, tối đa 8 MB."):
        images.clean_image(heavy, field="Ảnh bìa")


def _article_form(**extra):
    data = {"title": "Hội nghị kết nối cung cầu", "slug": "hoi-nghi-anh", "summary": "Tóm tắt",
            "body": "<p>Nội dung đã gõ</p>", "cover_alt": "", "status": "draft",
            "publish_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    data.update(extra)
    return data


def test_a_cover_that_is_not_an_image_is_named_and_what_was_typed_is_kept(world):
    client = world.client("officer")
    response = client.post("/portal/quan-tri/bai-viet/moi/",
                           _article_form(cover=_upload(b"%PDF-1.4 hello", "bia.jpg")))
    page = response.content.decode()
    assert response.status_code == 200 and not Article.objects.exists()
    assert "Ảnh bìa: tệp “bia.jpg” không phải ảnh JPEG, PNG hay WebP" in page
    assert 'value="Hội nghị kết nối cung cầu"' in page and "&lt;p&gt;Nội dung đã gõ&lt;/p&gt;" in page


def test_a_real_cover_is_stored_without_its_metadata(world, media):
    response = world.client("officer").post("/portal/quan-tri/bai-viet/moi/",
                                            _article_form(cover=_upload(_jpeg(), "bia.jpg"), cover_alt="Hội nghị"))
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.cover.name.startswith("portal/articles/") and article.cover.name.endswith(".jpg")
    stored = (media / article.cover.name).read_bytes()
    assert b"CanonSecretCamera" not in stored and stored.startswith(b"\xff\xd8\xff")


def test_the_editor_uploads_a_picture_and_gets_the_url_to_insert(world, media):
    response = world.client("officer").post("/portal/quan-tri/anh/", {"image": _upload(_jpeg(), "hoi-truong.jpg")})
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("/media/portal/images/") and url.endswith(".jpg") and "hoi-truong" not in url
    path = url.removeprefix("/media/")
    assert default_storage.exists(path) and b"CanonSecretCamera" not in (media / path).read_bytes()
    entry = AuditEntry.objects.get(action="portal.image.uploaded")
    assert entry.actor == world.people["officer"] and entry.changes["url"] == [None, url]


def test_the_upload_endpoint_refuses_a_non_image_in_vietnamese_and_non_staff(world):
    officer = world.client("officer")
    response = officer.post("/portal/quan-tri/anh/", {"image": _upload(b"<html>", "anh.png", "image/png")})
    assert response.status_code == 400
    assert response.json() == {"error": "Ảnh chèn vào bài: tệp “anh.png” không phải ảnh JPEG, PNG hay WebP (kiểm tra "
                                        "theo nội dung tệp, không theo tên tệp)."}
    assert officer.post("/portal/quan-tri/anh/").json() == {"error": "Ảnh chèn vào bài: chưa chọn tệp ảnh."}
    assert officer.get("/portal/quan-tri/anh/").status_code == 405
    for who in ("coop_manager", "buyer"):
        assert world.client(who).post("/portal/quan-tri/anh/", {"image": _upload(_png(), "a.png")}).status_code == 403
    assert world.client("anonymous").post("/portal/quan-tri/anh/", {"image": _upload(_png(), "a.png")}).status_code == 302
    assert not AuditEntry.objects.filter(action="portal.image.uploaded").exists()


def test_an_inserted_picture_survives_sanitising_and_scripts_do_not(world):
    body = ('<figure><img src="/media/portal/images/2026/a.jpg" alt="Hội trường" onerror="steal()"><figcaption>Hội '
            'trường</figcaption></figure><img src="javascript:alert(1)"><p style="color:red">Tin</p><script>x()</script>')
    world.client("officer").post("/portal/quan-tri/bai-viet/moi/", _article_form(body=body, status="published"))
    stored = Article.objects.get().body
    assert '<img src="/media/portal/images/2026/a.jpg" alt="Hội trường">' in stored
    assert "<figcaption>Hội trường</figcaption>" in stored
    for gone in ("onerror", "steal", "javascript:", "style=", "<script", "x()"):
        assert gone not in stored, gone


def test_the_editor_page_carries_the_toolbar_script_and_upload_address(world):
    page = world.client("officer").get("/portal/quan-tri/bai-viet/moi/").content.decode()
    assert 'data-editor="html"' in page and 'data-upload-url="/portal/quan-tri/anh/"' in page
    assert "/static/portal/editor.js" in page
