"""The public directory as a new visitor meets it: reachable from /, in English, a contact button."""

import pytest
from django.conf import settings
from django.test import Client

from htxconnect.registry import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(users):
    return services.create_organization(actor=users["admin"], name="HTX Rau Sạch Củ Chi", province_code="79",
                                        ward_code="25813", phone="0283 123 4567", email="lienhe@rausach.vn",
                                        public_contact=True)


def english():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_anonymous_visitors_find_the_directory_from_the_home_page():
    body = Client().get("/").content.decode()
    assert 'href="/registry/public/"' in body and "Danh bạ hợp tác xã" in body


def test_the_directory_is_in_english_when_chosen(listed):
    body = english().get("/registry/public/").content.decode()
    assert '<html lang="en">' in body
    for text in ("Cooperative directory", "Filters", "Province/city", "Contact", "1 organisation", "Cooperative"):
        assert text in body, text
    assert "Danh bạ hợp tác xã" not in body and "Tất cả" not in body
    vietnamese = Client().get("/registry/public/").content.decode()
    assert "Danh bạ hợp tác xã" in vietnamese and "Bộ lọc" in vietnamese and "Liên hệ" in vietnamese


def test_a_detail_page_has_contact_buttons_when_the_organisation_publishes_them(listed, users):
    body = english().get(f"/registry/public/{listed.pk}/").content.decode()
    assert 'href="tel:02831234567"' in body and 'href="mailto:lienhe@rausach.vn"' in body
    assert "Call" in body and "Send an e-mail" in body and "Profile declared by the organisation itself" in body
    services.update_organization(actor=users["admin"], organization=listed, public_contact=False)
    hidden = Client().get(f"/registry/public/{listed.pk}/").content.decode()
    assert "tel:" not in hidden and "0283 123 4567" not in hidden and "lienhe@rausach.vn" not in hidden
    assert "Tổ chức chưa công khai cách liên hệ." in hidden


def test_the_list_links_each_card_to_its_contact_section(listed):
    body = Client().get("/registry/public/").content.decode()
    assert f'href="/registry/public/{listed.pk}/#contact"' in body
