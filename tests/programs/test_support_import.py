"""Excel import of supports: the preview's outcome for each row of a hand-built workbook (good,
duplicate of a recorded support, duplicate of an earlier row, errors naming column and rule), the
commit creating exactly the good rows in one transaction, refusing when the data changed, and
writing nothing on a failure; the template; the pages and who may use them."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from htxconnect.core.models import AuditEntry
from htxconnect.programs import services, supimport
from htxconnect.programs.models import Support
from htxconnect.registry import services as registry_services
from htxconnect.registry.importer import jobs
from tests.registry.fixtures.workbooks import with_macro
from htxconnect.core.actors import SYSTEM

HEADERS = ["Mã số thuế đơn vị", "Tên đơn vị", "Loại hỗ trợ *", "Nội dung *", "Ngày hỗ trợ *", "Chương trình",
           "Nhóm nội dung", "Ngân sách nhà nước (đồng)", "Đối ứng (đồng)", "Số lượt người", "Ghi chú"]
PROGRAM = "Chương trình phối hợp 2024–2026"  # tests/programs/conftest.py's program


def sheet_rows(program=PROGRAM):
    """Rows 2–10 as an officer would type them; the expected outcome of each is in EXPECTED."""
    return [
        # 2: good, by tax code; the amount written with dots
        ["0100233488", None, "Mã số mã vạch, mã QR", "Mã vạch cho bưởi", "15/03/2025", program, 2, "2.500.000", None,
         None, None],
        # 3: good, by name ("Hợp tác xã" = "HTX"), kind by its code, a real date cell, an integer amount
        [None, "Hợp tác xã Hồng Đức", "training", "Tập huấn VietGAP", datetime.datetime(2025, 4, 10), program, 3,
         12500000, 500000, 45, "Lớp 1"],
        # 4: same organisation, kind, program and date as the support already recorded
        [None, "HTX Hồng Đức", "Mã số mã vạch, mã QR", "Mã vạch (nhập lại)", "01/03/2025", program, 2, None, None,
         None, None],
        # 5: same as row 2 (another title): a duplicate of an earlier row of the file
        ["0100233488", None, "Mã số mã vạch, mã QR", "Mã vạch lần 2", "15/03/2025", program, 2, None, None, None, None],
        # 6: an organisation of another province
        [None, "HTX Long Bình", "Tập huấn", "Tập huấn", "01/05/2025", None, None, None, None, None, None],
        # 7: a wrong tax code check digit, an amount in words
        ["0312687870", None, "Tập huấn", "Tập huấn", "01/05/2025", None, None, "hai triệu", None, None, None],
        # 8: a date outside the program's period
        [None, "HTX Hồng Đức", "Tập huấn", "Tập huấn", "05/01/2023", program, None, None, None, None, None],
        # 9: an unknown kind, a group the program does not have
        [None, "HTX Hồng Đức", "Phân bón", "Phân bón", "01/06/2025", program, 9, None, None, None, None],
        # 10: the template's example row, left in
        ["0312687878", "HTX Nông nghiệp Phước Hòa", "Mã số mã vạch, mã QR", "Hỗ trợ đăng ký mã số mã vạch",
         "15/03/2025", None, 2, "2.500.000", "0", None, "DÒNG VÍ DỤ – xóa dòng này trước khi nhập"],
    ]


def xlsx(rows, headers=HEADERS, title="Hỗ trợ") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def setup(world, users):
    bm = registry_services.create_organization(actor=SYSTEM, name="HTX Bình Minh", province_code="79",
                                               tax_code="0100233488")
    existing = services.record_support(actor=SYSTEM, organization=world["coop"], program=world["program"],
                                       group=world["groups"][1], kind="barcode", title="Mã vạch 2025",
                                       given_on=datetime.date(2025, 3, 1), agency=world["home"])
    return {**world, "bm": bm, "existing": existing, "officer": users["officer"]}


def job_for(user, content: bytes, tmp_path: Path, name="ho-tro.xlsx") -> dict:
    path = tmp_path / name
    path.write_bytes(content)
    job = jobs.create(user_id=user.pk, filename=name, source=path, kind=supimport.KIND)
    return supimport.run_check(job, actor=user)


def outcome(preview) -> dict:
    result = {}
    for row in supimport.rows_of(preview):
        if row["errors"]:
            result[row["row"]] = ("error", sorted({h for h, _m in row["errors"]}))
        elif row["duplicate"]:
            result[row["row"]] = ("duplicate", row["duplicate"].get("target_id") or f"row {row['duplicate']['row']}")
        else:
            result[row["row"]] = (row["action"],)
    return result


@pytest.mark.django_db
def test_preview_says_for_each_row_what_will_happen(setup, tmp_path):
    job = job_for(setup["officer"], xlsx(sheet_rows()), tmp_path)
    assert job["status"] == jobs.READY
    assert outcome(job["preview"]) == {
        2: ("create",),
        3: ("create",),
        4: ("duplicate", setup["existing"].pk),
        5: ("duplicate", "row 2"),
        6: ("error", ["Tên đơn vị"]),
        7: ("error", ["Mã số thuế đơn vị", "Ngân sách nhà nước (đồng)"]),
        8: ("error", ["Ngày hỗ trợ"]),
        9: ("error", ["Loại hỗ trợ", "Nhóm nội dung"]),
        10: ("skip",),
    }
    rows = {r["row"]: r for r in supimport.rows_of(job["preview"])}
    assert rows[2]["values"]["amount_state"] == 2_500_000 and rows[3]["values"]["amount_state"] == 12_500_000
    assert rows[3]["ref"]["organization"]["db"] == setup["coop"].pk
    assert rows[4]["duplicate"]["label"].startswith(f"Trùng khoản hỗ trợ đã có số {setup['existing'].pk} “Mã vạch 2025”"
                                                    f" (01/03/2025)")
    assert rows[5]["duplicate"]["label"] == "Trùng đơn vị, loại, chương trình và ngày với dòng 2 của tệp"
    messages = {r: dict(rows[r]["errors"]) for r in (6, 7, 8, 9)}
    assert "Không tìm thấy đơn vị có “HTX Long Bình”" in messages[6]["Tên đơn vị"]
    assert "sai chữ số kiểm tra" in messages[7]["Mã số thuế đơn vị"]
    assert "không phải số nguyên" in messages[7]["Ngân sách nhà nước (đồng)"]
    assert "nằm ngoài giai đoạn của chương trình (2024–2026)" in messages[8]["Ngày hỗ trợ"]
    assert "“Phân bón” không có trong danh sách" in messages[9]["Loại hỗ trợ"]
    assert messages[9]["Nhóm nội dung"] == f"Chương trình “{PROGRAM}” không có nhóm nội dung số 9."
    assert supimport.counts(job["preview"]) == {"rows": 9, "create": 2, "duplicates": 2, "errors": 4, "examples": 1}
    assert not Support.objects.exclude(pk=setup["existing"].pk).exists()  # a preview writes nothing


@pytest.mark.django_db
def test_commit_creates_exactly_the_good_rows_audited(setup, tmp_path):
    job = job_for(setup["officer"], xlsx(sheet_rows()), tmp_path)
    done = supimport.run_commit(job["id"], actor=setup["officer"])
    assert done["status"] == jobs.COMMITTED and done["result"]["created"] == 2
    new = Support.objects.exclude(pk=setup["existing"].pk).order_by("given_on")
    assert [(s.organization.name, s.kind, s.title, s.given_on, s.amount_state, s.amount_counterpart,
             s.participants, s.group.number, s.agency_id, s.created_by) for s in new] == [
        ("HTX Bình Minh", "barcode", "Mã vạch cho bưởi", datetime.date(2025, 3, 15), 2_500_000, 0, None, 2,
         setup["home"].pk, setup["officer"]),
        ("HTX Hồng Đức", "training", "Tập huấn VietGAP", datetime.date(2025, 4, 10), 12_500_000, 500_000, 45, 3,
         setup["home"].pk, setup["officer"]),
    ]
    assert AuditEntry.objects.filter(action="programs.support.created", actor=setup["officer"]).count() == 2
    entry = AuditEntry.objects.get(action="programs.support.imported")
    assert entry.actor == setup["officer"] and entry.changes["created"] == [None, 2]
    # Committing again writes nothing; importing the same file again finds every row a duplicate.
    assert supimport.run_commit(job["id"], actor=setup["officer"]) is None
    again = job_for(setup["officer"], xlsx(sheet_rows()), tmp_path, name="lan-2.xlsx")
    assert supimport.counts(again["preview"])["create"] == 0
    assert outcome(again["preview"])[2] == ("duplicate", new[0].pk)


@pytest.mark.django_db
def test_commit_refused_when_the_data_changed_since_the_preview(setup, tmp_path):
    job = job_for(setup["officer"], xlsx(sheet_rows()), tmp_path)
    # Meanwhile a colleague records row 3's support by hand.
    services.record_support(actor=SYSTEM, organization=setup["coop"], program=setup["program"], kind="training",
                            title="Tập huấn (nhập tay)", given_on=datetime.date(2025, 4, 10), agency=setup["home"])
    before = Support.objects.count()
    done = supimport.run_commit(job["id"], actor=setup["officer"])
    assert done["status"] == jobs.READY and Support.objects.count() == before
    assert "Dữ liệu đã thay đổi từ lúc xem trước nên không nhập dòng nào: dòng 3: Trùng khoản hỗ trợ đã có" in done[
        "message"]
    assert outcome(done["preview"])[3][0] == "duplicate"  # the preview shown again is today's
    assert not AuditEntry.objects.filter(action="programs.support.imported").exists()
    # Confirming the new preview imports the row that is still good.
    done = supimport.run_commit(job["id"], actor=setup["officer"])
    assert done["status"] == jobs.COMMITTED and done["result"]["created"] == 1


@pytest.mark.django_db
def test_nothing_is_half_committed_when_a_row_fails(setup, tmp_path, monkeypatch):
    job = job_for(setup["officer"], xlsx(sheet_rows()), tmp_path)
    real, calls = services.record_support, []

    def failing_second(**kwargs):
        calls.append(kwargs["title"])
        if len(calls) == 2:
            raise ValidationError({"title": "Lỗi thử nghiệm."})
        return real(**kwargs)

    monkeypatch.setattr(services, "record_support", failing_second)
    before = Support.objects.count()
    done = supimport.run_commit(job["id"], actor=setup["officer"])
    assert calls == ["Mã vạch cho bưởi", "Tập huấn VietGAP"]
    assert Support.objects.count() == before and done["status"] == jobs.READY
    assert done["message"] == "Không nhập dòng nào: dòng 3 bị từ chối (Lỗi thử nghiệm.)."
    assert not AuditEntry.objects.filter(action="programs.support.created", actor=setup["officer"]).exists()


@pytest.mark.django_db
def test_rows_with_errors_download_as_a_workbook_that_reads_back(setup, tmp_path):
    job = job_for(setup["officer"], xlsx(sheet_rows()), tmp_path)
    wb = load_workbook(io.BytesIO(supimport.errors_workbook(job["preview"])))
    ws = wb["Hỗ trợ"]
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0][-1] == "Lỗi cần sửa" and table[0][4] == "Ngày hỗ trợ *"
    assert [r[1] for r in table[1:]] == ["HTX Long Bình", None, "HTX Hồng Đức", "HTX Hồng Đức"]
    assert table[2][0] == "0312687870" and table[2][7] == "hai triệu"
    assert table[3][-1].startswith("Dòng 8 — Ngày hỗ trợ: Ngày hỗ trợ 05/01/2023 nằm ngoài giai đoạn")
    # Fixed and uploaded again as it is (the errors column is read past).
    ws["E4"] = "05/01/2025"
    buffer = io.BytesIO()
    wb.save(buffer)
    again = job_for(setup["officer"], buffer.getvalue(), tmp_path, name="da-sua.xlsx")
    assert outcome(again["preview"])[4] == ("create",)


@pytest.mark.django_db
def test_template_has_headers_an_example_and_notes(setup, users):
    wb = load_workbook(io.BytesIO(supimport.build_template(users["officer"])))
    assert wb.sheetnames == ["Hỗ trợ", "Hướng dẫn", "Danh mục"]
    ws = wb["Hỗ trợ"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws["D2"].value == "Hỗ trợ đăng ký mã số mã vạch" and ws["K2"].value.startswith("DÒNG VÍ DỤ")
    notes = {c.value for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value}
    assert {"Mã số mã vạch, mã QR", "Chi phí đăng ký nhãn hiệu tập thể", "Điện năng lượng mặt trời", "Tập huấn",
            "Khác", PROGRAM, "Thông tin, tuyên truyền"} <= notes
    # The other agency's officer does not see the home agency's programs in their notes.
    other = load_workbook(io.BytesIO(supimport.build_template(users["other_officer"])))
    assert PROGRAM not in {c.value for row in other["Hướng dẫn"].iter_rows() for c in row}


# --- pages --------------------------------------------------------------------------------------------


def upload(client, content: bytes, name="ho-tro.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/programs/supports/import/", {"file": SimpleUploadedFile(name, content)})


@pytest.mark.django_db
def test_officer_uploads_previews_and_commits(setup, clients):
    response = upload(clients["officer"], xlsx(sheet_rows()))
    assert response.status_code == 302
    page = clients["officer"].get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="/programs/supports/{setup["existing"].pk}/"' in html and "với dòng 2 của tệp" in html
    assert "<strong>Ngày hỗ trợ</strong>: Ngày hỗ trợ 05/01/2023 nằm ngoài giai đoạn" in html
    assert "Nhập 2 khoản hỗ trợ" in html
    errors = clients["officer"].get(response["Location"] + "errors.xlsx")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxmlformats")
    # Another officer, even of the same agency, does not see someone else's upload.
    assert clients["other_officer"].get(response["Location"]).status_code == 404
    done = clients["officer"].post(response["Location"] + "commit/")
    assert done.status_code == 302 and Support.objects.count() == 3
    assert "Đã nhập 2 khoản hỗ trợ; 2 dòng trùng không nhập lại, 4 dòng lỗi không nhập." in clients[
        "officer"].get(response["Location"]).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04 not really a zip", "không phải bảng tính Excel"),
    (b"", "Tệp rỗng"),
    ("macro", "macro"),
    ("formula", "chứa công thức"),
    ("columns", "thiếu cột bắt buộc “Loại hỗ trợ”"),
])
def test_a_refused_file_gets_a_clear_message_and_leaves_nothing(setup, clients, settings, content, message):
    if content == "macro":
        content = with_macro(xlsx(sheet_rows()))
    elif content == "formula":
        content = xlsx([[None, "HTX Hồng Đức", "Tập huấn", "=1+1", "01/05/2025"]])
    elif content == "columns":
        content = xlsx([["x"]], headers=["Tên đơn vị", "Nội dung", "Ngày hỗ trợ"])
    response = upload(clients["officer"], content)
    assert response.status_code == 400 and message in response.content.decode()
    root = Path(settings.MEDIA_ROOT) / "imports"
    assert not root.exists() or not any(root.iterdir())


@pytest.mark.django_db
def test_only_officers_and_admins_import(setup, clients):
    for who in ("officer", "admin", "other_officer"):
        assert clients[who].get("/programs/supports/import/").status_code == 200, who
        assert clients[who].get("/programs/supports/import/template.xlsx").status_code == 200, who
    for who in ("leader", "coop_manager", "coop_member", "buyer"):
        assert clients[who].get("/programs/supports/import/").status_code == 403, who
    assert clients["anonymous"].get("/programs/supports/import/").status_code == 302
    html = clients["officer"].get("/programs/supports/").content.decode()
    assert 'href="/programs/supports/import/"' in html
    assert 'href="/programs/supports/import/"' not in clients["leader"].get("/programs/supports/").content.decode()
