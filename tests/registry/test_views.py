"""Pages: who may see and change what, search acceptance, constant query counts."""

import datetime

import pytest
from django.urls import reverse

from htxconnect.registry import queries, services
from htxconnect.registry.models import Organization
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def names(response):
    return [o.name for o in response.context["page"].object_list]


@pytest.mark.parametrize("q", ["hong duc", "HỒNG ĐỨC", "Hong Đuc", "ong duc"])
def test_search_finds_hong_duc(orgs, clients, q):
    response = clients["officer"].get(reverse("registry:organization_list"), {"q": q})
    assert response.status_code == 200
    assert names(response)[0] == "HTX Hồng Đức"


def test_search_oi_ranks_oi_thanh_kien_first(orgs, clients):
    services.create_organization(actor=SYSTEM, name="HTX Thới Hòa", province_code="79")
    response = clients["officer"].get(reverse("registry:organization_list"), {"q": "oi"})
    assert names(response)[0] == "HTX Ổi Thanh Kiên"
    response = clients["officer"].get(reverse("registry:organization_list"), {"q": "oi thanh kien"})
    assert names(response) == ["HTX Ổi Thanh Kiên"]


def test_officer_sees_only_own_province(orgs, clients):
    response = clients["officer"].get(reverse("registry:organization_list"))
    assert set(names(response)) == {"HTX Hồng Đức", "HTX Ổi Thanh Kiên"}
    response = clients["admin"].get(reverse("registry:organization_list"))
    assert "HTX Nông nghiệp Long Bình" in names(response)


def test_filters(orgs, clients):
    services.create_certification(actor=SYSTEM, organization=orgs["hong_duc"], type="iso_9001",
                                  issue_date=datetime.date(2025, 1, 1), expiry_date=datetime.date(2099, 1, 1))
    url = reverse("registry:organization_list")
    assert names(clients["officer"].get(url, {"certification": "iso_9001"})) == ["HTX Hồng Đức"]
    assert names(clients["officer"].get(url, {"sector": "cay-an-qua"})) == ["HTX Ổi Thanh Kiên"]
    assert names(clients["officer"].get(url, {"ward": "25858"})) == ["HTX Ổi Thanh Kiên"]
    assert names(clients["officer"].get(url, {"sort": "-name"})) == ["HTX Ổi Thanh Kiên", "HTX Hồng Đức"]
    product = services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi")
    services.create_ocop_rating(actor=SYSTEM, product=product, stars=4, decision_number="1",
                                decision_date=datetime.date.today() - datetime.timedelta(days=10))
    assert names(clients["officer"].get(url, {"ocop": "4"})) == ["HTX Ổi Thanh Kiên"]
    assert names(clients["officer"].get(url, {"ocop": "5"})) == []


def test_bad_filter_values_do_not_crash(orgs, clients):
    response = clients["officer"].get(reverse("registry:organization_list"),
                                      {"ocop": "x", "page": "abc", "sort": "zzz", "q": "%%'"})
    assert response.status_code == 200


def test_list_query_count_is_constant(users, org_factory, django_assert_num_queries, clients):
    def count_for(n):
        Organization.objects.filter(name__startswith="HTX Mẫu").update(province_code="01")
        for org in org_factory(n, prefix=f"HTX Mẫu {n}"):
            services.create_product(actor=SYSTEM, producer=org, name="Gạo")
            services.create_certification(actor=SYSTEM, organization=org, type="vietgap",
                                          issue_date=datetime.date(2025, 1, 1))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            page = queries.list_organizations(users["officer"], queries.OrganizationFilters(), per_page=50)
            for org in page.object_list:
                org.sector_list, org.certification_list, org.products_total
        assert len(page.object_list) == n
        return len(ctx.captured_queries)

    assert count_for(5) == count_for(50)
    response = clients["officer"].get(reverse("registry:organization_list"))
    assert response.status_code == 200


def test_list_page_num_queries(users, org_factory, django_assert_max_num_queries, clients):
    org_factory(30)
    with django_assert_max_num_queries(20):
        assert clients["officer"].get(reverse("registry:organization_list")).status_code == 200


def test_detail_out_of_scope_is_404(orgs, clients):
    url = reverse("registry:organization_detail", args=[orgs["hong_duc"].pk])
    assert clients["officer"].get(url).status_code == 200
    assert clients["other_officer"].get(url).status_code == 404
    assert clients["coop_manager"].get(url).status_code == 404
    assert clients["buyer"].get(url).status_code == 403
    assert clients["anonymous"].get(url).status_code == 302


def test_edit_permissions(orgs, clients):
    url = reverse("registry:organization_edit", args=[orgs["oi"].pk])
    assert clients["other_officer"].get(url).status_code in (403, 404)
    assert clients["coop_member"].get(url).status_code in (403, 404)
    assert clients["officer"].get(url).status_code == 200
    assert clients["coop_manager"].get(url).status_code == 200
    other = reverse("registry:organization_edit", args=[orgs["hong_duc"].pk])
    assert clients["coop_manager"].get(other).status_code == 404


def test_manager_edits_own_org_and_becomes_self_declared(orgs, clients, users):
    oi = orgs["oi"]
    services.verify_record(actor=users["officer"], obj=oi, against="GCN số 1")
    response = clients["coop_manager"].post(reverse("registry:organization_edit", args=[oi.pk]), {
        "kind": "cooperative", "name": "HTX Ổi Thanh Kiên", "province_code": "79", "ward_code": "25858",
        "members_count": "77", "status": "active", "is_public": "on", "sectors": [],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    oi.refresh_from_db()
    assert oi.members_count == 77 and not oi.is_verified


def test_create_organization_form_errors_keep_input(users, clients):
    response = clients["officer"].post(reverse("registry:organization_create"), {
        "kind": "cooperative", "name": "HTX Mới", "tax_code": "0100233480", "province_code": "79",
        "status": "active"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "phải là 8" in body and 'value="HTX Mới"' in body
    response = clients["officer"].post(reverse("registry:organization_create"), {
        "kind": "cooperative", "name": "HTX Mới", "tax_code": "0100233488", "province_code": "79",
        "ward_code": "25813", "status": "active"})
    assert response.status_code == 302
    assert Organization.objects.get(name="HTX Mới").ward_name == "Phường Bến Cát"
    assert clients["coop_manager"].get(reverse("registry:organization_create")).status_code == 403


def test_certification_form_rejects_expiry_before_issue(orgs, clients):
    response = clients["officer"].post(reverse("registry:certification_create", args=[orgs["oi"].pk]), {
        "type": "vietgap", "issue_date": "2025-05-01", "expiry_date": "2025-04-01"})
    assert response.status_code == 200
    assert "phải sau ngày cấp" in response.content.decode()


def test_product_form_gtin_error(orgs, clients):
    response = clients["coop_manager"].post(reverse("registry:product_create", args=[orgs["oi"].pk]), {
        "name": "Ổi", "category": "fruit", "unit": "kg", "gtin": "8934567890127"})
    assert response.status_code == 200
    assert "Số kiểm tra sai: phải là 0" in response.content.decode()
    response = clients["coop_manager"].post(reverse("registry:product_create", args=[orgs["oi"].pk]), {
        "name": "Ổi", "category": "fruit", "unit": "kg", "gtin": "8934567890120", "season_months": ["1", "2"]})
    assert response.status_code == 302
    assert orgs["oi"].products.get().gtin == "08934567890120"


def test_people_tab_only_for_staff_and_own_manager(orgs, clients, users):
    services.add_person(actor=SYSTEM, organization=orgs["oi"], role="director", full_name="Nguyễn Văn Kiên",
                        phone="0909000001")
    url = reverse("registry:organization_detail", args=[orgs["oi"].pk]) + "?tab=people"
    assert "0909000001" in clients["officer"].get(url).content.decode()
    assert "0909000001" in clients["coop_manager"].get(url).content.decode()
    from tests.conftest import make_user, signed_in_client
    from htxconnect.registry.models import OrganizationUser

    member = make_user("u_member2", "coop_member")
    OrganizationUser.objects.create(user=member, organization=orgs["oi"], role="member")
    assert "0909000001" not in signed_in_client(member).get(url).content.decode()
    public = clients["anonymous"].get(reverse("registry:public_detail", args=[orgs["oi"].pk])).content.decode()
    assert "Nguyễn Văn Kiên" not in public and "0909000001" not in public


def test_person_export_and_erase_views(orgs, clients, users):
    person = services.add_person(actor=SYSTEM, organization=orgs["oi"], full_name="Trần Thị Hoa", phone="0911")
    response = clients["officer"].get(reverse("registry:person_export", args=[person.pk]))
    assert response.status_code == 200 and response.json()["full_name"] == "Trần Thị Hoa"
    assert clients["other_officer"].get(reverse("registry:person_export", args=[person.pk])).status_code == 404
    assert clients["officer"].post(reverse("registry:person_erase", args=[person.pk])).status_code == 302
    person.refresh_from_db()
    assert person.erased_at is not None


def test_verify_view(orgs, clients):
    url = reverse("registry:verify", args=["organization", orgs["oi"].pk])
    assert clients["coop_manager"].post(url, {"against": "x"}).status_code == 403
    assert clients["other_officer"].post(url, {"against": "x"}).status_code == 404
    assert clients["officer"].post(url, {"against": "GCN ĐK HTX số 123"}).status_code == 302
    orgs["oi"].refresh_from_db()
    assert orgs["oi"].verified_against == "GCN ĐK HTX số 123"


def test_public_directory_shows_only_public_fields(orgs, clients):
    services.update_organization(actor=SYSTEM, organization=orgs["hong_duc"], public_contact=False)
    hidden = services.create_organization(actor=SYSTEM, name="HTX Ẩn Danh", province_code="79", is_public=False)
    dissolved = services.create_organization(actor=SYSTEM, name="HTX Đã Giải Thể", province_code="79", status="dissolved")
    response = clients["anonymous"].get(reverse("registry:public_list"))
    listed = names(response)
    assert "HTX Hồng Đức" in listed and hidden.name not in listed and dissolved.name not in listed
    assert "Tự khai báo" in response.content.decode()
    detail = clients["anonymous"].get(reverse("registry:public_detail", args=[orgs["hong_duc"].pk])).content.decode()
    assert "0909123456" not in detail and "0100233488" not in detail
    assert clients["anonymous"].get(reverse("registry:public_detail", args=[hidden.pk])).status_code == 404
    services.update_organization(actor=SYSTEM, organization=orgs["hong_duc"], public_contact=True)
    detail = clients["anonymous"].get(reverse("registry:public_detail", args=[orgs["hong_duc"].pk])).content.decode()
    assert "0909123456" in detail


def test_public_search(orgs, clients):
    assert names(clients["anonymous"].get(reverse("registry:public_list"), {"q": "hong duc"})) == ["HTX Hồng Đức"]


def test_detail_tabs_render(orgs, clients, users):
    product = services.create_product(actor=SYSTEM, producer=orgs["oi"], name="Ổi", gtin="8934567890120")
    services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="iso_9001", issue_date=datetime.date(2024, 1, 1),
                                  expiry_date=datetime.date(2027, 1, 1))
    services.create_ocop_rating(actor=SYSTEM, product=product, stars=3, decision_number="5/QĐ",
                                decision_date=datetime.date(2020, 1, 1))
    services.create_ip_right(actor=SYSTEM, owner=orgs["oi"], kind="trademark", name="ỔI THANH KIÊN", status="guidance")
    base = reverse("registry:organization_detail", args=[orgs["oi"].pk])
    for tab in ["overview", "people", "products", "certifications", "ip", "ocop", "timeline"]:
        response = clients["officer"].get(base, {"tab": tab})
        assert response.status_code == 200, tab
    body = clients["officer"].get(base, {"tab": "ocop"}).content.decode()
    assert "Hết hiệu lực" in body
    assert "8934567890120" in clients["officer"].get(base, {"tab": "products"}).content.decode()
    timeline = clients["officer"].get(base, {"tab": "timeline"}).context["timeline"]
    assert {item.kind for item in timeline} >= {"certification", "ocop"}


def test_timeline_providers_extend(orgs):
    @queries.timeline_provider
    def fake(org, user):
        return [queries.TimelineItem(datetime.date(2021, 5, 1), "support", "Hỗ trợ ISO")]

    try:
        items = queries.timeline(orgs["oi"])
        assert any(i.kind == "support" for i in items)
    finally:
        queries.TIMELINE_PROVIDERS.remove(fake)


def test_expiring_certifications(orgs, users, clients):
    today = datetime.date.today()
    soon = services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="vietgap",
                                         issue_date=today - datetime.timedelta(days=700),
                                         expiry_date=today + datetime.timedelta(days=20))
    services.create_certification(actor=SYSTEM, organization=orgs["oi"], type="organic",
                                  issue_date=today, expiry_date=today + datetime.timedelta(days=400))
    services.create_certification(actor=SYSTEM, organization=orgs["angiang"], type="vietgap",
                                  issue_date=today - datetime.timedelta(days=700),
                                  expiry_date=today + datetime.timedelta(days=10))
    assert list(queries.expiring_certifications(users["officer"])) == [soon]
    assert list(queries.expiring_certifications(users["coop_manager"])) == [soon]
    assert clients["officer"].get(reverse("registry:expiring")).status_code == 200


def test_person_correction(orgs, clients):
    person = services.add_person(actor=SYSTEM, organization=orgs["oi"], full_name="Trần Thị Hoa", phone="0911")
    url = reverse("registry:person_edit", args=[person.pk])
    assert clients["other_officer"].get(url).status_code == 404
    response = clients["coop_manager"].post(url, {"full_name": "Trần Thị Hoà", "phone": "0912",
                                                  "consent_purpose": "Quản lý thành viên"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Trần Thị Hoà" and person.phone == "0912"


def test_short_words_match_word_starts_only(orgs, clients):
    services.create_organization(actor=SYSTEM, name="HTX Thới Hòa", province_code="79")
    found = names(clients["officer"].get(reverse("registry:organization_list"), {"q": "oi"}))
    assert found == ["HTX Ổi Thanh Kiên"]
    found = names(clients["officer"].get(reverse("registry:organization_list"), {"q": "thoi"}))
    assert found == ["HTX Thới Hòa"]
