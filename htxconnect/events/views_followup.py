"""Pages of certificates, feedback and contests: thin views over certificates.py, feedback.py and
contests.py. Public: the certificate verification page and its PDF (by the unguessable code), the
survey (by its signed link) and a contest's published results; all bilingual."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from htxconnect.core.permissions import OFFICER_OR_ADMIN, SIGNED_IN, public, requires
from htxconnect.core.ratelimit import limit_public_posts

from . import certificates, contests, feedback, forms_followup, queries, services
from .models import EventKind
from .models_followup import Certificate, CertificatePolicy, FeedbackResponse, Judge, Submission, SubmissionFile


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _staff_event(request, pk):
    """The event for reading its registrations' follow-up (agency staff): 404 / 403 otherwise."""
    event = queries.access_event(request.user, pk)
    if not queries.can_see_registrations(request.user, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được xem trang này."))
    return event


def _absolute(request, path: str) -> str:
    return services.site_url(path) if settings.SITE_URL else request.build_absolute_uri(path)


# --- Certificates --------------------------------------------------------------------------------------------


@requires(OFFICER_OR_ADMIN)
def certificate_list(request, pk):
    event = queries.access_managed_event(request.user, pk)
    policy = CertificatePolicy.objects.filter(event=event).first()
    if policy is None:
        policy = CertificatePolicy(event=event, issuer_name=event.agency.name)
    rows = certificates.candidates(event)
    return render(request, "events/certificates/list.html", {
        "event": event, "rows": rows, "policy_form": forms_followup.PolicyForm(instance=policy),
        "has_policy": policy.pk is not None, "required": certificates.required_sessions(event, policy),
        "sessions": event.sessions.count(), "eligible": sum(1 for r in rows if r.eligible),
        "revoke_form": forms_followup.RevokeForm()})


@requires(OFFICER_OR_ADMIN)
@require_POST
def certificate_policy(request, pk):
    event = queries.access_managed_event(request.user, pk)
    form = forms_followup.PolicyForm(request.POST)
    if form.is_valid():
        try:
            certificates.set_policy(actor=request.user, event=event, **form.cleaned_data)
            messages.success(request, _("Đã lưu quy định cấp giấy chứng nhận."))
        except ValidationError as error:
            messages.error(request, _errors(error))
    else:
        messages.error(request, " ".join(f"{form.fields[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e)
                                         for f, e in form.errors.items()))
    return redirect("events:certificate_list", pk=event.pk)


@requires(OFFICER_OR_ADMIN)
@require_POST
def certificate_issue(request, pk):
    event = queries.access_managed_event(request.user, pk)
    try:
        issued = certificates.issue_certificates(actor=request.user, event_id=event.pk)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Đã cấp %(n)s giấy chứng nhận.") % {"n": len(issued)})
    return redirect("events:certificate_list", pk=event.pk)


@requires(OFFICER_OR_ADMIN)
@require_POST
def certificate_revoke(request, pk):
    certificate = Certificate.objects.filter(pk=pk, event__in=queries.scope_events(request.user)).first()
    if certificate is None:
        raise Http404
    queries.access_managed_event(request.user, certificate.event_id)
    form = forms_followup.RevokeForm(request.POST)
    try:
        certificates.revoke_certificate(actor=request.user, certificate_id=certificate.pk,
                                        reason=form.data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Đã thu hồi giấy chứng nhận của %(n)s.") % {"n": certificate.full_name})
    return redirect("events:certificate_list", pk=certificate.event_id)


@public
def certificate_verify(request, code):
    """Anyone (the QR code on the paper): valid with name, course, dates and issuer, or not valid."""
    certificate = certificates.find(code)
    return render(request, "events/certificates/verify.html", {"c": certificate, "code": code[:40]},
                  status=200 if certificate else 404)


@public
def certificate_pdf(request, code):
    certificate = certificates.find(code)
    if certificate is None or not certificate.is_valid:
        return render(request, "events/certificates/verify.html", {"c": certificate, "code": code[:40]},
                      status=404 if certificate is None else 410)
    pdf = certificates.render_pdf(certificate, _absolute(request, certificates.verify_path(certificate)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-chung-nhan-{certificate.number:02d}.pdf"'
    return response


# --- Feedback ------------------------------------------------------------------------------------------------


@public
@limit_public_posts("event-feedback")
def feedback_form(request, token):
    try:
        registration = feedback.registration_of(token)
    except feedback.BadLink:
        raise Http404
    answered = FeedbackResponse.objects.filter(registration=registration).first()
    form = forms_followup.FeedbackForm(request.POST or None)
    status, done = 200, False
    why = feedback.why_not(registration)
    if request.method == "POST" and not answered and not why and form.is_valid():
        try:
            feedback.submit(actor=request.user, token=token, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _errors(error))
            status = 400
        else:
            done = True
    elif request.method == "POST" and (answered or why):
        status = 400
    return render(request, "events/feedback/form.html", {
        "r": registration, "event": registration.event, "form": form, "answered": answered, "why": why,
        "done": done, "questions": feedback.QUESTIONS}, status=status)


@requires(SIGNED_IN)
def feedback_summary(request, pk):
    event = _staff_event(request, pk)
    return render(request, "events/feedback/summary.html", {
        "event": event, "s": feedback.summary(event), "questions": feedback.QUESTIONS,
        "can_manage": queries.can_manage(request.user, event)})


@requires(SIGNED_IN)
def feedback_export(request, pk):
    event = _staff_event(request, pk)
    response = HttpResponse(feedback.workbook(event),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"phan-hoi-su-kien-{event.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    feedback.record_export(actor=request.user, event=event, filename=filename)
    return response


@requires(OFFICER_OR_ADMIN)
@require_POST
def feedback_send(request, pk):
    event = queries.access_managed_event(request.user, pk)
    try:
        n = feedback.send_requests(actor=request.user, event_id=event.pk,
                                   site_url=lambda path: _absolute(request, path))
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Đã gửi thư xin phản hồi cho %(n)s người.") % {"n": n})
    return redirect("events:feedback_summary", pk=event.pk)


# --- Contests ------------------------------------------------------------------------------------------------


def _contest_event(request, pk):
    event = queries.access_event(request.user, pk)
    if event.kind != EventKind.CONTEST:
        raise Http404(_("Sự kiện này không phải hội thi."))
    return event


@requires(SIGNED_IN)
def contest_manage(request, pk):
    event = _contest_event(request, pk)
    if not queries.can_see_registrations(request.user, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được xem trang này."))
    contest = contests.contest_of(event)
    criteria = list(contest.criteria.all()) if contest else []
    initial = {"track": contest.track if contest else "innovation",
               "criteria": "\n".join(f"{c.name} | {c.weight}" for c in criteria)}
    return render(request, "events/contests/manage.html", {
        "event": event, "contest": contest, "criteria": criteria,
        "total_weight": sum(c.weight for c in criteria),
        "judges": list(contest.judges.select_related("user")) if contest else [],
        "ranking": contests.ranking(contest) if contest else [],
        "criteria_form": forms_followup.CriteriaForm(initial=initial), "judge_form": forms_followup.JudgeForm(),
        "can_manage": queries.can_manage(request.user, event)})


@requires(OFFICER_OR_ADMIN)
@require_POST
def contest_setup(request, pk):
    event = _contest_event(request, pk)
    if not queries.can_manage(request.user, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được làm việc này."))
    action = request.POST.get("action")
    try:
        if action == "criteria":
            form = forms_followup.CriteriaForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            contests.set_criteria(actor=request.user, event_id=event.pk, criteria=form.cleaned_data["criteria"],
                                  track=form.cleaned_data["track"])
            messages.success(request, _("Đã lưu tiêu chí chấm."))
        elif action == "judge_add":
            judge = contests.add_judge(actor=request.user, event_id=event.pk, username=request.POST.get("username", ""))
            messages.success(request, _("Đã thêm giám khảo %(j)s.") % {"j": judge})
        elif action == "judge_remove":
            judge = Judge.objects.filter(pk=_int(request.POST.get("judge")), contest__event=event).first()
            if judge is None:
                raise ValidationError(_("Không tìm thấy giám khảo."))
            contests.remove_judge(actor=request.user, judge_id=judge.pk)
            messages.success(request, _("Đã gỡ giám khảo."))
        elif action == "publish":
            contests.publish_results(actor=request.user, event_id=event.pk)
            messages.success(request, _("Đã công bố kết quả."))
        else:
            raise ValidationError(_("Thao tác không hợp lệ."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("events:contest_manage", pk=event.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@requires(SIGNED_IN)
def contest_submit(request, pk):
    event = _contest_event(request, pk)
    organizations = queries.manager_organizations(request.user)
    if not organizations:
        raise PermissionDenied(_("Chỉ người quản lý HTX nộp bài dự thi cho HTX của mình."))
    form = forms_followup.SubmissionForm(request.POST or None, request.FILES or None, organizations=organizations)
    closed = services.registration_open(event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = contests.submit_entry(actor=request.user, event_id=event.pk,
                                               organization=data["organization"], title=data["title"],
                                               summary=data["summary"], files=data["files"])
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, _("Đã nộp bài dự thi."))
            return redirect("events:submission_detail", pk=submission.pk)
    return render(request, "events/contests/submit.html", {"event": event, "form": form, "closed": closed})


def _access_submission(user, pk) -> Submission:
    return queries.access_submission(user, pk)


@requires(SIGNED_IN)
def submission_detail(request, pk):
    submission = _access_submission(request.user, pk)
    contest = submission.contest
    judge = contests.judge_of(request.user, contest)
    criteria = list(contest.criteria.all())
    mine = {}
    if judge is not None:
        mine = {s.criterion_id: s.value for s in submission.scores.filter(judge=judge)}
    return render(request, "events/contests/submission.html", {
        "s": submission, "event": contest.event, "contest": contest, "judge": judge,
        "conflict": contests.conflict_of(judge, submission) if judge else None,
        "criteria": [(c, mine.get(c.pk)) for c in criteria], "files": list(submission.files.all()),
        "staff": queries.can_see_registrations(request.user, contest.event)})


@requires(SIGNED_IN)
@require_POST
def submission_score(request, pk):
    submission = _access_submission(request.user, pk)
    if contests.judge_of(request.user, submission.contest) is None:
        raise PermissionDenied(_("Chỉ giám khảo của hội thi được chấm điểm."))
    values = {key[len("c"):]: value for key, value in request.POST.items() if key.startswith("c") and key[1:].isdigit()}
    try:
        contests.score(actor=request.user, submission_id=submission.pk, values=values)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Đã lưu điểm."))
    return redirect("events:submission_detail", pk=submission.pk)


@requires(SIGNED_IN)
def submission_file(request, pk):
    attached = SubmissionFile.objects.filter(pk=pk).select_related("submission").first()
    if attached is None:
        raise Http404
    _access_submission(request.user, attached.submission_id)
    response = FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(SIGNED_IN)
def judging(request):
    """The contests the user judges, with the entries to score."""
    assignments = (Judge.objects.filter(user=request.user).select_related("contest__event")
                   .prefetch_related("contest__submissions__organization", "scores"))
    rows = []
    for judge in assignments:
        scored = {s.submission_id for s in judge.scores.all()}
        rows.append((judge, [(s, s.pk in scored, contests.conflict_of(judge, s))
                             for s in judge.contest.submissions.all()]))
    return render(request, "events/contests/judging.html", {"rows": rows})


@public
def contest_results(request, pk):
    event = _contest_event(request, pk)
    contest = contests.contest_of(event)
    published = bool(contest and contest.results_published_at)
    return render(request, "events/contests/results.html", {
        "event": event, "contest": contest, "published": published,
        "ranking": [r for r in contests.ranking(contest) if r.rank] if published else [],
        "criteria": list(contest.criteria.all()) if contest else []})
