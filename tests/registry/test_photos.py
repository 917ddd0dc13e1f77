"""Product photos: checked by content, not by name; a refused file gets a Vietnamese message."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from htxconnect.registry import services
from htxconnect.registry.models import Product, ProductPhoto
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def png_bytes(size=(8, 6), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def product_data(**extra):
    return {"name": "Ổi ruột đỏ", "category": "fruit", "unit": "kg", "description": "", **extra}


def test_valid_png_is_accepted_on_create(orgs, clients):
    url = reverse("registry:product_create", args=[orgs["oi"].pk])
    photo = SimpleUploadedFile("oi.png", png_bytes(), content_type="image/png")
    response = clients["coop_manager"].post(url, product_data(photo=photo))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    product = Product.objects.get(producer=orgs["oi"], name="Ổi ruột đỏ")
    stored = product.photos.get()
    assert stored.image.name.endswith(".png")
    with stored.image.open("rb") as f:
        assert Image.open(f).size == (8, 6)


def test_valid_png_is_added_on_edit(orgs, clients):
    product = services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi nữ hoàng")
    url = reverse("registry:product_edit", args=[product.pk])
    photo = SimpleUploadedFile("anh.png", png_bytes(), content_type="image/png")
    response = clients["officer"].post(url, product_data(name="Ổi nữ hoàng", photo=photo))
    assert response.status_code == 302
    assert product.photos.count() == 1


@pytest.mark.parametrize("content, message", [
    (b"Day khong phai la anh, chi la chu.\n", "“anh.png” không phải ảnh JPEG, PNG hay WebP"),
    (b"%PDF-1.4\n%%EOF\n", "“anh.png” không phải ảnh JPEG, PNG hay WebP"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "“anh.png” không phải ảnh JPEG, PNG hay WebP"),  # PNG magic, no image
    (b"", "rỗng"),
])
def test_text_file_renamed_png_is_refused_in_vietnamese(orgs, clients, content, message):
    url = reverse("registry:product_create", args=[orgs["oi"].pk])
    fake = SimpleUploadedFile("anh.png", content, content_type="image/png")
    response = clients["coop_manager"].post(url, product_data(name="Ổi giả", photo=fake))
    assert response.status_code == 200  # the form again, with its input kept
    errors = " ".join(response.context["form"].errors.get("photo", []))
    assert errors, response.context["form"].errors
    assert message in errors and "ảnh" in errors, errors  # Vietnamese, names the file and the rule
    html = response.content.decode()
    assert message in html
    assert 'value="Ổi giả"' in html
    assert not Product.objects.filter(name="Ổi giả").exists()
    assert not ProductPhoto.objects.exists()


def test_service_refuses_a_non_image_too(orgs):
    from django.core.exceptions import ValidationError

    product = services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi")
    with pytest.raises(ValidationError) as error:
        services.add_product_photo(actor=SYSTEM, product=product,
                                   image=SimpleUploadedFile("anh.png", b"not an image", content_type="image/png"))
    assert "ảnh" in str(error.value)
    assert not ProductPhoto.objects.exists()


def _photo_storage_fails(monkeypatch):
    """The photo passes the form's check but cannot be stored (disk full, storage down)."""
    from django.core.exceptions import ValidationError

    def fail(**kwargs):
        raise ValidationError({"photo": "Không lưu được ảnh (ổ đĩa đầy)."})

    monkeypatch.setattr(services, "add_product_photo", fail)


def test_product_and_photo_are_saved_in_one_transaction(orgs, clients, monkeypatch):
    _photo_storage_fails(monkeypatch)
    url = reverse("registry:product_create", args=[orgs["oi"].pk])
    photo = SimpleUploadedFile("oi.png", png_bytes(), content_type="image/png")
    response = clients["coop_manager"].post(url, product_data(name="Ổi một lần", photo=photo))
    assert response.status_code == 200 and "ổ đĩa đầy" in response.content.decode()
    assert not Product.objects.filter(name="Ổi một lần").exists()  # no product without its photo
    from htxconnect.core.models import AuditEntry

    assert not AuditEntry.objects.filter(action="registry.product.created").exists()


def test_product_edit_and_photo_are_all_or_nothing(orgs, clients, monkeypatch):
    product = services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi nữ hoàng")
    _photo_storage_fails(monkeypatch)
    photo = SimpleUploadedFile("anh.png", png_bytes(), content_type="image/png")
    response = clients["officer"].post(reverse("registry:product_edit", args=[product.pk]),
                                       product_data(name="Ổi đổi tên", photo=photo))
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.name == "Ổi nữ hoàng"


def test_reminder_claims_refuse_to_run_inside_another_transaction():
    """A claim nested in a caller's transaction could be rolled back after the mail went out."""
    import datetime

    from django.db import transaction

    with pytest.raises(RuntimeError):
        with transaction.atomic(durable=True):
            services.mark_expiry_reminder_sent(certification_ids=[], on=datetime.date(2026, 1, 1))
