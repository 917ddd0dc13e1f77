"""Demo certificates, feedback and a contest (idempotent; called at the end of demo.load).

The seed articles report no certificate, survey or contest: everything here is demo data, said so
in each record's note or policy. Bình Dương's first 2024 course issues certificates to everyone
who attended (one revoked, to show the "not valid" page) and has a few survey answers; an upcoming
technical-improvement contest of Sở KH&CN TP.HCM takes entries, with criteria and two judges.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from htxconnect.accounts.models import Agency
from htxconnect.core.actors import system_actor
from htxconnect.registry.models import Organization

from . import certificates, contests, feedback, services
from .models import Event, EventKind, Registration
from .models_followup import Certificate, FeedbackResponse

DEMO = system_actor("load_demo")  # demo data is written by the system, unchecked
CONTEST_TITLE = "Hội thi sáng tạo kỹ thuật, cải tiến sản xuất trong HTX (dữ liệu trình diễn)"
PLACEHOLDER_SIGNER = "(tên người ký giữ chỗ)"
# (content, trainer, organisation, comment) of a few answers: demo data.
ANSWERS = [(5, 5, 4, "Nội dung thiết thực, mong có thêm buổi thực hành tại HTX."), (4, 5, 4, ""),
           (4, 4, 3, "Hội trường hơi nóng, âm thanh chưa tốt."), (5, 4, 4, ""), (3, 4, 3, "Thời gian hơi ngắn.")]


def load_certificates(course: Event) -> int:
    if course.certificates.exists():
        return course.certificates.count()
    certificates.set_policy(actor=DEMO, event=course, superior_agency="UBND THÀNH PHỐ HỒ CHÍ MINH",
                            issuer_name="Sở Khoa học và Công nghệ", place="Thành phố Hồ Chí Minh",
                            signer_title="KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC", signer_name=PLACEHOLDER_SIGNER)
    issued = certificates.issue_certificates(actor=DEMO, event_id=course.pk,
                                             issued_on=course.ends_on + datetime.timedelta(days=3))
    if issued:
        certificates.revoke_certificate(actor=DEMO, certificate_id=issued[-1].pk,
                                        reason="Trình diễn: cấp nhầm (người dự không đủ buổi theo danh sách ký).")
    for (content, trainer, organisation, comment), r in zip(ANSWERS, course.registrations.filter(
            attendances__isnull=False).distinct().order_by("id")):
        if not FeedbackResponse.objects.filter(registration=r).exists():
            feedback.submit(actor=DEMO, token=feedback.feedback_token(r), content=content, trainer=trainer,
                            organisation=organisation, comments=comment)
    return len(issued)


def load_contest() -> Event:
    event = Event.objects.filter(title=CONTEST_TITLE).first()
    if event is not None:
        return event
    dost = Agency.objects.get(name="Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh")
    start = timezone.localdate() + datetime.timedelta(days=45)
    event = services.create_event(
        actor=DEMO, agency=dost, kind=EventKind.CONTEST, title=CONTEST_TITLE, starts_on=start, ends_on=start,
        province_code="79", ward_code="25813", venue="Hội trường Liên minh HTX (phường Bến Cát)",
        audience="Hợp tác xã, tổ hợp tác", note="Dữ liệu trình diễn: các bài viết không nêu hội thi nào.")
    services.publish_event(actor=DEMO, event_id=event.pk)
    contests.set_criteria(actor=DEMO, event_id=event.pk, track="technical",
                          criteria=[("Tính mới, sáng tạo", 30), ("Hiệu quả kinh tế – kỹ thuật", 40),
                                    ("Khả năng nhân rộng", 30)])
    users = get_user_model().objects.filter(username__in=["lanhdao.khcn", "canbo.lmhtx"], is_active=True)
    for user in users:
        contests.add_judge(actor=DEMO, event_id=event.pk, username=user.username)
    for organization in Organization.objects.filter(kind="cooperative", province_code="79").order_by("id")[:2]:
        contests.submit_entry(actor=DEMO, event_id=event.pk, organization=organization, files=[],
                              title=f"Cải tiến dây chuyền sơ chế của {organization.name} (trình diễn)",
                              summary="Bài dự thi trình diễn: mô tả giải pháp, chi phí, hiệu quả và khả năng nhân rộng.")
    return event


def load(bd_courses: list[Event]) -> str:
    issued = load_certificates(bd_courses[0]) if bd_courses else 0
    contest = load_contest()
    return (f"{Certificate.objects.count()} giấy chứng nhận ({issued} lần này), "
            f"{FeedbackResponse.objects.count()} phản hồi, hội thi {contest.pk}; "
            f"{Registration.objects.filter(feedback__isnull=False).count()} người đã góp ý")
