"""Reports on a small program: bad input (period ends before it starts, a program the user may not
see, an empty period), generation as a task with its progress page, downloads audited, the
"what changed since" page, and the PDF of the same report rendered to an image."""

from __future__ import annotations

import datetime
import io
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from htxconnect.core.models import AuditEntry
from htxconnect.programs import services as program_services
from htxconnect.programs.models import Support
from htxconnect.reports import document, services
from htxconnect.reports.models import Report
from tests.tools import require_commands
from tests.workers import held_by_another_worker

D = datetime.date


@pytest.fixture
def program(world):
    admin = world.people["admin"]
    program = program_services.create_program(actor=admin, agency=world.home, name="CT báo cáo", start_year=2025,
                                              end_year=2026)
    group = program_services.add_content_group(actor=admin, program=program, number=1, title="Mã số mã vạch")
    plan = program_services.create_plan(actor=admin, program=program, year=2025)
    program_services.add_target(actor=admin, plan=plan, group=group, title="Mã vạch cho 05 HTX",
                                indicator="orgs_supported", params={"kinds": ["barcode"]}, value=5, unit="HTX")
    program_services.record_support(actor=admin, organization=world.org, program=program, group=group,
                                    kind="barcode", title="Cấp mã số mã vạch", given_on=D(2025, 3, 1),
                                    amount_state=6_900_000_000)
    program_services.record_support(actor=admin, organization=world.other_org, program=program, group=group,
                                    kind="consulting", title="=HYPERLINK(\"http://x\")", given_on=D(2025, 4, 1))
    return program


def fields(**extra):
    return {"kind": Report.Kind.SEMI_ANNUAL, "period_start": D(2025, 1, 1), "period_end": D(2025, 6, 30),
            "place": "Thành phố Hồ Chí Minh", "issued_on": D(2025, 7, 10), "subject": "Sơ kết 6 tháng đầu năm 2025",
            **extra}


def form_data(program, **extra):
    data = {"program": program.pk, "kind": "period", "period_start": "2025-01-01", "period_end": "2025-06-30",
            "place": "Thành phố Hồ Chí Minh", "issued_on": "2025-07-10", "subject": "Sơ kết 6 tháng đầu năm 2025",
            "difficulties": "Các hợp tác xã chưa tham gia đầy đủ trong các buổi tập huấn.", "do": "generate"}
    data.update(extra)
    return data


def test_period_ending_before_it_starts_is_refused_naming_the_field(world, program):
    with pytest.raises(ValidationError) as refused:
        services.create_report(actor=world.people["officer"], program=program,
                               **fields(period_start=D(2025, 7, 1), period_end=D(2025, 1, 1)))
    assert "period_end" in refused.value.message_dict
    page = world.client("officer").post("/reports/new/", form_data(program, period_start="2025-07-01",
                                                                   period_end="2025-01-01"))
    assert page.status_code == 400
    assert "“Đến ngày” (01/01/2025) phải từ “Từ ngày” (01/07/2025) trở đi" in page.content.decode()
    assert not Report.objects.exists()


def test_a_program_the_user_cannot_see(world, program):
    assert world.client("other_officer").get(f"/reports/new/?program={program.pk}").status_code == 404
    page = world.client("other_officer").post("/reports/new/", form_data(program))
    assert page.status_code == 400 and not Report.objects.exists()  # not a choice they have
    assert world.client("coop_manager").get("/reports/new/").status_code == 403
    assert world.client("leader").get("/reports/new/").status_code == 403  # leaders read, officers write


def test_generation_runs_as_a_task_with_progress_and_audited_downloads(world, program, settings, tmp_path,
                                                                         django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    client = world.client("officer")
    assert client.get(f"/reports/new/?program={program.pk}").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/new/", form_data(program))
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.status == Report.Status.DONE, report.error
    assert report.agency == world.home and report.progress["stage"] == "done"
    assert client.get(f"/reports/{report.pk}/progress/")["HX-Refresh"] == "true"
    text = document.text_of(client.get(f"/reports/{report.pk}/download/docx/").getvalue())
    assert "Cấp mã số mã vạch: 01 HTX" in text and "HTX Ma Trận" in text
    assert "06 tỷ 900 triệu đồng" not in text  # a support's sum is written unpadded…
    assert "6.900.000.000 đồng (6 tỷ 900 triệu đồng)" in text  # …in figures and in words
    assert "Các hợp tác xã chưa tham gia đầy đủ trong các buổi tập huấn." in text
    annex = client.get(f"/reports/{report.pk}/download/xlsx/")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(annex.getvalue()))
    assert {"Chỉ tiêu", "Hỗ trợ", "Vốn vay", "Nhãn hiệu chứng nhận", "Số liệu"} <= set(book.sheetnames)
    assert [c.value for c in book["Hỗ trợ"][2]][4] == "HTX Ma Trận"
    formula = next(row[8] for row in book["Hỗ trợ"].iter_rows(min_row=2) if row[8].value.startswith("="))
    assert formula.data_type == "s" and formula.quotePrefix  # a title that looks like a formula stays text
    downloads = AuditEntry.objects.filter(action="reports.report.downloaded")
    assert downloads.count() == 2 and {e.actor_id for e in downloads} == {world.people["officer"].pk}
    assert AuditEntry.objects.filter(action="reports.report.generated", object_id=str(report.pk)).exists()
    # The other agency's staff do not learn the report exists; a leader of the agency reads it.
    assert world.client("other_leader").get(f"/reports/{report.pk}/download/docx/").status_code == 404
    assert world.client("leader").get(f"/reports/{report.pk}/").status_code == 200


def test_a_queued_report_shows_its_progress_and_is_claimed_once(world, program):
    report = services.create_report(actor=world.people["officer"], program=program, **fields())
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING,
                                               progress={"done": 1, "total": 4, "stage": "docx"})
    page = world.client("officer").get(f"/reports/{report.pk}/progress/")
    assert 'hx-trigger="every 1s"' in page.content.decode() and 'value="1"' in page.content.decode()
    assert "HX-Refresh" not in page
    with held_by_another_worker(f"reports.generate:{report.pk}"):  # the worker that claimed it lives
        assert services.run_generation(report.pk) == "running-elsewhere"  # a second worker does nothing
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and not report.docx


def test_a_report_whose_worker_died_mid_generation_is_generated_once_by_the_retry(world, program, settings, tmp_path):
    # The first worker claimed the report, wrote its DOCX and was killed before committing the
    # outcome: the report is still "running", a file is left behind, and nobody holds the lock.
    settings.MEDIA_ROOT = tmp_path
    report = services.create_report(actor=world.people["officer"], program=program, **fields())
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress={"done": 2, "total": 4,
                                                                                       "stage": "pdf"})
    left = tmp_path / "reports" / str(timezone.now().year) / f"bao-cao-{report.pk}.docx"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"half-written by the killed worker")
    assert services.run_generation(report.pk) == "done"
    assert services.run_generation(report.pk) == "not-queued"  # a further delivery does nothing
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.docx.name == f"reports/{left.parent.name}/{left.name}"
    assert left.read_bytes().startswith(b"PK")  # the real DOCX replaced what the dead worker left
    assert sorted(p.name for p in left.parent.glob(f"bao-cao-{report.pk}.docx*")) == [left.name]
    assert AuditEntry.objects.filter(action="reports.report.generated", object_id=str(report.pk)).count() == 1


def test_an_empty_period_gives_a_report_saying_so(world, program, settings, tmp_path,
                                                  django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    report = services.create_report(actor=world.people["officer"], program=program,
                                    **fields(period_start=D(2026, 1, 1), period_end=D(2026, 6, 30)))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_generation(actor=world.people["officer"], report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    with report.docx.open("rb") as handle:
        text = document.text_of(handle.read())
    assert "không có hoạt động nào được ghi nhận" in text
    assert "Trong kỳ chưa có hoạt động được ghi nhận." in text


def test_what_changed_since_page(world, program, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    report = services.create_report(actor=world.people["officer"], program=program, **fields())
    with django_capture_on_commit_callbacks(execute=True):
        services.request_generation(actor=world.people["officer"], report_id=report.pk)
    Support.objects.update(amount_state=7_000_000_000)
    page = world.client("leader").get(f"/reports/{report.pk}/changes/").content.decode()
    assert "6900000000" in page and "7000000000" in page
    assert "Không có số liệu nào thay đổi" not in page


def test_pdf_of_the_report_renders(world, program, tmp_path):
    """DOCX → PDF with LibreOffice headless, then the first page → PNG with pdftoppm."""
    require_commands("soffice", "pdftoppm", how="scripts/install_system_deps.sh (libreoffice-writer-nogui, "
                                                "poppler-utils)")
    from htxconnect.reports import figures, pdf

    report = services.create_report(actor=world.people["officer"], program=program, **fields(number="07/BC-SKHCN"))
    content = document.render(report, figures.collect(report))
    (tmp_path / "r.pdf").write_bytes(pdf.docx_to_pdf(content))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and page.stat().st_size > 5000
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, check=True).stdout.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text


def test_agency_report_across_its_programs(world, program):
    admin = world.people["admin"]
    second = program_services.create_program(actor=admin, agency=world.other, name="CT cơ quan khác", start_year=2025,
                                             end_year=2025)
    third = program_services.create_program(actor=admin, agency=world.home, name="CT thứ hai", start_year=2024,
                                            end_year=2025)
    program_services.record_support(actor=admin, organization=world.org, program=third, kind="iso",
                                    title="ISO 9001:2015", given_on=D(2025, 2, 1))
    report = services.create_report(actor=world.people["officer"], program=None, **fields())
    from htxconnect.reports import figures

    text = document.text_of(document.render(report, figures.collect(report)))
    assert f"1. {third.name}" in text and f"2. {program.name}" in text and second.name not in text
    assert "ISO 9001:2015: 01 HTX" in text and "Cấp mã số mã vạch: 01 HTX" in text


def test_semi_annual_period_from_the_year_and_a_draft_edited_before_generation(world, program):
    client = world.client("officer")
    data = form_data(program, kind="semi_annual", year="2025", period_start="", period_end="", do="save")
    assert client.post("/reports/new/", data).status_code == 302
    report = Report.objects.get()
    assert (report.period_start, report.period_end, report.status) == (D(2025, 1, 1), D(2025, 6, 30), "draft")
    edit = f"/reports/{report.pk}/edit/"
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**data, "next_plan": "Tổ chức 04 buổi hội thảo kết nối cung cầu."}).status_code == 302
    report.refresh_from_db()
    assert report.next_plan == "Tổ chức 04 buổi hội thảo kết nối cung cầu."
    assert world.client("leader").get(edit).status_code == 403  # leaders read
