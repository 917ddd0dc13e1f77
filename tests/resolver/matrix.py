"""Authorization-matrix entries of the resolver's URLs (merged into tests/test_authorization_matrix.py).

`resolver_samples(world, samples)` builds on the registry's samples (tests/registry/matrix.py): a
GS1 prefix for `world.org`, the product's GTIN, a lot, a link and a rendered label sheet.
"""

from __future__ import annotations

import datetime

from tests.registry.matrix import COOP, EDIT, EVERYONE, VIEW, _case
from tests.world import answers, everyone


def resolver_samples(world, samples) -> dict:
    from htxconnect.registry.models import Product
    from htxconnect.resolver import labels, services

    admin = world.people["admin"]
    product = Product.objects.select_related("producer").get(pk=samples["product"])
    services.register_company_prefix(actor=admin, organization=product.producer, prefix="893777001", is_demo=True)
    services.assign_gtin(actor=admin, product=product)
    product.refresh_from_db()
    lot = services.create_lot(actor=admin, product=product, code="MT-01", production_date=datetime.date(2026, 11, 1))
    link = services.add_link(actor=admin, product=product, link_type="gs1:pip", target_url="https://htx.example.vn/oi",
                             title="Ổi Ma Trận", lot=lot)
    run = services.create_print_run(actor=admin, lot=lot, layout=next(iter(labels.LAYOUTS)), count=1)
    labels.start(run)  # one label: rendered now, so the PDF exists
    return {"gtin": product.gtin, "lot": lot.pk, "lot_code": lot.code, "product": product.pk, "run": run.pk,
            "link": link.pk}


def fresh_link(world, samples) -> dict:
    from htxconnect.registry.models import Product
    from htxconnect.resolver import services
    from htxconnect.resolver.models import Lot

    link = services.add_link(actor=world.people["admin"], product=Product.objects.get(pk=samples["product"]),
                             link_type="gs1:pip", target_url="https://htx.example.vn/xoa", title="Sẽ xóa",
                             lot=Lot.objects.get(pk=samples["lot"]))
    return samples.fresh(link=link.pk)


# Recording on a lot (steps, label sheets) is for the cooperative's members too; managing is not.
RECORD = answers(staff=200, coop_owner=200, coop_teammate=200)
MANAGE_POST = answers(staff=302, coop_owner=302, coop_teammate=403)
REDIRECT_ALL = everyone(307)


def _compressed(gtin: str, lot: str) -> str:
    from htxconnect.resolver.dl_compression import compress_elements

    return compress_elements({"01": gtin, "10": lot})


def resolver_matrix() -> dict:
    return {
        "resolver:well_known": _case("/.well-known/gs1resolver", EVERYONE),
        "resolver:digital_link": _case(lambda s: f"/01/{s['gtin']}/10/{s['lot_code']}", REDIRECT_ALL),
        "resolver:compressed_link": _case(lambda s: "/" + _compressed(s["gtin"], s["lot_code"]), REDIRECT_ALL),
        "resolver:scan_product": _case(lambda s: f"/scan/01/{s['gtin']}/", EVERYONE),
        "resolver:scan_lot": _case(lambda s: f"/scan/01/{s['gtin']}/10/{s['lot_code']}/", EVERYONE),
        "resolver:report": _case(lambda s: f"/scan/01/{s['gtin']}/report/", EVERYONE),
        # Anyone may post a report (an empty one is answered with the form and its errors).
        "resolver:report#POST": _case(lambda s: f"/scan/01/{s['gtin']}/report/", EVERYONE, method="post"),
        "resolver:lot_list": _case("/trace/lots/", COOP),
        "resolver:lot_create": _case("/trace/lots/new/", COOP),
        "resolver:stats": _case("/trace/stats/", COOP),
        "resolver:lot_detail": _case(lambda s: f"/trace/lots/{s['lot']}/", VIEW),
        "resolver:lot_step": _case(lambda s: f"/trace/lots/{s['lot']}/step/", RECORD),
        "resolver:lot_recall": _case(lambda s: f"/trace/lots/{s['lot']}/recall/", EDIT),
        "resolver:lot_edit": _case(lambda s: f"/trace/lots/{s['lot']}/edit/", EDIT),
        "resolver:link_add": _case(lambda s: f"/trace/lots/{s['lot']}/links/new/", EDIT),
        "resolver:print_create": _case(lambda s: f"/trace/lots/{s['lot']}/labels/new/", RECORD),
        "resolver:lot_export": _case(lambda s: f"/trace/lots/{s['lot']}/export.json", VIEW),
        "resolver:print_detail": _case(lambda s: f"/trace/labels/{s['run']}/", VIEW),
        "resolver:print_pdf": _case(lambda s: f"/trace/labels/{s['run']}/pdf", VIEW),
        "resolver:link_delete": _case(lambda s: f"/trace/links/{s['link']}/delete/", MANAGE_POST, method="post",
                                      fresh=fresh_link),
        "resolver:assign_gtin": _case(lambda s: f"/trace/products/{s['product']}/gtin/", MANAGE_POST, method="post"),
    }
