"""The two seed articles, reproduced as reports from the demo data: the text of the generated
DOCX (read with python-docx) holds every figure and list the articles state. Expected values are
written by hand from the articles' text (/work/shared/seeds), not computed by the code under test.

The supply–demand sessions and the 2019 workshop (90 delegates, about 50 of them from businesses and
cooperatives) come from the events app's demo, counted from attendance.
"""

from __future__ import annotations

import datetime
import io

import pytest

from htxconnect.programs import demo
from htxconnect.programs.models import Program, Support
from htxconnect.reports import document, services
from htxconnect.reports.models import Report
from htxconnect.core.actors import SYSTEM

D = datetime.date

# An Giang, article of 13/07/2020: "Sơ kết kế hoạch hợp tác giữa Liên minh với Sở Khoa học và Công nghệ
# giai đoạn 2019-2020".
AG_SIX_HTX = ["HTX Nông nghiệp Vĩnh Thắng", "HTX Nông nghiệp An Bình", "HTX Nông nghiệp Vĩnh Bình",
              "HTX Sản xuất Kinh doanh Dịch vụ Nông nghiệp Chợ Mới", "HTX làm vườn Bến Bà Chi",
              "HTX Nông nghiệp Long Bình"]
AG_SESSION_TOPICS = [
    "Giới thiệu một số công nghệ điều khiển tự động trong nông nghiệp",
    "Thúc đẩy hợp tác nghiên cứu, ứng dụng, chuyển giao công nghệ nâng cao năng lực cạnh tranh tại vùng Đồng bằng "
    "sông Cửu Long",
    "Ứng dụng một số công nghệ sấy nông sản, thực phẩm",
]
AG_DIFFICULTIES = [
    "Công tác vận động sử dụng nhãn hiệu chứng nhận An Giang chưa thu hút được sự tham gia của nhiều HTX trên địa bàn.",
    "Các hợp tác xã chưa tham gia đầy đủ trong các buổi tập huấn.",
    "Công tác phối hợp giữa 2 bên chưa chặt chẽ, nên một số nội dung chưa hoàn thành cũng như chưa đạt hiệu quả cao.",
]
AG_PLAN = [
    "Hỗ trợ xây dựng HTX sản xuất rượu nho rừng tại huyện Thoại Sơn.",
    "Phối hợp vận động các HTX sử dụng NHCN An Giang trong hoạt động sản xuất kinh doanh của HTX.",
]
# Bình Dương, 2016–2020 summary: (what, count as written, cooperatives with the place the article gives).
BD_RESULTS = [
    ("ISO 9001", "02 HTX", [("HTX Hồng Đức", "thị xã Bến Cát"), ("HTX Ổi Thanh Kiên", "huyện Phú Giáo")]),
    ("mã số - mã vạch", "05 HTX", [("HTX Ổi Thanh Kiên", "huyện Phú Giáo"), ("HTX Tân Nông Phát", "thị xã Tân Uyên"),
                                   ("HTX Nhân Đức", "huyện Bắc Tân Uyên"), ("HTX Nấm sạch Bình Dương", "thị xã Bến Cát"),
                                   ("HTX Minh Hòa Phát", "huyện Dầu Tiếng")]),
    # The article's "HTX Tâm Phát" is the registry's "HTX Chăn nuôi Tâm Phát" (short name "HTX Tâm Phát").
    ("nhãn hiệu hàng hóa", "03 HTX", [("HTX nông nghiệp Bông Trang", ""), ("HTX Tân Hiệp An", ""),
                                      ("Tâm Phát", "")]),
    ("06 tỷ 900 triệu đồng", "02 HTX", [("HTX Chăn nuôi Tâm Phát", ""), ("HTX Cao su Nhật Hưng", "")]),
    ("điện năng lượng mặt trời", "03 HTX", []),
]


@pytest.fixture
def seeded(db, settings, tmp_path):
    from htxconnect.accounts import demo as accounts_demo
    from htxconnect.events import demo as events_demo
    from htxconnect.registry import demo as registry_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    accounts_demo.load(out)
    registry_demo.load_seed(out)
    demo.load(out)
    events_demo.load(out)  # the supply–demand sessions, the 2019 workshop and the trainings are events
    return {p.name: p for p in Program.objects.all()}


def generate(program, django_capture_on_commit_callbacks, **fields) -> Report:
    report = services.create_report(actor=SYSTEM, program=program, **fields)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_generation(actor=SYSTEM, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    return report


def an_giang(seeded, capture) -> Report:
    return generate(
        seeded[demo.AG_NAME], capture, kind=Report.Kind.PERIOD, period_start=D(2019, 1, 1), period_end=D(2020, 7, 9),
        superior_body="Liên minh HTX Việt Nam", number="35/BC-LMHTX", place="An Giang", issued_on=D(2020, 7, 9),
        subject="Sơ kết kế hoạch hợp tác giữa Liên minh Hợp tác xã với Sở Khoa học và Công nghệ giai đoạn 2019 - 2020",
        recipients="Sở KH&CN tỉnh An Giang;\nLưu: VT.", signer_authority="KT. Chủ tịch", signer_title="Phó Chủ tịch",
        signer_name="Nguyễn Văn A",
        advantages="Được sự quan tâm của lãnh đạo Sở, công tác phối hợp thực hiện hoạt động với các hợp tác xã trên "
                   "địa bàn tỉnh được tiến hành đồng bộ.",
        difficulties="\n".join(AG_DIFFICULTIES), next_plan="\n".join(AG_PLAN))


def binh_duong(seeded, capture) -> Report:
    return generate(
        seeded[demo.BD_2016_NAME], capture, kind=Report.Kind.PERIOD, period_start=D(2016, 1, 1),
        period_end=D(2020, 12, 31), superior_body="UBND Thành phố Hồ Chí Minh", number="12/BC-SKHCN",
        place="Thành phố Hồ Chí Minh", issued_on=D(2021, 1, 15),
        subject="Tổng kết Chương trình phối hợp với Liên minh Hợp tác xã giai đoạn 2016 - 2020",
        signer_authority="KT. Giám đốc", signer_title="Phó Giám đốc", signer_name="Trần Văn B")


def text_of(report: Report) -> str:
    with report.docx.open("rb") as handle:
        return document.text_of(handle.read())


def line_with(text: str, needle: str) -> str:
    lines = [line for line in text.splitlines() if needle in line]
    assert lines, f"no line with {needle!r}"
    return lines[0]


def check_official_layout(text: str, place_date: str, number: str):
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Số: {number}" in text
    assert place_date in text
    assert "\nBÁO CÁO\n" in text
    assert "Nơi nhận:" in text and "- Lưu: VT" in text


def check_an_giang(text: str):
    check_official_layout(text, "An Giang, ngày 09 tháng 7 năm 2020", "35/BC-LMHTX")
    assert "LIÊN MINH HỢP TÁC XÃ TỈNH AN GIANG" in text
    # Certification mark "An Giang": 08 first units, then 06 named cooperatives with their products.
    assert "“An Giang” cho 08 đơn vị" in text
    assert "“An Giang” cho 06 HTX" in text
    for name in AG_SIX_HTX:
        assert name in text
    assert "Gạo an toàn" in text and "Nước ép xoài" in text and "Xoài các loại" in text
    # Collective-mark fees: 2.500.000 đồng each, with the marks' names.
    assert "HTX. NÔNG SẢN AN TOÀN KIẾN AN - CHỢ MỚI" in line_with(text, "HTX Nông sản An toàn Kiến An - Chợ Mới –")
    assert "2.500.000 đồng" in line_with(text, "HTX Nông sản An toàn Kiến An - Chợ Mới –")
    assert "HTX TRÁI CÂY GAP CÙ LAO GIÊNG" in line_with(text, "HTX Sản xuất GAP Bình Phước Xuân –")
    assert "2.500.000 đồng" in line_with(text, "HTX Sản xuất GAP Bình Phước Xuân –")
    # 03 supply-demand sessions at the Centre, with their topics; the 2020 plan's 04 workshops.
    assert "03 buổi" in line_with(text, "Kết nối cung cầu")
    for topic in AG_SESSION_TOPICS:
        assert topic in text
    assert "Tổ chức 04 buổi hội thảo kết nối cung cầu" in text
    # The 2019 S&T workshop: 90 delegates, of whom (about) 50 from businesses and cooperatives.
    workshop = line_with(text, "Hội thảo KH&CN và nâng cao năng lực, hiệu quả của doanh nghiệp")
    assert "90 đại biểu tham dự" in workshop and "50 đại biểu là các doanh nghiệp và HTX" in workshop
    # Decision 71/2019/QĐ-UBND: the reply to HTX Bình Thạnh's project.
    reply = line_with(text, "HTX sản xuất rau an toàn Bình Thạnh")
    assert "Quyết định số 71/2019/QĐ-UBND" in reply and "cây con giống rau" in reply
    assert "đáp ứng về đối tượng, lĩnh vực, điều kiện hỗ trợ" in text
    assert "Xây dựng hợp tác xã sản xuất rượu nho rừng" in text
    for line in AG_DIFFICULTIES + AG_PLAN:
        assert line in text


def check_binh_duong(text: str):
    check_official_layout(text, "Thành phố Hồ Chí Minh, ngày 15 tháng 01 năm 2021", "12/BC-SKHCN")
    lines = text.splitlines()
    for what, count, cooperatives in BD_RESULTS:
        index = next(i for i, line in enumerate(lines) if what in line)
        assert count in lines[index], (what, lines[index])
        listed = "\n".join(lines[index + 1:index + 1 + len(cooperatives)])
        for name, place in cooperatives:
            line = line_with(listed, name)
            assert place in line, (name, place, line)
    assert "07 nhóm nội dung" in text
    for title in demo.BD_2021_GROUPS:
        assert title in text
    assert "Tập huấn ít nhất 150 lượt người" in text


def test_seed_articles_reproduced(seeded, django_capture_on_commit_callbacks):
    """One load of the demo (slow): both reports generated through the task and read back."""
    check_an_giang(text_of(an_giang(seeded, django_capture_on_commit_callbacks)))
    check_binh_duong(text_of(binh_duong(seeded, django_capture_on_commit_callbacks)))


def test_report_reopens_unchanged_after_a_correction(seeded, django_capture_on_commit_callbacks):
    """Generated, then a record corrected: the stored document and figures are unchanged and
    "what changed since" names the correction, before and after."""
    report = an_giang(seeded, django_capture_on_commit_callbacks)
    with report.docx.open("rb") as handle:
        issued = handle.read()
    figures_then = report.figures
    fee = Support.objects.get(title__contains="HTX TRÁI CÂY GAP CÙ LAO GIÊNG")
    Support.objects.filter(pk=fee.pk).update(amount_state=3_000_000)  # a corrected amount

    report.refresh_from_db()
    with report.docx.open("rb") as handle:
        assert handle.read() == issued
    assert report.figures == figures_then
    assert "2.500.000 đồng" in line_with(text_of(report), "HTX Sản xuất GAP Bình Phước Xuân –")

    from htxconnect.reports import diff

    changes = {c.key: c for c in diff.changes_since(report)}
    amount = next(c for key, c in changes.items() if key.endswith("collective_mark_fee.amount_state"))
    assert (amount.before, amount.after) == (5_000_000, 5_500_000)
    assert len(changes) == 1, changes
