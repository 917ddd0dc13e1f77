"""The import pages: who may use them, upload refusals by content, the preview with its choices,
progress polling, commit through the task, the template download."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from htxconnect.core.models import AuditEntry
from htxconnect.registry.importer import jobs
from htxconnect.registry.models import Organization
from tests.registry.fixtures.workbooks import TAX_A, TAX_B, org, with_macro, workbook
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

UPLOAD = "/registry/import/"
ADDRESS = "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, content: bytes, name="to-chuc.xlsx"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def job_url(response) -> str:
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def import_matrix() -> dict:
    """Authorization-matrix entries for these URLs (tests/test_authorization_matrix.py merges them)."""
    from tests.registry.matrix import WHO
    from tests.test_authorization_matrix import Case

    importers = {"admin", "officer", "officer_teammate", "other_officer"}
    only = {w: ("login" if w == "anonymous" else 200 if w in importers else 403) for w in WHO}
    coop = {w: ("login" if w == "anonymous" else 403 if w == "buyer" else 200) for w in WHO}
    missing = {w: ("login" if w == "anonymous" else 404 if w in importers else 403) for w in WHO}
    post_missing = dict(missing)
    job = "00000000-0000-4000-8000-000000000000"
    return {
        "registry_import:upload": Case(UPLOAD, only),
        "registry_import:template": Case(UPLOAD + "template.xlsx", only),
        "registry_import:export_organizations": Case(UPLOAD + "export/organisations.xlsx", coop),
        "registry_import:export_products": Case(UPLOAD + "export/products.xlsx", coop),
        "registry_import:job": Case(f"{UPLOAD}{job}/", missing),
        "registry_import:progress": Case(f"{UPLOAD}{job}/progress/", missing),
        "registry_import:errors": Case(f"{UPLOAD}{job}/errors.xlsx", missing),
        "registry_import:commit": Case(f"{UPLOAD}{job}/commit/", post_missing, method="post"),
        "registry_import:discard": Case(f"{UPLOAD}{job}/discard/", post_missing, method="post"),
    }


def test_only_admins_and_officers_may_import(clients):
    for who in ("admin", "officer", "other_officer"):
        assert clients[who].get(UPLOAD).status_code == 200, who
    for who in ("leader", "coop_manager", "coop_member", "buyer"):
        assert clients[who].get(UPLOAD).status_code == 403, who
    assert clients["anonymous"].get(UPLOAD)["Location"].startswith("/accounts/login/")
    assert clients["buyer"].post(UPLOAD, {"file": SimpleUploadedFile("a.xlsx", workbook({"organizations": [
        org("HTX X", address=ADDRESS)]}))}).status_code == 403
    assert Organization.objects.count() == 0


def test_template_download_has_the_sheets_headers_and_drop_downs(clients):
    response = clients["officer"].get(UPLOAD + "template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Hướng dẫn", "Tổ chức", "Sản phẩm", "Chứng nhận", "OCOP", "Danh mục"]
    headers = [c.value for c in wb["Tổ chức"][1]]
    assert headers[:2] == ["Mã số thuế", "Tên tổ chức *"]
    assert "Địa chỉ (xã/phường, huyện, tỉnh)" in headers
    lists = [dv.formula1 for dv in wb["Tổ chức"].data_validations.dataValidation if dv.type == "list"]
    assert any("Danh mục" in f for f in lists)
    assert wb["Tổ chức"]["A2"].number_format == "@"  # tax codes keep their leading zero
    instructions = " ".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    assert "Mã số thuế" in instructions and "không dùng công thức" in instructions
    sectors = [c.value for c in wb["Danh mục"]["A"] if c.value]
    assert sectors  # lists sheet filled


def test_upload_preview_choose_and_commit(clients, users):
    content = workbook({"organizations": [
        org("HTX Một", tax_code=TAX_A, address=ADDRESS),
        org("HTX Hai", address="huyện Phú Giáo, tỉnh Bình Dương"),
        org("HTX Ba", tax_code="0312687870", address=ADDRESS),
    ]})
    client = clients["officer"]
    url = job_url(upload(client, content))
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Dòng 4, cột “Mã số thuế”" in html and "phải là 8" in html
    assert "xã Tân Hiệp, huyện Phú Giáo, tỉnh Bình Dương" in html and "→ Xã Phước Thành, Thành phố Hồ Chí Minh" in html
    assert 'name="ward-organizations-3"' in html and "Xã Phước Hòa" in html
    assert summary_cells(html) == [["Tổ chức", "3", "2", "0", "0", "0", "1"]]
    assert Organization.objects.count() == 0

    ward = re.search(r'<option value="(\d+)">Xã Phước Hòa</option>', html).group(1)
    response = client.post(url + "commit/", {"ward-organizations-3": ward, "action-organizations-2": "create",
                                             "do": "commit"})
    assert response.status_code == 302
    done = client.get(url).content.decode()
    assert "Đã nhập xong" in done and "tổ chức: 2 tạo mới" in done
    assert Organization.objects.get(name="HTX Hai").ward_name == "Xã Phước Hòa"
    assert not Organization.objects.filter(name="HTX Ba").exists()
    entry = AuditEntry.objects.get(action="registry.import.committed")
    assert entry.actor == users["officer"] and entry.object_repr == "to-chuc.xlsx"
    # A second commit of the same job does nothing.
    client.post(url + "commit/", {"do": "commit"})
    assert Organization.objects.count() == 2


def summary_cells(html: str) -> list[list[str]]:
    """The summary table's body as text: sheet, rows, new, updated, duplicates, skipped, errors."""
    body = re.search(r'<table[^>]*id="import-summary".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_rows_with_errors_download_as_a_workbook_that_imports_once_fixed(clients):
    book = load_workbook(io.BytesIO(workbook({
        "organizations": [org("HTX Một", tax_code=TAX_A, address=ADDRESS),
                          org("HTX Hai", tax_code="0312687870", address=ADDRESS),
                          org("HTX Ba", address="xã Không Có, tỉnh Không Có")],
        "products": [{"producer_tax_code": TAX_A, "name": "Bưởi", "gtin": "8930000000018"}],
    })))
    typed = book["Tổ chức"].cell(row=3, column=17, value='=HYPERLINK("x")')
    typed.data_type = "s"  # text the user typed that starts with "=" (a text cell, not a formula)
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    client = clients["officer"]
    url = job_url(upload(client, content))
    html = client.get(url).content.decode()
    assert "Tải 3 dòng lỗi (.xlsx)" in html
    response = client.get(url + "errors.xlsx")
    assert response.status_code == 200 and "dong-loi.xlsx" in response["Content-Disposition"]
    (entry,) = AuditEntry.objects.filter(action="registry.export.import_errors")  # every export is audited
    assert entry.actor.username == "u_officer" and entry.object_repr.endswith("dong-loi.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Tổ chức", "Sản phẩm"]
    orgs = list(wb["Tổ chức"].iter_rows(values_only=True))
    assert orgs[0][-1] == "Lỗi cần sửa" and [r[1] for r in orgs[1:]] == ["HTX Hai", "HTX Ba"]
    assert orgs[1][0] == "0312687870" and "Dòng 3 — Mã số thuế" in orgs[1][-1]
    assert "Dòng 4 — Địa chỉ" in orgs[2][-1]
    phone = wb["Tổ chức"].cell(row=2, column=17)
    assert phone.value == '=HYPERLINK("x")' and phone.data_type == "s"  # stays text, never a formula
    assert [r[3] for r in wb["Sản phẩm"].iter_rows(min_row=2, values_only=True)] == [None]  # category not typed
    assert "GTIN" in list(wb["Sản phẩm"].iter_rows(min_row=2, values_only=True))[0][-1]

    # Fix the cells in the downloaded file and upload it again as it is (the notes column is read past).
    ws = wb["Tổ chức"]
    ws.cell(row=2, column=1).value = TAX_B
    ws.cell(row=2, column=17).value = "0909123456"
    ws.cell(row=3, column=14).value = ADDRESS
    wb["Sản phẩm"].cell(row=2, column=7).value = "8930000000019"
    wb["Sản phẩm"].cell(row=2, column=1).value = TAX_B
    fixed = io.BytesIO()
    wb.save(fixed)
    again = client.get(job_url(upload(client, fixed.getvalue(), "sua.xlsx"))).content.decode()
    assert summary_cells(again) == [["Tổ chức", "2", "2", "0", "0", "0", "0"],
                                    ["Sản phẩm", "1", "1", "0", "0", "0", "0"]]
    assert "dòng lỗi" not in again


def test_ocop_rows_show_product_stars_producer_and_decision(clients):
    url = job_url(upload(clients["officer"], workbook({
        "organizations": [org("HTX Một", tax_code=TAX_A, address=ADDRESS)],
        "ocop": [{"producer_tax_code": TAX_A, "product_name": "Bưởi da xanh", "stars": 4, "total_score": 78,
                  "decision_number": "3150/QĐ-UBND", "decision_date": "01/07/2024"}]})))
    html = clients["officer"].get(url).content.decode()
    assert "Bưởi da xanh" in html and "4★" in html and "3150/QĐ-UBND · 01/07/2024 · 78 điểm" in html
    assert summary_cells(html)[1] == ["OCOP", "1", "1", "0", "0", "0", "0"]


def test_errors_workbook_of_a_job_without_errors_says_so(clients):
    url = job_url(upload(clients["officer"], workbook({"organizations": [org("HTX Một", address=ADDRESS)]})))
    response = clients["officer"].get(url + "errors.xlsx", follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "không có dòng lỗi nào" in response.content.decode()


def test_a_new_job_shows_moving_progress_before_the_worker_starts(clients, users):
    job = jobs.create(user_id=users["admin"].pk, filename="x.xlsx", source=_path(workbook(
        {"organizations": [org("HTX Một", address=ADDRESS)]})))
    html = clients["admin"].get(f"{UPLOAD}{job['id']}/").content.decode()
    bar = re.search(r"<progress[^>]*>", html).group(0)
    assert "value=" not in bar  # indeterminate: the browser animates it at once
    assert "Đang chờ xử lý" in html
    upload_page = clients["admin"].get(UPLOAD).content.decode()
    assert "data-upload-progress" in upload_page and "js/upload-progress.js" in upload_page


def test_discard_writes_nothing(clients):
    client = clients["admin"]
    url = job_url(upload(client, workbook({"organizations": [org("HTX Một", address=ADDRESS)]})))
    job_id = url.rstrip("/").split("/")[-1]
    assert client.post(url + "discard/").status_code == 302
    assert jobs.load(job_id) is None and Organization.objects.count() == 0


def test_a_job_is_visible_only_to_its_owner(clients):
    url = job_url(upload(clients["officer"], workbook({"organizations": [org("HTX Một", address=ADDRESS)]})))
    assert clients["other_officer"].get(url).status_code == 404
    assert clients["admin"].get(url).status_code == 404
    assert clients["other_officer"].post(url + "commit/", {"do": "commit"}).status_code == 404
    assert Organization.objects.count() == 0


def test_progress_partial_polls_while_running_and_refreshes_when_done(clients, users):
    job = jobs.create(user_id=users["admin"].pk, filename="x.xlsx", source=_path(workbook(
        {"organizations": [org("HTX Một", address=ADDRESS)]})))
    html = clients["admin"].get(f"{UPLOAD}{job['id']}/progress/")
    assert 'hx-trigger="every 1s"' in html.content.decode() and "HX-Refresh" not in html
    jobs.set_progress(job, "checking", 3, 10)
    assert "3/10" in clients["admin"].get(f"{UPLOAD}{job['id']}/").content.decode()
    job["status"] = jobs.READY
    job["preview"] = {"sheets": {}, "titles": {}, "columns": {}}
    jobs.save(job)
    response = clients["admin"].get(f"{UPLOAD}{job['id']}/progress/")
    assert response["HX-Refresh"] == "true" and 'hx-trigger' not in response.content.decode()


def _path(content):
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.write(content)
    handle.close()
    return handle.name


@pytest.mark.parametrize("content,name,message", [
    (b"Ten,MST\nHTX,1\n", "to-chuc.xlsx", "không phải bảng tính Excel .xlsx"),
    (b"", "rong.xlsx", "Tệp rỗng (0 byte)"),
    ("macro", "to-chuc.xlsx", "Tệp có chứa macro"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "cu.xls", "Excel 97–2003 (.xls)"),
])
def test_upload_refusals_by_content_keep_the_form(clients, content, name, message):
    if content == "macro":
        content = with_macro(workbook({"organizations": [org("HTX Một", address=ADDRESS)]}))
    response = upload(clients["officer"], content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not list(jobs.root().glob("*/job.json"))  # a refused file is not kept


def test_upload_too_big_is_refused_with_sizes(clients, settings):
    settings.REGISTRY_IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(clients["officer"], b"PK" + b"\0" * (2 * 1024 * 1024))
    text = response.content.decode()
    assert response.status_code == 400 and "vượt giới hạn 1 MB" in text and "2,0 MB" in text


def test_formula_and_wrong_columns_are_shown_on_the_job_page(clients):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổ chức"
    ws.append(["Tên tổ chức", "Số thành viên"])
    ws.append(["HTX Một", "=1+1"])
    buffer = io.BytesIO()
    wb.save(buffer)
    page = clients["officer"].get(job_url(upload(clients["officer"], buffer.getvalue()))).content.decode()
    assert "Tệp không nhập được" in page and "ô B2 chứa công thức" in page

    ws["B1"] = "Cột lạ"
    ws["B2"] = 1
    buffer = io.BytesIO()
    wb.save(buffer)
    page = clients["officer"].get(job_url(upload(clients["officer"], buffer.getvalue()))).content.decode()
    assert "có cột không thuộc mẫu “Cột lạ” (cột B)" in page
    assert Organization.objects.count() == 0


def test_duplicate_offered_for_merge_on_the_page(clients):
    from htxconnect.registry import services

    services.create_organization(actor=SYSTEM, name="HTX Cũ", tax_code=TAX_B, province_code="79", ward_code="25864")
    client = clients["officer"]
    url = job_url(upload(client, workbook({"organizations": [org("HTX Cũ đổi tên", tax_code=TAX_B, address=ADDRESS)]})))
    html = client.get(url).content.decode()
    assert "Trùng mã số thuế với “HTX Cũ” đã có trong sổ" in html
    assert 'value="merge" selected' in html and 'value="skip"' in html
    client.post(url + "commit/", {"action-organizations-2": "skip", "do": "commit"})
    assert Organization.objects.get().name == "HTX Cũ"


def test_commit_failing_on_one_row_writes_nothing_and_says_which(clients):
    from htxconnect.registry import services

    client = clients["officer"]
    url = job_url(upload(client, workbook({"organizations": [
        org("HTX Một", tax_code=TAX_A, address=ADDRESS), org("HTX Hai", tax_code=TAX_B, address=ADDRESS)]})))
    # Someone registers the second tax code (in another province) between preview and commit.
    services.create_organization(actor=SYSTEM, name="Đơn vị khác", tax_code=TAX_B, province_code="91")
    client.post(url + "commit/", {"do": "commit"})
    html = client.get(url).content.decode()
    assert "Không nhập dòng nào. Trang “Tổ chức”, dòng 3" in html
    assert list(Organization.objects.values_list("name", flat=True)) == ["Đơn vị khác"]
    assert not AuditEntry.objects.filter(action="registry.import.committed").exists()


def test_list_page_links_to_import_for_importers_and_export_for_all(clients):
    for who, sees_import in (("officer", True), ("admin", True), ("leader", False), ("coop_manager", False)):
        body = clients[who].get("/registry/", {"q": "hong"}).content.decode()
        assert ("/registry/import/" in body.replace("/registry/import/export", "")) is sees_import, who
        assert "/registry/import/export/organisations.xlsx?q=hong" in body, who
