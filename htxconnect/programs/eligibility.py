"""Eligibility of an organisation under a policy: each condition is a structured rule over registry
data, evaluated to eligible / not eligible / unknown (the data it needs is missing), with the
reason in Vietnamese. The policy's verdict: not eligible if any condition fails, else unknown if
any could not be decided, else eligible.

Parameters by condition kind:
  org_kind          {"kinds": ["cooperative", ...]}          Organization.Kind values
  province          {"provinces": ["91", ...]}               current province codes
  ward              {"wards": ["30607", ...]}                current ward codes
  years_active      {"min": 2}                               whole years since established_on (else registration_date)
  members           {"min": 7}                               members_count
  certification     {"types": ["vietgap", ...]}              holds one, valid on the evaluation day
  sector            {"sectors": ["rau-an-toan", ...]}        registry sector codes
  no_prior_support  {"years": 3}                             no support under the same item in the last N years
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from htxconnect.registry.models import Certification, Organization

ELIGIBLE, NOT_ELIGIBLE, UNKNOWN = "eligible", "not_eligible", "unknown"
VERDICT_LABELS = {ELIGIBLE: "Đủ điều kiện", NOT_ELIGIBLE: "Không đủ điều kiện", UNKNOWN: "Chưa đủ dữ liệu để kết luận"}

_LIST_PARAM = {"org_kind": "kinds", "province": "provinces", "ward": "wards", "certification": "types",
               "sector": "sectors"}
_INT_PARAM = {"years_active": "min", "members": "min", "no_prior_support": "years"}


def check_params(kind: str, params) -> None:
    """Raise a ValidationError naming the parameter when `params` does not fit the kind."""
    if not isinstance(params, dict):
        raise ValidationError({"params": _("Tham số điều kiện phải là một bảng tên → giá trị.")})
    if kind in _LIST_PARAM:
        key = _LIST_PARAM[kind]
        values = params.get(key)
        if not isinstance(values, list) or not values or any(not isinstance(v, str) or not v for v in values):
            raise ValidationError({"params": _("Điều kiện này cần “%(key)s”: danh sách giá trị không rỗng.")
                                   % {"key": key}})
        if kind == "org_kind":
            bad = [v for v in values if v not in Organization.Kind.values]
            if bad:
                raise ValidationError({"params": _("Loại hình không hợp lệ: %(v)s.") % {"v": ", ".join(bad)}})
        if kind == "certification":
            bad = [v for v in values if v not in Certification.Type.values]
            if bad:
                raise ValidationError({"params": _("Loại chứng nhận không hợp lệ: %(v)s.") % {"v": ", ".join(bad)}})
    elif kind in _INT_PARAM:
        key = _INT_PARAM[kind]
        value = params.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValidationError({"params": _("Điều kiện này cần “%(key)s”: một số nguyên từ 1 trở lên.")
                                   % {"key": key}})
    else:
        raise ValidationError({"kind": _("Loại điều kiện “%(kind)s” không có.") % {"kind": kind}})


@dataclass(frozen=True)
class ConditionResult:
    condition: str  # the condition's label
    status: str
    reason: str

    @property
    def status_label(self) -> str:
        return _(VERDICT_LABELS[self.status])


@dataclass
class Evaluation:
    status: str
    results: list[ConditionResult] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return _(VERDICT_LABELS[self.status])

    @property
    def is_eligible(self) -> bool:
        return self.status == ELIGIBLE


def _years_between(start: datetime.date, end: datetime.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _condition_label(condition) -> str:
    return condition.label or str(condition.get_kind_display())


def _check(condition, org: Organization, *, item, today: datetime.date, facts: dict) -> tuple[str, str]:
    kind, p = condition.kind, condition.params
    if kind == "org_kind":
        labels = ", ".join(str(Organization.Kind(k).label) for k in p["kinds"])
        if org.kind in p["kinds"]:
            return ELIGIBLE, _("Loại hình “%(k)s” thuộc đối tượng (%(labels)s).") % {
                "k": org.get_kind_display(), "labels": labels}
        return NOT_ELIGIBLE, _("Loại hình “%(k)s” không thuộc đối tượng (%(labels)s).") % {
            "k": org.get_kind_display(), "labels": labels}
    if kind == "province":
        if not org.province_code:
            return UNKNOWN, _("Chưa có địa chỉ tỉnh/thành phố trong sổ đăng ký.")
        if org.province_code in p["provinces"]:
            return ELIGIBLE, _("Trụ sở tại %(p)s, thuộc địa bàn áp dụng.") % {"p": org.province_name or org.province_code}
        return NOT_ELIGIBLE, _("Trụ sở tại %(p)s, ngoài địa bàn áp dụng.") % {"p": org.province_name or org.province_code}
    if kind == "ward":
        if not org.ward_code:
            return UNKNOWN, _("Chưa xác định xã/phường của trụ sở trong sổ đăng ký.")
        if org.ward_code in p["wards"]:
            return ELIGIBLE, _("Trụ sở tại %(w)s, thuộc địa bàn áp dụng.") % {"w": org.ward_name}
        return NOT_ELIGIBLE, _("Trụ sở tại %(w)s, ngoài các xã/phường áp dụng.") % {"w": org.ward_name}
    if kind == "years_active":
        start = org.established_on or org.registration_date
        if start is None:
            return UNKNOWN, _("Chưa có ngày thành lập hoặc ngày đăng ký trong sổ đăng ký.")
        years = _years_between(start, today)
        if years >= p["min"]:
            return ELIGIBLE, _("Đã hoạt động %(y)s năm (từ %(d)s), yêu cầu tối thiểu %(m)s năm.") % {
                "y": years, "d": start.strftime("%d/%m/%Y"), "m": p["min"]}
        return NOT_ELIGIBLE, _("Mới hoạt động %(y)s năm (từ %(d)s), yêu cầu tối thiểu %(m)s năm.") % {
            "y": years, "d": start.strftime("%d/%m/%Y"), "m": p["min"]}
    if kind == "members":
        if org.members_count is None:
            return UNKNOWN, _("Chưa có số thành viên trong sổ đăng ký.")
        if org.members_count >= p["min"]:
            return ELIGIBLE, _("Có %(n)s thành viên, yêu cầu tối thiểu %(m)s.") % {"n": org.members_count, "m": p["min"]}
        return NOT_ELIGIBLE, _("Có %(n)s thành viên, ít hơn mức tối thiểu %(m)s.") % {
            "n": org.members_count, "m": p["min"]}
    if kind == "certification":
        labels = ", ".join(str(Certification.Type(t).label) for t in p["types"])
        valid = [c for c in facts["certifications"] if c.type in p["types"]
                 and (c.expiry_date is None or c.expiry_date >= today) and c.issue_date <= today]
        if valid:
            c = valid[0]
            until = c.expiry_date.strftime("%d/%m/%Y") if c.expiry_date else _("không thời hạn")
            return ELIGIBLE, _("Có chứng nhận %(t)s số %(n)s còn hiệu lực (đến %(u)s).") % {
                "t": c.type_label, "n": c.number or "—", "u": until}
        expired = [c for c in facts["certifications"] if c.type in p["types"]]
        if expired:
            return NOT_ELIGIBLE, _("Chứng nhận %(t)s đã hết hiệu lực; cần chứng nhận còn hiệu lực (%(labels)s).") % {
                "t": expired[0].type_label, "labels": labels}
        return NOT_ELIGIBLE, _("Chưa có chứng nhận còn hiệu lực thuộc loại: %(labels)s.") % {"labels": labels}
    if kind == "sector":
        codes = facts["sectors"]
        if not codes:
            return UNKNOWN, _("Chưa khai báo lĩnh vực hoạt động trong sổ đăng ký.")
        matched = sorted(set(codes) & set(p["sectors"]))
        if matched:
            return ELIGIBLE, _("Lĩnh vực hoạt động phù hợp (%(s)s).") % {"s": ", ".join(facts["sector_names"][c] for c in matched)}
        return NOT_ELIGIBLE, _("Lĩnh vực hoạt động (%(s)s) không thuộc lĩnh vực được hỗ trợ.") % {
            "s": ", ".join(facts["sector_names"][c] for c in codes)}
    if kind == "no_prior_support":
        years = p["years"]
        since = today.replace(year=today.year - years) if not (today.month == 2 and today.day == 29) \
            else today.replace(year=today.year - years, day=28)
        if item is None:
            return UNKNOWN, _("Chưa chọn nội dung hỗ trợ để đối chiếu các lần hỗ trợ trước.")
        prior = [s for s in facts["supports"] if s.item_id == item.pk and s.given_on >= since]
        if prior:
            return NOT_ELIGIBLE, _("Đã được hỗ trợ nội dung này ngày %(d)s (trong %(y)s năm gần đây).") % {
                "d": prior[0].given_on.strftime("%d/%m/%Y"), "y": years}
        return ELIGIBLE, _("Chưa được hỗ trợ nội dung này trong %(y)s năm gần đây.") % {"y": years}
    raise ValueError(kind)  # pragma: no cover - check_params refuses unknown kinds


def _facts(org: Organization) -> dict:
    """The registry data the conditions read, fetched once (3 queries)."""
    sectors = list(org.sectors.all())
    return {
        "sectors": [s.code for s in sectors],
        "sector_names": {s.code: s.name for s in sectors},
        "certifications": list(Certification.objects.filter(organization=org).order_by("-expiry_date", "-issue_date")),
        "supports": list(org.supports.filter(item__isnull=False).order_by("-given_on")),  # reverse FK: no import cycle
    }


def evaluate(policy, org: Organization, *, item=None, today: datetime.date | None = None) -> Evaluation:
    """The verdict of `org` against every condition of `policy` (for `item` when given)."""
    today = today or timezone.localdate()
    facts = _facts(org)
    results = []
    for condition in policy.conditions.all():
        status, reason = _check(condition, org, item=item, today=today, facts=facts)
        results.append(ConditionResult(_condition_label(condition), status, reason))
    statuses = {r.status for r in results}
    verdict = NOT_ELIGIBLE if NOT_ELIGIBLE in statuses else UNKNOWN if UNKNOWN in statuses else ELIGIBLE
    return Evaluation(verdict, results)
