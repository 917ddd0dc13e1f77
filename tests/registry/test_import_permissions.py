"""Every import/export URL for every role (the same answers the project's authorization matrix
gets from tests.registry.test_import_views.import_matrix)."""

import pytest

from tests.registry.test_import_views import import_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("name", sorted(import_matrix()))
def test_import_urls_answer_each_role(name, clients):
    case = import_matrix()[name]
    for who, expected in case.expect.items():
        response = getattr(clients[who], case.method)(case.path, case.data)
        if expected == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], (name, who)
        else:
            assert response.status_code == expected, (name, who, response.status_code)


def test_every_view_declares_its_rule():
    from django.urls import get_resolver

    resolver = get_resolver("htxconnect.registry.import_urls")
    for pattern in resolver.url_patterns:
        assert hasattr(pattern.callback, "permission"), pattern.name
