"""What a report states, computed from the records: results by content group (supports by kind,
loans, applications, events, certification-mark grants), targets against actuals, and the next
period's targets. `collect` returns plain JSON — the content the document is written from, and the
flat `figures` {key: {label, value}} that a snapshot keeps and `diff` compares.

Reads go through the programs' queries and indicator registry (so indicators that other apps
register — the events app's attendance and sessions — are measured here too) and stream: supports
are read with `.values().iterator()` in chunks and grouped as they come, never all loaded; each
list in the body names at most LIST_LIMIT cooperatives (the annex names them all).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from htxconnect.core.money import amount_in_words, format_vnd
from htxconnect.core.numbers import format_date, two_digits
from htxconnect.programs import indicators
from htxconnect.programs.models import (
    Application, ApplicationStep, ContentGroup, Loan, Plan, Program, Support, SupportKind, Target,
)
from htxconnect.registry.models import IPUsageGrant, Organization

LIST_LIMIT = 40  # cooperatives named per item in the body; the annex lists every one
CHUNK = 2000
COOPERATIVE_KINDS = {"cooperative", "cooperative_group", "cooperative_union"}
# Kinds whose records are sessions held (counted as records, listed by title), not cooperatives helped.
SESSION_KINDS = {SupportKind.SUPPLY_DEMAND: gettext_lazy("buổi"), SupportKind.TRAINING: gettext_lazy("lớp")}


class Figures:
    """The flat record of every figure a report states: {key: {"label": …, "value": …}}."""

    def __init__(self):
        self.data: dict[str, dict] = {}

    def add(self, key: str, label: str, value):
        self.data[key] = {"label": str(label), "value": value}
        return value


def period_days(start: datetime.date, end: datetime.date) -> Q:
    return Q(given_on__gte=start, given_on__lte=end)


def place_of(org: dict) -> str:
    """Where a cooperative is, by current units, with the address as written at the time when it
    says more ("Phường Bến Cát, Thành phố Hồ Chí Minh (địa chỉ cũ: thị xã Bến Cát, tỉnh Bình Dương)")."""
    current = ", ".join(p for p in (org.get("ward_name"), org.get("province_name")) if p)
    written = (org.get("address_as_written") or "").strip()
    if written and not current.lower().endswith(written.lower()):
        return f"{current} (địa chỉ cũ: {written})" if current else written
    return current


def org_unit(kinds: set[str]) -> str:
    return "HTX" if kinds and kinds <= COOPERATIVE_KINDS else _("đơn vị")


def money(amount: int) -> str:
    """"6.900.000.000 đồng (6 tỷ 900 triệu đồng)": figures and words, as the reports write sums."""
    return f"{format_vnd(amount, 'đồng')} ({amount_in_words(amount)})"


def _orgs(ids) -> dict[int, dict]:
    ids = list(ids)
    rows = {}
    for start in range(0, len(ids), 500):
        for row in Organization.objects.filter(pk__in=ids[start:start + 500]).values(
                "id", "name", "kind", "ward_name", "province_name", "address_as_written"):
            rows[row["id"]] = row
    return rows


def _named(org: dict) -> str:
    place = place_of(org)
    return f"{org['name']} – {place}" if place else org["name"]


# --- one program --------------------------------------------------------------------------------------


@dataclass
class Bucket:
    """Supports of one kind within one content group, gathered while streaming."""

    kind: str
    records: int = 0
    amount_state: int = 0
    amount_counterpart: int = 0
    participants: int = 0
    org_ids: list = field(default_factory=list)  # first LIST_LIMIT distinct, in order
    org_seen: set = field(default_factory=set)
    titles: dict = field(default_factory=dict)  # title → count (first 50)
    lines: list = field(default_factory=list)  # (org id, title, amount) for the first LIST_LIMIT records


def _support_buckets(program: Program, start, end) -> dict[tuple, Bucket]:
    buckets: dict[tuple, Bucket] = {}
    rows = (Support.objects.filter(period_days(start, end), program=program)
            .values_list("group_id", "kind", "organization_id", "title", "amount_state", "amount_counterpart",
                         "participants").order_by("group_id", "kind", "given_on", "id").iterator(chunk_size=CHUNK))
    for group_id, kind, org_id, title, state, counterpart, participants in rows:
        b = buckets.setdefault((group_id, kind), Bucket(kind))
        b.records += 1
        b.amount_state += state
        b.amount_counterpart += counterpart
        b.participants += participants or 0
        if org_id not in b.org_seen:
            b.org_seen.add(org_id)
            if len(b.org_ids) < LIST_LIMIT:
                b.org_ids.append(org_id)
        if title in b.titles or len(b.titles) < 50:
            b.titles[title] = b.titles.get(title, 0) + 1
        if len(b.lines) < LIST_LIMIT:
            b.lines.append((org_id, title, state))
    return buckets


def _bucket_item(key: str, b: Bucket, orgs: dict, F: Figures) -> dict:
    labels = dict(SupportKind.choices)
    label = str(labels.get(b.kind, b.kind))
    if b.kind in SESSION_KINDS:
        unit = str(SESSION_KINDS[b.kind])
        n = F.add(f"{key}.records", f"{label}: số {unit}", b.records)
        text = f"{label}: {two_digits(n)} {unit}"
        if b.kind == SupportKind.TRAINING and b.participants:
            text += f", {two_digits(F.add(f'{key}.participants', f'{label}: lượt người', b.participants))} lượt người"
        details = [f"{title}" + (f" ({_named(orgs[org])})" if org in orgs else "") for org, title, _a in b.lines]
    else:
        kinds = {orgs[o]["kind"] for o in b.org_ids if o in orgs}
        unit = org_unit(kinds)
        n = F.add(f"{key}.organizations", f"{label}: số {unit}", len(b.org_seen))
        heading = next(iter(b.titles)) if len(b.titles) == 1 else label
        text = f"{heading}: {two_digits(n)} {unit}"
        if b.records != n:
            text += f" ({two_digits(F.add(f'{key}.records', f'{label}: số lượt', b.records))} lượt)"
        if len(b.titles) == 1:
            details = [_named(orgs[o]) for o in b.org_ids if o in orgs]
        else:
            details = [f"{_named(orgs[o])}: {title}" + (f", số tiền {format_vnd(a, 'đồng')}" if a else "")
                       for o, title, a in b.lines if o in orgs]
        F.add(f"{key}.list", f"{label}: danh sách", [orgs[o]["name"] for o in b.org_ids if o in orgs])
    if b.amount_state:
        F.add(f"{key}.amount_state", f"{label}: kinh phí ngân sách", b.amount_state)
        text += f"; kinh phí ngân sách {money(b.amount_state)}"
    if b.amount_counterpart:
        F.add(f"{key}.amount_counterpart", f"{label}: đối ứng", b.amount_counterpart)
        text += f"; đối ứng {money(b.amount_counterpart)}"
    more = (b.records if b.kind in SESSION_KINDS else len(b.org_seen)) - len(details)
    if more > 0:
        details.append(_("và %(n)s đơn vị khác (xem Phụ lục)") % {"n": two_digits(more)})
    return {"text": text + ".", "details": details}


def _loan_items(program: Program, start, end, F: Figures, prefix: str) -> dict:
    items: dict = {}
    loans = (Loan.objects.filter(program=program, approved_on__gte=start, approved_on__lte=end)
             .prefetch_related("borrowers").order_by("approved_on", "id"))
    for loan in loans:
        borrowers = [{"id": o.pk, "name": o.name, "kind": o.kind, "ward_name": o.ward_name,
                      "province_name": o.province_name, "address_as_written": o.address_as_written}
                     for o in loan.borrowers.all()]
        key = f"{prefix}.loan{loan.pk}"
        F.add(f"{key}.borrowers", _("Khoản vay: số bên vay"), len(borrowers))
        F.add(f"{key}.principal", _("Khoản vay: số tiền"), loan.principal)
        F.add(f"{key}.list", _("Khoản vay: bên vay"), [b["name"] for b in borrowers])
        unit = org_unit({b["kind"] for b in borrowers})
        text = (_("Xét duyệt cho %(n)s %(unit)s được vay %(words)s (%(figures)s) từ %(fund)s: %(purpose)s")
                % {"n": two_digits(len(borrowers)), "unit": unit, "words": amount_in_words(loan.principal, pad=True),
                   "figures": format_vnd(loan.principal, "đồng"), "fund": loan.fund, "purpose": loan.purpose})
        if loan.annual_rate is not None:
            text += _(", lãi suất %(r)s%%/năm") % {"r": loan.annual_rate}
        items.setdefault(loan.group_id, []).append({"text": text + ".", "details": [_named(b) for b in borrowers]})
    return items


def _application_items(program: Program, start, end, F: Figures, prefix: str) -> dict:
    """Applications under the program reviewed in the period (a step dated in it), with the latest
    opinion given in the period."""
    start_dt, end_dt = _bounds(start, end)
    steps = (ApplicationStep.objects.filter(application__program=program, created_at__gte=start_dt,
                                            created_at__lt=end_dt)
             .select_related("application__organization", "application__item__policy").order_by("application_id", "id"))
    latest: dict[int, ApplicationStep] = {}
    for step in steps:
        latest[step.application_id] = step
    items: dict = {}
    labels = dict(Application.State.choices)
    for app_id, step in latest.items():
        a = step.application
        org = {"name": a.organization.name, "ward_name": a.organization.ward_name,
               "province_name": a.organization.province_name, "address_as_written": a.organization.address_as_written}
        F.add(f"{prefix}.application{app_id}.state", _("Hồ sơ đề nghị hỗ trợ: trạng thái"), step.to_state)
        text = (_("Xem xét hồ sơ đề nghị hỗ trợ dự án “%(title)s” của %(org)s theo %(policy)s: %(state)s")
                % {"title": a.title, "org": _named(org), "policy": _document_name(a.item.policy.number),
                   "state": str(labels.get(step.to_state, step.to_state)).lower()})
        details = [step.comment] if step.comment else []
        items.setdefault(a.group_id, []).append({"text": text + ".", "details": details})
    return items


DOCUMENT_TYPES = {"QĐ": "Quyết định", "NĐ": "Nghị định", "TT": "Thông tư", "NQ": "Nghị quyết"}


def _document_name(number: str) -> str:
    """"71/2019/QĐ-UBND" → "Quyết định số 71/2019/QĐ-UBND" (the type read from the symbol)."""
    for code, name in DOCUMENT_TYPES.items():
        if f"/{code}" in number:
            return f"{name} số {number}"
    return f"văn bản số {number}"


def _bounds(start, end):
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))


EVENT_UNITS = {"supply_demand": "buổi", "course": "lớp"}
# Meetings count delegates (đại biểu); courses and the rest count person-times (lượt người).
DELEGATE_KINDS = {"workshop", "conference"}
BUSINESS_KINDS = sorted(COOPERATIVE_KINDS | {"enterprise", "household_business"})


def _from_businesses() -> Q:
    """A registration for a business or a cooperative: linked to one in the registry, or declaring
    one in the organisation it wrote ("Doanh nghiệp…", "HTX…", "Công ty…", "Hợp tác xã…")."""
    q = Q(registration__organization__kind__in=BUSINESS_KINDS)
    for word in ("doanh nghiệp", "HTX", "hợp tác xã", "công ty"):
        q |= Q(registration__organization__isnull=True, registration__organization_name__icontains=word)
    return q


def _event_items(program: Program, start, end, F: Figures, prefix: str) -> dict:
    """Events of the program held in the period, with who attended (events app, when installed:
    reports sits above it and reads its models; nothing here is needed for the app to exist).
    Attendance is person-times: a registration present at one session or more of the event."""
    if not apps.is_installed("htxconnect.events"):
        return {}
    Event = apps.get_model("events", "Event")
    Attendance = apps.get_model("events", "Attendance")
    events = (Event.objects.filter(program=program, starts_on__gte=start, starts_on__lte=end)
              .exclude(status="cancelled").select_related("host").order_by("starts_on", "id"))
    present = {row["session__event_id"]: row for row in
               Attendance.objects.filter(session__event__in=events.values("pk")).values("session__event_id")
               .annotate(n=Count("registration", distinct=True),
                         business=Count("registration", distinct=True, filter=_from_businesses()))}
    items: dict = {}
    by_kind: dict[tuple, list] = {}
    for e in events:
        by_kind.setdefault((e.group_id, e.kind, e.get_kind_display()), []).append(e)
    for (group_id, kind, label), rows in by_kind.items():
        key = f"{prefix}.g{group_id or 0}.event_{kind}"
        who = "đại biểu" if kind in DELEGATE_KINDS else "lượt người"
        n = F.add(f"{key}.count", f"{label}: số sự kiện", len(rows))
        people = F.add(f"{key}.person_times", f"{label}: {who} tham dự",
                       sum(present.get(e.pk, {}).get("n", 0) for e in rows))
        unit = EVENT_UNITS.get(kind, "sự kiện")
        text = f"{label}: {two_digits(n)} {unit}" + (f", {two_digits(people)} {who} tham dự" if people else "")
        details = []
        for e in rows:
            place = e.venue or (e.host.name if e.host_id else "")
            where = ", ".join(p for p in (format_date(e.starts_on), place) if p)
            row = present.get(e.pk, {})
            count, business = row.get("n", 0), row.get("business", 0)
            F.add(f"{prefix}.event{e.pk}.person_times", f"{e.title}: {who} tham dự", count)
            line = f"{e.title} ({where})"
            if count:
                line += f": {two_digits(count)} {who} tham dự"
                if business:
                    F.add(f"{prefix}.event{e.pk}.business", f"{e.title}: {who} là doanh nghiệp, HTX", business)
                    line += f", trong đó {two_digits(business)} {who} là các doanh nghiệp và HTX"
            details.append(line)
        items.setdefault(group_id, []).append({"text": text + ".", "details": details})
    return items


def _marks(program: Program) -> dict[str, int | None]:
    """Certification marks the program follows: those named by its targets' parameters → group id."""
    marks: dict[str, int | None] = {}
    for params, group_id in Target.objects.filter(plan__program=program).values_list("params", "group_id"):
        if isinstance(params, dict) and isinstance(params.get("mark"), str):
            marks.setdefault(params["mark"], group_id)
    return marks


def _grant_items(program: Program, start, end, F: Figures, prefix: str) -> dict:
    items: dict = {}
    for mark, group_id in _marks(program).items():
        grants = (IPUsageGrant.objects.filter(ip_right__name=mark, granted_on__gte=start, granted_on__lte=end)
                  .select_related("grantee", "product", "ip_right").order_by("granted_on", "id"))
        by_day: dict = {}
        for g in grants:
            by_day.setdefault(g.granted_on, []).append(g)
        for day, rows in by_day.items():
            grantees = {g.grantee_id: g.grantee for g in rows}
            unit = org_unit({o.kind for o in grantees.values()})
            key = f"{prefix}.mark.{mark}.{day.isoformat()}"
            n = F.add(f"{key}.grantees", _("Trao quyền sử dụng nhãn hiệu chứng nhận “%(m)s”: số đơn vị") % {"m": mark},
                      len(grantees))
            F.add(f"{key}.list", _("Trao quyền sử dụng nhãn hiệu chứng nhận “%(m)s”: danh sách") % {"m": mark},
                  [o.name for o in grantees.values()])
            text = (_("Ngày %(d)s trao quyền sử dụng nhãn hiệu chứng nhận “%(m)s” cho %(n)s %(unit)s")
                    % {"d": format_date(day), "m": mark, "n": two_digits(n), "unit": unit})
            details = []
            for org_id, org in grantees.items():
                products = [g.product.name if g.product_id else g.product_description for g in rows
                            if g.grantee_id == org_id and (g.product_id or g.product_description)]
                org_row = {"name": org.name, "ward_name": org.ward_name, "province_name": org.province_name,
                           "address_as_written": org.address_as_written}
                details.append(_named(org_row) + (f" (sản phẩm: {', '.join(products)})" if products else ""))
            items.setdefault(group_id, []).append({"text": text + ".", "details": details})
    return items


def _year_part(year: int, start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days of `year` inside the period [start, end]."""
    return max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))


def _targets(program: Program, start, end, F: Figures, prefix: str) -> list[dict]:
    """Each annual target against what was done. A target's year wholly inside the period: the year's
    actual against the year's target. A year only partly inside (a half-year report, a period ending in
    July): the target is still the whole year's, so the row says so and gives the actual in the period,
    the cumulative actual from 1 January to the end of the period, and the cumulative as a share of the
    annual target — never the period's actual over the year's target as if that were the plan."""
    targets = list(Target.objects.filter(plan__program=program, plan__year__gte=start.year, plan__year__lte=end.year)
                   .select_related("plan", "group").order_by("plan__year", "group__number", "id"))
    by_year: dict[int, list[Target]] = {}
    for t in targets:
        by_year.setdefault(t.plan.year, []).append(t)
    in_period, cumulative, parts = {}, {}, {}
    for year, group in by_year.items():
        first, last = _year_part(year, start, end)
        parts[year] = (first, last)
        if (first, last) == (datetime.date(year, 1, 1), datetime.date(year, 12, 31)):
            in_period.update(indicators.measure(group))
        else:
            in_period.update(indicators.measure(group, start=first, end=last))
            cumulative.update(indicators.measure(group, start=datetime.date(year, 1, 1), end=last)
                              if first != datetime.date(year, 1, 1) else {t.pk: in_period[t.pk] for t in group})

    def text(t, v):  # the unit follows in the table ("500.000.000 đồng", not "500.000.000 đ đồng")
        return two_digits(v) if t.unit != "đồng" else format_vnd(v, "")

    rows = []
    for t in targets:
        value = F.add(f"{prefix}.target{t.pk}.actual", f"{t.plan.year} – {t.title}: thực hiện trong kỳ", in_period[t.pk])
        F.add(f"{prefix}.target{t.pk}.value", f"{t.plan.year} – {t.title}: chỉ tiêu năm", t.value)
        partial = t.pk in cumulative
        total = value
        if partial:
            total = F.add(f"{prefix}.target{t.pk}.cumulative",
                          f"{t.plan.year} – {t.title}: lũy kế từ đầu năm đến {format_date(parts[t.plan.year][1])}",
                          cumulative[t.pk])
        percent = 100 if not t.value else total * 100 // t.value
        first, last = parts[t.plan.year]
        rows.append({"year": t.plan.year, "group": f"{t.group.number}. {t.group.title}", "title": t.title,
                     "unit": t.unit, "value": t.value, "actual": value, "percent": percent, "partial": partial,
                     "cumulative": total, "from": format_date(first), "to": format_date(last),
                     "value_text": text(t, t.value), "actual_text": text(t, value), "cumulative_text": text(t, total),
                     "indicator": str(indicators.INDICATORS[t.indicator].label) if t.indicator in indicators.INDICATORS
                     else t.indicator})
    return rows


def _next_period(program: Program, end: datetime.date, F: Figures, prefix: str) -> list[dict]:
    """Targets of the next period: the program's plan for the year after the period (the same year
    when the period ends before December), or — when the program ends with the period — the
    programs of the same agency that start the next year, with their content groups."""
    year = (end + datetime.timedelta(days=1)).year
    blocks = []
    sources = [program] if program.end_year >= year else list(
        Program.objects.filter(agency_id=program.agency_id, start_year=year).order_by("name"))
    for p in sources:
        targets = list(Target.objects.filter(plan__program=p, plan__year=year).select_related("plan", "group")
                       .order_by("group__number", "id"))
        groups = [] if p.pk == program.pk else [f"{g.number}. {g.title}" for g in ContentGroup.objects.filter(program=p)]
        if p.pk != program.pk:
            F.add(f"{prefix}.next.program{p.pk}.groups", f"{p.name}: số nhóm nội dung", len(groups))
        lines = []
        for t in targets:
            F.add(f"{prefix}.next.target{t.pk}", f"{year} – {t.title}: chỉ tiêu", t.value)
            lines.append(f"{t.title} ({two_digits(t.value)} {t.unit}; nhóm {t.group.number})")
        if targets or groups:
            blocks.append({"program": p.name if p.pk != program.pk else "", "year": year,
                           "period": f"{p.start_year} - {p.end_year}", "groups": groups, "targets": lines})
    return blocks


def program_content(program: Program, start, end, F: Figures) -> dict:
    prefix = f"p{program.pk}"
    groups = list(ContentGroup.objects.filter(program=program).order_by("number"))
    sections = {g.pk: {"number": g.number, "title": g.title, "items": []} for g in groups}
    other = {"number": None, "title": _("Các nội dung khác") if groups else _("Kết quả hỗ trợ"), "items": []}

    def place(group_id, item):
        (sections.get(group_id) or other)["items"].append(item)

    buckets = _support_buckets(program, start, end)
    orgs = _orgs({o for b in buckets.values() for o in b.org_ids})
    order = {kind: index for index, kind in enumerate(SupportKind.values)}
    for (group_id, kind), b in sorted(buckets.items(), key=lambda kv: order.get(kv[0][1], 99)):
        number = sections[group_id]["number"] if group_id in sections else 0
        place(group_id, _bucket_item(f"{prefix}.g{number}.{kind}", b, orgs, F))
    for builder in (_loan_items, _grant_items, _application_items, _event_items):
        for group_id, items in builder(program, start, end, F, prefix).items():
            for item in items:
                place(group_id, item)
    result = [*sections.values()] + ([other] if other["items"] else [])
    supports = F.add(f"{prefix}.supports", _("Số lượt hỗ trợ trong kỳ"), sum(b.records for b in buckets.values()))
    activity = supports + sum(len(s["items"]) for s in result)
    return {"id": program.pk, "name": program.name, "period": f"{program.start_year} - {program.end_year}",
            "agency": program.agency.name, "sections": result, "targets": _targets(program, start, end, F, prefix),
            "next": _next_period(program, end, F, prefix), "empty": activity == 0}


# --- the report --------------------------------------------------------------------------------------------


def programs_of(report) -> list[Program]:
    """The program of a program report; for an agency report, the programs the agency leads or
    partners in whose years meet the period."""
    if report.program_id:
        return [Program.objects.select_related("agency").get(pk=report.program_id)]
    return list(Program.objects.filter(Q(agency_id=report.agency_id) | Q(partner_agencies__id=report.agency_id),
                                       start_year__lte=report.period_end.year, end_year__gte=report.period_start.year)
                .select_related("agency").distinct().order_by("start_year", "name"))


def collect(report, progress=None) -> dict:
    """The report's content and figures. `progress(done, total, stage)` is called as programs are read."""
    F = Figures()
    programs = programs_of(report)
    content = []
    for index, program in enumerate(programs):
        if progress:
            progress(index, len(programs) + 2, program.name)
        content.append(program_content(program, report.period_start, report.period_end, F))
    empty = all(p["empty"] for p in content)
    return {"period": {"start": report.period_start.isoformat(), "end": report.period_end.isoformat(),
                       "text": period_text(report.period_start, report.period_end)},
            "programs": content, "empty": empty, "figures": F.data}


def period_text(start: datetime.date, end: datetime.date) -> str:
    if start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31:
        return f"năm {start.year}" if start.year == end.year else f"giai đoạn {start.year} - {end.year}"
    if start.year == end.year and (start.month, start.day) == (1, 1) and (end.month, end.day) == (6, 30):
        return f"6 tháng đầu năm {start.year}"
    if start.year == end.year and (start.month, start.day) == (7, 1) and (end.month, end.day) == (12, 31):
        return f"6 tháng cuối năm {start.year}"
    return f"từ ngày {format_date(start)} đến ngày {format_date(end)}"


def summary_counts(program: Program, start, end) -> dict:
    """The plain aggregate queries behind a program's figures (the benchmark's reference)."""
    supports = (Support.objects.filter(period_days(start, end), program=program).values("group_id", "kind")
                .annotate(n=Count("id"), orgs=Count("organization", distinct=True), amount=Sum("amount_state")))
    loans = Loan.objects.filter(program=program, approved_on__gte=start, approved_on__lte=end).aggregate(
        n=Count("id"), principal=Sum("principal"))
    return {"supports": list(supports), "loans": loans, "plans": Plan.objects.filter(program=program).count()}
