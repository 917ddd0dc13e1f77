"""The OCOP sheet of the import: a province's published list of OCOP products (product, producer,
address, stars, score, decision number and date, level) becomes ratings, matched to producers and
products the way the other sheets match them; a second import of the same list changes nothing."""

from __future__ import annotations

import datetime

import pytest

from htxconnect.core.models import AuditEntry
from htxconnect.registry import services
from htxconnect.registry.importer import analysis, commit as commit_mod, pipeline
from htxconnect.registry.models import OcopRating, Product
from tests.registry.fixtures.workbooks import TAX_A, TAX_B, org, workbook
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def preview_of(tmp_path, sheets, actor) -> dict:
    path = tmp_path / "ocop.xlsx"
    path.write_bytes(workbook(sheets))
    return pipeline.preview_file(path, actor=actor)


def errors_of(row) -> list[str]:
    return [f"{h}: {m}" for h, m in analysis.row_errors(row)]


# As a province publishes it (hand-written: two producers, one re-rated product, one 5-star).
PUBLISHED = {
    "organizations": [org("HTX Nông nghiệp Tân Hiệp", tax_code=TAX_A,
                          address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương")],
    "ocop": [
        {"producer_tax_code": TAX_A, "producer_name": "HTX Nông nghiệp Tân Hiệp",
         "producer_address": "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương", "product_name": "Bưởi da xanh Tân Hiệp",
         "stars": 3, "total_score": 62, "decision_number": "2001/QĐ-UBND", "decision_date": "15/06/2021"},
        {"producer_tax_code": TAX_A, "product_name": "Bưởi da xanh Tân Hiệp", "stars": 4, "total_score": 78,
         "decision_number": "3150/QĐ-UBND", "decision_date": datetime.date(2024, 7, 1)},
        {"producer_name": "HTX Hồng Đức", "product_name": "Ổi lê", "stars": 4, "total_score": 81,
         "decision_number": "3150/QĐ-UBND", "decision_date": "01/07/2024", "level": "Cấp tỉnh"},
        {"producer_name": "HTX Hồng Đức", "product_name": "Trà ổi", "stars": 5, "total_score": 91,
         "decision_number": "1048/QĐ-BNN", "decision_date": "20/12/2024"},
    ],
}


@pytest.fixture
def hong_duc():
    producer = services.create_organization(actor=SYSTEM, name="HTX Hồng Đức", tax_code=TAX_B, province_code="79")
    services.create_product(actor=SYSTEM, producer=producer, name="Ổi Lê")
    return producer


def test_published_list_creates_ratings_matching_producers_and_products(tmp_path, users, hong_duc):
    preview = preview_of(tmp_path, PUBLISHED, users["admin"])
    rows = preview["sheets"]["ocop"]
    assert [errors_of(r) for r in rows] == [[], [], [], []]
    assert rows[0]["ref"]["producer"] == {"row": 2, "name": "HTX Nông nghiệp Tân Hiệp"}  # from the Tổ chức sheet
    assert rows[2]["ref"]["product"]["db"] == hong_duc.products.get().pk  # "Ổi lê" = registered "Ổi Lê"
    assert "new" in rows[3]["ref"]["product"]  # "Trà ổi" is not registered yet
    assert any("sẽ được tạo" in message for _header, message in rows[3]["warnings"])
    assert analysis.counts(preview)["ocop"]["ok"] == 4

    result = commit_mod.commit(preview, actor=users["admin"], filename="ocop.xlsx")
    assert result["ocop"]["created"] == 4 and result["ocop"]["products_created"] == 2
    buoi = Product.objects.get(name="Bưởi da xanh Tân Hiệp")  # one product for its two ratings
    assert sorted(buoi.ocop_ratings.values_list("stars", "total_score", "decision_number")) == [
        (3, 62, "2001/QĐ-UBND"), (4, 78, "3150/QĐ-UBND")]
    tra = OcopRating.objects.get(product__name="Trà ổi")
    assert (tra.stars, tra.level, tra.decision_date) == (5, "national", datetime.date(2024, 12, 20))
    assert tra.product.producer == hong_duc
    assert OcopRating.objects.get(product__name="Ổi Lê").level == "province"


def test_second_import_of_the_same_list_changes_nothing(tmp_path, users, hong_duc):
    commit_mod.commit(preview_of(tmp_path, PUBLISHED, users["admin"]), actor=users["admin"])
    ratings, products = OcopRating.objects.count(), Product.objects.count()
    entries = AuditEntry.objects.count()

    preview = preview_of(tmp_path, PUBLISHED, users["admin"])
    assert [r["action"] for r in preview["sheets"]["ocop"]] == ["merge"] * 4
    result = commit_mod.commit(preview, actor=users["admin"])
    assert result["ocop"] == {"created": 0, "updated": 0, "unchanged": 4, "skipped": 0, "errors": 0}
    assert (OcopRating.objects.count(), Product.objects.count()) == (ratings, products)
    assert AuditEntry.objects.count() == entries + 1  # only the import itself is recorded


def test_a_corrected_score_updates_the_rating(tmp_path, users, hong_duc):
    commit_mod.commit(preview_of(tmp_path, PUBLISHED, users["admin"]), actor=users["admin"])
    corrected = {"ocop": [{**PUBLISHED["ocop"][2], "total_score": 84}]}
    result = commit_mod.commit(preview_of(tmp_path, corrected, users["admin"]), actor=users["admin"])
    assert result["ocop"]["updated"] == 1
    assert OcopRating.objects.get(product__name="Ổi Lê").total_score == 84


@pytest.mark.parametrize("values, column, words", [
    ({"stars": 6, "total_score": None}, "Số sao", "3, 4 hoặc 5"),
    ({"stars": 3, "total_score": 45}, "Tổng điểm", "dưới 50 điểm"),
    ({"stars": 4, "total_score": 92}, "Số sao", "không khớp tổng điểm 92"),
    ({"stars": 4, "total_score": 101}, "Tổng điểm", "tối đa là 100"),
    ({"stars": 5, "total_score": 95, "level": "Cấp tỉnh"}, "Cấp đánh giá", "cấp quốc gia"),
    ({"decision_number": None}, "Số quyết định", "Bắt buộc"),
    ({"decision_date": "31/12/2099"}, "Ngày quyết định", "tương lai"),
    ({"stars": "bốn"}, "Số sao", "không phải số nguyên"),
])
def test_bad_rows_are_named_by_column_and_rule(tmp_path, users, values, column, words):
    row = {"producer_name": "HTX Hồng Đức", "product_name": "Ổi lê", "stars": 4, "total_score": 80,
           "decision_number": "1/QĐ-UBND", "decision_date": "01/07/2024", **values}
    preview = preview_of(tmp_path, {"ocop": [row]}, users["admin"])
    errors = errors_of(preview["sheets"]["ocop"][0])
    assert any(e.startswith(column + ":") and words in e for e in errors), errors
    assert analysis.counts(preview)["ocop"]["errors"] == 1


def test_unknown_producer_is_an_error_naming_the_column(tmp_path, users):
    row = {"producer_name": "HTX Không Có", "product_name": "Mắm", "stars": 3, "decision_number": "9/QĐ",
           "decision_date": "01/01/2024"}
    preview = preview_of(tmp_path, {"ocop": [row]}, users["admin"])
    [error] = errors_of(preview["sheets"]["ocop"][0])
    assert error.startswith("Chủ thể OCOP:") and "Không tìm thấy đơn vị có “HTX Không Có”" in error


def test_same_rating_twice_in_the_file_is_a_duplicate_row(tmp_path, users, hong_duc):
    row = PUBLISHED["ocop"][2]
    preview = preview_of(tmp_path, {"ocop": [row, {**row, "product_name": "ỔI LÊ"}]}, users["admin"])
    first, second = preview["sheets"]["ocop"]
    assert first["action"] == "create"
    assert second["duplicate"]["kind"] == "file" and second["options"] == ["skip"]
