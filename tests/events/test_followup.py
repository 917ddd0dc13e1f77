"""Certificates, feedback and contests: the rules (services) and the pages (test client).

Worked by hand: a contest with criteria 60 % and 40 %; entry A scored 8 and 6 by one judge and
9 and 7 by another → averages 8.5 and 6.5 → 0.6 × 8.5 + 0.4 × 6.5 = 5.1 + 2.6 = 7.70; entry B
scored 9 and 9 by one judge → 9.00, ranked first.
"""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from htxconnect.core.models import AuditEntry
from htxconnect.events import certificates, contests, feedback, services
from htxconnect.events.models import EventKind
from htxconnect.events.models_followup import Certificate, FeedbackResponse, Score, Submission
from htxconnect.registry import services as registry_services
from htxconnect.registry.models import OrganizationUser
from tests.conftest import signed_in_client
from tests.tools import require_commands

from .conftest import make_event, person, register
from htxconnect.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

POLICY = dict(superior_agency="UBND TỈNH BÌNH DƯƠNG", issuer_name="Sở Khoa học và Công nghệ", place="Thủ Dầu Một",
              signer_title="KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC", signer_name="Nguyễn Thị Hường")


def attend(event, registration, sessions=None):
    for session in sessions if sessions is not None else event.sessions.all():
        services.check_in(actor=SYSTEM, event_id=event.pk, session_id=session.pk, registration_id=registration.pk)


@pytest.fixture
def course(ev):
    """The two-day course: An attends both days, Bình only the first, Cúc none."""
    a = register(ev.event, person("Nguyễn Văn An", "0900000001", organization=ev.coop))
    b = register(ev.event, person("Trần Thị Bình", "0900000002"))
    sessions = list(ev.event.sessions.all())
    attend(ev.event, a)
    attend(ev.event, b, sessions[:1])
    return type("Course", (), {"event": ev.event, "a": a, "b": b, "sessions": sessions})


# --- Certificates ----------------------------------------------------------------------------------------------


def test_certificates_go_to_those_who_attended_all_sessions_by_default(ev, course):
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    issued = certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk, issued_on=datetime.date(2025, 3, 12))
    assert [c.full_name for c in issued] == ["Nguyễn Văn An"]
    c = issued[0]
    assert c.number == 1 and c.sessions_attended == 2 and c.organization_name == "HTX Hồng Đức"
    assert len(c.code) >= 22 and c.number_label == "01/GCN-2025"
    assert certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk) == []  # never twice
    assert AuditEntry.objects.filter(action="events.certificate.issued").count() == 1


def test_a_policy_of_one_session_certifies_partial_attendance_too(ev, course):
    certificates.set_policy(actor=SYSTEM, event=course.event, min_sessions=1, **POLICY)
    issued = certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk)
    assert sorted(c.full_name for c in issued) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert sorted(c.number for c in issued) == [1, 2]


def test_issuing_needs_a_policy_and_an_officer_of_the_organiser(ev, course):
    with pytest.raises(ValidationError, match="người ký"):
        certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk)
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    with pytest.raises(PermissionDenied):
        certificates.issue_certificates(actor=ev.users["other_officer"], event_id=course.event.pk)
    assert Certificate.objects.count() == 0


def test_revocation_needs_a_reason_is_audited_and_happens_once(ev, course):
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    (c,) = certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk)
    with pytest.raises(ValidationError, match="lý do"):
        certificates.revoke_certificate(actor=ev.users["officer"], certificate_id=c.pk, reason="  ")
    with pytest.raises(PermissionDenied):
        certificates.revoke_certificate(actor=ev.users["other_officer"], certificate_id=c.pk, reason="Sai tên")
    certificates.revoke_certificate(actor=ev.users["officer"], certificate_id=c.pk, reason="Ghi sai họ tên")
    c.refresh_from_db()
    assert not c.is_valid and c.revoked_reason == "Ghi sai họ tên" and c.revoked_by == ev.users["officer"]
    entry = AuditEntry.objects.get(action="events.certificate.revoked")
    assert entry.changes["revoked_reason"] == [None, "Ghi sai họ tên"] and entry.agency_id == ev.home.pk
    with pytest.raises(ValidationError, match="đã bị thu hồi"):
        certificates.revoke_certificate(actor=ev.users["officer"], certificate_id=c.pk, reason="lần nữa")


def test_erasing_a_registrants_data_erases_the_name_on_the_certificate_and_revokes_it(ev, course):
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    (c,) = certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk)
    services.erase_registration(actor=ev.users["officer"], registration_id=course.a.pk)
    c.refresh_from_db()
    assert "Nguyễn Văn An" not in (c.full_name + c.organization_name) and not c.is_valid
    page = Client().get(f"/events/verify/{c.code}/").content.decode()
    assert "Nguyễn Văn An" not in page and "Not valid" in page
    # Nor does the audit log keep the name, in the entries of the registration or of the certificate.
    assert AuditEntry.objects.filter(object_type="events.certificate", object_id=str(c.pk)).exists()
    assert not AuditEntry.objects.filter(object_repr__contains="Nguyễn Văn An").exists()


def test_date_line_pads_days_below_ten_and_the_first_two_months():
    # Decree 30/2020/NĐ-CP, Appendix I: "ngày 05 tháng 02 năm 20…", but "tháng 3", "ngày 15".
    assert certificates.vn_date_line("Thủ Dầu Một", datetime.date(2020, 2, 5)) == "Thủ Dầu Một, ngày 05 tháng 02 năm 2020"
    assert certificates.vn_date_line("Long Xuyên", datetime.date(2020, 7, 15)) == "Long Xuyên, ngày 15 tháng 7 năm 2020"


def test_the_pdf_is_a4_landscape_with_the_vietnamese_text_and_an_embedded_font(ev, course):
    require_commands("pdftotext", "pdffonts")
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    (c,) = certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk, issued_on=datetime.date(2025, 3, 12))
    pdf = certificates.render_pdf(c, f"https://htx.example.vn/events/verify/{c.code}/")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "GIẤY CHỨNG NHẬN",
                     "Nguyễn Văn An", "Tập huấn thương mại điện tử", "Thủ Dầu Một, ngày 12 tháng 3 năm 2025",
                     "Nguyễn Thị Hường", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Số: 01/GCN-2025"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5] == "yes" for row in rows), fonts  # the "emb" column: every font embedded
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "841.89 x 595.276 pts (A4)" in info  # landscape: width > height


def test_the_verification_page_says_valid_then_not_valid_after_revocation(ev, course):
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    (c,) = certificates.issue_certificates(actor=SYSTEM, event_id=course.event.pk)
    page = Client().get(f"/events/verify/{c.code}/")
    body = page.content.decode()
    assert page.status_code == 200 and "Valid certificate" in body and "Nguyễn Văn An" in body
    assert "Sở Khoa học và Công nghệ" in body and "Tập huấn thương mại điện tử" in body
    assert "0900000001" not in body  # no personal data beyond the name
    pdf = Client().get(f"/events/verify/{c.code}/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    certificates.revoke_certificate(actor=SYSTEM, certificate_id=c.pk, reason="Cấp nhầm")
    again = Client().get(f"/events/verify/{c.code}/").content.decode()
    assert "Not valid" in again and "revoked on" in again
    assert Client().get(f"/events/verify/{c.code}/certificate.pdf").status_code == 410
    unknown = Client().get("/events/verify/khong-co-ma-nay/")
    assert unknown.status_code == 404 and "Not valid" in unknown.content.decode()


def test_officer_pages_issue_and_revoke(ev, course):
    client = signed_in_client(ev.users["officer"])
    url = f"/events/{course.event.pk}/certificates/"
    assert client.get(url).status_code == 200
    client.post(f"{url}policy/", {**POLICY, "min_sessions": ""})
    client.post(f"{url}issue/")
    c = Certificate.objects.get()
    page = client.get(url).content.decode()
    assert c.number_label in page
    client.post(f"/events/certificates/{c.pk}/revoke/", {"reason": "Trùng người"})
    c.refresh_from_db()
    assert c.revoked_at is not None
    ticket = Client().get(services.ticket_url(course.a)).content.decode()
    assert "ticket-certificate" not in ticket  # a revoked certificate is no longer offered


# --- Feedback ----------------------------------------------------------------------------------------------------


def answer(token, **kw):
    return feedback.submit(actor=AnonymousUser(), token=token, **{"content": 5, "trainer": 4, "organisation": 3, **kw})


def test_one_answer_per_registration(ev, course):
    token = feedback.feedback_token(course.a)
    answer(token, comments="Rất bổ ích")
    with pytest.raises(ValidationError, match="một lần"):
        answer(token, content=1)
    assert FeedbackResponse.objects.count() == 1


def test_feedback_needs_attendance_and_a_genuine_link(ev, course):
    services.update_event(actor=SYSTEM, event_id=course.event.pk, capacity=None)
    absent = register(course.event, person("Lê Cúc", "0900000003"))
    with pytest.raises(ValidationError, match="đã tham dự"):
        answer(feedback.feedback_token(absent))
    with pytest.raises(feedback.BadLink):
        answer(feedback.feedback_token(course.a)[:-3] + "abc")
    ticket_token = services.ticket_url(course.a).rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(feedback.BadLink):  # a ticket is not a survey link
        answer(ticket_token)
    services.reissue_ticket(actor=SYSTEM, registration_id=course.a.pk)
    with pytest.raises(feedback.BadLink):  # reissuing the ticket retires the old link
        answer(feedback.feedback_token(course.a))


def test_ratings_outside_one_to_five_are_refused(ev, course):
    with pytest.raises(ValidationError):
        answer(feedback.feedback_token(course.a), trainer=6)


def test_survey_page_no_account_and_summary_with_formula_safe_export(ev, course):
    client = Client()
    url = feedback.feedback_path(course.a)
    assert "feedback-form" in client.get(url).content.decode()
    done = client.post(url, {"content": "5", "trainer": "4", "organisation": "4", "comments": "=HYPERLINK(\"x\")"})
    assert done.status_code == 200 and "feedback-done" in done.content.decode()
    twice = client.post(url, {"content": "1", "trainer": "1", "organisation": "1"})
    assert twice.status_code == 400 and FeedbackResponse.objects.count() == 1
    answer(feedback.feedback_token(course.b), content=3, trainer=2, organisation=5, comments="Thêm thời gian thực hành")
    officer = signed_in_client(ev.users["leader"])
    page = officer.get(f"/events/{course.event.pk}/feedback/").content.decode()
    assert "2 phản hồi / 2 người tham dự" in page and "Thêm thời gian thực hành" in page
    assert "4,0" in page and "3,0" in page and "4,5" in page  # (5+3)/2, (4+2)/2, (4+5)/2
    xlsx = officer.get(f"/events/{course.event.pk}/feedback.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[3]][2:] == [5, 4, 4, '=HYPERLINK("x")']
    assert sheet["F3"].data_type == "s" and sheet["F3"].quotePrefix  # text, never a formula
    assert sheet["F4"].value == "Thêm thời gian thực hành" and sheet["A2"].value == course.event.title
    # The visitor's answer and the officer's export are both audited, each with its actor (issue 9).
    submitted = AuditEntry.objects.filter(action="events.feedback.submitted").order_by("pk").first()
    assert submitted.actor is None and submitted.actor_repr == "khách" and submitted.ip == "127.0.0.1"
    (exported,) = AuditEntry.objects.filter(action="events.feedback.exported")
    assert exported.actor == ev.users["leader"] and exported.object_repr.endswith(".xlsx")
    assert signed_in_client(ev.users["coop_manager"]).get(f"/events/{course.event.pk}/feedback/").status_code == 403


def test_the_ticket_offers_the_survey_to_attendees_until_they_answer(ev, course):
    ticket = Client().get(services.ticket_url(course.a)).content.decode()
    assert feedback.feedback_path(course.a) in ticket
    answer(feedback.feedback_token(course.a))
    assert "ticket-feedback" not in Client().get(services.ticket_url(course.a)).content.decode()


def test_feedback_requests_mail_the_link_to_attendees_who_have_not_answered(ev, mailoutbox,
                                                                            django_capture_on_commit_callbacks):
    a = register(ev.event, person("Nguyễn Văn An", "0900000001", email="an@example.vn"))
    attend(ev.event, a)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        n = feedback.send_requests(actor=ev.users["officer"], event_id=ev.event.pk, site_url=lambda p: p)
    assert n == 1 and feedback.feedback_path(a) in mailoutbox[0].body


# --- Contests ----------------------------------------------------------------------------------------------------


@pytest.fixture
def contest(ev):
    start = datetime.date.today() + datetime.timedelta(days=30)
    event = make_event(ev.home, title="Hội thi sáng tạo kỹ thuật", kind=EventKind.CONTEST, start=start, days=1,
                       capacity=None)
    other = registry_services.create_organization(actor=SYSTEM, name="HTX Tân Phú", province_code="79",
                                                  ward_code="25813")
    contests.set_criteria(actor=SYSTEM, event_id=event.pk, criteria=[("Tính mới", 60), ("Hiệu quả", 40)],
                          track="technical")
    j1 = contests.add_judge(actor=SYSTEM, event_id=event.pk, username="u_other_officer")
    j2 = contests.add_judge(actor=SYSTEM, event_id=event.pk, username="u_coop_manager")  # manager of ev.coop
    a = contests.submit_entry(actor=ev.users["coop_manager"], event_id=event.pk, organization=ev.coop,
                              title="Máy sấy nông sản năng lượng mặt trời", summary="…", files=[])
    manager_b = ev.users["coop_member"]
    OrganizationUser.objects.create(user=manager_b, organization=other, role="manager")
    b = contests.submit_entry(actor=manager_b, event_id=event.pk, organization=other, title="Hệ thống tưới nhỏ giọt",
                              summary="…", files=[])
    c = event.contest.criteria.order_by("number")
    return type("C", (), {"event": event, "a": a, "b": b, "j1": j1, "j2": j2, "criteria": list(c), "other": other})


@pytest.mark.parametrize("weights,total", [((60, 30), 90), ((60, 50), 110)])
def test_weights_must_add_up_to_100(contest, weights, total):
    with pytest.raises(ValidationError) as error:
        contests.set_criteria(actor=SYSTEM, event_id=contest.event.pk,
                              criteria=[("Tính mới", weights[0]), ("Hiệu quả", weights[1])])
    assert f"hiện là {total}%" in error.value.messages[0] and "100" in error.value.messages[0]
    assert [c.weight for c in contest.event.contest.criteria.all()] == [60, 40]  # unchanged


def test_a_judge_cannot_score_their_own_organisations_entry(ev, contest):
    c1, c2 = contest.criteria
    with pytest.raises(ValidationError) as error:
        contests.score(actor=ev.users["coop_manager"], submission_id=contest.a.pk, values={c1.pk: 9, c2.pk: 9})
    assert "HTX Hồng Đức" in error.value.messages[0] and "own organisation" in error.value.messages[0]
    assert Score.objects.count() == 0
    contests.score(actor=ev.users["coop_manager"], submission_id=contest.b.pk, values={c1.pk: 9, c2.pk: 9})
    with pytest.raises(PermissionDenied):
        contests.score(actor=ev.users["officer"], submission_id=contest.b.pk, values={c1.pk: 9, c2.pk: 9})


@pytest.mark.parametrize("bad", ["11", "-1", "abc", "7.3"])
def test_scores_are_0_to_10_in_half_points(ev, contest, bad):
    c1, c2 = contest.criteria
    with pytest.raises(ValidationError):
        contests.score(actor=ev.users["other_officer"], submission_id=contest.a.pk, values={c1.pk: bad, c2.pk: 5})


def test_ranking_by_weighted_average_and_publication(ev, contest):
    c1, c2 = contest.criteria
    extra = contests.add_judge(actor=SYSTEM, event_id=contest.event.pk, username="u_leader")
    contests.score(actor=ev.users["other_officer"], submission_id=contest.a.pk, values={c1.pk: 8, c2.pk: 6})
    contests.score(actor=ev.users["leader"], submission_id=contest.a.pk, values={c1.pk: "9", c2.pk: "7,0"})
    contests.score(actor=ev.users["coop_manager"], submission_id=contest.b.pk, values={c1.pk: 9, c2.pk: 9})
    assert extra.scores.count() == 2
    table = contests.ranking(contest.event.contest)
    assert [(r.submission.pk, r.total, r.rank) for r in table] == [
        (contest.b.pk, Decimal("9.00"), 1), (contest.a.pk, Decimal("7.70"), 2)]
    with pytest.raises(PermissionDenied):
        contests.publish_results(actor=ev.users["other_officer"], event_id=contest.event.pk)
    public = Client().get(f"/events/{contest.event.pk}/results/").content.decode()
    assert "chưa được công bố" in public and "Hệ thống tưới" not in public
    contests.publish_results(actor=ev.users["officer"], event_id=contest.event.pk)
    public = Client().get(f"/events/{contest.event.pk}/results/").content.decode()
    assert public.index("Hệ thống tưới nhỏ giọt") < public.index("Máy sấy nông sản") and "7,70" in public
    assert "Contest results" in public
    with pytest.raises(ValidationError):
        contests.score(actor=ev.users["other_officer"], submission_id=contest.b.pk, values={c1.pk: 1, c2.pk: 1})
    assert AuditEntry.objects.filter(action="events.contest.results_published").count() == 1


def test_publishing_needs_a_fully_scored_entry(contest):
    with pytest.raises(ValidationError, match="chấm đủ"):
        contests.publish_results(actor=SYSTEM, event_id=contest.event.pk)


def test_submission_files_must_be_documents_and_are_served_to_insiders_only(ev, contest, settings):
    pdf = SimpleUploadedFile("ho so.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="không phải PDF"):
        contests.submit_entry(actor=ev.users["coop_manager"], event_id=contest.event.pk, organization=ev.coop,
                              title="Bài 2", summary="…", files=[fake])
    client = signed_in_client(ev.users["coop_manager"])
    response = client.post(f"/events/{contest.event.pk}/contest/submit/",
                           {"organization": ev.coop.pk, "title": "Bài có hồ sơ", "summary": "Tóm tắt", "files": [pdf]})
    s = Submission.objects.get(title="Bài có hồ sơ")
    assert response.status_code == 302 and s.files.count() == 1
    f = s.files.get()
    assert "ho so" not in f.file.name and f.original_name == "ho so.pdf"
    assert client.get(f"/events/submission-files/{f.pk}/").status_code == 200
    assert signed_in_client(ev.users["other_leader"]).get(f"/events/submission-files/{f.pk}/").status_code == 404
    judge_page = signed_in_client(ev.users["other_officer"]).get(f"/events/submissions/{s.pk}/").content.decode()
    assert "score-form" in judge_page
    own = signed_in_client(ev.users["coop_manager"]).get(f"/events/submissions/{s.pk}/").content.decode()
    assert "score-conflict" in own  # coop_manager judges too, but not their own cooperative's entry


def test_contest_setup_page_refuses_bad_weights_with_the_message(ev, contest):
    client = signed_in_client(ev.users["officer"])
    response = client.post(f"/events/{contest.event.pk}/contest/setup/",
                           {"action": "criteria", "track": "innovation", "criteria": "Tính mới | 50\nHiệu quả | 30"},
                           follow=True)
    assert "hiện là 80%" in response.content.decode()
    page = client.get(f"/events/{contest.event.pk}/contest/").content.decode()
    assert "Máy sấy nông sản" in page and "Hệ thống tưới" in page
    assert "Hệ thống tưới" in signed_in_client(ev.users["other_officer"]).get("/events/judging/").content.decode()


# --- Demo ------------------------------------------------------------------------------------------------------

from tests.programs.test_demo_figures import seeded  # noqa: E402,F401 - the seeds' demo, loaded once per test


def test_demo_certificates_feedback_and_contest(seeded):
    from htxconnect.events import demo, demo_followup
    from htxconnect.events.models import Event

    course = Event.objects.get(title=demo.BD_COURSES[0][1])
    assert course.certificates.count() == demo.BD_COURSES[0][3]  # everyone who attended the one session
    assert course.certificates.filter(revoked_at__isnull=False).count() == 1
    assert FeedbackResponse.objects.filter(event=course).count() == len(demo_followup.ANSWERS)
    contest = Event.objects.get(title=demo_followup.CONTEST_TITLE).contest
    assert sum(c.weight for c in contest.criteria.all()) == 100 and contest.submissions.count() == 2
    assert contest.judges.count() == 2
    before = (Certificate.objects.count(), FeedbackResponse.objects.count(), Submission.objects.count())
    demo_followup.load([course])
    assert (Certificate.objects.count(), FeedbackResponse.objects.count(), Submission.objects.count()) == before


def test_the_audit_log_names_certificates_by_number_not_by_holder(ev, course):
    certificates.set_policy(actor=SYSTEM, event=course.event, **POLICY)
    (c,) = certificates.issue_certificates(actor=ev.users["officer"], event_id=course.event.pk)
    certificates.revoke_certificate(actor=ev.users["officer"], certificate_id=c.pk, reason="Cấp nhầm")
    entries = AuditEntry.objects.filter(action__startswith="events.certificate.")
    assert entries.count() == 3 and not any("Nguyễn Văn An" in e.object_repr for e in entries)
    assert entries.filter(action="events.certificate.issued").get().actor == ev.users["officer"]
