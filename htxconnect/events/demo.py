"""Demo events (idempotent; runs after the programs' demo) from the two seed articles, with
attendance, plus two upcoming events to try registration and check-in on.

An Giang (article of 13/07/2020): the 2019 S&T workshop with 90 delegates, about 50 of them from
businesses and cooperatives; the 03 supply–demand sessions held at the S&T application centre
with their three topics. Bình Dương (now Thành phố Hồ Chí Minh): the 2021–2025 program sets "at
least 150 person-times trained a year" but the article reports no course; the courses here are
demo data, enough to show the target met in one year (2024) and missed in another (2025).
Where the article gives no date, name or count, the record says so in its note.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from htxconnect.accounts.models import Agency
from htxconnect.core.actors import system_actor
from htxconnect.programs import demo as program_demo
from htxconnect.programs.models import Program
from htxconnect.registry.models import Organization

from . import services
from .models import Event, EventKind, Meeting, Registration

D = datetime.date
DEMO = system_actor("load_demo")  # demo data is written by the system, unchecked
AG_ARTICLE = "Bài viết về Hội nghị sơ kết 6 tháng đầu năm 2020 của Liên minh HTX tỉnh An Giang (đăng 13/07/2020)."
AG_WORKSHOP = "Hội thảo KH&CN và nâng cao năng lực, hiệu quả của doanh nghiệp năm 2019"
AG_CENTRE = "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ tỉnh An Giang"
BD_NOTE = ("Dữ liệu trình diễn: bài viết chỉ nêu chỉ tiêu “mỗi năm tập huấn ít nhất 150 lượt người”, không nêu lớp nào "
           "đã mở, ngày, địa điểm hay học viên. Học viên là tên giữ chỗ.")
# (year, title, date, attended, registered-but-absent, of whom returning from an earlier course this year)
BD_COURSES = [
    (2024, "Tập huấn ứng dụng KH&CN trong nông nghiệp hữu cơ, nông nghiệp tuần hoàn", D(2024, 4, 16), 60, 4, 0),
    (2024, "Tập huấn mã số, mã vạch, mã QR và truy xuất nguồn gốc cho sản phẩm HTX", D(2024, 8, 20), 55, 3, 10),
    (2024, "Tập huấn thương mại điện tử: chụp ảnh sản phẩm, viết nội dung, bán hàng trực tuyến, livestream",
     D(2024, 11, 12), 45, 5, 8),
    (2025, "Tập huấn hệ thống quản lý chất lượng tiên tiến, công cụ cải tiến năng suất chất lượng", D(2025, 5, 13), 50, 9, 0),
    (2025, "Tập huấn bảo quản, chế biến nông sản, thực phẩm", D(2025, 9, 23), 40, 12, 6),
]
BD_COOPS = ["HTX Hồng Đức", "HTX Ổi Thanh Kiên", "HTX Tân Nông Phát", "HTX Nhân Đức", "HTX Nấm sạch Bình Dương",
            "HTX Minh Hòa Phát", "HTX nông nghiệp Bông Trang", "HTX Tân Hiệp An", "HTX Chăn nuôi Tâm Phát",
            "HTX Cao su Nhật Hưng"]


def _at(day: datetime.date, hour: int = 8) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _event(title: str, **fields) -> tuple[Event, bool]:
    existing = Event.objects.filter(title=title).first()
    if existing is not None:
        return existing, False
    return services.create_event(actor=DEMO, title=title, **fields), True


def _past(event: Event, people: list[tuple[str, str, object, str]], attended: int) -> None:
    """Register `people` (name, phone, organisation, organisation name) from the organiser's list,
    check the first `attended` of them in at the first session, and close the event."""
    when = _at(event.starts_on) - datetime.timedelta(days=7)
    registrations = []
    for name, phone, org, org_name in people:
        registrations.append(services.register(
            actor=DEMO, event_id=event.pk, consent=True, source=Registration.Source.IMPORT, now=when,
            registrant=services.Registrant(name, phone, organization=org, organization_name=org_name)))
    services.publish_event(actor=DEMO, event_id=event.pk)
    session = event.sessions.first()
    for index, registration in enumerate(registrations[:attended]):
        services.check_in(actor=DEMO, event_id=event.pk, session_id=session.pk, registration_id=registration.pk,
                          client_id=f"demo-{event.pk}-{registration.pk}", device="demo",
                          scanned_at=session.starts_at + datetime.timedelta(minutes=index % 40))
    services.close_event(actor=DEMO, event_id=event.pk)


def load_an_giang() -> dict:
    dost = Agency.objects.get(name="Sở Khoa học và Công nghệ tỉnh An Giang")
    program = Program.objects.get(name=program_demo.AG_NAME)
    centre = Organization.objects.get(name=AG_CENTRE)
    workshop, created = _event(
        AG_WORKSHOP, agency=dost, kind=EventKind.WORKSHOP, program=program, group=program.groups.get(number=4),
        starts_on=D(2019, 12, 31), ends_on=D(2019, 12, 31), province_code="91", venue="Tỉnh An Giang",
        audience="Doanh nghiệp, hợp tác xã và các cơ quan liên quan",
        description="Hội thảo khoa học và công nghệ và nâng cao năng lực, hiệu quả của doanh nghiệp trong năm 2019.",
        note=("Bài viết nêu 90 đại biểu tham dự, trong đó khoảng 50 đại biểu là các doanh nghiệp và HTX; không nêu "
              "ngày (ghi ngày cuối năm 31/12/2019), địa điểm cụ thể, tên đại biểu. Đại biểu là tên giữ chỗ: 50 ghi "
              "“doanh nghiệp/HTX”, 40 ghi “cơ quan, đơn vị khác” (con số “khoảng 50” được ghi là 50). " + AG_ARTICLE))
    if created:
        people = [(f"Đại biểu {i:02d} (bài viết không nêu tên)", "", None,
                   "Doanh nghiệp/HTX (bài viết không nêu tên)" if i <= 50 else "Cơ quan, đơn vị khác (không nêu tên)")
                  for i in range(1, 91)]
        _past(workshop, people, attended=90)
    sessions = []
    for topic in program_demo.AG_SESSIONS:
        event, created = _event(
            f"Buổi kết nối cung cầu: {topic}", agency=dost, host=centre, kind=EventKind.SUPPLY_DEMAND, program=program,
            group=program.groups.get(number=2), starts_on=D(2020, 7, 9), ends_on=D(2020, 7, 9), province_code="91",
            venue="Trung tâm Ứng dụng tiến bộ KH&CN tỉnh An Giang", description=f"Chủ đề: {topic}.",
            note=("Bài viết không nêu ngày: ghi theo ngày hội nghị sơ kết 09/07/2020, khi việc này đã được báo cáo là đã "
                  "thực hiện. Bài viết không nêu số người dự, HTX và doanh nghiệp nào đã gặp nhau, kết quả: chưa ghi "
                  "điểm danh và kết nối. " + AG_ARTICLE))
        if created:
            services.publish_event(actor=DEMO, event_id=event.pk)
            services.close_event(actor=DEMO, event_id=event.pk)
        sessions.append(event)
    return {"workshop": workshop, "sessions": sessions}


def load_binh_duong() -> list[Event]:
    dost = Agency.objects.get(name="Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh")
    program = Program.objects.get(name=program_demo.BD_2021_NAME)
    group = program.groups.get(number=3)
    coops = [Organization.objects.get(name=name) for name in BD_COOPS]
    events = []
    number = 0
    by_year: dict[int, list[tuple]] = {}
    for year, title, day, attended, absent, returning in BD_COURSES:
        event, created = _event(
            title, agency=dost, kind=EventKind.COURSE, program=program, group=group, starts_on=day, ends_on=day,
            province_code="79", ward_code="25813", venue="Hội trường Liên minh HTX (phường Bến Cát)",
            audience="Cán bộ, thành viên các tổ chức kinh tế tập thể, hợp tác xã", note=BD_NOTE)
        events.append(event)
        earlier = by_year.setdefault(year, [])
        people = list(earlier[:returning])  # the same people at a second course: person-times, not new people
        while len(people) < attended + absent:
            number += 1
            org = coops[number % len(coops)]
            people.append((f"Học viên {number:03d} (tên giữ chỗ)", f"0900{number:06d}", org, ""))
        if created:
            # The absent ones registered and did not come ("cooperatives did not attend trainings fully").
            _past(event, people[:attended] + people[attended:], attended=attended)
        earlier.extend(p for p in people[:attended] if p not in earlier)
    return events


def load_upcoming() -> list[Event]:
    """Two upcoming events of the HCM DOST to try registration and check-in (demo data)."""
    dost = Agency.objects.get(name="Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh")
    program = Program.objects.get(name=program_demo.BD_2021_NAME)
    start = timezone.localdate() + datetime.timedelta(days=14)
    course, created = _event(
        "Tập huấn thương mại điện tử và livestream bán nông sản (dữ liệu trình diễn)", agency=dost,
        kind=EventKind.COURSE, program=program, group=program.groups.get(number=3), starts_on=start,
        ends_on=start + datetime.timedelta(days=1), province_code="79", ward_code="25813",
        venue="Hội trường Liên minh HTX", capacity=40,
        audience="Cán bộ, thành viên HTX", description="Hai buổi: chụp ảnh, viết nội dung; bán hàng trực tuyến, livestream.",
        note="Sự kiện trình diễn để thử đăng ký, vé QR và điểm danh.")
    if created:
        services.publish_event(actor=DEMO, event_id=course.pk)
        oi = Organization.objects.get(name="HTX Ổi Thanh Kiên")
        for i, name in enumerate(["Nguyễn Văn Kiên", "Trần Thị Hoa", "Lê Văn Bảy", "Phạm Thị Cúc", "Võ Minh Đức"]):
            services.register(actor=DEMO, event_id=course.pk, consent=True, source=Registration.Source.MANAGER,
                              registrant=services.Registrant(name, f"0909{i:06d}", organization=oi))
    session, created = _event(
        "Kết nối cung cầu nông sản an toàn với doanh nghiệp phân phối (dữ liệu trình diễn)", agency=dost,
        kind=EventKind.SUPPLY_DEMAND, program=program, group=program.groups.get(number=4),
        starts_on=start + datetime.timedelta(days=7), ends_on=start + datetime.timedelta(days=7), province_code="79",
        venue="Trung tâm Hội chợ triển lãm", note="Sự kiện trình diễn: các kết nối là ví dụ.")
    if created:
        services.publish_event(actor=DEMO, event_id=session.pk)
        buyers = list(Organization.objects.filter(kind="enterprise").order_by("name")[:2])
        for coop, buyer, products, outcome in [
            ("HTX Ổi Thanh Kiên", buyers[0] if buyers else None, "Ổi ruột trắng", Meeting.Outcome.SAMPLES),
            ("HTX Nấm sạch Bình Dương", buyers[1] if len(buyers) > 1 else None, "Nấm bào ngư", Meeting.Outcome.NEGOTIATING),
        ]:
            services.record_meeting(actor=DEMO, event=session, cooperative=Organization.objects.get(name=coop),
                                    buyer=buyer, buyer_name="" if buyer else "Doanh nghiệp phân phối (ví dụ)",
                                    products=products, outcome=outcome)
    return [course, session]


def load(stdout):
    ag = load_an_giang()
    bd = load_binh_duong()
    load_upcoming()
    from . import demo_followup  # certificates, feedback and a contest (demo data)

    stdout.write(f"  sự kiện (chứng nhận, phản hồi, hội thi): {demo_followup.load(bd)}")
    stdout.write(f"  sự kiện: {Event.objects.count()} sự kiện, {Registration.objects.count()} đăng ký "
                 f"(hội thảo An Giang {ag['workshop'].pk}, {len(ag['sessions'])} buổi kết nối cung cầu, "
                 f"{len(bd)} lớp tập huấn Bình Dương)")
