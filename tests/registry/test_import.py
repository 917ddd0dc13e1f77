"""Excel import of the registry: good rows, bad rows (named by row and column), old addresses,
duplicates, all-or-nothing, a second import creating nothing, file refusals, the command."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from htxconnect.core.models import AuditEntry
from htxconnect.registry import services
from htxconnect.registry.importer import analysis, commit as commit_mod, pipeline
from htxconnect.registry.importer.filecheck import FileRefused
from htxconnect.registry.models import Certification, Organization, Product
from tests.registry.fixtures.workbooks import GTIN_OK, TAX_A, TAX_B, TAX_C, org, with_macro, workbook
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def write(tmp_path, content: bytes, name="data.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def preview_of(tmp_path, sheets, actor=SYSTEM, **kw) -> dict:
    return pipeline.preview_file(write(tmp_path, workbook(sheets, **kw)), actor=actor)


def errors_of(row) -> list[str]:
    return [f"{h}: {m}" for h, m in analysis.row_errors(row)]


GOOD = {
    "organizations": [
        org("HTX Nông nghiệp Tân Hiệp", tax_code=TAX_A, kind="Hợp tác xã", members_count=25,
            address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương", street="Ấp 2", sectors="Trồng trọt",
            registration_date=datetime.date(2019, 3, 15)),
        org("HTX Dịch vụ Phước Hòa", tax_code=TAX_B, address="ấp 3, xã Phước Hòa, huyện Phú Giáo, tỉnh Bình Dương"),
    ],
    "products": [
        {"producer_tax_code": TAX_A, "name": "Bưởi da xanh", "category": "Trái cây", "gtin": GTIN_OK,
         "season_months": "8-12"},
        {"producer_name": "HTX Dịch vụ Phước Hòa", "name": "Gạo sạch", "category": "rice"},
    ],
    "certifications": [
        {"organization_tax_code": TAX_A, "product_name": "Bưởi da xanh", "type": "VietGAP", "number": "VG-01",
         "issue_date": "10/01/2025", "expiry_date": datetime.date(2027, 1, 9)},
    ],
}


# --- good sheet ---------------------------------------------------------------------------------


def test_good_sheet_previews_then_commits_everything(tmp_path, users):
    preview = preview_of(tmp_path, GOOD, actor=users["admin"])
    counts = analysis.counts(preview)
    assert counts["organizations"]["ok"] == 2 and counts["organizations"]["errors"] == 0
    assert counts["products"]["ok"] == 2 and counts["certifications"]["ok"] == 1
    assert counts["addresses"]["converted"] == 2
    assert Organization.objects.count() == 0  # a preview writes nothing

    result = commit_mod.commit(preview, actor=users["admin"], filename="data.xlsx")
    assert result["organizations"]["created"] == 2
    tan_hiep = Organization.objects.get(tax_code=TAX_A)
    assert tan_hiep.ward_name == "Xã Phước Thành" and tan_hiep.province_code == "79"
    assert tan_hiep.address_as_written == "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"
    assert tan_hiep.street == "Ấp 2" and tan_hiep.members_count == 25
    assert list(tan_hiep.sectors.values_list("code", flat=True)) == ["trong-trot"]
    assert Organization.objects.get(tax_code=TAX_B).street == "ấp 3"  # taken from the address
    buoi = Product.objects.get(name="Bưởi da xanh")
    assert buoi.gtin == "0" + GTIN_OK and buoi.season_months == [8, 9, 10, 11, 12] and buoi.category == "fruit"
    assert Product.objects.get(name="Gạo sạch").producer.tax_code == TAX_B
    cert = Certification.objects.get()
    assert cert.product == buoi and cert.expiry_date == datetime.date(2027, 1, 9)
    entry = AuditEntry.objects.get(action="registry.import.committed")
    assert entry.actor == users["admin"] and entry.changes["organizations"][1]["created"] == 2
    assert AuditEntry.objects.filter(action="registry.organization.created").count() == 2


def test_second_import_of_the_same_sheet_creates_no_duplicates(tmp_path, users):
    sheets = {"organizations": GOOD["organizations"] + [org("HTX Không Mã Số", address="xã Tân Hiệp, huyện Phú Giáo, "
                                                                                        "tỉnh Bình Dương")],
              "products": GOOD["products"], "certifications": GOOD["certifications"]}
    commit_mod.commit(preview_of(tmp_path, sheets, actor=users["admin"]), actor=users["admin"])
    before = (Organization.objects.count(), Product.objects.count(), Certification.objects.count())
    audits = AuditEntry.objects.count()

    again = preview_of(tmp_path, sheets, actor=users["admin"])
    counts = analysis.counts(again)
    assert counts["organizations"]["duplicates"] == 3 and counts["organizations"]["create"] == 0
    assert counts["products"]["create"] == 0 and counts["certifications"]["create"] == 0
    result = commit_mod.commit(again, actor=users["admin"])
    assert (Organization.objects.count(), Product.objects.count(), Certification.objects.count()) == before
    assert result["organizations"]["unchanged"] == 3 and result["organizations"]["updated"] == 0
    # Nothing changed, so only the import itself is audited.
    assert AuditEntry.objects.count() == audits + 1


# --- bad rows ----------------------------------------------------------------------------------------


def test_bad_rows_are_named_by_row_and_column(tmp_path):
    preview = preview_of(tmp_path, {
        "organizations": [
            org("HTX Sai MST", tax_code="0312687870", address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
            org(None, tax_code=TAX_C, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
            org("HTX Ngày Sai", registration_date="31/02/2020", members_count="nhiều", email="khong-phai-email",
                address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        ],
        "products": [{"producer_tax_code": TAX_C, "name": "Sai mã vạch", "gtin": "8930000000011"}],
        "certifications": [{"organization_tax_code": TAX_C, "type": "VietGAP", "issue_date": "10/01/2025",
                            "expiry_date": "01/01/2025"},
                           {"organization_tax_code": TAX_C, "type": "Giấy khen"}],
    })
    rows = preview["sheets"]["organizations"]
    assert rows[0]["row"] == 2
    assert any("Mã số thuế" in e and "chữ số kiểm tra" in e and "phải là 8" in e for e in errors_of(rows[0]))
    assert errors_of(rows[1]) == ["Tên tổ chức: Bắt buộc phải điền."]
    bad = " | ".join(errors_of(rows[2]))
    assert "Ngày đăng ký: “31/02/2020” không phải ngày hợp lệ" in bad
    assert "Số thành viên: “nhiều” không phải số nguyên" in bad
    assert "Thư điện tử" in bad
    product = preview["sheets"]["products"][0]
    assert any("Mã GTIN" in e and "phải là 9" in e for e in errors_of(product))
    cert, cert2 = preview["sheets"]["certifications"]
    assert any("Ngày hết hạn (01/01/2025) phải sau ngày cấp (10/01/2025)" in e for e in errors_of(cert))
    e2 = " | ".join(errors_of(cert2))
    assert "Loại chứng nhận: “Giấy khen” không có trong danh sách" in e2 and "Ngày cấp: Bắt buộc phải điền." in e2
    lines = analysis.all_errors(preview)
    assert "Trang “Tổ chức”, dòng 3, cột “Tên tổ chức”: Bắt buộc phải điền." in lines


def test_valid_rows_import_and_bad_rows_are_listed_not_written(tmp_path, users):
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX Tốt", tax_code=TAX_A, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Xấu", tax_code="123", address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
    ]})
    result = commit_mod.commit(preview, actor=users["admin"])
    assert result["organizations"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 1}
    assert list(Organization.objects.values_list("name", flat=True)) == ["HTX Tốt"]


def test_tax_code_typed_as_a_number_gets_its_leading_zero_back_with_a_warning(tmp_path):
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX Số", tax_code=312687878, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương")]})
    row = preview["sheets"]["organizations"][0]
    assert row["values"]["tax_code"] == TAX_A and not row["errors"]
    assert "mất số 0" in row["warnings"][0][1]


def test_product_of_an_unknown_producer_is_an_error(tmp_path):
    preview = preview_of(tmp_path, {"products": [{"producer_tax_code": TAX_C, "name": "Xoài"}]})
    assert "Không tìm thấy đơn vị có mã số thuế 1800123450" in " ".join(errors_of(preview["sheets"]["products"][0]))


# --- old addresses -----------------------------------------------------------------------------------


def test_old_addresses_converted_ambiguous_with_candidates_and_failed(tmp_path, users):
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX Một", address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Hai", address="huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Ba", address="không rõ ở đâu"),
    ]}, actor=users["officer"])
    one, two, three = preview["sheets"]["organizations"]
    assert one["address"]["status"] == "converted" and one["address"]["ward_name"] == "Xã Phước Thành"
    assert two["address"]["status"] == "ambiguous" and not two["errors"]
    assert {c["name"] for c in two["address"]["candidates"]} == {"Xã An Long", "Xã Phú Giáo", "Xã Phước Hòa",
                                                                   "Xã Phước Thành"}
    assert three["address"]["status"] == "failed"
    assert any("Không chuyển được địa chỉ “không rõ ở đâu”" in e for e in errors_of(three))
    counts = analysis.counts(preview)["addresses"]
    assert counts == {"converted": 1, "current": 0, "ambiguous": 1, "picked": 0, "failed": 1, "codes": 0}

    # The officer picks a ward for the ambiguous row; the failed row is not imported.
    phuoc_hoa = next(c["code"] for c in two["address"]["candidates"] if c["name"] == "Xã Phước Hòa")
    job = {"preview": preview}
    pipeline.apply_choices(job, {"organizations:3": {"ward": phuoc_hoa}}, actor=users["officer"])
    commit_mod.commit(preview, actor=users["officer"])
    hai = Organization.objects.get(name="HTX Hai")
    assert hai.ward_name == "Xã Phước Hòa" and not hai.address_needs_review
    assert hai.address_as_written == "huyện Phú Giáo, tỉnh Bình Dương"
    assert not Organization.objects.filter(name="HTX Ba").exists()


def test_ambiguous_address_left_unpicked_is_imported_for_review(tmp_path, users):
    preview = preview_of(tmp_path, {"organizations": [org("HTX Hai", address="huyện Phú Giáo, tỉnh Bình Dương")]})
    commit_mod.commit(preview, actor=users["admin"])
    hai = Organization.objects.get()
    assert hai.province_code == "79" and hai.ward_code == "" and hai.address_needs_review


def test_officer_cannot_import_organisations_of_another_province(tmp_path, users):
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX An Giang", address="xã Mỹ Khánh, thành phố Long Xuyên, tỉnh An Giang")]}, actor=users["officer"])
    assert any("ngoài địa bàn của cơ quan bạn" in e for e in errors_of(preview["sheets"]["organizations"][0]))


# --- duplicates ------------------------------------------------------------------------------------


def test_duplicates_same_tax_code_in_db_and_in_file_and_fuzzy_name(tmp_path, users):
    existing = services.create_organization(actor=SYSTEM, name="Hợp tác xã Nông nghiệp Phước Thành",
                                            province_code="79", ward_code="25864", members_count=10)
    services.create_organization(actor=SYSTEM, name="HTX Có Mã", tax_code=TAX_A, province_code="79")
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX Có Mã (tên mới)", tax_code=TAX_A, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Lặp", tax_code=TAX_A, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX nong nghiep Phuoc Thanh", members_count=30, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Hoàn Toàn Khác", address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
    ]}, actor=users["admin"])
    same_tax, in_file, fuzzy, other = preview["sheets"]["organizations"]
    assert same_tax["duplicate"]["kind"] == "tax_code" and same_tax["action"] == "merge"
    assert in_file["duplicate"] == {"kind": "file", "row": 2, "label": "Trùng mã số thuế 0312687878 với dòng 2 của tệp"}
    assert in_file["options"] == ["skip"]
    assert fuzzy["duplicate"]["kind"] == "name" and fuzzy["duplicate"]["target_id"] == existing.pk
    assert fuzzy["duplicate"]["score"] >= analysis.FUZZY_THRESHOLD and fuzzy["options"] == ["merge", "create", "skip"]
    assert other["duplicate"] is None and other["action"] == "create"

    result = commit_mod.commit(preview, actor=users["admin"])
    assert result["organizations"]["updated"] == 2 and result["organizations"]["created"] == 1
    assert Organization.objects.get(tax_code=TAX_A).name == "HTX Có Mã (tên mới)"
    existing.refresh_from_db()
    assert existing.members_count == 30 and existing.name == "Hợp tác xã Nông nghiệp Phước Thành"  # merged, keeps its registered name
    assert Organization.objects.count() == 3


def test_duplicate_choices_skip_and_create(tmp_path, users):
    services.create_organization(actor=SYSTEM, name="HTX Phước Thành", province_code="79", ward_code="25864")
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX Phuoc Thanh", address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương")]}, actor=users["admin"])
    pipeline.apply_choices({"preview": preview}, {"organizations:2": {"action": "create"}}, actor=users["admin"])
    commit_mod.commit(preview, actor=users["admin"])
    assert Organization.objects.count() == 2


# --- all or nothing ------------------------------------------------------------------------------


def test_a_row_failing_at_commit_writes_nothing(tmp_path, users):
    preview = preview_of(tmp_path, {"organizations": [
        org("HTX Một", tax_code=TAX_A, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Hai", tax_code=TAX_B, address="xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"),
    ]}, actor=users["admin"])
    # Between preview and commit someone registers the second tax code.
    services.create_organization(actor=SYSTEM, name="Đã có", tax_code=TAX_B, province_code="91")
    preview["sheets"]["organizations"][1]["duplicate"] = None  # as the preview saw it
    with pytest.raises(commit_mod.CommitFailed) as failure:
        commit_mod.commit(preview, actor=users["admin"])
    assert "Không nhập dòng nào" in failure.value.message and "dòng 3" in failure.value.message
    assert list(Organization.objects.values_list("name", flat=True)) == ["Đã có"]
    assert not AuditEntry.objects.filter(action="registry.import.committed").exists()


# --- file checks ------------------------------------------------------------------------------------


def refused(tmp_path, content: bytes, name="data.xlsx") -> FileRefused:
    with pytest.raises(FileRefused) as info:
        pipeline.preview_file(write(tmp_path, content, name), actor=SYSTEM)
    return info.value


def test_text_file_renamed_xlsx_is_refused_by_content(tmp_path):
    error = refused(tmp_path, "Tên,MST\nHTX A,123\n".encode(), "to-chuc.xlsx")
    assert error.code == "not_xlsx" and "không phải bảng tính Excel .xlsx" in error.message


def test_xls_and_docx_are_named(tmp_path):
    assert refused(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600).code == "xls"
    docx = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
    assert "tài liệu Word" in refused(tmp_path, docx.getvalue()).message


def test_macro_workbook_is_refused(tmp_path):
    error = refused(tmp_path, with_macro(workbook(GOOD)), "to-chuc.xlsx")
    assert error.code == "macro" and "macro" in error.message


def test_empty_file_is_refused(tmp_path):
    assert refused(tmp_path, b"").code == "empty"


def test_workbook_with_headers_only_is_refused(tmp_path):
    error = refused(tmp_path, workbook({"organizations": []}))
    assert error.code == "no_rows" and "không có dòng dữ liệu" in error.message


def test_fifty_megabyte_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(FileRefused) as info:
        pipeline.preview_file(path, actor=SYSTEM)
    assert info.value.code == "too_big" and "50,0 MB" in info.value.message and "10 MB" in info.value.message


def test_formulas_are_refused_naming_the_cell(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(workbook(GOOD)))
    wb["Tổ chức"]["H3"] = "=H2*2"
    buffer = io.BytesIO()
    wb.save(buffer)
    error = refused(tmp_path, buffer.getvalue())
    assert error.code == "formula" and "ô H3" in error.message and "=H2*2" in error.message


def test_wrong_columns_name_the_missing_and_unknown_headers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Chứng nhận"
    ws.append(["Mã số thuế đơn vị", "Loại chứng nhận", "Ghi chú riêng"])
    ws.append([TAX_A, "VietGAP", "x"])
    buffer = io.BytesIO()
    wb.save(buffer)
    error = refused(tmp_path, buffer.getvalue())
    assert error.code == "columns"
    assert "thiếu cột bắt buộc “Ngày cấp”" in error.message and "“Ghi chú riêng” (cột C)" in error.message


def test_headers_match_without_accents_or_star(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "to chuc"
    ws.append(["TEN TO CHUC", "ma so thue", "Địa chỉ (xã/phường, huyện, tỉnh) *"])
    ws.append(["HTX Không Dấu", TAX_A, "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"])
    buffer = io.BytesIO()
    wb.save(buffer)
    preview = pipeline.preview_file(write(tmp_path, buffer.getvalue()), actor=SYSTEM)
    assert analysis.counts(preview)["organizations"]["ok"] == 1


# --- command ------------------------------------------------------------------------------------------


def test_command_dry_run_prints_the_summary_and_writes_nothing(tmp_path, users):
    path = write(tmp_path, workbook({"organizations": GOOD["organizations"] + [org("HTX Sai", tax_code="999")]}))
    out = io.StringIO()
    call_command("registry_import", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Trang “Tổ chức”: 3 dòng — 2 hợp lệ sẽ nhập (2 tạo mới, 0 cập nhật hồ sơ đã có), 0 trùng, 0 bỏ qua, 1 có lỗi." in text
    assert "Địa chỉ: 2 chuyển từ đơn vị cũ sang đơn vị hiện hành" in text
    assert "Trang “Tổ chức”, dòng 4, cột “Mã số thuế”:" in text
    assert "Chạy thử (--dry-run): không ghi gì vào sổ." in text
    assert Organization.objects.count() == 0


def test_command_imports_and_a_second_run_creates_nothing(tmp_path, users):
    path = write(tmp_path, workbook(GOOD))
    out = io.StringIO()
    call_command("registry_import", str(path), "--user", "u_admin", stdout=out)
    assert "Đã nhập — tổ chức: 2 tạo mới" in out.getvalue()
    assert AuditEntry.objects.get(action="registry.import.committed").actor == users["admin"]
    out = io.StringIO()
    call_command("registry_import", str(path), stdout=out)
    assert "2 trùng" in out.getvalue() and "tổ chức: 0 tạo mới, 0 cập nhật, 2 không đổi" in out.getvalue()
    assert Organization.objects.count() == 2 and Product.objects.count() == 2


def test_command_refuses_a_bad_file(tmp_path):
    path = write(tmp_path, b"not a workbook")
    with pytest.raises(CommandError, match="không phải bảng tính Excel"):
        call_command("registry_import", str(path))


def test_names_that_differ_only_by_number_are_not_duplicates(tmp_path, users):
    services.create_organization(actor=SYSTEM, name="Tổ hợp tác Bình An 1", province_code="79", ward_code="25864")
    preview = preview_of(tmp_path, {"organizations": [
        org("Tổ hợp tác Bình An 2", address=ADDRESS_TAN_HIEP), org("THT Binh An 1", address=ADDRESS_TAN_HIEP)]})
    two, one = preview["sheets"]["organizations"]
    assert two["duplicate"] is None and one["duplicate"]["kind"] == "name"


ADDRESS_TAN_HIEP = "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"


def test_products_and_certifications_of_organisations_already_in_the_registry(tmp_path, users):
    hong_duc = services.create_organization(actor=SYSTEM, name="HTX Hồng Đức", tax_code=TAX_A, province_code="79")
    services.create_organization(actor=SYSTEM, name="HTX An Giang", tax_code=TAX_B, province_code="91")
    services.create_product(actor=SYSTEM, producer=hong_duc, name="Ổi lê")
    preview = preview_of(tmp_path, {
        "products": [{"producer_name": "htx hong duc", "name": "Xoài cát"},
                     {"producer_tax_code": TAX_A, "name": "Ổi Lê"},
                     {"producer_tax_code": TAX_B, "name": "Gạo"}],
        "certifications": [{"organization_tax_code": TAX_A, "product_name": "Ổi lê", "type": "Hữu cơ",
                            "issue_date": "01/02/2025"}],
    }, actor=users["officer"])
    xoai, oi, gao = preview["sheets"]["products"]
    assert xoai["ref"]["producer"] == {"db": hong_duc.pk, "name": "HTX Hồng Đức"} and xoai["action"] == "create"
    assert oi["duplicate"]["kind"] == "name" and oi["action"] == "merge"
    assert any("Bạn không có quyền cập nhật hồ sơ của “HTX An Giang”" in e for e in errors_of(gao))
    commit_mod.commit(preview, actor=users["officer"])
    assert sorted(hong_duc.products.values_list("name", flat=True)) == ["Xoài cát", "Ổi lê"]
    assert Certification.objects.get().product.name == "Ổi lê"
