"""Authorization-matrix entries of the registry's URLs (merged into tests/test_authorization_matrix.py).

Sample records are created on first use inside the test's transaction: an organisation in the
home agency's province (79) whose manager is `u_coop_manager`, with a product, a certification,
an IP right, an OCOP rating and a person.
"""

from __future__ import annotations

import datetime

WHO = ["anonymous", "admin", "leader", "officer", "coop_manager", "coop_member", "buyer",
       "other_officer", "other_leader"]


def _answers(**by_who):
    default = by_who.pop("default")
    return {who: by_who.get(who, default) for who in WHO}


def sample() -> dict:
    from htxconnect.accounts.models import User
    from htxconnect.registry import services
    from htxconnect.registry.models import Organization, OrganizationUser

    org = Organization.objects.filter(name="HTX Ma Trận").first()
    if org is None:
        org = services.create_organization(actor=None, name="HTX Ma Trận", province_code="79", ward_code="25813")
        OrganizationUser.objects.create(user=User.objects.get(username="u_coop_manager"), organization=org)
        product = services.create_product(actor=None, producer=org, name="Ổi")
        services.create_certification(actor=None, organization=org, type="vietgap", issue_date=datetime.date(2025, 1, 1))
        services.create_ip_right(actor=None, owner=org, kind="trademark", name="MA TRẬN", status="applied")
        services.create_ocop_rating(actor=None, product=product, stars=3, decision_number="1/QĐ",
                                    decision_date=datetime.date(2025, 1, 1))
        services.add_person(actor=None, organization=org, full_name="Người Mẫu")
    return {
        "org": org.pk, "product": org.products.get().pk, "certification": org.certifications.get().pk,
        "ip": org.ip_rights.get().pk, "ocop": org.products.get().ocop_ratings.get().pk,
        "person": org.memberships.get().person_id,
    }


# Pages of one organisation: its province's staff, admins and its own manager; others 404.
OWN = _answers(default=404, anonymous="login", admin=200, leader=200, officer=200, coop_manager=200, buyer=403)
COOP = _answers(default=200, anonymous="login", buyer=403)
STAFF_ANY = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200, other_officer=200,
                     other_leader=200)
# Staff-only actions on a record of province 79: other province's staff get 404.
STAFF_OWN = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200, other_officer=404,
                     other_leader=404)
STAFF_OWN_POST = {who: (302 if code == 200 else code) for who, code in STAFF_OWN.items()}
EVERYONE = {who: 200 for who in WHO}
API_COOP = _answers(default=200, anonymous=401, buyer=403)


def _case(path, expect, method="get", data=None):
    from tests.test_authorization_matrix import Case

    return Case(path, expect, method=method, data=data or {})


def registry_matrix() -> dict:
    s = lambda key: (lambda o: sample()[key])  # noqa: E731
    return {
        "registry:organization_list": _case("/registry/", COOP),
        "registry:organization_create": _case("/registry/new/", STAFF_ANY),
        "registry:expiring": _case("/registry/expiring/", COOP),
        "registry:wards_options": _case("/registry/wards/?province_code=79", COOP),
        "registry:organization_detail": _case(lambda o: f"/registry/{s('org')(o)}/", OWN),
        "registry:organization_edit": _case(lambda o: f"/registry/{s('org')(o)}/edit/", OWN),
        "registry:product_create": _case(lambda o: f"/registry/{s('org')(o)}/products/new/", OWN),
        "registry:certification_create": _case(lambda o: f"/registry/{s('org')(o)}/certifications/new/", OWN),
        "registry:ip_right_create": _case(lambda o: f"/registry/{s('org')(o)}/ip/new/", OWN),
        "registry:person_create": _case(lambda o: f"/registry/{s('org')(o)}/people/new/", OWN),
        "registry:product_edit": _case(lambda o: f"/registry/products/{s('product')(o)}/edit/", OWN),
        "registry:ocop_create": _case(lambda o: f"/registry/products/{s('product')(o)}/ocop/new/", OWN),
        "registry:certification_edit": _case(lambda o: f"/registry/certifications/{s('certification')(o)}/edit/", OWN),
        "registry:ip_right_edit": _case(lambda o: f"/registry/ip/{s('ip')(o)}/edit/", OWN),
        "registry:ocop_edit": _case(lambda o: f"/registry/ocop/{s('ocop')(o)}/edit/", OWN),
        "registry:ocop_rerating": _case(lambda o: f"/registry/ocop/{s('ocop')(o)}/rerating/", OWN),
        "registry:ip_grant_create": _case(lambda o: f"/registry/ip/{s('ip')(o)}/grants/new/", STAFF_OWN),
        "registry:verify": _case(lambda o: f"/registry/verify/organization/{s('org')(o)}/", STAFF_OWN_POST,
                                 method="post", data={"against": "GCN số 1"}),
        "registry:person_edit": _case(lambda o: f"/registry/people/{s('person')(o)}/edit/", OWN),
        "registry:person_export": _case(lambda o: f"/registry/people/{s('person')(o)}/export/", STAFF_OWN),
        "registry:person_erase": _case(lambda o: f"/registry/people/{s('person')(o)}/erase/", STAFF_OWN_POST,
                                       method="post"),
        "registry:person_consent": _case(lambda o: f"/registry/people/{s('person')(o)}/consent/", STAFF_OWN_POST,
                                         method="post", data={"action": "give"}),
        "registry:public_list": _case("/registry/public/", EVERYONE),
        "registry:public_detail": _case(lambda o: f"/registry/public/{s('org')(o)}/", EVERYONE),
        "api:list_organisations": _case("/api/v1/organisations", API_COOP),
        "api:list_products": _case("/api/v1/products", API_COOP),
    }
