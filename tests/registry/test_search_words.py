"""The word table of the registry search (models.OrganizationSearchWord, docs/decisions/0030):

- it follows every write of an organisation's name or search key (create, edit, import and its
  merge, bulk creation, delete), in one place, and the fill command writes the same rows;
- the first keys it gives (queries.search_first_keys) are the keys the search gave without it,
  in the same order, for every query shape and every length, on hand-built data;
- the shapes it does not serve (another order, a filter, an officer's province) keep the
  trigram path, and a page stays 4 queries.
"""

import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from htxconnect.core.actors import SYSTEM
from htxconnect.registry import queries, services
from htxconnect.registry.models import Organization, OrganizationSearchWord, fill_search_words, search_words

pytestmark = pytest.mark.django_db

WORD_TABLE = OrganizationSearchWord._meta.db_table


def entries(org) -> set[tuple[str, str]]:
    return set(OrganizationSearchWord.objects.filter(organization=org).values_list("word", "name"))


def all_entries() -> set[tuple[int, str, str]]:
    return set(OrganizationSearchWord.objects.values_list("organization_id", "word", "name"))


# --- what the table holds --------------------------------------------------------------------


def test_the_entries_of_a_key_are_its_words_after_the_first_with_the_next_one_and_two():
    assert search_words("htx nong nghiep ben tre") == [
        "nong", "nong nghiep", "nong nghiep ben", "nghiep", "nghiep ben", "nghiep ben tre", "ben", "ben tre", "tre"]
    assert search_words("xoai xoai-cat xoai") == ["xoai-cat", "xoai-cat xoai", "xoai"]  # distinct, in order
    assert search_words("oi") == [] and search_words("") == []


def test_the_rows_follow_create_edit_and_delete():
    org = services.create_organization(actor=SYSTEM, name="HTX Xoài Cát", province_code="")
    assert entries(org) == {("xoai", "HTX Xoài Cát"), ("xoai cat", "HTX Xoài Cát"), ("cat", "HTX Xoài Cát")}

    services.update_organization(actor=SYSTEM, organization=org, name="HTX Bưởi Năm Roi", short_name="NR")
    name = "HTX Bưởi Năm Roi"
    assert entries(org) == {(w, name) for w in ("buoi", "buoi nam", "buoi nam roi", "nam", "nam roi", "nam roi nr",
                                                "roi", "roi nr", "nr")}

    with CaptureQueriesContext(connection) as ctx:  # nothing searchable changed: the table is not written
        services.update_organization(actor=SYSTEM, organization=Organization.objects.get(pk=org.pk),
                                     phone="0909123456")
    assert not [q for q in ctx.captured_queries if WORD_TABLE in q["sql"]]
    assert len(entries(org)) == 9

    pk = org.pk
    org.delete()
    assert not OrganizationSearchWord.objects.filter(organization_id=pk).exists()


def test_a_save_of_the_name_alone_writes_the_key_and_the_rows():
    org = Organization.objects.create(name="HTX Ổi Thanh Kiên")
    org.name = "HTX Ổi Lê"
    org.save(update_fields=["name"])
    org.refresh_from_db()
    assert org.search_text == "htx oi le"
    assert entries(org) == {("oi", "HTX Ổi Lê"), ("oi le", "HTX Ổi Lê"), ("le", "HTX Ổi Lê")}


def test_bulk_creation_writes_the_rows():
    orgs = [Organization(name=f"HTX Rau an toàn {i}") for i in range(3)]
    for org in orgs:
        org.search_text = org.build_search_text()
    Organization.objects.bulk_create(orgs)
    assert entries(orgs[2]) == {(w, "HTX Rau an toàn 2") for w in (
        "rau", "rau an", "rau an toan", "an", "an toan", "an toan 2", "toan", "toan 2", "2")}


def test_an_import_and_its_merge_write_the_rows(tmp_path, settings, users):
    from tests.registry.fixtures.workbooks import TAX_A, org, workbook
    from htxconnect.registry.importer import commit, pipeline

    settings.MEDIA_ROOT = tmp_path / "media"

    def run(sheets):
        path = tmp_path / "data.xlsx"
        path.write_bytes(workbook(sheets))
        commit.commit(pipeline.preview_file(path, actor=users["admin"]), actor=users["admin"])

    run({"organizations": [org("HTX Nông nghiệp Tân Hiệp", tax_code=TAX_A, address="xã Tân Hiệp, huyện Phú Giáo, "
                                                                                    "tỉnh Bình Dương")]})
    imported = Organization.objects.get(tax_code=TAX_A)
    assert {"nong nghiep", "tan hiep", "phuoc thanh"} <= {w for w, _ in entries(imported)}
    run({"organizations": [org("HTX Nông nghiệp Tân Hiệp", tax_code=TAX_A, short_name="Tân Hiệp Xanh",
                               address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương")]})  # merged by tax code
    assert Organization.objects.count() == 1
    assert {"hiep xanh", "xanh"} <= {w for w, _ in entries(imported)}
    assert queries.list_organizations(users["admin"], queries.OrganizationFilters(q="tân hiệp xanh")).object_list[0] \
        == imported


def test_the_fill_command_writes_what_the_saves_wrote():
    for name in ("HTX Xoài Cát Hòa Lộc", "Xoài Tứ Quý", "HTX  Ổi", "HTX Nông nghiệp Nông nghiệp"):
        services.create_organization(actor=SYSTEM, name=name, province_code="79", short_name="Rau an toàn")
    written = all_entries()
    assert len(written) > 20
    OrganizationSearchWord.objects.all().delete()
    call_command("rebuild_search_words", stdout=open("/dev/null", "w"))
    assert all_entries() == written  # on PostgreSQL: the SQL split equals search_words
    assert fill_search_words() == len(written)


# --- same keys, same order as the trigram path --------------------------------------------------

VOCABULARY = ["Xoài", "xoài", "Xoàixanh", "Mexoai", "Xoài-Cát", "Cát", "Catalina", "Hòa", "Lộc", "Nông", "nghiệp",
              "Nông-nghiệp", "Dịch", "vụ", "Rau", "an", "An", "toàn", "Toàn", "Ổi", "Thới", "Lai", "Bến", "Tre", "HTX",
              "Tân", "Phát", "oi", "100%", "a_b", "Đức", "Hồng"]
QUERIES = ["xoai", "XOÀI", "xoai cat", "xoai xoai", "xoa", "oai", "cat", "cat hoa loc", "nong nghiep",
           "nong nghiep nong", "rau an toan", "rau an toan xoai", "an toan", "nong nghiep dich vu", "an", "oi", "oi thoi", "htx", "htx xoai", "tre", "100%",
           "a_b", "a_", "%", "hong duc", "duc hong", "toan", "lai", "ben tre xoai", "x", "ng"]


@pytest.fixture
def corpus():
    """160 organisations named from a small vocabulary: words first and last, repeated, inside
    others, with hyphens and LIKE wildcards; duplicate names (the order falls to the id)."""
    rng = random.Random(7)
    orgs = []
    for i in range(160):
        words = [rng.choice(VOCABULARY) for _ in range(rng.randint(1, 5))]
        name = " ".join(words) if rng.random() < 0.3 else "HTX " + " ".join(words)
        org = Organization(name=name, short_name=rng.choice(["", "", "Rau an toàn", "Xoài"]),
                           province_code=rng.choice(["79", "91"]), is_public=rng.random() < 0.8)
        org.search_text = org.build_search_text()
        orgs.append(org)
    orgs += [Organization(name="HTX Xoài Cát", province_code="79") for _ in range(3)]
    for org in orgs[-3:]:
        org.search_text = org.build_search_text()
    Organization.objects.bulk_create(orgs)


def trigram_keys(rows, q, limit):
    return list(queries._ordered(rows, queries.OrganizationFilters(q=q)).values_list("pk", flat=True)[:limit])


def every_organization():
    return Organization.objects.all()


def province_79():
    return Organization.objects.filter(province_code="79")


@pytest.mark.parametrize("q", QUERIES)
def test_the_first_keys_are_the_trigram_paths_in_its_order(corpus, users, q):
    """The statement is built once per shape of query (and scope) and reused with the words of
    the next query of that shape: the 31 queries run through the same few statements."""
    for scope, unfiltered in ((every_organization, True), (queries.public_organizations, False),
                              (province_79, False)):
        rows = queries.filter_organizations(scope(), queries.OrganizationFilters(q=q))
        total = len(trigram_keys(rows, q, None))
        for limit in sorted({1, 2, 5, 25, max(total - 1, 1), total, total + 1, 1001}):
            expected = trigram_keys(rows, q, limit)
            assert queries.search_first_keys(scope, q, unfiltered=unfiltered)(limit) == expected, (q, limit)
            if unfiltered:  # the checked walk must give the same as the index-only one
                assert queries.search_first_keys(scope, q, unfiltered=False)(limit) == expected, (q, limit)


def test_the_tiers_in_a_hand_written_order():
    """"xoai": the key starts with it, then the whole word (by name, then id), then a word that
    starts with it, then inside a word."""
    names = ["HTX Mexoai", "HTX Xoàixanh", "HTX Xoài Cát", "HTX Cây Xoài-Cát", "Xoài Tứ Quý", "HTX Bến Tre Xoài",
             "HTX Xoài Cát", "HTX Ổi"]
    ids = {}
    for name in names:
        ids.setdefault(name, []).append(Organization.objects.create(name=name).pk)
    assert queries.search_first_keys(every_organization, "xoai", unfiltered=True)(100) == [
        ids["Xoài Tứ Quý"][0], ids["HTX Bến Tre Xoài"][0], *ids["HTX Xoài Cát"], ids["HTX Cây Xoài-Cát"][0],
        ids["HTX Xoàixanh"][0], ids["HTX Mexoai"][0]]


# --- which pages read the table --------------------------------------------------------------------


def keys_query(user, **filters):
    with CaptureQueriesContext(connection) as ctx:
        page = queries.list_organizations(user, queries.OrganizationFilters(**filters))
        names = [o.name for o in page.object_list]
        [(o.sector_list, o.certification_list) for o in page.object_list]
    assert len(ctx.captured_queries) == 4, [q["sql"] for q in ctx.captured_queries]
    return ctx.captured_queries[0]["sql"], names, page.paginator.count


def test_an_administrators_search_reads_the_table_and_the_other_shapes_do_not(users):
    orgs = [Organization(name=f"HTX Xoài Cát {i:04d}", province_code="79") for i in range(1100)]
    for org in orgs:
        org.search_text = org.build_search_text()
    Organization.objects.bulk_create(orgs)
    sql, names, count = keys_query(users["admin"], q="xoai cat")
    assert WORD_TABLE in sql and count == 1001 and names[0] == "HTX Xoài Cát 0000" and names[-1] == "HTX Xoài Cát 0024"
    for user, filters in ((users["admin"], {"q": "xoai", "sort": "-name"}), (users["admin"], {"q": "xoai", "kind": "cooperative"}),
                          (users["officer"], {"q": "xoai"}), (users["admin"], {})):
        sql, names, count = keys_query(user, **filters)
        assert WORD_TABLE not in sql and count == 1001, filters
    sql, names, _count = keys_query(users["admin"], q="xoai", sort="-name")
    assert names[0] == "HTX Xoài Cát 1099"


def test_the_public_directory_reads_the_table(users):
    orgs = [Organization(name=f"HTX Rau an toàn {i:04d}", province_code="79", is_public=i % 2 == 0) for i in range(60)]
    for org in orgs:
        org.search_text = org.build_search_text()
    Organization.objects.bulk_create(orgs)
    with CaptureQueriesContext(connection) as ctx:
        page = queries.list_public_organizations(queries.OrganizationFilters(q="rau an toan"))
        names = [o.name for o in page.object_list]
    assert WORD_TABLE in ctx.captured_queries[0]["sql"] and len(ctx.captured_queries) == 3  # no certifications
    assert page.paginator.count == 30 and names[:2] == ["HTX Rau an toàn 0000", "HTX Rau an toàn 0002"]


# --- the page's rows, read by key ------------------------------------------------------------------



def cat_and_oi(certified_on=("2025-03-01",)):
    """HTX Xoài Cát: sectors "Cây ăn quả" (order 2) and "Trồng trọt" (0), a VietGAP certification
    per date of `certified_on`, two products, OCOP 4★ (10 days ago) and 5★ (2019: past the 36
    months), a phone number. HTX Ổi: nothing."""
    import datetime

    cat = services.create_organization(actor=SYSTEM, name="HTX Xoài Cát", province_code="79", phone="0909000111",
                                       sectors=["cay-an-qua", "trong-trot"])
    oi = services.create_organization(actor=SYSTEM, name="HTX Ổi", province_code="79")
    for issued in certified_on:
        services.create_certification(actor=SYSTEM, organization=cat, type="vietgap",
                                      issue_date=datetime.date.fromisoformat(issued))
    mango = services.create_product(actor=SYSTEM, producer=cat, name="Xoài cát")
    services.create_product(actor=SYSTEM, producer=cat, name="Xoài keo")
    services.create_ocop_rating(actor=SYSTEM, product=mango, stars=4, decision_number="1",
                                decision_date=datetime.date.today() - datetime.timedelta(days=10))
    services.create_ocop_rating(actor=SYSTEM, product=mango, stars=5, decision_number="2", level="national",
                                decision_date=datetime.date(2019, 1, 1))
    return cat, oi


def test_the_rows_read_by_key_carry_the_lists_details():
    """HTX Xoài Cát: sectors "Cây ăn quả" (order 2) and "Trồng trọt" (0), two certifications
    (2025-03-01, 2024-01-01: newest first), two products, OCOP 4★ (this year) and 5★ (2019:
    past the 36 months). HTX Ổi: nothing. A key without a row is left out."""
    import datetime

    from htxconnect.registry.models import Certification

    cat, oi = cat_and_oi(certified_on=("2024-01-01", "2025-03-01"))
    keys = [oi.pk, cat.pk, cat.pk + oi.pk + 1000]
    with CaptureQueriesContext(connection) as ctx:
        rows = {o.name: o for o in queries.list_rows_by_key(keys)}
        got = {name: (o.products_total, o.best_ocop_stars, [s.name for s in o.sector_list],
                      [(c.issue_date, c.organization) for c in o.certification_list]) for name, o in rows.items()}
    assert len(ctx.captured_queries) == 3  # rows, sectors, certifications: nothing more when read
    assert got == {
        "HTX Xoài Cát": (2, 4, ["Trồng trọt", "Cây ăn quả"], [(datetime.date(2025, 3, 1), rows["HTX Xoài Cát"]),
                                                              (datetime.date(2024, 1, 1), rows["HTX Xoài Cát"])]),
        "HTX Ổi": (0, None, [], []),
    }
    assert rows["HTX Xoài Cát"].certification_list[0].organization is rows["HTX Xoài Cát"]
    assert isinstance(rows["HTX Xoài Cát"].certification_list[0], Certification)
    # The same instances as the QuerySet of with_list_details gives, attribute by attribute.
    expected = {o.name: o for o in queries.with_list_details(Organization.objects.filter(pk__in=keys))}

    def attributes(obj):
        return {k: v for k, v in vars(obj).items() if k != "_state"}

    for name, org in rows.items():
        assert attributes(org).keys() - {"sector_list", "certification_list"} == \
            attributes(expected[name]).keys() - {"sector_list", "certification_list", "_prefetched_objects_cache"}
        assert {k: v for k, v in attributes(org).items() if k not in ("sector_list", "certification_list")} == \
            {k: v for k, v in attributes(expected[name]).items()
             if k not in ("sector_list", "certification_list", "_prefetched_objects_cache")}
        assert [attributes(s) for s in org.sector_list] == [attributes(s) for s in expected[name].sector_list]
        assert [{k: v for k, v in attributes(c).items() if k != "_state"} for c in org.certification_list] == \
            [{k: v for k, v in attributes(c).items() if k != "_state"} for c in expected[name].certification_list]
    assert queries.list_rows_by_key([]) == []


def test_a_second_search_of_the_same_shape_compiles_nothing(users, compiles):
    """"xoai cat" and "nong nghiep": two words of 3 letters or more, 3 matches each. The second
    page runs the first page's statements with its own words: 4 queries, no SQL compiled."""
    for name in ("HTX Xoài Cát", "Xoài Cát Hòa Lộc", "HTX Cây Xoài Cát", "HTX Nông nghiệp Tân Hiệp",
                 "HTX Nông nghiệp Bến Tre", "Nông nghiệp Xanh"):
        services.create_organization(actor=SYSTEM, name=name, province_code="79")
    _, names, count = keys_query(users["admin"], q="xoai cat")
    assert names == ["Xoài Cát Hòa Lộc", "HTX Cây Xoài Cát", "HTX Xoài Cát"] and count == 3
    compiles[0] = 0
    sql, names, count = keys_query(users["admin"], q="Nông Nghiệp")
    assert names == ["Nông nghiệp Xanh", "HTX Nông nghiệp Bến Tre", "HTX Nông nghiệp Tân Hiệp"] and count == 3
    assert WORD_TABLE in sql and compiles[0] == 0


# --- the public directory's rows, read by key ---------------------------------------------------




def test_the_public_rows_read_by_key_are_the_directorys_rows():
    """The directory's row: its public columns only (the phone is not read), products, OCOP and
    sectors; no certifications (2 queries). Equal, attribute by attribute, to the rows of the
    directory's QuerySet (`_public_row`); a key without a row is left out."""
    cat, oi = cat_and_oi()
    keys = [oi.pk, cat.pk, cat.pk + oi.pk + 1000]
    with CaptureQueriesContext(connection) as ctx:
        rows = {o.name: o for o in queries.public_rows_by_key(keys)}
        got = {name: (o.pk, o.get_kind_display(), o.province_name, o.verified_at, o.products_total,
                      o.best_ocop_stars, [s.name for s in o.sector_list]) for name, o in rows.items()}
    assert len(ctx.captured_queries) == 2  # rows, sectors: nothing more when the template's attributes are read
    hcm = "Thành phố Hồ Chí Minh"
    assert got == {"HTX Xoài Cát": (cat.pk, "Hợp tác xã", hcm, None, 2, 4, ["Trồng trọt", "Cây ăn quả"]),
                   "HTX Ổi": (oi.pk, "Hợp tác xã", hcm, None, 0, None, [])}
    assert "phone" in rows["HTX Xoài Cát"].get_deferred_fields()
    assert not hasattr(rows["HTX Xoài Cát"], "certification_list")
    expected = {o.name: o for o in queries._public_row(Organization.objects.filter(pk__in=keys))}

    def attributes(obj):
        return {k: v for k, v in vars(obj).items() if k not in ("_state", "_prefetched_objects_cache", "sector_list")}

    assert rows.keys() == expected.keys()
    for name, org in rows.items():
        assert attributes(org) == attributes(expected[name])
        assert org.get_deferred_fields() == expected[name].get_deferred_fields()
        assert [vars(s) | {"_state": None} for s in org.sector_list] == \
            [vars(s) | {"_state": None} for s in expected[name].sector_list]
    # The registry's own list still reads every column and the certifications (one compiled
    # statement per kind of row: neither takes the other's).
    [full] = queries.list_rows_by_key([cat.pk])
    assert full.phone == "0909000111" and [c.type for c in full.certification_list] == ["vietgap"]
    assert queries.public_rows_by_key([]) == []


def directory_page(q):
    with CaptureQueriesContext(connection) as ctx:
        page = queries.list_public_organizations(queries.OrganizationFilters(q=q))
        names = [o.name for o in page.object_list]
        [(o.products_total, o.best_ocop_stars, o.sector_list, o.get_kind_display(), o.ward_name)
         for o in page.object_list]
    assert len(ctx.captured_queries) == 3, [q["sql"] for q in ctx.captured_queries]  # keys, rows, sectors
    return ctx.captured_queries[0]["sql"], names, page.paginator.count


def test_a_second_directory_search_of_the_same_shape_compiles_nothing(compiles, monkeypatch):
    """Two public matches each (a hidden, a dissolved and an agency's name match too, and are
    not listed): the second search runs the first one's statements with its own words: 3
    queries, no SQL compiled, no QuerySet of the list built."""
    for name, extra in (("HTX Xoài Cát", {}), ("Xoài Cát Hòa Lộc", {}), ("HTX Cây Xoài Cát", {"is_public": False}),
                        ("Xoài Cát Giải Thể", {"status": "dissolved"}), ("Sở Xoài Cát", {"kind": "agency"}),
                        ("HTX Nông nghiệp Tân Hiệp", {}), ("HTX Nông nghiệp Bến Tre", {"is_public": False}),
                        ("Nông nghiệp Xanh", {}), ("Nông nghiệp Giải Thể", {"status": "dissolved"}),
                        ("Chi cục Nông nghiệp", {"kind": "agency"})):
        services.create_organization(actor=SYSTEM, name=name, province_code="79", **extra)
    _, names, count = directory_page("xoai cat")
    assert names == ["Xoài Cát Hòa Lộc", "HTX Xoài Cát"] and count == 2
    compiles[0] = 0
    built = []
    original = queries.filter_organizations
    monkeypatch.setattr(queries, "filter_organizations", lambda *args: built.append(args) or original(*args))
    sql, names, count = directory_page("Nông Nghiệp")
    assert names == ["Nông nghiệp Xanh", "HTX Nông nghiệp Tân Hiệp"] and count == 2
    assert WORD_TABLE in sql and compiles[0] == 0 and built == []
    # A filtered search builds the list's QuerySet, as before (the same scope).
    filtered = queries.list_public_organizations(queries.OrganizationFilters(q="nong nghiep", province="79"))
    assert [o.name for o in filtered.object_list] == ["Nông nghiệp Xanh", "HTX Nông nghiệp Tân Hiệp"] and built


def test_the_directory_page_shows_a_row_read_by_key():
    cat_and_oi()
    from django.test import Client

    body = Client().get("/registry/public/", {"q": "xoài cát"}).content.decode()
    assert "HTX Xoài Cát" in body and "Trồng trọt, Cây ăn quả" in body and "OCOP 4★" in body
    assert "2 sản phẩm" in body and "HTX Ổi" not in body and "0909000111" not in body
