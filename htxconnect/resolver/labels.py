"""Label sheets as PDF: A4 layouts (3 × 8, 2 × 7) and a 50 × 30 mm roll.

Each label carries the GS1 Digital Link QR code (with the lot, the serial when numbered and
the expiry date as AI 17), the EAN-13 of the GTIN, the product name in Vietnamese (DejaVu Sans,
which has every Vietnamese glyph), the lot and its dates. Small runs render at once; large ones
as a task that reports its progress on the print run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import segno
from django.core.files.base import ContentFile
from django_tasks import task
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import eanbc
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from htxconnect.core import identifiers as gs1, joblock, outbox

from .models import PrintRun

INLINE_LIMIT = 100  # labels; more → a task
FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
]


def fonts() -> tuple[str, str]:
    """(regular, bold) font names with Vietnamese glyphs; Helvetica only if none is installed."""
    if "HTXSans" in pdfmetrics.getRegisteredFontNames():
        return "HTXSans", "HTXSans-Bold"
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            pdfmetrics.registerFont(TTFont("HTXSans", regular))
            pdfmetrics.registerFont(TTFont("HTXSans-Bold", bold if Path(bold).is_file() else regular))
            return "HTXSans", "HTXSans-Bold"
    return "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    cols: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    gap_x: float = 0
    gap_y: float = 0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows


LAYOUTS = {
    PrintRun.Layout.A4_3X8: Layout(A4, 3, 8, 70 * mm, 37 * mm, 0, 0.5 * mm),
    PrintRun.Layout.A4_2X7: Layout(A4, 2, 7, 99.1 * mm, 38.1 * mm, 4.65 * mm, 15.15 * mm, 2.5 * mm, 0),
    PrintRun.Layout.ROLL_50X30: Layout((50 * mm, 30 * mm), 1, 1, 50 * mm, 30 * mm, 0, 0),
}


@dataclass(frozen=True)
class LabelData:
    uri: str
    gtin: str
    name: str
    lot: str
    produced: str
    expires: str
    serial: str = ""
    demo: bool = False


def label_uri(site: str, gtin: str, lot: str, serial: str = "", expiry=None) -> str:
    uri = gs1.GS1Key("01", gtin, lot=lot, serial=serial or None).digital_link(site)
    if expiry is not None:
        uri += f"?17={expiry:%y%m%d}"
    return uri


def is_demo_gtin(gtin: str) -> bool:
    """A GTIN of a demo company prefix (ours, or the registry's demo block): labels say so."""
    from htxconnect.registry.demo import DEMO_GTIN_COMPANY

    from .models import CompanyPrefix

    body = gtin[1:] if gtin.startswith("0") else gtin
    if body.startswith(DEMO_GTIN_COMPANY):
        return True
    return any(body.startswith(p) for p in CompanyPrefix.objects.filter(is_demo=True).values_list("prefix", flat=True))


def labels_for(run: PrintRun, site: str) -> list[LabelData]:
    lot, product = run.lot, run.lot.product
    demo = is_demo_gtin(product.gtin)
    serials = [str(n) for n in range(run.serial_from, run.serial_to + 1)] if run.with_serials else [""] * run.count
    return [LabelData(uri=label_uri(site, product.gtin, lot.code, s, lot.expiry_date), gtin=product.gtin,
                      name=product.name, lot=lot.code, produced=f"{lot.production_date:%d/%m/%Y}",
                      expires=f"{lot.expiry_date:%d/%m/%Y}" if lot.expiry_date else "", serial=s, demo=demo)
            for s in serials]


def _qr(c: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    cell = size / n
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        c_start = None
        for col in range(n + 1):
            on = col < n and row[col]
            if on and c_start is None:
                c_start = col
            elif not on and c_start is not None:
                c.rect(x + c_start * cell, y + size - (r + 1) * cell, (col - c_start) * cell, cell, stroke=0, fill=1)
                c_start = None


def _ean13(c: canvas.Canvas, gtin14: str, x: float, y: float, bar_height: float, module: float) -> None:
    """EAN-13 for a GTIN-13 (GTIN-14 starting with 0); GTIN-8 and true GTIN-14 are not drawn here."""
    code = gtin14[1:] if gtin14.startswith("0") else gtin14
    widget = eanbc.Ean13BarcodeWidget(code[:12], barHeight=bar_height, barWidth=module, fontSize=6,
                                      humanReadable=True, quiet=True)
    x0, y0, w, h = widget.getBounds()
    drawing = Drawing(w - x0, h - y0)
    widget.x, widget.y = -x0, -y0
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _fit(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if c.stringWidth(trial, font, size) <= width:
            line = trial
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines[:2]


def _label(c: canvas.Canvas, data: LabelData, x: float, y: float, w: float, h: float, regular: str, bold: str) -> None:
    pad = 2 * mm
    # The QR code keeps its quiet zone of 4 modules on every side inside the label.
    n = len(segno.make(data.uri, error="m", micro=False).matrix)
    box = min(h, w * 0.46)
    qr_size = box * n / (n + 8)
    quiet = (box - qr_size) / 2
    _qr(c, data.uri, x + quiet, y + (h - qr_size) / 2, qr_size)
    tx = x + box + 0.5 * mm
    tw = x + w - pad - tx
    top = y + h - pad - 2.2 * mm
    c.setFillColorRGB(0, 0, 0)
    name_size = 7 if h > 32 * mm else 6
    for i, line in enumerate(_fit(c, data.name, bold, name_size, tw)):
        c.setFont(bold, name_size)
        c.drawString(tx, top - i * (name_size + 1), line)
    c.setFont(regular, 5.5)
    info = [f"Lô: {data.lot}", f"NSX: {data.produced}"]
    if data.expires:
        info.append(f"HSD: {data.expires}")
    if data.serial:
        info.append(f"Số: {data.serial}")
    if data.demo:  # demo codes are not real GS1 allocations: never let such a label pass as real
        info.append("MÃ MẪU – DEMO")
    line_y = top - 2 * (name_size + 1) - 1
    bar_height = max(6 * mm, h * 0.25)
    room = line_y - (y + pad + bar_height + 2 * mm)
    step = min(6.3, room / max(1, len(info) - 1)) if len(info) > 1 else 6.3
    for i, text in enumerate(info):
        c.setFont(bold if text.startswith("MÃ MẪU") else regular, 5.5)
        c.drawString(tx, line_y - i * step, text)
    # EAN-13 at 80 % magnification (module 0.264 mm), the smallest size GS1 allows for retail.
    module = min(0.264 * mm, tw / 113)
    if not data.gtin.startswith("000000"):
        _ean13(c, data.gtin, tx - 1 * mm, y + pad - 1.0 * mm, bar_height=bar_height, module=module)


def render(labels: list[LabelData], layout_key: str, *, progress=None) -> bytes:
    layout = LAYOUTS[layout_key]
    regular, bold = fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=layout.page, pageCompression=1)
    c.setTitle("HTX Connect – nhãn truy xuất")
    page_w, page_h = layout.page
    pages = max(1, -(-len(labels) // layout.per_page))
    for page in range(pages):
        chunk = labels[page * layout.per_page:(page + 1) * layout.per_page]
        for i, data in enumerate(chunk):
            row, col = divmod(i, layout.cols)
            x = layout.left + col * (layout.width + layout.gap_x)
            y = page_h - layout.top - (row + 1) * layout.height - row * layout.gap_y
            _label(c, data, x, y, layout.width, layout.height, regular, bold)
        c.showPage()
        if progress is not None:
            progress(round(100 * (page + 1) / pages))
    c.save()
    return out.getvalue()


def site_root() -> str:
    from django.conf import settings

    return (settings.SITE_URL or "https://htxconnect.vn").rstrip("/")


def render_print_run(run_id: int) -> PrintRun | None:
    """Render the run's sheet once, however often the task runs: the run's lock (core.joblock) is
    held while rendering, so a second run while the first lives does nothing, and a run after the
    first was killed mid-render (no PDF saved, still "pending") renders it again."""
    with joblock.exclusive(f"resolver.labels:{run_id}") as mine:
        if not mine:
            return PrintRun.objects.filter(pk=run_id).first()
        return _render_print_run(run_id)


def _render_print_run(run_id: int) -> PrintRun | None:
    run = PrintRun.objects.select_related("lot__product").filter(pk=run_id).first()
    if run is None or run.status == PrintRun.Status.DONE:
        return run

    def progress(percent):
        PrintRun.objects.filter(pk=run.pk).update(progress=percent)

    try:
        pdf = render(labels_for(run, site_root()), run.layout, progress=progress)
    except Exception:
        PrintRun.objects.filter(pk=run.pk).update(status=PrintRun.Status.FAILED)
        raise
    joblock.save_replacing(run.pdf, f"nhan-{run.lot.code}-{run.pk}.pdf", ContentFile(pdf))
    run.status, run.progress = PrintRun.Status.DONE, 100
    run.save(update_fields=["pdf", "status", "progress"])
    return run


def start(run: PrintRun) -> None:
    """Render now (small runs) or after commit as a task (large runs)."""
    if run.count <= INLINE_LIMIT:
        render_print_run(run.pk)
        run.refresh_from_db()
        return
    outbox.enqueue_on_commit(render_labels_task, run.pk)


@task(queue_name="labels")
def render_labels_task(print_run_id: int) -> str:
    """Render a print run's PDF (safe to retry: a finished run is left alone).

    Defined beside render_print_run so that start() can queue it without an import cycle
    through resolver.tasks (which re-exports it)."""
    run = render_print_run(print_run_id)
    return run.status if run is not None else "missing"

