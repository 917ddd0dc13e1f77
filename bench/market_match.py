"""Market matching benchmark: top-20 offers for one demand, p50/p95, beside the plain indexed
SELECT of the same candidates and a naive scan that scores every open offer, in the same run;
then a full re-match of every open demand (as the task does it), with the time printed.

Generates N open offers (across the vocabulary's products, random provinces, seasons and prices,
a third with VietGAP) and N/10 demands with bulk inserts in a throw-away test database
(`test_<name>`) of DATABASE_URL. The issue's target: p95 ≤ 50 ms for one demand's top 20 with
100,000 open offers and 10,000 demands on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/htx python bench/market_match.py --offers 100000
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def generate(n_offers: int, n_demands: int) -> None:
    from htxconnect.core import adminunits
    from htxconnect.market.models import Buyer, Demand, Offer, ProductConcept, months_mask
    from htxconnect.market.matching import period_months
    from htxconnect.registry.models import Certification, Organization, Product

    rng = random.Random(12)
    today = timezone.localdate()
    concepts = list(ProductConcept.objects.values_list("pk", "name"))
    provinces = [p.code for p in adminunits.provinces()]
    orgs = Organization.objects.bulk_create([
        Organization(name=f"HTX bench {i}", province_code=rng.choice(provinces)) for i in range(500)])
    products = Product.objects.bulk_create([Product(producer=o, name=f"Sản phẩm {o.pk}", category="fruit") for o in orgs])
    certs = Certification.objects.bulk_create([
        Certification(organization=o, type="vietgap", issue_date=today - datetime.timedelta(days=400),
                      expiry_date=today + datetime.timedelta(days=rng.randint(-60, 900))) for o in orgs[::3]])
    cert_of = {c.organization_id: c.pk for c in certs}
    through = Offer.certifications.through
    batch = []

    def flush():
        created = Offer.objects.bulk_create(batch)
        through.objects.bulk_create([through(offer_id=o.pk, certification_id=cert_of[o.organization_id])
                                     for o in created if o.organization_id in cert_of])
        batch.clear()

    for i in range(n_offers):
        k = rng.randrange(len(orgs))
        concept_id, name = rng.choice(concepts)
        start = rng.randint(1, 12)
        months = [(start + j - 1) % 12 + 1 for j in range(rng.randint(2, 6))]
        low = rng.randrange(5, 60) * 1000
        batch.append(Offer(organization=orgs[k], product=products[k], title=name.lower(), concept_id=concept_id,
                           product_folded=name.lower(), quantity=Decimal(rng.randint(1, 50)), unit="tan",
                           months_mask=months_mask(months), price_min=low, price_max=low + rng.randrange(0, 10) * 1000,
                           province_code=orgs[k].province_code, expires_on=today + datetime.timedelta(days=rng.randint(1, 365))))
        if len(batch) == 5000:
            flush()
    flush()
    buyer = Buyer.objects.create(name="Bench buyer", province_code="79")
    demands = []
    for i in range(n_demands):
        concept_id, name = rng.choice(concepts)
        starts = today + datetime.timedelta(days=rng.randint(0, 200))
        ends = starts + datetime.timedelta(days=rng.randint(7, 120))
        low = rng.randrange(5, 60) * 1000
        demands.append(Demand(buyer=buyer, product_name=name.lower(), product_folded=name.lower(), concept_id=concept_id,
                              quantity=Decimal(rng.randint(1, 5)), unit="tan", frequency=rng.choice(["once", "weekly"]),
                              required_certifications=rng.choice([[], ["vietgap"]]), province_code=rng.choice(provinces),
                              price_min=low, price_max=low + 5000, starts_on=starts, ends_on=ends,
                              months_mask=months_mask(period_months(starts, ends))))
    Demand.objects.bulk_create(demands, batch_size=5000)


def summary(label: str, timings: list[float]) -> float:
    timings = sorted(timings)
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, math.ceil(len(timings) * 0.95) - 1)]  # nearest rank
    print(f"{label:<34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   ({len(timings)} demands)")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=20000)
    parser.add_argument("--demands", type=int, default=None, help="default: offers / 10")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--naive", type=int, default=5, help="demands timed with the naive scan (slow)")
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        from htxconnect.market import matching
        from htxconnect.market.models import Demand, Offer
        from htxconnect.market.services import rematch_all

        if not Offer.objects.exists():
            started = time.perf_counter()
            generate(args.offers, args.demands or max(1, args.offers // 10))
            print(f"generated {Offer.objects.count()} offers, {Demand.objects.count()} demands in "
                  f"{time.perf_counter() - started:.0f} s ({connection.vendor})")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        rng = random.Random(3)
        ids = list(matching.open_demands().values_list("pk", flat=True))
        sample = [Demand.objects.get(pk=pk) for pk in rng.sample(ids, min(args.samples, len(ids)))]
        with CaptureQueriesContext(connection) as ctx:
            matching.matches_for_demand(sample[0])
        print(f"queries for one demand's top 20: {len(ctx.captured_queries)}")
        for demand in sample[:10]:  # warm caches
            matching.matches_for_demand(demand)

        timings, plain = [], []
        for demand in sample:
            started = time.perf_counter()
            matching.matches_for_demand(demand, top=20)
            timings.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            list(matching.offer_candidates(demand).values_list("pk", "quantity", "months_mask", "price_min"))
            plain.append((time.perf_counter() - started) * 1000)
        p95 = summary("top-20 matches (scored, explained)", timings)
        p95_plain = summary("plain indexed SELECT of candidates", plain)

        naive = []
        for demand in sample[:args.naive]:
            started = time.perf_counter()
            offers = matching.open_offers().select_related("organization", "product").prefetch_related("certifications")
            results = [matching.score(o, demand) for o in offers.iterator(chunk_size=2000)
                       if o.concept_id == demand.concept_id]
            results.sort(key=lambda r: -r.score)
            results[:20]
            naive.append((time.perf_counter() - started) * 1000)
        p95_naive = summary("naive scan of every open offer", naive)
        print(f"ratio p95 naive scan / matching: {p95_naive / p95:.1f}×   matching / plain SELECT: {p95 / p95_plain:.1f}×"
              f"   (target p95 ≤ 50 ms with 100,000 offers on PostgreSQL)")
        result = rematch_all()
        print(f"full re-match of {result['demands']} open demands (as the task runs it): {result['seconds']:.1f} s "
              f"({result['seconds'] * 1000 / max(1, result['demands']):.1f} ms per demand)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
