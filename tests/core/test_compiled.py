"""core.compiled: a QuerySet compiled once from stand-ins gives, for other values in its slots,
the rows and instances the QuerySet gives for them; later calls with the same key compile
nothing; a stand-in that does not reach the SQL as given is refused.

Five organisations "HTX 0" … "HTX 4" (members 0, 10, 20, 30, 40; latitude 10.5 for "HTX 2").
"""

import decimal

import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from htxconnect.core.compiled import CompiledQuery, compiled, stand_in_keys
from htxconnect.registry.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def five():
    orgs = [Organization(name=f"HTX {i}", members_count=10 * i, latitude=decimal.Decimal("10.5") if i == 2 else None)
            for i in range(5)]
    for org in orgs:
        org.search_text = org.build_search_text()
    Organization.objects.bulk_create(orgs)
    return {o.name: o.pk for o in Organization.objects.all()}



def shouting(n):
    return (Organization.objects.filter(pk__in=stand_in_keys(n)).annotate(shout=Upper("name"))
            .order_by("-members_count"))


def test_instances_for_other_keys_are_the_querysets(five, compiles):
    template = CompiledQuery(shouting(2), stand_in_keys(2))
    assert compiles[0] == 1
    first = template.instances([five["HTX 1"], five["HTX 3"]])
    assert [(o.name, o.shout, o.members_count) for o in first] == [("HTX 3", "HTX 3", 30), ("HTX 1", "HTX 1", 10)]
    second = template.instances([five["HTX 4"], five["HTX 0"]])
    assert [(o.pk, o.shout) for o in second] == [(five["HTX 4"], "HTX 4"), (five["HTX 0"], "HTX 0")]
    assert compiles[0] == 1  # run twice, compiled once
    assert not second[0]._state.adding and second[0]._state.db == "default"
    assert template.instances([-1, -2]) == []


def test_rows_are_converted_as_the_orm_converts_them(five):
    """A decimal column (SQLite stores it as a number: the ORM's converter makes it a Decimal)."""
    def values(keys):
        return Organization.objects.filter(pk__in=keys).order_by("name").values_list("name", "latitude")

    template = CompiledQuery(values(stand_in_keys(3)), stand_in_keys(3))
    keys = [five["HTX 2"], five["HTX 0"], five["HTX 4"]]
    rows = template.rows(keys)
    assert [tuple(row) for row in rows] == [("HTX 0", None), ("HTX 2", decimal.Decimal("10.5")), ("HTX 4", None)]
    assert isinstance(rows[1][1], decimal.Decimal)
    assert [tuple(row) for row in rows] == list(values(keys))


def test_the_same_key_is_compiled_once_and_runs_one_query(five, compiles):
    key = ("test shouting", 2)
    compiled(Organization, key, lambda: shouting(2), stand_in_keys(2))
    assert compiles[0] == 1
    with CaptureQueriesContext(connection) as ctx:
        rows = compiled(Organization, key, lambda: shouting(2), stand_in_keys(2)).instances([five["HTX 2"],
                                                                                             five["HTX 1"]])
    assert compiles[0] == 1 and len(ctx.captured_queries) == 1
    assert [o.shout for o in rows] == ["HTX 2", "HTX 1"]
    compiled(Organization, ("test shouting", 3), lambda: shouting(3), stand_in_keys(3))
    assert compiles[0] == 2  # another key, another statement


def test_a_stand_in_that_does_not_reach_the_parameters_is_refused(five):
    with pytest.raises(ValueError, match="did not reach"):  # not in the query at all
        CompiledQuery(Organization.objects.filter(pk__in=stand_in_keys(2)), stand_in_keys(3))
    with pytest.raises(ValueError, match="did not reach"):  # changed on its way: a string is not the stand-in
        CompiledQuery(Organization.objects.filter(name=str(stand_in_keys(1)[0])), stand_in_keys(1))
    with pytest.raises(ValueError, match="distinct"):
        CompiledQuery(Organization.objects.filter(pk=stand_in_keys(1)[0]), stand_in_keys(1) * 2)
