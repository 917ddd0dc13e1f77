"""Authorization-matrix entries of certificates, feedback and contests (merged into
tests/test_authorization_matrix.py).

Real objects of the home agency (province 79): a published course where `world.org`'s member
attended every session and holds a certificate (its verification code and survey link are real),
and a published contest with criteria, `other_officer` as its judge (an outside expert) and an
entry of `world.org` with a PDF file.
"""

from __future__ import annotations

import datetime

from tests.world import WHO, everyone, signed_in
from htxconnect.core.actors import SYSTEM


def _answers(**by_who):
    default = by_who.pop("default")
    return {who: by_who.get(who, default) for who in WHO}


def followup_samples(world, samples) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from htxconnect.accounts.models import Agency
    from htxconnect.events import certificates, contests, feedback, services
    from htxconnect.events.models import Event, Registration

    home = Agency.objects.get(province_code="79")
    start = timezone.localdate() + datetime.timedelta(days=30)
    course = Event.objects.filter(title="Lớp chứng nhận ma trận").first()
    if course is None:
        course = services.create_event(actor=SYSTEM, agency=home, kind="course", title="Lớp chứng nhận ma trận",
                                       starts_on=start, ends_on=start, venue="Hội trường")
        services.publish_event(actor=SYSTEM, event_id=course.pk)
        r = services.register(actor=SYSTEM, event_id=course.pk, consent=True, source=Registration.Source.IMPORT,
                              registrant=services.Registrant("Học viên ma trận", "0900000888", organization=world.org))
        services.check_in(actor=SYSTEM, event_id=course.pk, registration_id=r.pk)
        certificates.set_policy(actor=SYSTEM, event=course, issuer_name="Sở Khoa học và Công nghệ", place="Thủ Đức",
                                signer_title="GIÁM ĐỐC", signer_name="Nguyễn Văn Ký")
        certificates.issue_certificates(actor=SYSTEM, event_id=course.pk)
        contest = services.create_event(actor=SYSTEM, agency=home, kind="contest", title="Hội thi ma trận",
                                        starts_on=start, ends_on=start, venue="Hội trường")
        services.publish_event(actor=SYSTEM, event_id=contest.pk)
        contests.set_criteria(actor=SYSTEM, event_id=contest.pk, criteria=[("Tính mới", 60), ("Hiệu quả", 40)])
        contests.add_judge(actor=SYSTEM, event_id=contest.pk, username=world.people["other_officer"].username)
        pdf = SimpleUploadedFile("ho-so.pdf", b"%PDF-1.4\n%matrix\n", content_type="application/pdf")
        contests.submit_entry(actor=world.people["coop_manager"], event_id=contest.pk, organization=world.org,
                              title="Bài dự thi ma trận", summary="Tóm tắt", files=[pdf])
    registration = course.registrations.get(full_name="Học viên ma trận")
    certificate = registration.certificate
    submission = Event.objects.get(title="Hội thi ma trận").contest.submissions.get()
    return {"cert_event": course.pk, "certificate": certificate.pk, "certificate_code": certificate.code,
            "feedback_token": feedback.feedback_token(registration),
            "contest_event": submission.contest.event_id, "submission": submission.pk,
            "submission_file": submission.files.get().pk}


FOLLOWUP_KEYS = {"cert_event", "certificate", "certificate_code", "feedback_token", "contest_event", "submission",
                 "submission_file"}

# The organiser's officers (and administrators); other agencies' officers may read the published event
# but not act on it (403); everyone else is refused by the role (403), visitors sent to log in.
ORGANISER = _answers(default=403, anonymous="login", admin=200, officer=200, officer_teammate=200)
ORGANISER_POST = {who: (302 if code == 200 else code) for who, code in ORGANISER.items()}
# The organiser agency's staff, leaders included (results of their own events).
ORGANISER_STAFF = _answers(default=403, anonymous="login", admin=200, leader=200, officer=200,
                           officer_teammate=200)
# A contest entry: the organiser agency's staff, the contest's judge (other_officer) and the
# cooperative's people; outsiders do not learn it exists.
ENTRY = _answers(default=404, anonymous="login", admin=200, leader=200, officer=200, officer_teammate=200,
                 other_officer=200, coop_manager=200, coop_member=200)


def followup_matrix() -> dict:
    from tests.test_authorization_matrix import Case

    course = lambda tail: (lambda s: f"/events/{s['cert_event']}/{tail}")  # noqa: E731
    contest = lambda tail: (lambda s: f"/events/{s['contest_event']}/{tail}")  # noqa: E731
    return {
        "events:certificate_list": Case(course("certificates/"), ORGANISER),
        # An empty policy form and a second issue (nobody new is eligible): sent back with the message.
        "events:certificate_policy": Case(course("certificates/policy/"), ORGANISER_POST, method="post"),
        "events:certificate_issue": Case(course("certificates/issue/"), ORGANISER_POST, method="post"),
        # Without a reason: refused with the message, the certificate stays valid for the next person.
        "events:certificate_revoke": Case(lambda s: f"/events/certificates/{s['certificate']}/revoke/",
                                          ORGANISER_POST, method="post"),
        "events:certificate_verify": Case(lambda s: f"/events/verify/{s['certificate_code']}/", everyone(200)),
        "events:certificate_pdf": Case(lambda s: f"/events/verify/{s['certificate_code']}/certificate.pdf",
                                       everyone(200)),
        "events:feedback_form": Case(lambda s: f"/events/f/{s['feedback_token']}/", everyone(200)),
        "events:feedback_summary": Case(course("feedback/"), ORGANISER_STAFF),
        "events:feedback_export": Case(course("feedback.xlsx"), ORGANISER_STAFF),
        "events:feedback_send": Case(course("feedback/send/"), ORGANISER_POST, method="post"),
        "events:contest_manage": Case(contest("contest/"), ORGANISER_STAFF),
        "events:contest_setup": Case(contest("contest/setup/"), ORGANISER_POST, method="post",
                                     data={"action": "x"}),
        # Cooperative managers submit for their own cooperative (any cooperative's manager).
        "events:contest_submit": Case(contest("contest/submit/"),
                                      _answers(default=403, anonymous="login", coop_manager=200, coop_outsider=200)),
        "events:contest_results": Case(contest("results/"), everyone(200)),
        "events:submission_detail": Case(lambda s: f"/events/submissions/{s['submission']}/", ENTRY),
        # Only the judge scores (an empty form: sent back with what is missing); insiders who are not judges: 403.
        "events:submission_score": Case(lambda s: f"/events/submissions/{s['submission']}/score/",
                                        {**{w: (403 if c == 200 else c) for w, c in ENTRY.items()},
                                         "other_officer": 302}, method="post"),
        "events:submission_file": Case(lambda s: f"/events/submission-files/{s['submission_file']}/", ENTRY),
        "events:judging": Case("/events/judging/", signed_in(200)),
    }
