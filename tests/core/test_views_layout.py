"""The layout: Vietnamese, assets served by the project, menu by role, messages, CSP-safe markup;
the home dashboard with real counts only; the public layout and its language switch."""

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.shortcuts import render
from django.test import Client, override_settings
from django.urls import path

from htxconnect import urls as project_urls
from htxconnect.core.permissions import SIGNED_IN, public, requires


@requires(SIGNED_IN)
def with_messages(request):
    messages.success(request, "Đã lưu hồ sơ HTX Phước Thành.")
    messages.error(request, "Mã số thuế không hợp lệ.")
    return render(request, "base.html")


@public
def public_page(request):
    return render(request, "public_base.html")


urlpatterns = [
    path("test-layout/messages/", with_messages),
    path("test-layout/public/", public_page),
    *project_urls.urlpatterns,
]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
layout_urlconf = override_settings(ROOT_URLCONF=__name__)


def _page(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _nav(body):
    return body[body.index("<nav class=\"navbar"):body.index("</nav>")]


def test_layout_loads_the_projects_own_assets(clients):
    body = _page(clients["officer"])
    assert '<html lang="vi">' in body
    for asset in ("/static/vendor/bootstrap/bootstrap.min.css", "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
                  "/static/css/app.css", "/static/vendor/bootstrap/bootstrap.bundle.min.js",
                  "/static/vendor/htmx/htmx.min.js", "/static/js/app.js"):
        assert asset in body, asset
    # Nothing from another host (a CDN): every script, style and font is the project's own. Checked
    # on the URLs, not the whole page: a random CSP nonce or token may contain the letters "cdn".
    urls = re.findall(r'(?:src|href)="([^"]*)"', body)
    assert urls and not [u for u in urls if re.match(r"(?:https?:)?//", u) or "cdn" in u.lower()]
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    # htmx sends the CSRF token read from this meta tag (static/js/app.js).
    assert re.search(r'<meta name="csrf-token" content="[A-Za-z0-9]{32,}">', body)


def test_no_inline_script_or_style_anywhere_in_the_layout(clients):
    for who in ("anonymous", "admin", "leader", "officer", "buyer"):
        body = _page(clients[who])
        assert "style=" not in body, who
        assert "<style" not in body, who
        for chunk in body.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline <script> on the page of {who}"
        assert " onclick=" not in body and " onload=" not in body


def test_static_js_sets_the_csrf_header_for_htmx():
    from django.contrib.staticfiles import finders

    source = open(finders.find("js/app.js"), encoding="utf-8").read()
    assert "htmx:configRequest" in source and "X-CSRFToken" in source and "csrf-token" in source


def test_language_follows_the_active_language(clients):
    client = clients["anonymous"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in _page(client, "/accounts/login/")


@pytest.mark.parametrize("who, present, absent", [
    ("admin", ["Tổng quan", "Đăng ký HTX", "Truy xuất nguồn gốc", "Người dùng", "Nhật ký thay đổi"], []),
    ("leader", ["Tổng quan", "Đăng ký HTX", "Truy xuất nguồn gốc", "Nhật ký thay đổi"], []),
    ("officer", ["Tổng quan", "Đăng ký HTX", "Truy xuất nguồn gốc"], ["Nhật ký thay đổi", "/audit/"]),
    ("coop_manager", ["Đăng ký HTX", "Truy xuất nguồn gốc"], ["Nhật ký thay đổi", "/audit/"]),
    ("buyer", ["Danh bạ HTX"], ["Nhật ký thay đổi", "Đăng ký HTX", "/audit/"]),
])
def test_menu_depends_on_the_role(clients, who, present, absent):
    nav = _nav(_page(clients[who]))
    for text in present:
        assert text in nav, f"{who}: menu lacks {text}"
    for text in absent:
        assert text not in nav, f"{who}: menu shows {text}"
    assert 'href="/registry/"' in nav or who == "buyer"


def test_user_menu_has_profile_password_and_a_post_logout_with_csrf(clients, users):
    nav = _nav(_page(clients["leader"]))
    assert users["leader"].get_full_name() in nav
    assert 'href="/accounts/profile/"' in nav and "Hồ sơ" in nav
    assert 'href="/accounts/password/change/"' in nav and "Đổi mật khẩu" in nav
    logout = re.search(r'<form method="post" action="/accounts/logout/".*?</form>', nav, re.S)
    assert logout and 'name="csrfmiddlewaretoken"' in logout.group(0) and "Đăng xuất" in logout.group(0)
    assert "navbar-toggler" in nav and 'data-bs-target="#main-nav"' in nav  # collapses on phones


def test_anonymous_sees_only_the_brand_and_no_user_menu(clients):
    body = _page(clients["anonymous"], "/accounts/login/")
    assert "HTX Connect" in body
    assert "Đăng xuất" not in body and "navbar-toggler" not in body


def test_the_current_page_is_marked_in_the_menu(clients):
    nav = _nav(_page(clients["admin"], "/audit/"))
    assert re.search(r'class="nav-link active" aria-current="page" href="/audit/"', nav)


@layout_urlconf
def test_messages_show_as_bootstrap_alerts(clients):
    body = _page(clients["coop_manager"], "/test-layout/messages/")
    assert re.search(r'alert alert-success[^"]*" role="status">\s*Đã lưu hồ sơ HTX Phước Thành.', body)
    assert re.search(r'alert alert-danger[^"]*" role="alert">\s*Mã số thuế không hợp lệ.', body)
    assert 'data-bs-dismiss="alert" aria-label="Đóng"' in body


def test_footer_and_skip_link(clients):
    body = _page(clients["officer"])
    assert "<footer" in body and "AGPL-3.0" in body
    assert 'href="#main"' in body and 'id="main"' in body


def test_breadcrumbs_from_the_view(clients):
    body = _page(clients["admin"], "/audit/")
    crumbs = re.search(r'<ol class="breadcrumb">.*?</ol>', body, re.S).group(0)
    assert 'href="/"' in crumbs and "Tổng quan" in crumbs
    assert 'aria-current="page">Nhật ký thay đổi' in crumbs


# --- home ---------------------------------------------------------------------------------------


def test_home_greets_the_user_with_role_and_agency(clients, users):
    body = _page(clients["officer"])
    assert f"Xin chào, {users['officer'].get_full_name()}" in body
    assert "Cán bộ cơ quan" in body and users["officer"].agency.name in body


def _card_value(body, title):
    match = re.search(r'<div class="stat-value">([\d.]+)</div>\s*<h2 class="h6 mb-1">' + re.escape(title), body)
    assert match, f"no card {title!r}"
    return int(match.group(1).replace(".", ""))


def test_leader_home_counts_active_users_of_their_agency_only(clients, users):
    from tests.conftest import make_user

    make_user("u_extra_officer", "officer", users["leader"].agency)
    gone = make_user("u_gone", "officer", users["leader"].agency)
    gone.is_active = False
    gone.save()
    body = _page(clients["leader"])
    # leader + officer + extra officer; not the inactive one, not the other agency's staff.
    assert _card_value(body, "Người dùng của cơ quan") == 3
    assert 'href="/accounts/users/"' in body


def test_admin_home_counts_users_agencies_and_recent_changes(clients, users):
    from htxconnect.core import audit
    from htxconnect.registry.audit_actions import ORGANIZATION_CREATED

    audit.record(ORGANIZATION_CREATED, actor=users["admin"], agency_id=users["leader"].agency_id, object_repr="X")
    body = _page(clients["admin"])
    assert _card_value(body, "Người dùng đang hoạt động") == len(users)
    assert _card_value(body, "Cơ quan") == 2
    assert _card_value(body, "Thay đổi trong 7 ngày qua") == 1


def test_leader_recent_changes_count_only_their_agency(clients, users):
    from htxconnect.core import audit
    from htxconnect.registry.audit_actions import ORGANIZATION_CREATED, ORGANIZATION_UPDATED

    audit.record(ORGANIZATION_CREATED, actor=users["leader"], agency_id=users["leader"].agency_id)
    audit.record(ORGANIZATION_UPDATED, actor=users["other_leader"], agency_id=users["other_leader"].agency_id)
    assert _card_value(_page(clients["leader"]), "Thay đổi trong 7 ngày qua") == 1


def test_home_of_non_staff_shows_no_invented_figures(clients):
    for who in ("coop_manager", "coop_member", "buyer"):
        body = _page(clients[who])
        assert 'id="home-cards"' not in body, who
        assert "sẽ có khi" not in body and "Nhật ký thay đổi" not in body
        assert 'id="quick-links"' in body


def test_home_cards_from_other_apps(clients, users):
    from htxconnect.core import queries

    def provider(user):
        return [queries.HomeCard("Tổ chức trong sổ đăng ký", 7, "bi-journal-text", "/registry/")]

    queries.register_home_cards(provider)
    try:
        assert _card_value(_page(clients["officer"]), "Tổ chức trong sổ đăng ký") == 7
    finally:
        queries._home_card_providers.remove(provider)


def test_home_runs_a_fixed_number_of_queries(clients, users, django_assert_max_num_queries):
    # session, user, OTP device, the admin's own cards, then the registry's cards (3 for an
    # administrator, tested in tests/registry/test_dashboard.py not to grow with the data) and
    # the programs' (2: applications waiting, overdue — one COUNT each), the events' (1 COUNT) and
    # the market's (1 COUNT: connections under way).
    with django_assert_max_num_queries(17):
        clients["admin"].get("/")


# --- public layout and language switch -----------------------------------------------------------


@layout_urlconf
def test_public_layout_is_light_and_has_a_language_switch(db):
    client = Client()
    body = _page(client, "/test-layout/public/?q=d%E1%BB%A9a")  # "dứa", as a browser sends it
    assert "<script" not in body  # no JavaScript at all on public pages
    assert 'name="csrfmiddlewaretoken"' not in body  # cacheable: nothing per visitor
    assert settings.CSRF_COOKIE_NAME not in client.cookies
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', body, re.S).group(0)
    assert 'value="vi"' in form and "Tiếng Việt" in form and 'value="en"' in form and "English" in form
    assert 'aria-pressed="true"' in form.split("English")[0]  # Vietnamese is the current one
    assert 'name="next" value="/test-layout/public/?q=d%E1%BB%A9a"' in form  # back to the same page


def test_language_switch_works_without_a_csrf_token_and_stays_on_site(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/registry/public/"})
    assert response.status_code == 302 and response["Location"] == "/registry/public/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    assert client.get("/i18n/setlang/").status_code == 302  # GET changes nothing
