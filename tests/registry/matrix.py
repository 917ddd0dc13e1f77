"""Authorization-matrix entries of the registry's URLs (merged into tests/test_authorization_matrix.py).

`registry_samples(world)` creates, with the registry's services, one object of each kind belonging
to `world.org` (province 79, managed by `coop_manager`, `coop_member` a member): a product, a
certification, an IP right, an OCOP rating and a person. Answers are said per trio (tests/world.py).
"""

from __future__ import annotations

import datetime

from tests.world import WHO, answers, everyone  # noqa: F401 - WHO re-exported for older importers


def registry_samples(world) -> dict:
    from htxconnect.registry import services

    org, admin = world.org, world.people["admin"]
    product = services.create_product(actor=admin, producer=org, name="Ổi")
    certification = services.create_certification(actor=admin, organization=org, type="vietgap",
                                                  issue_date=datetime.date(2025, 1, 1))
    ip = services.create_ip_right(actor=admin, owner=org, kind="trademark", name="MA TRẬN", status="applied")
    ocop = services.create_ocop_rating(actor=admin, product=product, stars=3, decision_number="1/QĐ",
                                       decision_date=datetime.date(2025, 1, 1))
    person = services.add_person(actor=admin, organization=org, full_name="Người Mẫu")
    # The outsider cooperative's own product: what `coop_outsider` owns, nobody else in the trio.
    services.create_product(actor=admin, producer=world.other_org, name="Xoài")
    grant = services.grant_ip_usage(actor=admin, ip_right=ip, grantee=org)
    return {"org": org.pk, "product": product.pk, "certification": certification.pk, "ip": ip.pk,
            "ocop": ocop.pk, "person": person.pk, "grant": grant.pk, "membership": person.memberships.get().pk}


# Seeing an organisation's pages: home staff, admins, its manager and its member; others 404.
VIEW = answers(staff=200, coop_owner=200, coop_teammate=200)
# Editing it: as VIEW, but a member (who may look) is refused with 403.
EDIT = answers(staff=200, coop_owner=200, coop_teammate=403)
COOP = answers(staff=200, coop_owner=200, coop_teammate=200, staff_outsider=200, coop_outsider=200)
STAFF_ANY = answers(staff=200, staff_outsider=200, coop_owner=403, coop_teammate=403, coop_outsider=403)
# Staff-only actions on a record of province 79: other province's staff get 404, cooperatives 403.
STAFF_OWN = answers(staff=200, coop_owner=403, coop_teammate=403, coop_outsider=403)
STAFF_OWN_POST = answers(staff=302, coop_owner=403, coop_teammate=403, coop_outsider=403)
EVERYONE = everyone(200)
API_COOP = answers(staff=200, staff_outsider=200, coop_owner=200, coop_teammate=200, coop_outsider=200,
                   anonymous=401)


def _case(path, expect, method="get", data=None, fresh=None):
    from tests.test_authorization_matrix import Case

    return Case(path, expect, method=method, data=data or {}, fresh=fresh)


def registry_matrix() -> dict:
    return {
        "registry:organization_list": _case("/registry/", COOP),
        "registry:organization_create": _case("/registry/new/", STAFF_ANY),
        "registry:expiring": _case("/registry/expiring/", COOP),
        "registry:wards_options": _case("/registry/wards/?province_code=79", COOP),
        "registry:organization_detail": _case(lambda s: f"/registry/{s['org']}/", VIEW),
        "registry:organization_edit": _case(lambda s: f"/registry/{s['org']}/edit/", EDIT),
        "registry:product_create": _case(lambda s: f"/registry/{s['org']}/products/new/", EDIT),
        "registry:certification_create": _case(lambda s: f"/registry/{s['org']}/certifications/new/", EDIT),
        "registry:ip_right_create": _case(lambda s: f"/registry/{s['org']}/ip/new/", EDIT),
        "registry:person_create": _case(lambda s: f"/registry/{s['org']}/people/new/", EDIT),
        "registry:product_edit": _case(lambda s: f"/registry/products/{s['product']}/edit/", EDIT),
        "registry:ocop_create": _case(lambda s: f"/registry/products/{s['product']}/ocop/new/", EDIT),
        "registry:certification_edit": _case(lambda s: f"/registry/certifications/{s['certification']}/edit/", EDIT),
        "registry:ip_right_edit": _case(lambda s: f"/registry/ip/{s['ip']}/edit/", EDIT),
        "registry:ocop_edit": _case(lambda s: f"/registry/ocop/{s['ocop']}/edit/", EDIT),
        # Preparing a re-rating is a read page (it says what can be reused); editing happens elsewhere.
        "registry:ocop_rerating": _case(lambda s: f"/registry/ocop/{s['ocop']}/rerating/", VIEW),
        "registry:ip_grant_create": _case(lambda s: f"/registry/ip/{s['ip']}/grants/new/", STAFF_OWN),
        "registry:verify": _case(lambda s: f"/registry/verify/organization/{s['org']}/", STAFF_OWN_POST,
                                 method="post", data={"against": "GCN số 1"}),
        # Personal data: those who may edit the organisation. A member is not told other people's
        # records exist (404), as an outsider is not.
        "registry:person_edit": _case(lambda s: f"/registry/people/{s['person']}/edit/",
                                      answers(staff=200, coop_owner=200, coop_teammate=404)),
        "registry:person_export": _case(lambda s: f"/registry/people/{s['person']}/export/", STAFF_OWN),
        # Erasing destroys the person's data: each person in the matrix erases a person of their own.
        "registry:person_erase": _case(lambda s: f"/registry/people/{s['person']}/erase/", STAFF_OWN_POST,
                                       method="post", fresh=fresh_person),
        "registry:person_consent": _case(lambda s: f"/registry/people/{s['person']}/consent/", STAFF_OWN_POST,
                                         method="post", data={"action": "give"}),
        # Removing and undoing: the confirmation page answers as the POST does (same checks).
        "registry:product_delete": _case(lambda s: f"/registry/products/{s['product']}/delete/", EDIT),
        "registry:product_photo_delete": _case(lambda s: f"/registry/photos/{s['photo']}/delete/",
                                               answers(staff=302, coop_owner=302, coop_teammate=403),
                                               method="post", fresh=fresh_photo),
        "registry:certification_delete": _case(lambda s: f"/registry/certifications/{s['certification']}/delete/",
                                               EDIT),
        "registry:ip_grant_revoke": _case(lambda s: f"/registry/ip/grants/{s['grant']}/revoke/", STAFF_OWN),
        "registry:membership_end": _case(lambda s: f"/registry/memberships/{s['membership']}/end/",
                                         answers(staff=200, coop_owner=200, coop_teammate=404)),
        "registry:unverify": _case(lambda s: f"/registry/verify/organization/{s['org']}/undo/", STAFF_OWN),
        "registry:organization_users": _case(lambda s: f"/registry/{s['org']}/users/", STAFF_OWN),
        "registry:organization_user_unlink": _case(lambda s: f"/registry/{s['org']}/users/{s['user_link']}/unlink/",
                                                   STAFF_OWN_POST, method="post", fresh=fresh_user_link),
        "registry:public_list": _case("/registry/public/", EVERYONE),
        "registry:public_detail": _case(lambda s: f"/registry/public/{s['org']}/", EVERYONE),
        "api:list_organisations": _case("/api/v1/organisations", API_COOP),
        "api:list_products": _case("/api/v1/products", API_COOP),
    }


def fresh_person(world, samples) -> dict:
    from htxconnect.registry import services

    person = services.add_person(actor=world.people["admin"], organization=world.org, full_name="Người Sẽ Xóa")
    return samples.fresh(person=person.pk)


def fresh_photo(world, samples) -> dict:
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from htxconnect.registry import services
    from htxconnect.registry.models import Product

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    photo = services.add_product_photo(actor=world.people["admin"], product=Product.objects.get(pk=samples["product"]),
                                       image=SimpleUploadedFile("oi.png", buffer.getvalue(), "image/png"))
    return samples.fresh(photo=photo.pk)


def fresh_user_link(world, samples) -> dict:
    """A cooperative account linked to the sample organisation, for each person to unlink."""
    import uuid

    from htxconnect.core.roles import Role
    from htxconnect.registry import services
    from tests.conftest import make_user

    user = make_user(f"u_link_{uuid.uuid4().hex[:8]}", Role.COOP_MEMBER)
    link = services.link_user_to_organization(actor=world.people["admin"], user=user, organization=world.org,
                                              role="member")
    return samples.fresh(user_link=link.pk)
