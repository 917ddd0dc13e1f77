"""Excel export of filtered lists: same columns as the import template, scoped to the user,
a fixed number of queries, and an export imports back without creating anything."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from htxconnect.registry import services
from htxconnect.registry.importer import analysis, commit as commit_mod, pipeline
from htxconnect.registry.importer import columns as C
from htxconnect.registry.models import Certification, Organization, Product
from tests.registry.fixtures.workbooks import GTIN_OK, TAX_A
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db
ORGS = "/registry/import/export/organisations.xlsx"
PRODUCTS = "/registry/import/export/products.xlsx"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def registry(users):
    a = services.create_organization(actor=SYSTEM, name="HTX Hồng Đức", tax_code=TAX_A, province_code="79",
                                     ward_code="25864", street="Ấp 2", members_count=12, sectors=["trong-trot"],
                                     address_as_written="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương",
                                     registration_date=datetime.date(2019, 3, 15))
    b = services.create_organization(actor=SYSTEM, name="HTX Ổi Thanh Kiên", province_code="79", ward_code="25858",
                                     kind="cooperative_group")
    c = services.create_organization(actor=SYSTEM, name="HTX Long Bình", province_code="91")
    p = services.create_product(actor=SYSTEM, producer=a, name="Bưởi da xanh", gtin=GTIN_OK, season_months=[8, 9],
                                category="fruit")
    services.create_product(actor=SYSTEM, producer=b, name="Ổi lê", category="fruit")
    services.create_certification(actor=SYSTEM, organization=a, product=p, type="vietgap", number="VG-1",
                                  issue_date=datetime.date(2025, 1, 10), expiry_date=datetime.date(2027, 1, 9))
    return a, b, c


def sheet_rows(content: bytes, title: str) -> list[dict]:
    ws = load_workbook(io.BytesIO(content))[title]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_export_has_the_template_columns_and_values(clients, registry):
    response = clients["admin"].get(ORGS)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response.content, "Tổ chức")
    assert list(rows[0]) == [c.title for c in C.ORGANIZATIONS.columns]
    hong_duc = next(r for r in rows if r["Tên tổ chức *"] == "HTX Hồng Đức")
    assert hong_duc["Mã số thuế"] == TAX_A and hong_duc["Loại hình"] == "Hợp tác xã"
    assert hong_duc["Địa chỉ (xã/phường, huyện, tỉnh)"] == "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"
    assert hong_duc["Mã xã/phường"] == "25864" and hong_duc["Lĩnh vực"] == "Trồng trọt"
    assert hong_duc["Ngày đăng ký"].date() == datetime.date(2019, 3, 15)


def test_export_takes_the_list_filters_and_the_user_scope(clients, registry):
    names = lambda client, q="": [r["Tên tổ chức *"] for r in sheet_rows(client.get(ORGS + q).content, "Tổ chức")]  # noqa: E731
    assert names(clients["admin"]) == ["HTX Hồng Đức", "HTX Long Bình", "HTX Ổi Thanh Kiên"]
    assert names(clients["admin"], "?q=oi") == ["HTX Ổi Thanh Kiên"]
    assert names(clients["admin"], "?province=91") == ["HTX Long Bình"]
    assert names(clients["admin"], "?kind=cooperative_group") == ["HTX Ổi Thanh Kiên"]
    assert names(clients["officer"]) == ["HTX Hồng Đức", "HTX Ổi Thanh Kiên"]  # province 79 only
    assert names(clients["other_officer"]) == ["HTX Long Bình"]
    assert names(clients["coop_manager"]) == []
    assert clients["buyer"].get(ORGS).status_code == 403
    assert clients["anonymous"].get(ORGS).status_code == 302


def test_product_export_with_filters(clients, registry):
    rows = sheet_rows(clients["officer"].get(PRODUCTS).content, "Sản phẩm")
    assert [r["Tên sản phẩm *"] for r in rows] == ["Bưởi da xanh", "Ổi lê"]
    assert rows[0]["Mã GTIN (mã vạch)"] == GTIN_OK and rows[0]["Tháng thu hoạch"] == "8,9"
    assert rows[0]["Nhóm sản phẩm"] == "Trái cây"
    only = sheet_rows(clients["officer"].get(PRODUCTS + "?product_q=buoi").content, "Sản phẩm")
    assert [r["Tên sản phẩm *"] for r in only] == ["Bưởi da xanh"]
    by_gtin = sheet_rows(clients["officer"].get(PRODUCTS + f"?gtin={GTIN_OK}").content, "Sản phẩm")
    assert len(by_gtin) == 1
    assert sheet_rows(clients["other_officer"].get(PRODUCTS).content, "Sản phẩm") == []


def test_export_query_count_does_not_grow(clients, registry):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert clients["admin"].get(ORGS + "?include=all").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(15):
        org = services.create_organization(actor=SYSTEM, name=f"HTX Thêm {i}", province_code="79", sectors=["trong-trot"])
        services.create_product(actor=SYSTEM, producer=org, name=f"Sản phẩm {i}")
        services.create_certification(actor=SYSTEM, organization=org, type="vietgap", issue_date=datetime.date(2025, 1, 1))
    assert count() == before


def test_export_round_trip_imports_back_without_changes(clients, registry, users, tmp_path):
    content = clients["admin"].get(ORGS + "?include=all").content
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Tổ chức", "Sản phẩm", "Chứng nhận"]
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    counts_before = (Organization.objects.count(), Product.objects.count(), Certification.objects.count())
    preview = pipeline.preview_file(path, actor=users["admin"])
    assert analysis.all_errors(preview) == []
    counts = analysis.counts(preview)
    assert counts["organizations"]["create"] == 0 and counts["organizations"]["merge"] == 3
    assert counts["products"]["merge"] == 2 and counts["certifications"]["merge"] == 1
    result = commit_mod.commit(preview, actor=users["admin"])
    assert (Organization.objects.count(), Product.objects.count(), Certification.objects.count()) == counts_before
    assert all(r["updated"] == 0 for r in result.values()), result


def test_export_round_trip_into_an_empty_registry_recreates_it(clients, registry, users, tmp_path):
    content = clients["admin"].get(ORGS + "?include=all&province=79").content
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    Certification.objects.all().delete()
    Product.objects.all().delete()
    Organization.objects.filter(province_code="79").delete()
    preview = pipeline.preview_file(path, actor=users["admin"])
    assert analysis.all_errors(preview) == []
    commit_mod.commit(preview, actor=users["admin"])
    hong_duc = Organization.objects.get(tax_code=TAX_A)
    assert hong_duc.ward_code == "25864" and hong_duc.street == "Ấp 2" and hong_duc.members_count == 12
    assert hong_duc.address_as_written == "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"
    assert Organization.objects.get(name="HTX Ổi Thanh Kiên").address_as_written == ""
    assert Product.objects.get(name="Bưởi da xanh").gtin == "0" + GTIN_OK
    assert Certification.objects.get().product.name == "Bưởi da xanh"


FORMULA_NAME = '=HYPERLINK("https://evil.example/","Xem")'


def test_exported_text_that_looks_like_a_formula_is_written_as_text(clients, users, tmp_path):
    """OWASP CSV injection: =, +, -, @ starting a value never become a formula in the export, and
    the export imports back with the same text (the importer reads the text as text)."""
    org = services.create_organization(actor=SYSTEM, name=FORMULA_NAME, province_code="79", street="-1 Ấp Đông")
    services.create_product(actor=SYSTEM, producer=org, name="@SUM(1+1)", description="=1+2", category="fruit")
    content = clients["admin"].get(ORGS + "?include=all").content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and all("<f>" not in xml and "<f " not in xml for xml in sheets)
    wb = load_workbook(io.BytesIO(content))
    cells = {c.value: c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in (FORMULA_NAME, "@SUM(1+1)", "=1+2"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    preview = pipeline.preview_file(path, actor=users["admin"])
    assert analysis.all_errors(preview) == []
    commit_mod.commit(preview, actor=users["admin"])
    assert Organization.objects.filter(name=FORMULA_NAME).count() == 1
    product = Product.objects.get(producer__name=FORMULA_NAME)
    assert product.name == "@SUM(1+1)" and product.description == "=1+2"


def test_importer_reads_formula_like_text_as_text(users, tmp_path):
    """A text cell "=1+2" (typed with a leading apostrophe in Excel) is a value, not a formula."""
    from htxconnect.core.spreadsheet import set_text

    wb = Workbook()
    ws = wb.active
    ws.title = C.ORGANIZATIONS.title
    for i, title in enumerate(c.title for c in C.ORGANIZATIONS.columns):
        ws.cell(row=1, column=i + 1, value=title)
    name_col = [c.key for c in C.ORGANIZATIONS.columns].index("name") + 1
    province_col = [c.key for c in C.ORGANIZATIONS.columns].index("province_code") + 1
    set_text(ws, 2, name_col, "=1+2")
    set_text(ws, 2, province_col, "79")
    path = tmp_path / "text.xlsx"
    wb.save(path)
    preview = pipeline.preview_file(path, actor=users["admin"])
    assert analysis.all_errors(preview) == []
    commit_mod.commit(preview, actor=users["admin"])
    assert Organization.objects.get(name="=1+2").province_code == "79"


def test_rows_with_errors_workbook_keeps_formula_like_text_as_text(users, tmp_path):
    """The workbook of rows to fix holds what the user typed: =, +, -, @ stay text there too."""
    from htxconnect.registry.importer.corrections import errors_workbook
    from tests.registry.fixtures.workbooks import org, workbook

    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook({"organizations": [org("@SUM(1+1)", tax_code="0312687870"),
                                                 org("+84 HTX", tax_code="0312687870")]}))
    preview = pipeline.preview_file(path, actor=users["admin"])
    wb = load_workbook(io.BytesIO(errors_workbook(preview)))
    cells = {c.value: c for row in wb["Tổ chức"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in ("@SUM(1+1)", "+84 HTX"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
