"""Label sheets: the PDF rendered to PNG decodes (zbar) to the right Digital Links and GTINs."""

import subprocess

import pytest
from django.utils import timezone

from htxconnect.resolver import labels, services
from htxconnect.core.models import AuditEntry
from htxconnect.resolver.models import PrintRun
from tests.tools import require_commands
from tests.workers import held_by_another_worker
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db
needs_tools = pytest.mark.usefixtures("decoding_tools")


@pytest.fixture
def decoding_tools():
    require_commands("pdftoppm", "zbarimg")


def decode(pdf: bytes, tmp_path, page: int = 1, crop=None, name="p") -> list[str]:
    """Symbols zbar finds on one page (or in a crop (x, y, w, h) in points of it)."""
    (tmp_path / "s.pdf").write_bytes(pdf)
    args = ["pdftoppm", "-r", "300", "-f", str(page), "-l", str(page), "-png", "-gray"]
    if crop is not None:
        x, y, w, h = (round(v * 300 / 72) for v in crop)
        args += ["-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)]
    subprocess.run(args + [str(tmp_path / "s.pdf"), str(tmp_path / name)], check=True)
    png = sorted(tmp_path.glob(f"{name}*.png"))[0]
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sean13.enable", str(png)],
                         capture_output=True, text=True)
    return out.stdout.splitlines()


@needs_tools
@pytest.mark.parametrize("layout,per_page", [("a4_3x8", 24), ("a4_2x7", 14), ("roll_50x30", 1)])
def test_sheet_decodes(layout, per_page, lot, tmp_path, settings):
    settings.SITE_URL = "https://htx.example.vn"
    run = services.create_print_run(actor=SYSTEM, lot=lot, layout=layout, count=per_page, with_serials=True)
    pdf = labels.render(labels.labels_for(run, "https://htx.example.vn"), layout)
    assert pdf.startswith(b"%PDF")
    assert any(v.startswith("https://") for v in decode(pdf, tmp_path))  # the whole page scans
    # Each label on its own (zbar reports identical linear symbols of one image once, and a
    # phone sees one label at a time): its QR code and its EAN-13.
    layout_def = labels.LAYOUTS[layout]
    qrs, eans = [], []
    for i in range(per_page):
        row, col = divmod(i, layout_def.cols)
        x = layout_def.left + col * (layout_def.width + layout_def.gap_x)
        y = layout_def.top + row * (layout_def.height + layout_def.gap_y)
        found = decode(pdf, tmp_path, crop=(x, y, layout_def.width, layout_def.height), name=f"c{i}_")
        qrs += [v for v in found if v.startswith("https://")]
        eans += [v for v in found if v.isdigit()]
    expected = [f"https://htx.example.vn/01/{lot.product.gtin}/10/{lot.code}/21/{n}?17=261130"
                for n in range(run.serial_from, run.serial_to + 1)]
    assert qrs == expected
    assert eans == [lot.product.gtin[1:]] * per_page


def test_vietnamese_font_is_embedded(lot):
    name, _bold = labels.fonts()
    assert name == "HTXSans"
    run = services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_3x8", count=3)
    pdf = labels.render(labels.labels_for(run, "https://h.vn"), "a4_3x8")
    assert b"DejaVu" in pdf or b"Noto" in pdf or b"Liberation" in pdf


def test_demo_codes_are_marked_on_labels(lot):
    run = services.create_print_run(actor=SYSTEM, lot=lot, layout="roll_50x30", count=1)
    assert labels.labels_for(run, "https://h.vn")[0].demo is True  # the fixture's prefix is a demo prefix


def test_print_runs_record_serial_ranges(lot):
    a = services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_3x8", count=24, with_serials=True)
    b = services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_2x7", count=14, with_serials=True)
    assert (a.serial_from, a.serial_to, b.serial_from, b.serial_to) == (1, 24, 25, 38)


def test_small_run_inline_large_run_as_task(lot, clients, django_capture_on_commit_callbacks):
    r = clients["coop_manager"].post(f"/trace/lots/{lot.pk}/labels/new/", {"layout": "a4_3x8", "count": 24})
    run = PrintRun.objects.get()
    assert r.status_code == 302 and run.status == "done" and run.progress == 100
    assert clients["coop_manager"].get(f"/trace/labels/{run.pk}/pdf")["Content-Type"] == "application/pdf"
    assert clients["other_officer"].get(f"/trace/labels/{run.pk}/pdf").status_code == 404
    (entry,) = AuditEntry.objects.filter(action="resolver.printrun.exported")  # downloads are audited
    assert entry.actor.username == "u_coop_manager" and entry.object_id == str(run.pk)
    with django_capture_on_commit_callbacks(execute=True):
        clients["coop_manager"].post(f"/trace/lots/{lot.pk}/labels/new/", {"layout": "a4_3x8", "count": 240})
    big = PrintRun.objects.order_by("-pk").first()
    big.refresh_from_db()
    assert big.count == 240 and big.status == "done"  # the immediate task backend ran it after commit


def test_a_large_run_is_queued_in_its_own_transaction(lot, clients, database_task_queue,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        r = clients["coop_manager"].post(f"/trace/lots/{lot.pk}/labels/new/", {"layout": "a4_3x8", "count": 240})
    run = PrintRun.objects.get()
    assert r.status_code == 302 and run.status != "done"
    assert database_task_queue() == [("htxconnect.resolver.labels.render_labels_task", [run.pk])]


def test_a_label_run_is_rendered_once_whatever_the_deliveries(lot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_3x8", count=30)
    # A live worker is rendering it: a second delivery leaves it alone.
    with held_by_another_worker(f"resolver.labels:{run.pk}"):
        assert labels.render_labels_task.call(run.pk) == "pending"
    # The first worker was killed after writing the PDF but before recording it: the retry renders
    # it again under the same name, so one file is left, recorded on the run.
    folder = tmp_path / "resolver" / "labels" / str(timezone.now().year)
    folder.mkdir(parents=True)
    (folder / f"nhan-{lot.code}-{run.pk}.pdf").write_bytes(b"left by a killed worker")
    assert labels.render_labels_task.call(run.pk) == "done"
    assert labels.render_labels_task.call(run.pk) == "done"  # a further delivery does nothing
    run.refresh_from_db()
    assert [p.name for p in folder.iterdir()] == [f"nhan-{lot.code}-{run.pk}.pdf"]
    assert run.pdf.name == f"resolver/labels/{folder.name}/nhan-{lot.code}-{run.pk}.pdf"
    assert (folder / run.pdf.name.rsplit("/", 1)[1]).read_bytes().startswith(b"%PDF")
