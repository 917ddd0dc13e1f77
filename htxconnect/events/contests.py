"""Contests (innovation, start-up, technical improvement): the organiser sets weighted criteria
and assigns judges, cooperatives submit entries with files, judges score 0–10 per criterion,
the ranking is computed and the organiser publishes it. One transaction per write, audited.

Ranking rule: a submission's score is Σ weight × (average of the judges' scores on that
criterion) / 100, on the 0–10 scale; submissions are ranked by it, highest first, equal scores
sharing a rank. A criterion nobody scored yet counts as missing (the submission is listed as
"not fully scored" and is not ranked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core import audit
from htxconnect.registry.models import Organization

from . import audit_actions as actions
from . import queries
from .actors import is_system as _system
from .actors import user_of as _user
from .models import Event, EventKind
from .models_followup import Contest, Criterion, Judge, Score, Submission, SubmissionFile


def _require_manager(actor, event: Event) -> None:
    if not _system(actor) and not queries.can_manage(actor, event):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan tổ chức được làm việc này."))


def contest_of(event: Event, *, create: bool = False) -> Contest | None:
    if event.kind != EventKind.CONTEST:
        return None
    contest = Contest.objects.filter(event=event).first()
    if contest is None and create:
        contest = Contest.objects.create(event=event)
    return contest


def _contest_for_change(event_id: int) -> Contest:
    event = Event.objects.select_for_update().get(pk=event_id)
    if event.kind != EventKind.CONTEST:
        raise ValidationError(_("Sự kiện này không phải hội thi."))
    return contest_of(event, create=True)


# --- Organiser: criteria, track, judges, publication ---------------------------------------------------------


@transaction.atomic
def set_criteria(*, actor, event_id: int, criteria: list[tuple[str, int]], track: str | None = None) -> list[Criterion]:
    """Replace the criteria: names with weights (whole percentages) that must add up to 100."""
    contest = _contest_for_change(event_id)
    _require_manager(actor, contest.event)
    if contest.results_published_at:
        raise ValidationError(_("Kết quả đã công bố: không đổi tiêu chí được nữa."))
    cleaned = [((name or "").strip(), weight) for name, weight in criteria if (name or "").strip()]
    if not cleaned:
        raise ValidationError(_("Nhập ít nhất một tiêu chí."))
    bad = [name for name, weight in cleaned if not isinstance(weight, int) or not 1 <= weight <= 100]
    if bad:
        raise ValidationError(_("Trọng số của “%(c)s” phải là số nguyên từ 1 đến 100.") % {"c": bad[0]})
    total = sum(weight for _name, weight in cleaned)
    if total != 100:
        raise ValidationError(_("Tổng trọng số các tiêu chí phải bằng 100%% (hiện là %(t)s%%). "
                                "The weights must add up to 100 (they add up to %(t)s).") % {"t": total},
                              code="weights")
    if len({name.lower() for name, _w in cleaned}) != len(cleaned):
        raise ValidationError(_("Hai tiêu chí trùng tên."))
    if Score.objects.filter(submission__contest=contest).exists():
        raise ValidationError(_("Giám khảo đã chấm điểm: không đổi tiêu chí được nữa."))
    before = [(c.name, c.weight) for c in contest.criteria.all()]
    contest.criteria.all().delete()
    created = [Criterion.objects.create(contest=contest, number=i, name=name[:200], weight=weight)
               for i, (name, weight) in enumerate(cleaned, start=1)]
    changes = {"criteria": [before, cleaned]}
    if track and track != contest.track:
        if track not in Contest.Track.values:
            raise ValidationError({"track": _("Lĩnh vực không hợp lệ.")})
        changes["track"] = [contest.track, track]
        contest.track = track
        contest.save(update_fields=["track"])
    audit.record(actions.CONTEST_CRITERIA_SET, obj=contest, actor=actor, agency_id=contest.event.agency_id,
                 changes=changes)
    return created


@transaction.atomic
def add_judge(*, actor, event_id: int, username: str) -> Judge:
    contest = _contest_for_change(event_id)
    _require_manager(actor, contest.event)
    user = get_user_model().objects.filter(username__iexact=(username or "").strip(), is_active=True).first()
    if user is None:
        raise ValidationError(_("Không có tài khoản đang hoạt động tên “%(u)s”.") % {"u": username})
    if contest.judges.filter(user=user).exists():
        raise ValidationError(_("%(u)s đã là giám khảo của hội thi.") % {"u": user.get_username()})
    judge = Judge.objects.create(contest=contest, user=user)
    audit.record(actions.CONTEST_JUDGE_ADDED, obj=judge, actor=actor, agency_id=contest.event.agency_id,
                 changes={"user": [None, user.pk]})
    return judge


@transaction.atomic
def remove_judge(*, actor, judge_id: int) -> None:
    judge = Judge.objects.select_related("contest__event").get(pk=judge_id)
    _require_manager(actor, judge.contest.event)
    if judge.scores.exists():
        raise ValidationError(_("Giám khảo đã chấm điểm: không gỡ được."))
    audit.record(actions.CONTEST_JUDGE_REMOVED, obj=judge, actor=actor, agency_id=judge.contest.event.agency_id,
                 changes={"user": [judge.user_id, None]})
    judge.delete()


@transaction.atomic
def publish_results(*, actor, event_id: int) -> Contest:
    contest = _contest_for_change(event_id)
    _require_manager(actor, contest.event)
    if contest.results_published_at:
        raise ValidationError(_("Kết quả đã được công bố."))
    if sum(c.weight for c in contest.criteria.all()) != 100:
        raise ValidationError(_("Tiêu chí chưa đủ (tổng trọng số phải bằng 100%)."))
    table = ranking(contest)
    if not any(row.rank for row in table):
        raise ValidationError(_("Chưa có bài dự thi nào được chấm đủ các tiêu chí."))
    contest.results_published_at = timezone.now()
    contest.published_by = _user(actor)
    contest.save(update_fields=["results_published_at", "published_by"])
    audit.record(actions.CONTEST_RESULTS_PUBLISHED, obj=contest, actor=actor, agency_id=contest.event.agency_id,
                 changes={"ranking": [None, [(row.submission.pk, str(row.total)) for row in table if row.rank]]})
    return contest


# --- Cooperatives: submissions -------------------------------------------------------------------------------


@transaction.atomic
def submit_entry(*, actor, event_id: int, organization: Organization, title: str, summary: str,
                 files: list) -> Submission:
    """A cooperative's entry, by its manager, while the contest takes registrations; files are
    PDF, JPEG or PNG by their content, ≤ 10 MB each (the registry's document rule)."""
    from .services import registration_open

    contest = _contest_for_change(event_id)
    event = contest.event
    if not _system(actor) and not queries.is_admin(actor) and \
            organization.pk not in queries.managed_ids(actor, managers_only=True):
        raise PermissionDenied(_("Chỉ người quản lý của HTX được nộp bài dự thi cho HTX."))
    if why := registration_open(event):
        raise ValidationError(_("Hội thi không nhận bài: %(w)s") % {"w": why}, code="closed")
    if contest.results_published_at:
        raise ValidationError(_("Hội thi đã công bố kết quả."), code="closed")
    if len(files) > 5:
        raise ValidationError(_("Tối đa 5 tệp cho một bài dự thi."))
    submission = Submission(contest=contest, organization=organization, title=(title or "").strip(),
                            summary=(summary or "").strip(),
                            submitted_by=_user(actor))
    submission.full_clean()
    submission.save()
    for upload in files:
        attached = SubmissionFile(submission=submission, file=upload, original_name=str(upload.name)[-200:])
        attached.full_clean()
        attached.save()
    audit.record(actions.CONTEST_SUBMITTED, obj=submission, actor=actor, agency_id=event.agency_id,
                 changes={"organization": [None, organization.pk], "title": [None, submission.title],
                          "files": [None, [f.original_name for f in submission.files.all()]]})
    return submission


# --- Judges: scores ------------------------------------------------------------------------------------------


def judge_of(user, contest: Contest) -> Judge | None:
    if user is None or not user.is_authenticated:
        return None
    return contest.judges.filter(user=user).first()


def conflict_of(judge: Judge, submission: Submission) -> str | None:
    """Why this judge may not score this entry (their own organisation's), or None."""
    own = queries.managed_ids(judge.user)
    if submission.organization_id in own:
        return _("Giám khảo %(j)s thuộc %(o)s nên không được chấm bài dự thi của đơn vị mình. "
                 "A judge cannot score their own organisation's entry.") % {
            "j": judge, "o": submission.organization.name}
    return None


def _score_value(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Điểm “%(v)s” không phải là số.") % {"v": raw}) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(10):
        raise ValidationError(_("Điểm phải từ 0 đến 10 (nhận được %(v)s).") % {"v": raw})
    if value * 2 != (value * 2).to_integral_value():
        raise ValidationError(_("Điểm chấm đến 0,5 (nhận được %(v)s).") % {"v": raw})
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def score(*, actor, submission_id: int, values: dict) -> list[Score]:
    """The acting judge's scores of one entry: {criterion id: 0–10}; every criterion at once.
    Refused for a judge of the entry's own organisation, and after the results are published."""
    submission = Submission.objects.select_related("contest__event", "organization").get(pk=submission_id)
    contest = submission.contest
    judge = judge_of(actor, contest)
    if judge is None:
        raise PermissionDenied(_("Chỉ giám khảo của hội thi được chấm điểm."))
    if why := conflict_of(judge, submission):
        raise ValidationError(why, code="conflict")
    if contest.results_published_at:
        raise ValidationError(_("Kết quả đã công bố: không chấm thêm được."))
    criteria = list(contest.criteria.all())
    if sum(c.weight for c in criteria) != 100:
        raise ValidationError(_("Hội thi chưa có bộ tiêu chí đủ 100%."))
    missing = [c.name for c in criteria if c.pk not in values and str(c.pk) not in values]
    if missing:
        raise ValidationError(_("Chấm đủ các tiêu chí (thiếu: %(c)s).") % {"c": ", ".join(missing)})
    saved, changes = [], {}
    for c in criteria:
        value = _score_value(values.get(c.pk, values.get(str(c.pk))))
        row, _created = Score.objects.update_or_create(submission=submission, judge=judge, criterion=c,
                                                       defaults={"value": value})
        saved.append(row)
        changes[c.name] = [None, str(value)]
    audit.record(actions.CONTEST_SCORED, obj=submission, actor=actor, agency_id=contest.event.agency_id,
                 changes=changes)
    return saved


# --- Ranking -------------------------------------------------------------------------------------------------


@dataclass
class Ranked:
    submission: Submission
    total: Decimal | None
    per_criterion: dict = field(default_factory=dict)  # criterion id → average
    judges: int = 0
    rank: int | None = None


def ranking(contest: Contest) -> list[Ranked]:
    """Submissions by weighted average, highest first (3 queries)."""
    criteria = list(contest.criteria.all())
    submissions = list(contest.submissions.select_related("organization").prefetch_related("files"))
    averages: dict[int, dict[int, Decimal]] = {}
    judges: dict[int, set] = {}
    for row in Score.objects.filter(submission__contest=contest).values("submission", "criterion").annotate(
            avg=Avg("value")):
        averages.setdefault(row["submission"], {})[row["criterion"]] = Decimal(str(row["avg"]))
    for s_id, j_id in Score.objects.filter(submission__contest=contest).values_list("submission", "judge").distinct():
        judges.setdefault(s_id, set()).add(j_id)
    rows = []
    for s in submissions:
        per = averages.get(s.pk, {})
        total = None
        if criteria and all(c.pk in per for c in criteria):
            total = (sum(Decimal(c.weight) * per[c.pk] for c in criteria) / Decimal(100)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP)
        rows.append(Ranked(s, total, per, len(judges.get(s.pk, ()))))
    rows.sort(key=lambda r: (r.total is None, -(r.total or 0), r.submission.created_at, r.submission.pk))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.total is None:
            continue
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank
    return rows
