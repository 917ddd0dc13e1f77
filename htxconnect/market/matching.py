"""Matching offers and demands, each score explained in plain Vietnamese component by component.

Candidates come from an index, never a scan of every offer: the vocabulary concept stored on each
offer and demand (index market_offer_concept_open: concept, status, expiry), or, for a name the
vocabulary does not know, the folded product key (`product_folded`, trigram-indexed on
PostgreSQL). At most CANDIDATES (120) rows in the same season are read, nearest province first, then
scored here:

| component      | weight | rule                                                                      |
|----------------|--------|---------------------------------------------------------------------------|
| quantity       | 20     | offered ÷ needed over the demand's period (same unit group), at most 1    |
| season         | 25     | months of the demand's period in which the offer has produce ÷ its months |
| certifications | 25     | required types held valid on the first delivery day ÷ required types      |
| distance       | 15     | 1 up to 50 km, falling linearly to 0 at 1 500 km                          |
| price          | 15     | 1 when the ranges overlap, less by the gap relative to the buyer's top    |
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.utils import timezone

from htxconnect.core.numbers import format_number
from htxconnect.core.search import query_words
from htxconnect.registry.models import Certification

from . import geo
from .models import Demand, Offer, Unit, months_mask, to_base, unit_group
from .vocabulary import Vocabulary

WEIGHTS = {"product": 0, "quantity": 20, "season": 25, "certifications": 25, "distance": 15, "price": 15}
CANDIDATES = 120
# The columns scoring and the match list read (fewer columns: fewer values converted per row).
CANDIDATE_FIELDS = ("id", "title", "concept_id", "product_folded", "quantity", "unit", "months_mask", "price_min",
                    "price_max", "province_code", "ward_code", "status", "expires_on", "min_order",
                    "organization__id", "organization__name", "organization__province_code",
                    "product__id", "product__name", "product__gtin")
NEAR_KM, FAR_KM = 50.0, 1500.0


@dataclass
class Component:
    key: str
    score: float  # 0..1
    text: str

    def as_dict(self) -> dict:
        return {"key": self.key, "score": round(self.score * 100), "text": self.text}


@dataclass
class Result:
    offer: Offer
    demand: Demand
    components: list[Component] = field(default_factory=list)

    @property
    def score(self) -> int:
        return round(sum(WEIGHTS[c.key] * c.score for c in self.components))

    @property
    def reasons(self) -> list[dict]:
        return [c.as_dict() for c in self.components]

    @property
    def summary(self) -> str:
        return "; ".join(c.text for c in self.components)


# --- Formatting ---------------------------------------------------------------------------------------------


def qty(value) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return format_number(value)
    return f"{value.normalize():f}".replace(".", ",")


# Explanations are plain Vietnamese: labels are read once in Vietnamese (not through gettext on every
# score, which is most of the cost of scoring a few hundred candidates).
_LABELS: dict = {}


def _labels() -> dict:
    if not _LABELS:
        from django.utils import translation

        with translation.override("vi"):
            _LABELS.update({("unit", v): str(label) for v, label in Unit.choices})
            _LABELS.update({("cert", v): str(label) for v, label in Certification.Type.choices})
    return _LABELS


def unit_label(unit: str) -> str:
    return _labels().get(("unit", unit), unit)


def cert_label(kind: str) -> str:
    return _labels().get(("cert", kind), kind)


def _certifications(offer: Offer) -> list:
    """The offer's certificates, from the prefetch when there is one (no manager built per offer)."""
    cached = getattr(offer, "_prefetched_objects_cache", {}).get("certifications")
    return list(cached) if cached is not None else list(offer.certifications.all())


def amount(quantity, unit: str) -> str:
    """Quantities read the way people say them: 32000 kg → "32 tấn"."""
    base = to_base(quantity, unit)
    if unit_group(unit) == "kg" and base >= 1000:
        return f"{qty(base / 1000)} {unit_label(Unit.TON)}"
    return f"{qty(quantity)} {unit_label(unit)}"


def months_text(months: list[int]) -> str:
    """[3, 4, 5, 6, 9] → "3–6, 9"."""
    runs: list[list[int]] = []
    for m in sorted(set(months)):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def money(value) -> str:
    return f"{format_number(value)} đ"


# --- Components ----------------------------------------------------------------------------------------------


def period_months(starts_on: datetime.date, ends_on: datetime.date) -> list[int]:
    months, day = [], starts_on.replace(day=1)
    while day <= ends_on and len(months) < 12:
        months.append(day.month)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return sorted(set(months))


def deliveries_in_period(frequency: str, starts_on: datetime.date, ends_on: datetime.date) -> int:
    """How many deliveries the demand's frequency asks for: weekly = started weeks, monthly = calendar
    months touched, once = 1."""
    if frequency == Demand.Frequency.WEEKLY:
        return math.ceil(((ends_on - starts_on).days + 1) / 7)
    if frequency == Demand.Frequency.MONTHLY:
        return (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month + 1
    return 1


def quantity_fit(*, offered, offer_unit, needed, demand_unit, frequency, starts_on, ends_on) -> Component:
    if unit_group(offer_unit) != unit_group(demand_unit):
        return Component("quantity", 0.0, f"đơn vị không khớp: chào bán tính theo {unit_label(offer_unit)}, "
                                          f"cần mua tính theo {unit_label(demand_unit)}")
    times = deliveries_in_period(frequency, starts_on, ends_on)
    need = to_base(needed, demand_unit) * times
    have = to_base(offered, offer_unit)
    ratio = float(have / need) if need else 0.0
    if times > 1:
        per = "tuần" if frequency == Demand.Frequency.WEEKLY else "tháng"
        need_text = (f"cần {amount(needed, demand_unit)} mỗi {per} × {times} {per} = "
                     f"{amount(need / to_base(1, demand_unit), demand_unit)}")
    else:
        need_text = f"cần {amount(needed, demand_unit)}"
    return Component("quantity", min(1.0, ratio),
                     f"số lượng: có {amount(offered, offer_unit)}, {need_text} (đáp ứng {min(100, round(ratio * 100))}%)")


def season_fit(*, offer_months: list[int], demand_months: list[int]) -> Component:
    overlap = sorted(set(offer_months) & set(demand_months))
    if not demand_months:
        return Component("season", 1.0, "không giới hạn mùa vụ")
    if not overlap:
        return Component("season", 0.0, f"lệch mùa vụ: có hàng tháng {months_text(offer_months)}, "
                                        f"cần tháng {months_text(demand_months)}")
    score = len(overlap) / len(set(demand_months))
    return Component("season", score, f"mùa vụ trùng tháng {months_text(overlap)}")


def certification_fit(*, required: list[str], certifications, on: datetime.date) -> Component:
    """A required type counts when the offer holds one certificate of it valid on `on` (the first
    delivery day): issued on or before it and not expired before it."""
    if not required:
        return Component("certifications", 1.0, "không yêu cầu chứng nhận")
    parts, held = [], 0
    for kind in required:
        label = cert_label(kind)
        of_kind = [c for c in certifications if c.type == kind]
        valid = [c for c in of_kind if c.issue_date <= on and (c.expiry_date is None or c.expiry_date >= on)]
        if valid:
            held += 1
            best = max(valid, key=lambda c: c.expiry_date or datetime.date.max)
            parts.append(f"{label} còn hiệu lực đến {best.expiry_date:%m/%Y}" if best.expiry_date
                         else f"{label} không thời hạn")
        elif of_kind:
            latest = max(of_kind, key=lambda c: c.expiry_date or datetime.date.max)
            when = f"hết hạn {latest.expiry_date:%d/%m/%Y}" if latest.expiry_date and latest.expiry_date < on \
                else f"cấp ngày {latest.issue_date:%d/%m/%Y}"
            parts.append(f"{label} không còn hiệu lực ngày giao {on:%d/%m/%Y} ({when})")
        else:
            parts.append(f"thiếu {label}")
    return Component("certifications", held / len(required), "; ".join(parts))


def distance_fit(a, b) -> Component:
    """a, b: geo.point(...) results (or None)."""
    if a is None or b is None:
        return Component("distance", 0.5, "chưa rõ khoảng cách (thiếu địa chỉ)")
    km = geo.haversine_km(a[0], b[0])
    score = 1.0 if km <= NEAR_KM else max(0.0, 1 - (km - NEAR_KM) / (FAR_KM - NEAR_KM))
    rough = " (tính theo tâm tỉnh)" if "province" in (a[1], b[1]) else ""
    return Component("distance", score, f"{round(km):,} km{rough}".replace(",", "."))


def _range(low, high):
    if low is None and high is None:
        return None
    return (low if low is not None else high, high if high is not None else low)


def price_fit(*, offer_min, offer_max, demand_min, demand_max) -> Component:
    sell, buy = _range(offer_min, offer_max), _range(demand_min, demand_max)
    if sell is None or buy is None:
        return Component("price", 0.5, "chưa đủ thông tin giá để so")
    if sell[0] <= buy[1] and buy[0] <= sell[1]:
        low, high = max(sell[0], buy[0]), min(sell[1], buy[1])
        span = money(low) if low == high else f"{format_number(low)}–{money(high)}"
        return Component("price", 1.0, f"giá khớp trong khoảng {span}")
    if sell[1] < buy[0]:
        return Component("price", 1.0, f"giá chào {money(sell[1])} thấp hơn mức người mua sẵn sàng trả")
    gap = sell[0] - buy[1]
    share = gap / buy[1] if buy[1] else 1.0
    return Component("price", max(0.0, 1 - share),
                     f"giá chào từ {money(sell[0])} cao hơn mức mua tối đa {money(buy[1])} (chênh {round(share * 100)}%)")


def product_component(offer: Offer, demand: Demand, vocabulary: Vocabulary | None, concept_names: dict) -> Component:
    if offer.concept_id and offer.concept_id == demand.concept_id:
        names = []
        if vocabulary is not None:
            for text in (offer.title, offer.product.name, demand.product_name):
                found = vocabulary.find(text or "")
                if found is not None and found.concept_id == offer.concept_id:
                    names.append(found.term.lower())
        names.append(str(concept_names.get(offer.concept_id, "")).lower())
        unique = list(dict.fromkeys(n for n in names if n))
        if len(unique) == 1:
            return Component("product", 1.0, f"cùng sản phẩm: {unique[0]}")
        return Component("product", 1.0, "cùng sản phẩm: " + " = ".join(unique))
    return Component("product", 1.0, f"tên sản phẩm trùng: “{demand.product_name}” có trong “{offer.name}”")


# --- Scoring --------------------------------------------------------------------------------------------------


def delivery_day(demand: Demand, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return max(demand.starts_on, today)


def score(offer: Offer, demand: Demand, *, vocabulary: Vocabulary | None = None, concept_names: dict | None = None,
          today: datetime.date | None = None) -> Result:
    """Score one pair. `offer.certifications.all()` should be prefetched."""
    demand_months = period_months(demand.starts_on, demand.ends_on)
    result = Result(offer=offer, demand=demand)
    result.components = [
        product_component(offer, demand, vocabulary, concept_names or {}),
        quantity_fit(offered=offer.quantity, offer_unit=offer.unit, needed=demand.quantity, demand_unit=demand.unit,
                     frequency=demand.frequency, starts_on=demand.starts_on, ends_on=demand.ends_on),
        season_fit(offer_months=offer.months, demand_months=demand_months),
        certification_fit(required=list(demand.required_certifications), certifications=_certifications(offer),
                          on=delivery_day(demand, today)),
        distance_fit(geo.point(offer.province_code, offer.ward_code), geo.point(demand.province_code, demand.ward_code)),
        price_fit(offer_min=offer.price_min, offer_max=offer.price_max, demand_min=demand.price_min,
                  demand_max=demand.price_max),
    ]
    return result


def _concept_names(concept_ids) -> dict:
    from .models import ProductConcept

    ids = {i for i in concept_ids if i}
    return dict(ProductConcept.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def open_offers(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Offer.objects.filter(status=Offer.Status.OPEN, expires_on__gte=today)


def open_demands(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Demand.objects.filter(status=Demand.Status.OPEN, ends_on__gte=today)


def offer_candidates(demand: Demand, *, today=None, limit: int = CANDIDATES):
    """Open offers of the demand's product in its season, from the index (same province first)."""
    offers = open_offers(today)
    if demand.concept_id:
        offers = offers.filter(concept_id=demand.concept_id)
    else:
        words = query_words(demand.product_name)
        if not words:
            return offers.none()
        for word in words:
            offers = offers.filter(product_folded__contains=word)
    mask = months_mask(period_months(demand.starts_on, demand.ends_on))
    return (offers.annotate(season=F("months_mask").bitand(mask)).filter(season__gt=0)
            .annotate(near=Case(When(province_code=demand.province_code, then=Value(0)), default=Value(1),
                                output_field=IntegerField()))
            .order_by("near", "-quantity", "id")
            .select_related("organization", "product").only(*CANDIDATE_FIELDS)
            .prefetch_related(Prefetch("certifications", queryset=Certification.objects.only(
                "id", "type", "type_other", "issue_date", "expiry_date")))[:limit])


def demand_candidates(offer: Offer, *, today=None, limit: int = CANDIDATES):
    demands = open_demands(today)
    if offer.concept_id:
        demands = demands.filter(concept_id=offer.concept_id)
    else:
        words = [w for w in offer.product_folded.split() if len(w) > 2][:3]
        if not words:
            return demands.none()
        for word in words:
            demands = demands.filter(product_folded__contains=word)
    return (demands.annotate(season=F("months_mask").bitand(offer.months_mask)).filter(season__gt=0)
            .annotate(near=Case(When(province_code=offer.province_code, then=Value(0)), default=Value(1),
                                output_field=IntegerField()))
            .order_by("near", "-created_at", "id").select_related("buyer")[:limit])


def matches_for_demand(demand: Demand, *, top: int = 20, today=None, explain_names: bool = True) -> list[Result]:
    offers = list(offer_candidates(demand, today=today))
    names = _concept_names([demand.concept_id])
    # The product component weighs nothing in the score (candidates already share the product):
    # its names are looked up in the vocabulary only for the results shown.
    results = [score(o, demand, concept_names=names, today=today) for o in offers]
    results.sort(key=lambda r: (-r.score, r.offer.pk))
    return _explain_products(results[:top], names, explain_names and bool(demand.concept_id))


def matches_for_offer(offer: Offer, *, top: int = 20, today=None) -> list[Result]:
    offer = Offer.objects.select_related("organization", "product").prefetch_related("certifications").get(pk=offer.pk)
    demands = list(demand_candidates(offer, today=today))
    names = _concept_names([offer.concept_id])
    # One offer scored against many demands: its certificates are read once.
    results = [score(offer, d, concept_names=names, today=today) for d in demands]
    results.sort(key=lambda r: (-r.score, r.demand.pk))
    return _explain_products(results[:top], names, bool(offer.concept_id))


def _explain_products(results: list[Result], names: dict, explain: bool) -> list[Result]:
    if explain and results:
        vocabulary = Vocabulary.load()
        for result in results:
            result.components[0] = product_component(result.offer, result.demand, vocabulary, names)
    return results
