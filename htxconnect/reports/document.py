"""The report as a Word document in the layout of Decree 30/2020/NĐ-CP (Appendix I): A4, Times New
Roman 13 pt; top left the superior body, the issuing body in bold and "Số: …"; top right the
national title and motto in bold, place and date in italics; "BÁO CÁO" and the subject line; the
body; bottom left "Nơi nhận:" (bold italic 12 pt) and bottom right the signature block.

The template is built here with python-docx (so the layout is code, reviewed like code) and
filled by docxtpl: the header fields and lists are Jinja placeholders, the body is a sub-document
written from the content `figures.collect` returned.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docxtpl import DocxTemplate

from htxconnect.core.numbers import long_date, two_digits

FONT = "Times New Roman"
BODY_PT = 13
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TARGET_COLUMNS = (1.4, 3.8, 5.1, 2.3, 2.3, 1.6)  # cm: year, group, target, plan, actual, rate (16.5 cm of text)
# A period covering part of a year (half-year report): the annual target, the actual in the period,
# the cumulative since 1 January, and the cumulative as a share of the annual target.
PARTIAL_TARGET_COLUMNS = (1.2, 2.9, 4.0, 2.1, 2.1, 2.1, 2.1)
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def _font(run, size=BODY_PT, bold=False, italic=False):
    """Times New Roman on every script (Vietnamese is "Latin" to Word, but a run may be tagged East
    Asian), the size and the emphasis. Only what differs from a plain run is written (a report's
    body has thousands of runs)."""
    run.font.name = FONT
    fonts = run._element.rPr.rFonts
    fonts.set(qn("w:eastAsia"), FONT)
    fonts.set(qn("w:cs"), FONT)
    run.font.size = Pt(size)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    return run


def _para(container, text="", size=BODY_PT, bold=False, italic=False, align=None, after=0, before=0, indent=None):
    p = container.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold, italic)
    fmt = p.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if align is not None:
        p.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    return p


def _rule(container, indent_cm: tuple[float, float]):
    """A short solid line under a header block: an empty, tiny paragraph with a bottom border,
    indented on both sides to the line's length."""
    paragraph = _para(container, "", 2, align=WD_ALIGN_PARAGRAPH.CENTER)
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    paragraph.paragraph_format.left_indent = Cm(indent_cm[0])
    paragraph.paragraph_format.right_indent = Cm(indent_cm[1])
    paragraph.paragraph_format.line_spacing = Pt(2)
    return paragraph


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tbl_pr.append(borders)


def _keep_rows_whole(table, header: bool = False):
    """No row breaks across pages (the signature block stays in one piece); the first row of a data
    table repeats on each page."""
    for index, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if header and index == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))


def _widths(table, widths):
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def build_template() -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    center = WD_ALIGN_PARAGRAPH.CENTER

    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(header)
    _widths(header, [Cm(6.5), Cm(10.0)])
    left, right = header.rows[0].cells
    left.paragraphs[0].alignment = center
    _font(left.paragraphs[0].add_run("{{ superior_body }}"), 12)
    _para(left, "{{ issuing_body }}", 12, bold=True, align=center)
    _rule(left, (2.0, 2.0))
    _para(left, "Số: {{ number }}", 13, align=center, before=6)
    right.paragraphs[0].alignment = center
    _font(right.paragraphs[0].add_run(NATIONAL_TITLE), 12, bold=True)
    _para(right, MOTTO, 13, bold=True, align=center)
    _rule(right, (2.4, 2.4))
    _para(right, "{{ place_and_date }}", 13, italic=True, align=center, before=6)

    _para(doc, "BÁO CÁO", 14, bold=True, align=center, before=18)
    _para(doc, "{{ subject }}", 14, bold=True, align=center)
    _rule(doc, (6.5, 6.5)).paragraph_format.space_after = Pt(12)
    _para(doc, "{{p body }}")

    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    _widths(sign, [Cm(8.25), Cm(8.25)])
    _keep_rows_whole(sign)
    left, right = sign.rows[0].cells
    _font(left.paragraphs[0].add_run("Nơi nhận:"), 12, bold=True, italic=True)
    _para(left, "{%p for r in recipients %}", 11)
    _para(left, "{{ r }}", 11)
    _para(left, "{%p endfor %}", 11)
    right.paragraphs[0].alignment = center
    _font(right.paragraphs[0].add_run("{{ signer_authority }}"), 13, bold=True)
    _para(right, "{{ signer_title }}", 13, bold=True, align=center)
    _para(right, "", 13, after=48)
    _para(right, "{{ signer_name }}", 13, bold=True, align=center)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _body(tpl: DocxTemplate, report, content: dict):
    sd = tpl.new_subdoc()
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY

    def heading(text):
        _para(sd, text, bold=True, after=6, before=6, indent=Cm(1), align=justify)

    def text(value, italic=False):
        _para(sd, value, italic=italic, after=6, indent=Cm(1), align=justify)

    programs = content["programs"]
    intro = (f"Thực hiện {programs[0]['name']}, " if len(programs) == 1 else "") + \
        f"{report.issuing_body or report.agency.name} báo cáo kết quả thực hiện {content['period']['text']} như sau:"
    text(intro)
    if content["empty"]:
        text("Trong kỳ báo cáo không có hoạt động nào được ghi nhận trên hệ thống (không có khoản hỗ trợ, "
             "khoản vay, sự kiện hay hồ sơ nào trong kỳ).")
    part = 0

    def part_heading(title):
        nonlocal part
        heading(f"{ROMAN[part]}. {title}")
        part += 1

    part_heading("KẾT QUẢ THỰC HIỆN")
    for p_index, program in enumerate(programs, start=1):
        if len(programs) > 1:
            heading(f"{p_index}. {program['name']}")
        for number, section in enumerate(program["sections"], start=1):
            label = section["number"] or number
            _para(sd, f"{label}. {section['title']}", bold=True, italic=True, after=4, indent=Cm(1), align=justify)
            if not section["items"]:
                text("Trong kỳ chưa có hoạt động được ghi nhận.", italic=True)
            for item in section["items"]:
                text(f"- {item['text']}")
                for detail in item["details"]:
                    line = _para(sd, f"+ {detail}", after=2, indent=Cm(0.5), align=justify)
                    line.paragraph_format.left_indent = Cm(1)
    part_heading("TÌNH HÌNH THỰC HIỆN CHỈ TIÊU KẾ HOẠCH")
    any_target = False
    for program in programs:
        if not program["targets"]:
            continue
        any_target = True
        if len(programs) > 1:
            text(program["name"], italic=True)
        partial = any(row.get("partial") for row in program["targets"])
        if partial:
            spans = sorted({(row["year"], row["from"], row["to"]) for row in program["targets"] if row.get("partial")})
            said = "; ".join(f"năm {y}: từ ngày {a} đến ngày {b}" for y, a, b in spans)
            text(f"Chỉ tiêu là chỉ tiêu kế hoạch cả năm. “Thực hiện trong kỳ” ({said}); “Lũy kế” tính từ ngày 01/01 "
                 "đến hết kỳ báo cáo; tỷ lệ là lũy kế so với chỉ tiêu cả năm.", italic=True)
            titles = ("Năm", "Nhóm nội dung", "Chỉ tiêu", "Chỉ tiêu cả năm", "Thực hiện trong kỳ", "Lũy kế từ đầu năm",
                      "Lũy kế so với chỉ tiêu năm")
        else:
            titles = ("Năm", "Nhóm nội dung", "Chỉ tiêu", "Kế hoạch", "Thực hiện", "Tỷ lệ")
        table = sd.add_table(rows=1, cols=len(titles))
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, titles):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(title), 12, bold=True)
        for row in program["targets"]:
            cells = table.add_row().cells
            values = [str(row["year"]), row["group"], row["title"], f"{row['value_text']} {row['unit']}",
                      f"{row['actual_text']} {row['unit']}"]
            if partial:
                values.append(f"{row.get('cumulative_text', row['actual_text'])} {row['unit']}")
            values.append(f"{row['percent']}%")
            for cell, value in zip(cells, values):
                cell.text = ""
                _font(cell.paragraphs[0].add_run(value), 12)
        _widths(table, [Cm(w) for w in (PARTIAL_TARGET_COLUMNS if partial else TARGET_COLUMNS)])
        _keep_rows_whole(table, header=True)
        _para(sd, "", after=6)
    if not any_target:
        text("Kỳ báo cáo không có chỉ tiêu kế hoạch năm.", italic=True)
    part_heading("THUẬN LỢI, KHÓ KHĂN, VƯỚNG MẮC")
    if report.advantages.strip():
        _para(sd, "1. Thuận lợi", bold=True, italic=True, after=4, indent=Cm(1))
        for line in report.advantages.splitlines():
            if line.strip():
                text(line.strip())
    _para(sd, ("2. " if report.advantages.strip() else "") + "Khó khăn, vướng mắc", bold=True, italic=True, after=4,
          indent=Cm(1))
    lines = [line.strip() for line in report.difficulties.splitlines() if line.strip()]
    for line in lines or ["Không có khó khăn, vướng mắc được nêu."]:
        text(line)
    part_heading("PHƯƠNG HƯỚNG, KẾ HOẠCH KỲ TỚI")
    for line in report.next_plan.splitlines():
        if line.strip():
            text(line.strip())
    for program in programs:
        for block in program["next"]:
            if block["program"]:
                text(f"Triển khai {block['program']} với {two_digits(len(block['groups']))} nhóm nội dung:")
                for group in block["groups"]:
                    _para(sd, group, after=2, indent=Cm(1.5), align=justify)
            if block["targets"]:
                text(f"Chỉ tiêu kế hoạch năm {block['year']}:")
                for line in block["targets"]:
                    _para(sd, f"- {line}", after=2, indent=Cm(1.5), align=justify)
    text(f"Trên đây là báo cáo kết quả thực hiện {content['period']['text']} của "
         f"{report.issuing_body or report.agency.name}.")
    return sd


def render(report, content: dict) -> bytes:
    tpl = DocxTemplate(io.BytesIO(build_template()))
    recipients = report.recipient_lines or ["- Như trên;"]
    if not any(line.lstrip("- ").startswith("Lưu") for line in recipients):
        recipients.append("- Lưu: VT.")
    context = {
        "superior_body": report.superior_body.upper(),
        "issuing_body": (report.issuing_body or report.agency.name).upper(),
        "number": report.number or "      /BC-",
        "place_and_date": long_date(report.issued_on, report.place),
        "subject": report.subject,
        "recipients": [line if line.startswith("-") else f"- {line}" for line in recipients],
        "signer_authority": report.signer_authority.upper(),
        "signer_title": report.signer_title.upper(),
        "signer_name": report.signer_name,
    }
    context["body"] = _body(tpl, report, content)
    tpl.render(context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def text_of(docx_bytes: bytes) -> str:
    """All the text of a DOCX, paragraphs and table cells in document order (tests, diff checks)."""
    doc = Document(io.BytesIO(docx_bytes))
    parts = []
    body = doc.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            parts.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for para in child.iter(qn("w:p")):
                parts.append("".join(t.text or "" for t in para.iter(qn("w:t"))))
    return "\n".join(parts)
