"""The portal's public statistics: aggregate counts over live data, with no personal data (no names,
contacts or identifiers of people, only counts), each as a table with the chart drawn from it.

Every figure is one aggregate query whatever the size of the data (a test asserts the count):
cooperatives by province and ward type, valid certifications by kind, OCOP products by stars,
trainings held and trainees by year, market connections by stage, QR scans by month. Province
and ward names come from core's admin units, never the codes alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.core.adminunits import get_province, get_ward
from htxconnect.events.models import Attendance, Event, EventKind
from htxconnect.market.models import Connection
from htxconnect.programs.models import Support, SupportKind
from htxconnect.registry import queries as registry_queries
from htxconnect.registry.models import OCOP_VALIDITY_MONTHS, Certification, OcopRating, add_months
from htxconnect.resolver.models import ScanEvent

from .queries import COOPERATIVE_KINDS

YEARS = 5  # trainings: this year and the four before
MONTHS = 12  # scans: this month and the eleven before
# Ward types of the 2025 units (core.adminunits.Ward.kind), in the order the table shows them.
WARD_KINDS = ("Xã", "Phường", "Đặc khu")


@dataclass
class Table:
    """One statistic: the table a person reads and the chart drawn from the same numbers (the chart
    script of the dashboard, static/js/charts.js, reads `option()`)."""

    key: str
    title: str
    headers: list
    rows: list = field(default_factory=list)
    kind: str = "bar"
    categories: list = field(default_factory=list)
    series: list = field(default_factory=list)
    stack: bool = False
    note: str = ""
    total: int | None = None

    def option(self) -> dict:
        return {"key": self.key, "title": self.title, "kind": self.kind, "categories": self.categories,
                "series": self.series, "stack": self.stack}


def _ward_kind_labels() -> dict:
    return {"Xã": _("Xã"), "Phường": _("Phường"), "Đặc khu": _("Đặc khu")}


def cooperatives_by_province() -> Table:
    """Cooperatives, unions and groups in the public directory, by province and by the type of their
    ward (xã, phường, đặc khu); one query, grouped by ward code, named through the admin units."""
    rows = (registry_queries.public_organizations().filter(kind__in=COOPERATIVE_KINDS)
            .values("province_code", "ward_code").annotate(n=Count("id")).order_by())
    labels = _ward_kind_labels()
    unknown = _("(chưa xác định)")
    by_province: dict[str, dict] = {}
    for r in rows:
        province = get_province(r["province_code"])
        name = province.name if province else unknown
        ward = get_ward(r["ward_code"])
        if ward is not None and province is not None and ward.province_code != province.code:
            ward = None  # a ward outside its province is not counted as typed
        counts = by_province.setdefault(name, {k: 0 for k in (*WARD_KINDS, "")})
        counts[ward.kind if ward is not None and ward.kind in WARD_KINDS else ""] += r["n"]
    ordered = sorted(by_province.items(), key=lambda item: (item[0] == unknown, -sum(item[1].values()), item[0]))
    table = Table("cooperatives", _("Hợp tác xã, liên hiệp, tổ hợp tác theo tỉnh/thành phố và loại xã/phường"),
                  headers=[_("Tỉnh/thành phố"), *labels.values(), _("Chưa rõ xã/phường"), _("Tổng")], stack=True)
    for name, counts in ordered:
        table.rows.append([name, *(counts[k] for k in WARD_KINDS), counts[""], sum(counts.values())])
    table.categories = [r[0] for r in table.rows]
    table.series = [{"name": str(labels[k]), "data": [r[1 + i] for r in table.rows]} for i, k in enumerate(WARD_KINDS)]
    table.series.append({"name": _("Chưa rõ xã/phường"), "data": [r[4] for r in table.rows]})
    table.total = sum(r[-1] for r in table.rows)
    return table


def certifications_by_kind(today: datetime.date) -> Table:
    """Certifications in force (no expiry date, or not yet expired) of public organisations."""
    rows = (Certification.objects.filter(organization__in=registry_queries.public_organizations().values("pk"))
            .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
            .values("type").annotate(n=Count("id"), orgs=Count("organization", distinct=True)).order_by("-n", "type"))
    labels = dict(Certification.Type.choices)
    table = Table("certifications", _("Chứng nhận còn hiệu lực theo loại"),
                  headers=[_("Loại chứng nhận"), _("Số chứng nhận"), _("Số đơn vị")])
    for r in rows:
        table.rows.append([str(labels.get(r["type"], r["type"])), r["n"], r["orgs"]])
    table.categories = [r[0] for r in table.rows]
    table.series = [{"name": _("Số chứng nhận"), "data": [r[1] for r in table.rows]},
                    {"name": _("Số đơn vị"), "data": [r[2] for r in table.rows]}]
    table.total = sum(r[1] for r in table.rows)
    return table


def ocop_by_stars(today: datetime.date) -> Table:
    """OCOP ratings in force (36 months from the decision) of public products of public organisations,
    by stars: products counted once per star level."""
    rows = (OcopRating.objects.filter(product__is_public=True,
                                      product__producer__in=registry_queries.public_organizations().values("pk"),
                                      decision_date__gt=add_months(today, -OCOP_VALIDITY_MONTHS))
            .values("stars").annotate(products=Count("product", distinct=True),
                                      orgs=Count("product__producer", distinct=True)).order_by("stars"))
    by_stars = {r["stars"]: r for r in rows}
    table = Table("ocop", _("Sản phẩm OCOP còn hiệu lực theo số sao"),
                  headers=[_("Hạng"), _("Số sản phẩm"), _("Số đơn vị có sản phẩm")])
    for stars in (3, 4, 5):
        r = by_stars.get(stars, {"products": 0, "orgs": 0})
        table.rows.append([_("%(n)s sao") % {"n": stars}, r["products"], r["orgs"]])
    table.categories = [r[0] for r in table.rows]
    table.series = [{"name": _("Số sản phẩm"), "data": [r[1] for r in table.rows]}]
    table.total = sum(r[1] for r in table.rows)
    return table


def trainings_by_year(today: datetime.date) -> Table:
    """Training courses held (events of kind course, published or finished) and their trainees
    (attendances), plus trainings recorded as supports with their participant counts, by year."""
    years = list(range(today.year - YEARS + 1, today.year + 1))
    held_events = Event.objects.filter(kind=EventKind.COURSE, status__in=(Event.Status.PUBLISHED, Event.Status.CLOSED),
                                       starts_on__year__gte=years[0], starts_on__lte=today)
    courses = dict(held_events.annotate(year=ExtractYear("starts_on")).values("year").annotate(n=Count("id"))
                   .values_list("year", "n"))
    attendance = dict(Attendance.objects.filter(session__event__in=held_events.values("pk"))
                      .annotate(year=ExtractYear("session__event__starts_on")).values("year")
                      .annotate(n=Count("registration", distinct=True)).values_list("year", "n"))
    supports = {r["year"]: r for r in Support.objects.filter(kind=SupportKind.TRAINING, given_on__year__gte=years[0],
                                                                 given_on__lte=today)
                .annotate(year=ExtractYear("given_on")).values("year")
                .annotate(n=Count("id"), people=Sum("participants")).order_by()}
    table = Table("trainings", _("Tập huấn: số lớp và lượt học viên theo năm"), kind="bar",
                  headers=[_("Năm"), _("Lớp tập huấn đã tổ chức"), _("Lượt học viên điểm danh"),
                           _("Đợt tập huấn ghi nhận qua hỗ trợ"), _("Lượt người tham gia (ghi nhận qua hỗ trợ)"),
                           _("Tổng lượt học viên")])
    for year in years:
        s = supports.get(year, {})
        a, b = attendance.get(year, 0), s.get("people") or 0
        table.rows.append([year, courses.get(year, 0), a, s.get("n", 0), b, a + b])
    table.categories = [str(r[0]) for r in table.rows]
    table.series = [{"name": _("Lớp tập huấn và đợt tập huấn"), "data": [r[1] + r[3] for r in table.rows]},
                    {"name": _("Tổng lượt học viên"), "data": [r[5] for r in table.rows]}]
    table.total = sum(r[5] for r in table.rows)
    return table


def connections_by_stage() -> Table:
    """Market connections between buyers and cooperatives, by the stage they have reached."""
    counts = dict(Connection.objects.values("stage").annotate(n=Count("id")).order_by().values_list("stage", "n"))
    table = Table("connections", _("Kết nối thị trường theo giai đoạn"), headers=[_("Giai đoạn"), _("Số kết nối")])
    for stage, label in Connection.Stage.choices:
        table.rows.append([str(label), counts.get(stage, 0)])
    table.categories = [r[0] for r in table.rows]
    table.series = [{"name": _("Số kết nối"), "data": [r[1] for r in table.rows]}]
    table.total = sum(r[1] for r in table.rows)
    return table


def scans_by_month(today: datetime.date) -> Table:
    """QR scans of product codes by month, this month and the eleven before (zeros included)."""
    first = add_months(today.replace(day=1), -(MONTHS - 1))
    counts = {(r["month"].year, r["month"].month): r["n"] for r in
              ScanEvent.objects.filter(day__gte=first, day__lte=today).annotate(month=TruncMonth("day"))
              .values("month").annotate(n=Count("id")).order_by()}
    table = Table("scans", _("Lượt quét mã QR truy xuất nguồn gốc theo tháng"), kind="line",
                  headers=[_("Tháng"), _("Lượt quét")])
    for i in range(MONTHS):
        month = add_months(first, i)
        table.rows.append([month.strftime("%m/%Y"), counts.get((month.year, month.month), 0)])
    table.categories = [r[0] for r in table.rows]
    table.series = [{"name": _("Lượt quét"), "data": [r[1] for r in table.rows]}]
    table.total = sum(r[1] for r in table.rows)
    return table


def public_statistics(today: datetime.date | None = None) -> list[Table]:
    today = today or timezone.localdate()
    return [cooperatives_by_province(), certifications_by_kind(today), ocop_by_stars(today), trainings_by_year(today),
            connections_by_stage(), scans_by_month(today)]
