"""Demo program data reproducing the two seed articles (idempotent; runs after the registry's demo).

Bình Dương (now Thành phố Hồ Chí Minh): the 2016–2020 coordination program's results and the
2021–2025 program with its seven content groups. An Giang: the 2019–2020 cooperation plan as
reviewed at the conference of 09/07/2020. Where an article gives no date, amount or name, the
record says so in its note instead of inventing it.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from htxconnect.accounts.models import Agency
from htxconnect.core.actors import system_actor
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import Organization

from . import services
from .models import Application, Loan, Plan, Policy, Program, ScienceTask, Support, SupportKind

D = datetime.date
DEMO = system_actor("load_demo")  # demo data is written by the system, unchecked
BD_REPORT = "Bài viết “Sở Khoa học và Công nghệ: Hỗ trợ phát triển kinh tế tập thể, hợp tác xã” (Bình Dương)."
AG_REPORT = "Bài viết về Hội nghị sơ kết 6 tháng đầu năm 2020 của Liên minh HTX tỉnh An Giang (đăng 13/07/2020)."
BD_UNDATED = ("Bài viết tổng kết giai đoạn 2016–2020 không nêu ngày hỗ trợ: ghi ngày cuối giai đoạn 31/12/2020. "
              "Bài viết không nêu kinh phí.")
AG_UNDATED = ("Bài viết không nêu ngày: ghi theo ngày hội nghị sơ kết 09/07/2020, khi việc này đã được báo cáo là "
              "đã thực hiện.")

BD_2016_NAME = ("Chương trình phối hợp hoạt động giữa Sở Khoa học và Công nghệ và Liên minh Hợp tác xã tỉnh Bình Dương "
                "giai đoạn 2016 - 2020")
BD_2021_NAME = ("Chương trình phối hợp hoạt động giữa Sở Khoa học và Công nghệ, Liên minh Hợp tác xã tỉnh Bình Dương "
                "giai đoạn 2021 - 2025")
AG_NAME = "Kế hoạch hợp tác giữa Liên minh Hợp tác xã tỉnh An Giang với Sở Khoa học và Công nghệ giai đoạn 2019 - 2020"

BD_2021_GROUPS = [
    "Phối hợp đẩy mạnh công tác thông tin, tuyên truyền về khoa học và công nghệ cho cán bộ, thành viên các tổ chức "
    "kinh tế tập thể, hợp tác xã",
    "Hỗ trợ Hợp tác xã tiếp cận chính sách Nhà nước",
    "Phối hợp tổ chức tập huấn cho cán bộ, thành viên về ứng dụng khoa học, đổi mới công nghệ",
    "Hỗ trợ các tổ chức kinh tế tập thể, hợp tác xã phát huy sáng kiến cải tiến kỹ thuật; ứng dụng, chuyển giao "
    "công nghệ",
    "Hỗ trợ xây dựng các mô hình điểm ứng dụng khoa học và công nghệ, ứng dụng khoa học và công nghệ mới vào hoạt động "
    "sản xuất và dịch vụ trong nông nghiệp",
    "Hỗ trợ đổi mới, nâng cao năng lực quản trị, tăng quy mô, năng suất, chất lượng sản phẩm",
    "Hỗ trợ thực hiện nhiệm vụ khoa học và công nghệ",
]
AG_GROUPS = [
    "Sở hữu trí tuệ",
    "Tập huấn, hội thảo giới thiệu thiết bị công nghệ, kết nối cung cầu",
    "Xây dựng hợp tác xã sản xuất rượu nho rừng",
    "Hỗ trợ chính sách và đầu tư cho HTX",
]

# Results of 2016–2020 named in the Bình Dương article: kind → cooperatives.
BD_RESULTS = [
    (SupportKind.ISO, "Hỗ trợ xây dựng hệ thống quản lý chất lượng theo tiêu chuẩn ISO 9001:2015",
     ["HTX Hồng Đức", "HTX Ổi Thanh Kiên"]),
    (SupportKind.BARCODE, "Cấp mã số - mã vạch hàng hóa",
     ["HTX Ổi Thanh Kiên", "HTX Tân Nông Phát", "HTX Nhân Đức", "HTX Nấm sạch Bình Dương", "HTX Minh Hòa Phát"]),
    (SupportKind.TRADEMARK_GUIDANCE, "Hướng dẫn đăng ký xác lập quyền về nhãn hiệu hàng hóa",
     ["HTX nông nghiệp Bông Trang", "HTX Tân Hiệp An", "HTX Chăn nuôi Tâm Phát"]),
]
SOLAR_PLACEHOLDERS = [f"HTX đầu tư điện mặt trời (bài viết không nêu tên) số {i:02d}" for i in (1, 2, 3)]
AG_COLLECTIVE_MARKS = [
    ("HTX Nông sản An toàn Kiến An - Chợ Mới",
     "Hỗ trợ chi phí đăng ký ban đầu nhãn hiệu tập thể “HTX. NÔNG SẢN AN TOÀN KIẾN AN - CHỢ MỚI”"),
    ("HTX Sản xuất GAP Bình Phước Xuân",
     "Thanh lý hợp đồng đăng ký nhãn hiệu tập thể “HTX TRÁI CÂY GAP CÙ LAO GIÊNG”"),
]
AG_SESSIONS = [
    "Giới thiệu một số công nghệ điều khiển tự động trong nông nghiệp",
    "Thúc đẩy hợp tác nghiên cứu, ứng dụng, chuyển giao công nghệ nâng cao năng lực cạnh tranh tại vùng Đồng bằng "
    "sông Cửu Long",
    "Ứng dụng một số công nghệ sấy nông sản, thực phẩm",
]
BINH_THANH_PROJECT = ("Ứng dụng tiến bộ kỹ thuật để nâng cao năng suất và chất lượng sản xuất cây con giống rau tại "
                      "HTX Bình Thạnh, huyện Châu Thành, tỉnh An Giang")
BINH_THANH_ANSWER = ("Dự án đáp ứng về đối tượng, lĩnh vực, điều kiện hỗ trợ theo quy định tại Quyết định số "
                     "71/2019/QĐ-UBND. Tuy nhiên, cần nghiên cứu các tiêu chí hỗ trợ và mức hỗ trợ dự án được quy định "
                     "để hoàn chỉnh nội dung thuyết minh dự án cho phù hợp.")
PLACEHOLDER_PDF = b"%PDF-1.4\n% HTX Connect: tai lieu mau cho trinh dien\n%%EOF\n"


def _agency(name: str) -> Agency:
    return Agency.objects.get(name=name)


def _org(name: str) -> Organization:
    return Organization.objects.get(name=name)


def _program(name: str, **fields) -> tuple[Program, bool]:
    existing = Program.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    return services.create_program(actor=DEMO, name=name, **fields), True


def _support(program, organization, kind, title, given_on, note, **fields) -> Support:
    existing = Support.objects.filter(program=program, organization=organization, kind=kind, title=title).first()
    return existing or services.record_support(actor=DEMO, organization=organization, program=program, kind=kind,
                                               title=title, given_on=given_on, note=note, **fields)


def load_binh_duong() -> dict:
    dost, alliance = _agency("Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh"), _agency(
        "Liên minh Hợp tác xã Thành phố Hồ Chí Minh")
    bodies = [_org("Sở Khoa học và Công nghệ tỉnh Bình Dương"), _org("Liên minh Hợp tác xã tỉnh Bình Dương")]
    old, _created = _program(
        BD_2016_NAME, agency=dost, partner_agencies=[alliance], responsible_bodies=bodies, start_year=2016,
        end_year=2020, description="Tỉnh Bình Dương nay thuộc Thành phố Hồ Chí Minh (từ 01/7/2025). " + BD_REPORT)
    for kind, title, names in BD_RESULTS:
        for name in names:
            _support(old, _org(name), kind, title, D(2020, 12, 31), BD_UNDATED)
    for name in SOLAR_PLACEHOLDERS:
        org = Organization.objects.filter(name=name).first() or registry_services.create_organization(
            actor=DEMO, name=name, kind="cooperative", province_code="79", address_needs_review=True,
            description="Bài viết chỉ nêu “03 HTX” đầu tư điện năng lượng mặt trời, không nêu tên: bản ghi giữ chỗ.")
        _support(old, org, SupportKind.SOLAR_POWER,
                 "Đầu tư ứng dụng công nghệ điện năng lượng mặt trời vào sản xuất kinh doanh (Liên minh HTX làm cầu "
                 "nối với doanh nghiệp KH&CN)", D(2020, 12, 31),
                 BD_UNDATED + " Bài viết không nêu tên 03 HTX: đơn vị là bản ghi giữ chỗ.")
    tasks = []
    for name in ("HTX Chăn nuôi Tâm Phát", "HTX Cao su Nhật Hưng"):
        host = _org(name)
        task = ScienceTask.objects.filter(host=host, program=old).first() or services.create_science_task(
            actor=DEMO, agency=dost, host=host, program=old, status=ScienceTask.Status.APPROVED,
            title=f"Dự án ứng dụng khoa học và công nghệ của {name}",
            note="Bài viết không nêu tên, kinh phí và thời gian của dự án; chỉ nêu dự án được xét duyệt cho vay "
                 "vốn ưu đãi để đầu tư ứng dụng công nghệ mới vào dây chuyền sản xuất.")
        tasks.append(task)
    if not Loan.objects.filter(program=old).exists():
        services.create_loan(
            actor=DEMO, agency=dost, borrowers=[t.host for t in tasks], program=old,
            fund="Quỹ Phát triển Khoa học và Công nghệ tỉnh Bình Dương",
            purpose="Đầu tư ứng dụng công nghệ mới vào dây chuyền sản xuất (02 dự án ứng dụng KH&CN)",
            principal=6_900_000_000, approved_on=D(2020, 12, 31),
            note="Bài viết chỉ nêu tổng số tiền 06 tỷ 900 triệu đồng cho 02 HTX, không nêu phần của từng HTX, lãi suất "
                 "(“lãi suất ưu đãi”), thời hạn và ngày phê duyệt: ghi một khoản chung cho hai bên vay, ngày cuối "
                 "giai đoạn 31/12/2020; chưa tính được lịch trả nợ.")

    new, created = _program(
        BD_2021_NAME, agency=dost, partner_agencies=[alliance], responsible_bodies=bodies, start_year=2021,
        end_year=2025, description="Các nội dung được cụ thể hóa hằng năm, tập trung vào bảy nhóm nội dung. " + BD_REPORT)
    if created:
        groups = [services.add_content_group(actor=DEMO, program=new, number=i, title=t)
                  for i, t in enumerate(BD_2021_GROUPS, start=1)]
        plan = services.create_plan(actor=DEMO, program=new, year=2021,
                                    note="Chỉ tiêu định lượng duy nhất bài viết nêu: tập huấn ít nhất 150 lượt người mỗi năm.")
        services.add_target(actor=DEMO, plan=plan, group=groups[2], title="Tập huấn ít nhất 150 lượt người",
                            indicator="training_person_times", value=150, unit="lượt người")
        for _year in range(2022, 2026):
            plan = services.copy_plan_to_next_year(actor=DEMO, plan=plan)
    return {"old": old, "new": new}


def load_an_giang() -> dict:
    alliance, dost = _agency("Liên minh Hợp tác xã tỉnh An Giang"), _agency("Sở Khoa học và Công nghệ tỉnh An Giang")
    bodies = [_org("Liên minh Hợp tác xã tỉnh An Giang"), _org("Sở Khoa học và Công nghệ tỉnh An Giang")]
    program, created = _program(AG_NAME, agency=alliance, partner_agencies=[dost], responsible_bodies=bodies,
                                start_year=2019, end_year=2020, description=AG_REPORT)
    if created:
        for i, title in enumerate(AG_GROUPS, start=1):
            services.add_content_group(actor=DEMO, program=program, number=i, title=title)
        plan = services.create_plan(actor=DEMO, program=program, year=2020,
                                    note="Kế hoạch triển khai năm 2020 giữa Liên minh HTX với Sở KH&CN.")
        services.add_target(actor=DEMO, plan=plan, group=program.groups.get(number=2),
                            title="Tổ chức 04 buổi hội thảo kết nối cung cầu", indicator="supply_demand_sessions",
                            value=4, unit="buổi")
        services.add_target(actor=DEMO, plan=plan, group=program.groups.get(number=1),
                            title="Vận động HTX sử dụng nhãn hiệu chứng nhận “An Giang”",
                            indicator="mark_usage_grants", params={"mark": "An Giang"}, value=6, unit="đơn vị",
                            note="Bài viết không nêu số chỉ tiêu: ghi bằng số HTX đã được trao quyền đợt sau (06) để "
                                 "theo dõi; sửa khi có kế hoạch chính thức.")
    ip_group = program.groups.get(number=1)
    for name, title in AG_COLLECTIVE_MARKS:
        _support(program, _org(name), SupportKind.COLLECTIVE_MARK_FEE, title, D(2020, 7, 9), AG_UNDATED,
                 group=ip_group, amount_state=2_500_000, agency=dost)
    # The 03 supply–demand sessions (AG_SESSIONS) are events: the events app's demo records them and
    # the "supply_demand_sessions" indicator counts them there.

    policy = Policy.objects.filter(agency=dost, number="71/2019/QĐ-UBND").first()
    if policy is None:
        policy = services.create_policy(
            actor=DEMO, agency=dost, number="71/2019/QĐ-UBND", issuer="Ủy ban nhân dân tỉnh An Giang",
            issued_on=D(2019, 12, 23),
            title="Quy định hỗ trợ thúc đẩy hoạt động chuyển giao, ứng dụng, đổi mới công nghệ trên địa bàn tỉnh An Giang",
            summary="Xét hỗ trợ theo đối tượng, lĩnh vực, điều kiện và mức hỗ trợ. Các điều kiện dưới đây là cách "
                    "ghi giản lược cho bản trình diễn: đối chiếu văn bản gốc trước khi dùng.")
        services.add_condition(actor=DEMO, policy=policy, kind="org_kind", order=1,
                               label="Đối tượng: tổ chức, doanh nghiệp, hợp tác xã",
                               params={"kinds": ["cooperative", "cooperative_union", "cooperative_group",
                                                 "enterprise", "research_institute"]})
        services.add_condition(actor=DEMO, policy=policy, kind="province", order=2,
                               label="Thực hiện trên địa bàn tỉnh An Giang", params={"provinces": ["91"]})
        services.add_condition(actor=DEMO, policy=policy, kind="sector", order=3,
                               label="Lĩnh vực: nông nghiệp, chế biến nông sản",
                               params={"sectors": ["trong-trot", "lua-gao", "cay-an-qua", "rau-an-toan", "nam",
                                                   "chan-nuoi", "thuy-san", "che-bien", "dich-vu-nong-nghiep"]})
        services.add_support_item(
            actor=DEMO, policy=policy, code="1", name="Hỗ trợ dự án ứng dụng, chuyển giao, đổi mới công nghệ",
            kind=SupportKind.TECHNOLOGY_TRANSFER, review_days=30,
            required_documents=["Đơn đề nghị hỗ trợ", "Thuyết minh dự án"],
            note="Mức hỗ trợ theo Quyết định (bài viết không nêu; chưa nhập).")
    item = policy.items.get(code="1")
    binh_thanh = _org("HTX sản xuất rau an toàn Bình Thạnh")
    if not Application.objects.filter(organization=binh_thanh, item=item).exists():
        application = services.create_application(
            actor=DEMO, organization=binh_thanh, item=item, title=BINH_THANH_PROJECT, amount_requested=None,
            program=program, group=program.groups.get(number=4),
            description="Số tiền đề nghị chưa xác định: Sở đề nghị HTX nghiên cứu tiêu chí và mức hỗ trợ để hoàn "
                        "chỉnh thuyết minh. Bài viết không nêu ngày: hồ sơ và các bước xử lý ghi theo ngày hội nghị "
                        "sơ kết 09/07/2020.",
            documents={name: ContentFile(PLACEHOLDER_PDF, name="tai-lieu-mau.pdf") for name in item.required_documents})
        for action, comment in (("submit", ""), ("start_review", ""), ("request_info", BINH_THANH_ANSWER)):
            services.transition_application(actor=DEMO, application_id=application.pk, action=action, comment=comment)
        # The article reports the reply at the review conference of 09/07/2020: the application and its
        # steps are dated then, so a report of the 2019–2020 plan finds them in its period.
        reported = timezone.make_aware(datetime.datetime(2020, 7, 9, 8, 0))
        Application.objects.filter(pk=application.pk).update(created_at=reported, submitted_at=reported)
        application.steps.update(created_at=reported)
    return {"program": program, "policy": policy}


def load_decree_98() -> Policy:
    """A national policy administered by the HCM DOST, so the demo cooperative manager can apply."""
    dost = _agency("Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh")
    policy = Policy.objects.filter(agency=dost, number="98/2018/NĐ-CP").first()
    if policy is None:
        policy = services.create_policy(
            actor=DEMO, agency=dost, number="98/2018/NĐ-CP", issuer="Chính phủ", issued_on=D(2018, 7, 5),
            title="Chính sách khuyến khích phát triển hợp tác, liên kết trong sản xuất và tiêu thụ sản phẩm nông nghiệp")
        services.add_condition(actor=DEMO, policy=policy, kind="org_kind", order=1, label="Chủ trì liên kết",
                               params={"kinds": ["cooperative", "cooperative_union", "enterprise"]})
        services.add_condition(actor=DEMO, policy=policy, kind="province", order=2,
                               label="Thuộc địa bàn cơ quan quản lý (TP. Hồ Chí Minh)", params={"provinces": ["79"]})
        services.add_condition(actor=DEMO, policy=policy, kind="members", order=3, label="Có ít nhất 7 thành viên",
                               params={"min": 7})
        services.add_support_item(
            actor=DEMO, policy=policy, code="8.1", name="Hỗ trợ chi phí tư vấn xây dựng liên kết",
            kind=SupportKind.CONSULTING, max_amount=300_000_000, max_share_percent=100,
            required_documents=["Đơn đề nghị hỗ trợ", "Hợp đồng liên kết"],
            note="Mức tối đa ghi theo Điều 8 của Nghị định: đối chiếu văn bản gốc trước khi dùng.")
    for number, issuer, issued, title in [
        ("1804/QĐ-TTg", "Thủ tướng Chính phủ", D(2020, 11, 13),
         "Phê duyệt Chương trình hỗ trợ phát triển kinh tế tập thể, hợp tác xã giai đoạn 2021 - 2025"),
        ("45/2021/NĐ-CP", "Chính phủ", D(2021, 3, 31),
         "Thành lập, tổ chức và hoạt động của Quỹ hỗ trợ phát triển hợp tác xã"),
    ]:
        if not Policy.objects.filter(agency=dost, number=number).exists():
            services.create_policy(actor=DEMO, agency=dost, number=number, issuer=issuer, issued_on=issued, title=title)
    return policy


def load(stdout):
    bd = load_binh_duong()
    ag = load_an_giang()
    load_decree_98()
    stdout.write(f"  chương trình: {Program.objects.count()} chương trình, {Plan.objects.count()} kế hoạch năm, "
                 f"{Support.objects.count()} khoản hỗ trợ, {Loan.objects.count()} khoản vay, "
                 f"{Application.objects.count()} hồ sơ ({bd['old'].pk}, {bd['new'].pk}, {ag['program'].pk})")
