"""Seeds the produce vocabulary from data/vocabulary.json (regional names included) and adds the
trigram index on the folded product keys on PostgreSQL (a no-op on SQLite)."""

import json
from pathlib import Path

from django.db import migrations

from htxconnect.core.migration_ops import CreateTrigramIndexIfPostgres

SEED = Path(__file__).resolve().parent.parent / "data" / "vocabulary.json"


def seed(apps, schema_editor):
    from htxconnect.core.text import fold

    Concept = apps.get_model("market", "ProductConcept")
    Term = apps.get_model("market", "ProductTerm")
    for key, name, category, terms in json.loads(SEED.read_text(encoding="utf-8"))["concepts"]:
        concept, _ = Concept.objects.get_or_create(key=key, defaults={"name": name, "category": category})
        for term, region in terms:
            lower = " ".join(term.lower().split())
            Term.objects.get_or_create(term_lower=lower, defaults={
                "concept": concept, "term": term, "term_folded": fold(term), "region": region})


def unseed(apps, schema_editor):
    apps.get_model("market", "ProductConcept").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]

    operations = [
        migrations.RunPython(seed, unseed),
        CreateTrigramIndexIfPostgres("offer", "product_folded", "market_offer_product_trgm"),
        CreateTrigramIndexIfPostgres("demand", "product_folded", "market_demand_product_trgm"),
    ]
