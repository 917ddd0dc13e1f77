"""One fetch-with-permission per model: `queries.access_<thing>(user, id)` returns the object or
raises Http404 for whoever may not know it exists. Views call these, never a private helper."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.http import Http404

from htxconnect.registry import queries as registry_queries
from htxconnect.registry import services as registry_services
from htxconnect.registry.importer import jobs
from htxconnect.resolver import queries as resolver_queries
from htxconnect.resolver import services as resolver_services

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent / "htxconnect"


def test_no_view_keeps_its_own_fetch_or_404_helper():
    found = [f"{path.relative_to(ROOT)}: {name}" for path in ROOT.rglob("*.py")
             for name in re.findall(r"^def (_\w+_or_404)\(", path.read_text(encoding="utf-8"), re.M)]
    assert found == []


def test_access_organization_owner_and_teammate_see_it_outsider_gets_404(world):
    org = world.org
    for who in ("admin", "officer", "officer_teammate", "coop_manager", "coop_member"):
        assert registry_queries.access_organization(world.people[who], org.pk) == org, who
    for who in ("other_officer", "coop_outsider", "buyer"):
        with pytest.raises(Http404):
            registry_queries.access_organization(world.people[who], org.pk)
    with pytest.raises(Http404):
        registry_queries.access_organization(world.people["admin"], org.pk + 10_000)


def test_access_lot_follows_the_product_owner(world):
    product = registry_services.create_product(actor=world.people["admin"], producer=world.org, name="Bưởi")
    lot = resolver_services.create_lot(actor=world.people["coop_manager"], product=product, code="L-1",
                                     production_date=datetime.date(2026, 3, 1))
    assert resolver_queries.access_lot(world.people["coop_member"], lot.pk) == lot
    for who in ("coop_outsider", "other_officer"):
        with pytest.raises(Http404):
            resolver_queries.access_lot(world.people[who], lot.pk)


def test_access_import_job_only_for_the_person_who_uploaded(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"PK")
    job = jobs.create(user_id=world.people["officer"].pk, filename="x.xlsx", source=source)
    assert registry_queries.access_import_job(world.people["officer"], job["id"])["id"] == job["id"]
    for who in ("officer_teammate", "admin"):
        with pytest.raises(Http404):
            registry_queries.access_import_job(world.people[who], job["id"])
