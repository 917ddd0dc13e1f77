"""The leaders' and officers' dashboard: each chart is categories × series plus the table behind it
(the page's accessible table view and the chart's XLSX), computed with aggregate queries over what
the acting user may see, narrowed by the filters (program, agency, period, province).

Charts: targets against actuals by content group and year; supports by kind and by province/ward;
trainees over time; certifications and OCOP ratings expiring; scans over time and by province;
market connections by stage (the market app's connections).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.adminunits import provinces
from htxconnect.programs import indicators
from htxconnect.programs import queries as program_queries
from htxconnect.programs.models import Program, SupportKind, Target
from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import OCOP_VALIDITY_MONTHS, Certification, OcopRating, add_months
from htxconnect.resolver.models import ScanEvent


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar" or "line"
    categories: list = field(default_factory=list)
    series: list = field(default_factory=list)  # [{"name": …, "data": [...]}]
    headers: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    note: str = ""

    def option(self) -> dict:
        """What the page's script draws (JSON)."""
        return {"key": self.key, "title": self.title, "kind": self.kind, "categories": self.categories,
                "series": self.series}


@dataclass
class Filters:
    program: Program | None
    agency_id: int | None
    start: datetime.date
    end: datetime.date
    province: str
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_params(cls, user, params) -> Filters:
        """Filters from the query string; a bad value is reported by field and replaced by its default."""
        today = timezone.localdate()
        errors = {}

        def day(name, default):
            value = (params.get(name) or "").strip()
            if not value:
                return default
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                errors[name] = _("“%(v)s” không phải ngày hợp lệ (dd/mm/yyyy).") % {"v": value}
                return default

        start = day("start", datetime.date(today.year - 5, 1, 1))
        end = day("end", datetime.date(today.year, 12, 31))
        if end < start:
            errors["end"] = _("“Đến ngày” (%(e)s) phải từ “Từ ngày” (%(s)s) trở đi.") % {
                "e": end.strftime("%d/%m/%Y"), "s": start.strftime("%d/%m/%Y")}
            start, end = datetime.date(today.year - 5, 1, 1), datetime.date(today.year, 12, 31)
        program = None
        if params.get("program"):
            try:
                program = program_queries.scope_programs(user).filter(pk=int(params["program"])).first()
            except ValueError:
                program = None
            if program is None:
                errors["program"] = _("Chương trình không có trong phạm vi của bạn.")
        agency_id = program_queries.agency_of(user)
        if program_queries.is_admin(user) and params.get("agency", "").isdigit():
            agency_id = int(params["agency"])
        province = (params.get("province") or "").strip()[:2]
        if province and province not in {p.code for p in provinces()}:
            errors["province"] = _("Mã tỉnh/thành phố “%(v)s” không có.") % {"v": province}
            province = ""
        return cls(program, agency_id, start, end, province, errors)


def _programs(user, f: Filters):
    programs = program_queries.scope_programs(user)
    if f.program is not None:
        programs = programs.filter(pk=f.program.pk)
    if f.agency_id:
        programs = programs.filter(Q(agency_id=f.agency_id) | Q(partner_agencies__id=f.agency_id)).distinct()
    return programs.filter(start_year__lte=f.end.year, end_year__gte=f.start.year)


def _supports(user, f: Filters):
    supports = program_queries.scope_supports(user).filter(given_on__gte=f.start, given_on__lte=f.end)
    if f.program is not None:
        supports = supports.filter(program=f.program)
    elif f.agency_id:
        supports = supports.filter(Q(agency_id=f.agency_id) | Q(program__in=_programs(user, f).values("pk")))
    if f.province:
        supports = supports.filter(organization__province_code=f.province)
    return supports


def targets_vs_actuals(user, f: Filters) -> Chart:
    chart = Chart("targets", _("Chỉ tiêu và thực hiện theo nhóm nội dung, năm"), "bar",
                  headers=[_("Chương trình"), _("Năm"), _("Nhóm nội dung"), _("Chỉ tiêu"), _("Đơn vị"), _("Kế hoạch"),
                           _("Thực hiện"), _("Tỷ lệ (%)")])
    targets = list(Target.objects.filter(plan__program__in=_programs(user, f).values("pk"),
                                         plan__year__gte=f.start.year, plan__year__lte=f.end.year)
                   .select_related("plan", "plan__program", "group").order_by("plan__program_id", "plan__year",
                                                                              "group__number", "id"))
    by_program: dict[int, list[Target]] = {}
    for t in targets:
        by_program.setdefault(t.plan.program_id, []).append(t)
    actual = {}
    for group in by_program.values():
        actual.update(indicators.measure(group))
    plan, done = [], []
    for t in targets:
        percent = 100 if not t.value else actual[t.pk] * 100 // t.value
        chart.categories.append(f"{t.plan.year} · N{t.group.number} · {t.title[:40]}")
        plan.append(100)
        done.append(percent)
        chart.rows.append([t.plan.program.name, t.plan.year, f"{t.group.number}. {t.group.title}", t.title, t.unit,
                           t.value, actual[t.pk], percent])
    chart.series = [{"name": _("Kế hoạch (%)"), "data": plan}, {"name": _("Thực hiện (%)"), "data": done}]
    chart.note = _("Mỗi chỉ tiêu tính theo % kế hoạch (các chỉ tiêu có đơn vị khác nhau); số tuyệt đối ở bảng.")
    return chart


def supports_by_kind(user, f: Filters) -> Chart:
    rows = (_supports(user, f).values("kind").annotate(n=Count("id"), orgs=Count("organization", distinct=True),
                                                      amount=Sum("amount_state")).order_by("-n"))
    labels = dict(SupportKind.choices)
    chart = Chart("supports_kind", _("Hỗ trợ theo loại"), "bar",
                  headers=[_("Loại hỗ trợ"), _("Số lượt"), _("Số đơn vị"), _("Ngân sách (đồng)")])
    for r in rows:
        chart.categories.append(str(labels.get(r["kind"], r["kind"])))
        chart.rows.append([chart.categories[-1], r["n"], r["orgs"], r["amount"] or 0])
    chart.series = [{"name": _("Số lượt"), "data": [r[1] for r in chart.rows]},
                    {"name": _("Số đơn vị"), "data": [r[2] for r in chart.rows]}]
    return chart


def supports_by_place(user, f: Filters) -> Chart:
    """By province; by ward within the province when one is chosen (the 20 largest)."""
    field_name = "organization__ward_name" if f.province else "organization__province_name"
    rows = (_supports(user, f).values(field_name).annotate(n=Count("id"), orgs=Count("organization", distinct=True))
            .order_by("-n")[:20])
    chart = Chart("supports_place", _("Hỗ trợ theo xã/phường") if f.province else _("Hỗ trợ theo tỉnh/thành phố"),
                  "bar", headers=[_("Xã/phường") if f.province else _("Tỉnh/thành phố"), _("Số lượt"), _("Số đơn vị")])
    for r in rows:
        chart.categories.append(r[field_name] or _("(chưa xác định)"))
        chart.rows.append([chart.categories[-1], r["n"], r["orgs"]])
    chart.series = [{"name": _("Số lượt"), "data": [r[1] for r in chart.rows]}]
    return chart


def trainees_over_time(user, f: Filters) -> Chart:
    """Person-times trained per year: attendance at courses (events app) and, for trainings
    recorded as supports, their participant counts."""
    years = list(range(f.start.year, f.end.year + 1))
    from_supports = dict(_supports(user, f).filter(kind=SupportKind.TRAINING).annotate(year=ExtractYear("given_on"))
                         .values("year").annotate(n=Sum("participants")).values_list("year", "n"))
    from_events: dict = {}
    if apps.is_installed("htxconnect.events"):
        Attendance = apps.get_model("events", "Attendance")
        attendance = Attendance.objects.filter(session__event__kind="course",
                                               session__event__program__in=_programs(user, f).values("pk"),
                                               session__event__starts_on__gte=f.start,
                                               session__event__starts_on__lte=f.end).exclude(
            session__event__status="cancelled")
        if f.province:
            attendance = attendance.filter(session__event__province_code=f.province)
        from_events = dict(attendance.annotate(year=ExtractYear("session__starts_at")).values("year")
                           .annotate(n=Count("registration", distinct=True)).values_list("year", "n"))
    chart = Chart("trainees", _("Lượt người được tập huấn theo năm"), "line",
                  headers=[_("Năm"), _("Điểm danh lớp tập huấn"), _("Ghi nhận qua khoản hỗ trợ"), _("Tổng")])
    for year in years:
        a, b = from_events.get(year) or 0, from_supports.get(year) or 0
        chart.categories.append(str(year))
        chart.rows.append([year, a, b, a + b])
    chart.series = [{"name": _("Lượt người (tổng)"), "data": [r[3] for r in chart.rows]}]
    return chart


def expiring(user, f: Filters, today: datetime.date | None = None) -> Chart:
    """Certifications and OCOP ratings whose validity ends in the next 12 months, by month."""
    today = today or timezone.localdate()
    until = add_months(today, 12)
    orgs = registry_queries.scope_organizations(user)
    if f.province:
        orgs = orgs.filter(province_code=f.province)
    certs = (Certification.objects.filter(organization__in=orgs.values("pk"), expiry_date__gte=today,
                                          expiry_date__lt=until)
             .select_related("organization").order_by("expiry_date"))
    ratings = (OcopRating.objects.filter(product__producer__in=orgs.values("pk"),
                                         decision_date__gte=add_months(today, -OCOP_VALIDITY_MONTHS),
                                         decision_date__lt=add_months(until, -OCOP_VALIDITY_MONTHS))
               .select_related("product", "product__producer").order_by("decision_date"))
    months = [add_months(today.replace(day=1), i) for i in range(13)]
    chart = Chart("expiring", _("Chứng nhận và sản phẩm OCOP sắp hết hiệu lực (12 tháng tới)"), "bar",
                  categories=[m.strftime("%m/%Y") for m in months],
                  headers=[_("Loại"), _("Đơn vị"), _("Chứng nhận / sản phẩm"), _("Hết hiệu lực")])
    cert_counts, ocop_counts = [0] * len(months), [0] * len(months)
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    for c in certs[:1000]:
        cert_counts[index[(c.expiry_date.year, c.expiry_date.month)]] += 1
        chart.rows.append([_("Chứng nhận"), c.organization.name, c.get_type_display(), c.expiry_date])
    for r in ratings[:1000]:
        valid = r.valid_until
        if (valid.year, valid.month) in index:
            ocop_counts[index[(valid.year, valid.month)]] += 1
        chart.rows.append([_("OCOP %(s)s sao") % {"s": r.stars}, r.product.producer.name, r.product.name, valid])
    chart.series = [{"name": _("Chứng nhận"), "data": cert_counts}, {"name": _("Sản phẩm OCOP"), "data": ocop_counts}]
    return chart


def _scans(user, f: Filters):
    orgs = registry_queries.scope_organizations(user)
    if f.province:
        orgs = orgs.filter(province_code=f.province)
    return ScanEvent.objects.filter(product__producer__in=orgs.values("pk"), day__gte=f.start, day__lte=f.end)


def scans_over_time(user, f: Filters) -> Chart:
    rows = (_scans(user, f).annotate(month=TruncMonth("day")).values("month").annotate(n=Count("id"))
            .order_by("month"))
    chart = Chart("scans_time", _("Lượt quét mã QR theo tháng"), "line", headers=[_("Tháng"), _("Lượt quét")])
    for r in rows:
        chart.categories.append(r["month"].strftime("%m/%Y"))
        chart.rows.append([chart.categories[-1], r["n"]])
    chart.series = [{"name": _("Lượt quét"), "data": [r[1] for r in chart.rows]}]
    return chart


def scans_by_province(user, f: Filters) -> Chart:
    rows = _scans(user, f).values("province").annotate(n=Count("id")).order_by("-n")[:20]
    chart = Chart("scans_province", _("Lượt quét mã QR theo nơi quét"), "bar",
                  headers=[_("Nơi quét (tỉnh/thành phố)"), _("Lượt quét")])
    for r in rows:
        chart.categories.append(r["province"] or _("(không rõ)"))
        chart.rows.append([chart.categories[-1], r["n"]])
    chart.series = [{"name": _("Lượt quét"), "data": [r[1] for r in chart.rows]}]
    return chart


def market_by_stage(user, f: Filters) -> Chart:
    """Market connections by stage: the connections the user may see (market's own scope) created in
    the period, by the cooperative's province when one is chosen; every stage listed, zeros included."""
    from htxconnect.market import queries as market_queries
    from htxconnect.market.models import Connection

    start, end = _bounds(f.start, f.end)
    connections = market_queries.scope_connections(user).filter(created_at__gte=start, created_at__lt=end)
    if f.province:
        connections = connections.filter(offer__organization__province_code=f.province)
    counts = dict(connections.values("stage").annotate(n=Count("id")).values_list("stage", "n"))
    chart = Chart("market", _("Kết nối thị trường theo giai đoạn"), "bar", headers=[_("Giai đoạn"), _("Số kết nối")])
    if counts:
        for stage, label in Connection.Stage.choices:
            chart.categories.append(str(label))
            chart.rows.append([str(label), counts.get(stage, 0)])
    chart.series = [{"name": _("Số kết nối"), "data": [r[1] for r in chart.rows]}]
    return chart


def _bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))


CHARTS = {
    "targets": targets_vs_actuals,
    "supports_kind": supports_by_kind,
    "supports_place": supports_by_place,
    "trainees": trainees_over_time,
    "expiring": expiring,
    "scans_time": scans_over_time,
    "scans_province": scans_by_province,
    "market": market_by_stage,
}


def build(user, f: Filters) -> list[Chart]:
    return [make(user, f) for make in CHARTS.values()]
