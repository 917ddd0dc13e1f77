"""Redirects stay on this site: every `next` goes through core.redirects, as the login view's does."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from htxconnect.core.redirects import safe_next

pytestmark = pytest.mark.django_db

OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
            "javascript:alert(1)", "http://testserver.evil.example/", "https:///evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_verify_never_redirects_off_site(orgs, clients, target):
    url = reverse("registry:verify", args=["organization", orgs["oi"].pk])
    response = clients["officer"].post(f"{url}?next={target}", {"against": "GCN số 1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:organization_detail", args=[orgs["oi"].pk])


def test_verify_follows_a_next_on_this_site(orgs, clients):
    url = reverse("registry:verify", args=["organization", orgs["oi"].pk])
    back = reverse("registry:organization_detail", args=[orgs["oi"].pk]) + "?tab=products"
    response = clients["officer"].post(url, {"against": "GCN số 1", "next": back})
    assert response.status_code == 302 and response["Location"] == back


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_falls_back_for_other_sites(target):
    request = RequestFactory().get("/", {"next": target})
    assert safe_next(request, "/home/") == "/home/"


def test_safe_next_keeps_https_when_the_request_is_secure():
    request = RequestFactory().get("/", {"next": "http://testserver/x"}, secure=True)
    assert safe_next(request, "/home/") == "/home/"
    request = RequestFactory().get("/", {"next": "https://testserver/x"}, secure=True)
    assert safe_next(request, "/home/") == "https://testserver/x"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(clients, users, target):
    from tests.conftest import PASSWORD

    response = clients["anonymous"].post(f"{reverse('accounts:login')}?next={target}",
                                         {"username": users["buyer"].username, "password": PASSWORD, "next": target})
    assert response.status_code == 302 and "evil" not in response["Location"]
    assert not response["Location"].startswith(("javascript:", "//"))
