"""Authorization-matrix entries of the resolver's URLs (to merge into tests/test_authorization_matrix.py:
`from tests.resolver.matrix import resolver_matrix` and `MATRIX.update(resolver_matrix())`).

Sample records build on the registry's sample organisation (province 79, managed by
`u_coop_manager`): a GS1 prefix, the product's GTIN, a lot and a print run.
"""

from __future__ import annotations

import datetime

from tests.registry.matrix import COOP, EVERYONE, OWN, WHO, _answers, _case, sample


def resolver_sample() -> dict:
    from htxconnect.registry.models import Product
    from htxconnect.resolver import services
    from htxconnect.resolver.models import CompanyPrefix, Lot, PrintRun

    base = sample()
    product = Product.objects.select_related("producer").get(pk=base["product"])
    if not product.gtin:
        if not CompanyPrefix.objects.filter(organization=product.producer).exists():
            services.register_company_prefix(actor=None, organization=product.producer, prefix="893777001", is_demo=True)
        services.assign_gtin(actor=None, product=product)
        product.refresh_from_db()
    lot = Lot.objects.filter(product=product).first() or services.create_lot(
        actor=None, product=product, code="MT-01", production_date=datetime.date(2026, 11, 1))
    run = PrintRun.objects.filter(lot=lot).first() or PrintRun.objects.create(lot=lot, count=1)
    return {"gtin": product.gtin, "lot": lot.pk, "lot_code": lot.code, "product": product.pk, "run": run.pk}


NOT_FOUND_FOR_ALL = _answers(default=404, anonymous="login", buyer=403)
OWN_POST = {who: (302 if code == 200 else code) for who, code in OWN.items()}
REDIRECT_ALL = {who: 307 for who in WHO}


def _compressed(gtin: str, lot: str) -> str:
    from htxconnect.resolver.dl_compression import compress_elements

    return compress_elements({"01": gtin, "10": lot})


def resolver_matrix() -> dict:
    s = lambda key: (lambda o: resolver_sample()[key])  # noqa: E731
    return {
        "resolver:well_known": _case("/.well-known/gs1resolver", EVERYONE),
        "resolver:digital_link": _case(lambda o: f"/01/{s('gtin')(o)}/10/{s('lot_code')(o)}", REDIRECT_ALL),
        "resolver:compressed_link": _case(lambda o: "/" + _compressed(s('gtin')(o), s('lot_code')(o)), REDIRECT_ALL),
        "resolver:scan_product": _case(lambda o: f"/scan/01/{s('gtin')(o)}/", EVERYONE),
        "resolver:scan_lot": _case(lambda o: f"/scan/01/{s('gtin')(o)}/10/{s('lot_code')(o)}/", EVERYONE),
        "resolver:report": _case(lambda o: f"/scan/01/{s('gtin')(o)}/report/", EVERYONE),
        "resolver:lot_list": _case("/trace/lots/", COOP),
        "resolver:lot_create": _case("/trace/lots/new/", COOP),
        "resolver:stats": _case("/trace/stats/", COOP),
        "resolver:lot_detail": _case(lambda o: f"/trace/lots/{s('lot')(o)}/", OWN),
        "resolver:lot_step": _case(lambda o: f"/trace/lots/{s('lot')(o)}/step/", OWN),
        "resolver:lot_recall": _case(lambda o: f"/trace/lots/{s('lot')(o)}/recall/", OWN),
        "resolver:link_add": _case(lambda o: f"/trace/lots/{s('lot')(o)}/links/new/", OWN),
        "resolver:print_create": _case(lambda o: f"/trace/lots/{s('lot')(o)}/labels/new/", OWN),
        "resolver:lot_export": _case(lambda o: f"/trace/lots/{s('lot')(o)}/export.json", OWN),
        "resolver:print_detail": _case(lambda o: f"/trace/labels/{s('run')(o)}/", OWN),
        "resolver:print_pdf": _case(lambda o: f"/trace/labels/{s('run')(o)}/pdf", NOT_FOUND_FOR_ALL),  # not rendered
        "resolver:link_delete": _case("/trace/links/999999/delete/", NOT_FOUND_FOR_ALL, method="post"),
        "resolver:assign_gtin": _case(lambda o: f"/trace/products/{s('product')(o)}/gtin/", OWN_POST, method="post"),
    }
