"""Demo portal (idempotent; runs after the other apps' demo): two short news articles retelling the
two seed articles (facts quoted from them, nothing added) and one model-cooperative page."""

from __future__ import annotations

import datetime

from django.utils import timezone

from htxconnect.core.actors import system_actor
from htxconnect.registry.models import Organization

from . import services
from .models import Article, Showcase

DEMO = system_actor("load_demo")

AN_GIANG = {
    "slug": "an-giang-so-ket-6-thang-dau-nam-2020",
    "title": "Liên minh Hợp tác xã tỉnh An Giang sơ kết 6 tháng và triển khai nhiệm vụ 6 tháng cuối năm 2020",
    "summary": "Sáng ngày 9/7/2020, tại Hội trường khách sạn Hòa Bình 2, Liên minh hợp tác xã tỉnh An Giang tổ "
               "chức hội nghị sơ kết 6 tháng và sơ kết kế hoạch hợp tác với Sở Khoa học và Công nghệ giai đoạn "
               "2019–2020.",
    "body": """<p>Sáng ngày 9/7/2020, tại Hội trường khách sạn Hòa Bình 2, Liên minh hợp tác xã tỉnh An Giang đã tổ chức
hội nghị sơ kết 6 tháng và triển khai nhiệm vụ 6 tháng cuối năm 2020.</p>
<h2>Sơ kết kế hoạch hợp tác với Sở Khoa học và Công nghệ giai đoạn 2019–2020</h2>
<ul>
<li>Sở hữu trí tuệ: Sở tổ chức Hội nghị trao quyền sử dụng “Nhãn hiệu chứng nhận An Giang” cho 08 đơn vị đầu
tiên đăng ký; sau đó trao quyền sử dụng cho 06 HTX trên địa bàn tỉnh.</li>
<li>Sở hỗ trợ chi phí đăng ký ban đầu nhãn hiệu tập thể “HTX. NÔNG SẢN AN TOÀN KIẾN AN - CHỢ MỚI”, số tiền
2.500.000 đồng, và thanh lý hợp đồng đăng ký nhãn hiệu tập thể “HTX TRÁI CÂY GAP CÙ LAO GIÊNG”, số tiền
2.500.000 đồng.</li>
<li>Trung tâm Ứng dụng tiến bộ KHCN tổ chức 03 buổi kết nối cung cầu.</li>
<li>Hội thảo KH&amp;CN năm 2019 có 90 đại biểu tham dự, trong đó khoảng 50 đại biểu là doanh nghiệp và HTX.</li>
</ul>
<h2>Kế hoạch năm 2020</h2>
<p>Tổ chức 04 buổi hội thảo kết nối cung cầu; hỗ trợ xây dựng HTX sản xuất rượu nho rừng tại huyện Thoại Sơn;
vận động các HTX sử dụng nhãn hiệu chứng nhận An Giang; hỗ trợ tư vấn đổi mới thiết bị công nghệ theo Quyết định
71/2019/QĐ-UBND ngày 23/12/2019.</p>
<p>Nguồn: Sở Khoa học và Công nghệ tỉnh An Giang, đăng ngày 13/07/2020.</p>""",
    "publish_at": datetime.datetime(2020, 7, 13, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))),
}

BINH_DUONG = {
    "slug": "binh-duong-chuong-trinh-phoi-hop-2016-2020",
    "title": "Bình Dương: kết quả Chương trình phối hợp giữa Sở Khoa học và Công nghệ và Liên minh Hợp tác xã "
             "giai đoạn 2016–2020",
    "summary": "ISO 9001 cho 02 HTX, mã số mã vạch cho 05 HTX, hướng dẫn đăng ký nhãn hiệu cho 03 HTX và 06 tỷ 900 "
               "triệu đồng vốn vay ưu đãi cho 02 HTX.",
    "body": """<p>Trong Chương trình phối hợp giữa Sở Khoa học và Công nghệ và Liên minh Hợp tác xã tỉnh Bình Dương
giai đoạn 2016–2020, hai bên đã:</p>
<ul>
<li>hỗ trợ xây dựng hệ thống quản lý chất lượng theo tiêu chuẩn ISO 9001-2015 cho 02 hợp tác xã (HTX Hồng Đức,
HTX Ổi Thanh Kiên);</li>
<li>cấp mã số - mã vạch hàng hóa cho 05 HTX;</li>
<li>hướng dẫn đăng ký lập quyền về nhãn hiệu hàng hóa cho 03 HTX;</li>
<li>xét duyệt dự án ứng dụng khoa học và công nghệ cho 02 HTX (HTX Chăn nuôi Tâm Phát, HTX Cao su Nhật Hưng)
được vay 06 tỷ 900 triệu đồng với lãi suất ưu đãi.</li>
</ul>
<p>03 HTX đã đầu tư ứng dụng công nghệ điện năng lượng mặt trời vào sản xuất kinh doanh, bước đầu giảm chi phí
đầu vào.</p>
<p>Giai đoạn 2021–2025, hai bên tiếp tục ký kết Chương trình phối hợp; dự kiến mỗi năm tập huấn ít nhất 150 lượt
người.</p>""",
    "publish_at": None,  # the source gives no date: published when the demo is loaded
}

THANH_KIEN_STORY = """<p>HTX Ổi Thanh Kiên (huyện Phú Giáo, tỉnh Bình Dương cũ) là một trong 02 hợp tác xã được hỗ trợ
xây dựng hệ thống quản lý chất lượng theo tiêu chuẩn ISO 9001-2015 và một trong 05 HTX được cấp mã số - mã vạch
hàng hóa trong Chương trình phối hợp giữa Sở Khoa học và Công nghệ và Liên minh Hợp tác xã tỉnh Bình Dương giai
đoạn 2016–2020.</p>"""


def load(stdout):
    for data in (AN_GIANG, BINH_DUONG):
        if not Article.objects.filter(slug=data["slug"]).exists():
            fields = {**data, "publish_at": data["publish_at"] or timezone.now()}
            services.save_article(actor=DEMO, article=Article(status=Article.Status.PUBLISHED, **fields))
    thanh_kien = Organization.objects.filter(name="HTX Ổi Thanh Kiên").first()
    if thanh_kien is None:
        stdout.write("  cổng thông tin: bỏ qua mô hình điểm (chưa có dữ liệu mẫu của sổ đăng ký)")
    elif not Showcase.objects.filter(organization=thanh_kien).exists():
        services.save_showcase(actor=DEMO, showcase=Showcase(
            organization=thanh_kien, title="HTX Ổi Thanh Kiên: ISO 9001 và mã số mã vạch", story=THANH_KIEN_STORY,
            is_published=True))
    stdout.write(f"  cổng thông tin: {Article.objects.count()} bài viết, {Showcase.objects.count()} mô hình điểm")
