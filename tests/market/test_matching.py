"""Rules of matching: the vocabulary (regional names, accent-insensitive), each fit component with
expectations worked by hand, the ranking, and that matching reads the index, not every offer."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from htxconnect.market import geo, matching
from htxconnect.market.vocabulary import Vocabulary, seed_data

D = datetime.date


@pytest.fixture(scope="module")
def vocab():
    """The seeded vocabulary, built from the seed file without a database (concept = its position)."""
    terms = []
    for number, (_key, _name, _category, names) in enumerate(seed_data(), start=1):
        terms += [(number, term) for term, _region in names]
    keys = {key: number for number, (key, *_rest) in enumerate(seed_data(), start=1)}
    return Vocabulary(terms), keys


@pytest.mark.parametrize("a, b", [
    ("thơm", "khóm"), ("khom", "Dứa"), ("THƠM", "dua"), ("Khóm Cầu Đúc", "trái thơm"),
    ("mướp đắng", "khổ qua"), ("kho qua", "Mướp Đắng"), ("lạc", "đậu phộng"), ("dau phong", "Lạc"),
    ("ngô", "bắp"), ("roi", "mận An Phước"), ("quất", "tắc"), ("sắn", "khoai mì"), ("khoai mi", "sắn"),
    ("na", "mãng cầu ta"), ("bí ngô", "bí đỏ"),
])
def test_regional_names_are_one_product(vocab, a, b):
    vocabulary, _keys = vocab
    assert vocabulary.concept_of(a) is not None
    assert vocabulary.concept_of(a) == vocabulary.concept_of(b)


@pytest.mark.parametrize("text, key", [
    ("bắp cải", "bap-cai"),  # the longest name wins: cabbage, not maize
    ("đậu bắp", "dau-bap"),  # okra
    ("bắp nếp", "ngo"),
    ("bí ngô", "bi-do"),  # pumpkin, not maize
    ("dưa hấu", "dua-hau"),  # watermelon folds to "dua hau" but is not pineapple
    ("dua hau", "dua-hau"),
    ("dua", "dua"),  # typed without accents: pineapple (no product is called just "dưa")
    ("mận hậu", "man-bac"),
    ("chanh dây", "chanh-day"),
])
def test_the_longest_and_exact_name_wins(vocab, text, key):
    vocabulary, keys = vocab
    assert vocabulary.concept_of(text) == keys[key]


def test_a_word_typed_with_its_accents_is_not_folded_onto_another(vocab):
    vocabulary, keys = vocab
    assert vocabulary.concept_of("thịt bò") is None  # "bò" (beef) is not "bơ" (avocado)
    assert vocabulary.concept_of("trái bơ") == keys["bo"]
    assert vocabulary.concept_of("bo") == keys["bo"]  # typed without accents: folded


# --- Components, worked by hand ----------------------------------------------------------------------------------


def test_distance_between_two_province_centroids_by_haversine():
    # TP.HCM (79) 10.9926 N 106.6380 E, An Giang (91) 10.1791 N 105.0960 E (data/coordinates.csv).
    # Δφ = -0.8135° = -0.0141983 rad, Δλ = -1.5420° = -0.0269130 rad;
    # sin²(Δφ/2) = 5.0397e-5; cos φ1 = 0.981652, cos φ2 = 0.984260; sin²(Δλ/2) = 1.81066e-4;
    # h = 5.0397e-5 + 0.981652 × 0.984260 × 1.81066e-4 = 2.25343e-4;
    # d = 2 × 6371 × asin(√h) = 2 × 6371 × 0.0150119 = 191.28 km.
    hcm, an_giang = geo.point("79"), geo.point("91")
    assert hcm == ((10.9926, 106.638), "province")
    assert geo.haversine_km(hcm[0], an_giang[0]) == pytest.approx(191.28, abs=0.01)
    c = matching.distance_fit(hcm, an_giang)
    # 1 − (191.28 − 50) / 1450 = 0.90257
    assert c.score == pytest.approx(0.90257, abs=1e-4)
    assert c.text == "191 km (tính theo tâm tỉnh)"


def test_distance_from_a_ward_is_more_precise_than_its_province():
    place = geo.point("79", "25813")
    assert place[1] == "ward"
    assert matching.distance_fit(place, place).score == 1.0


def test_quantity_weekly_need_over_the_period():
    # 2 tấn mỗi tuần from 01/03 to 30/06: 122 days → ⌈122/7⌉ = 18 weeks → 36 tấn; 20 tấn offered → 20/36 = 55.6 %.
    c = matching.quantity_fit(offered=Decimal(20), offer_unit="tan", needed=Decimal(2), demand_unit="tan",
                              frequency="weekly", starts_on=D(2027, 3, 1), ends_on=D(2027, 6, 30))
    assert c.score == pytest.approx(20 / 36)
    assert c.text == "số lượng: có 20 tấn, cần 2 tấn mỗi tuần × 18 tuần = 36 tấn (đáp ứng 56%)"


def test_quantity_in_kilograms_against_tonnes_converts():
    c = matching.quantity_fit(offered=Decimal(5000), offer_unit="kg", needed=Decimal(2), demand_unit="tan",
                              frequency="once", starts_on=D(2027, 3, 1), ends_on=D(2027, 3, 1))
    assert c.score == 1.0 and "có 5 tấn, cần 2 tấn (đáp ứng 100%)" in c.text


def test_quantity_with_a_unit_of_another_kind_does_not_fit():
    c = matching.quantity_fit(offered=Decimal(500), offer_unit="chai", needed=Decimal(2), demand_unit="tan",
                              frequency="once", starts_on=D(2027, 3, 1), ends_on=D(2027, 3, 1))
    assert c.score == 0.0 and c.text == "đơn vị không khớp: chào bán tính theo chai, cần mua tính theo tấn"


def test_season_overlap():
    # Offer in March–June, demand from 15/05 to 20/08 → months 5, 6, 7, 8; overlap 5–6 → 2/4.
    months = matching.period_months(D(2027, 5, 15), D(2027, 8, 20))
    assert months == [5, 6, 7, 8]
    c = matching.season_fit(offer_months=[3, 4, 5, 6], demand_months=months)
    assert c.score == 0.5 and c.text == "mùa vụ trùng tháng 5–6"
    assert matching.season_fit(offer_months=[9], demand_months=[3]).score == 0.0


def _cert(kind, issued, expires):
    return SimpleNamespace(type=kind, issue_date=issued, expiry_date=expires)


def test_certification_valid_on_the_delivery_day():
    c = matching.certification_fit(required=["vietgap"], certifications=[_cert("vietgap", D(2025, 1, 1), D(2027, 12, 31))],
                                   on=D(2026, 3, 1))
    assert c.score == 1.0 and c.text == "VietGAP còn hiệu lực đến 12/2027"


def test_an_expired_certification_stops_satisfying_the_requirement():
    cert = _cert("vietgap", D(2024, 1, 1), D(2026, 2, 28))
    assert matching.certification_fit(required=["vietgap"], certifications=[cert], on=D(2026, 2, 28)).score == 1.0
    after = matching.certification_fit(required=["vietgap"], certifications=[cert], on=D(2026, 3, 1))
    assert after.score == 0.0
    assert after.text == "VietGAP không còn hiệu lực ngày giao 01/03/2026 (hết hạn 28/02/2026)"


def test_certifications_missing_and_held_count_each():
    c = matching.certification_fit(required=["vietgap", "globalgap"],
                                   certifications=[_cert("vietgap", D(2025, 1, 1), None)], on=D(2026, 3, 1))
    assert c.score == 0.5 and c.text == "VietGAP không thời hạn; thiếu GlobalGAP"


def test_price_overlap_and_gap():
    ok = matching.price_fit(offer_min=25000, offer_max=30000, demand_min=20000, demand_max=27000)
    assert ok.score == 1.0 and ok.text == "giá khớp trong khoảng 25.000–27.000 đ"
    # Asking from 33.000 đ, buyer pays up to 30.000 đ: gap 3.000 = 10 % of 30.000 → 0.9.
    high = matching.price_fit(offer_min=33000, offer_max=35000, demand_min=None, demand_max=30000)
    assert high.score == pytest.approx(0.9)
    assert high.text == "giá chào từ 33.000 đ cao hơn mức mua tối đa 30.000 đ (chênh 10%)"
    assert matching.price_fit(offer_min=None, offer_max=None, demand_min=1, demand_max=2).score == 0.5


def test_months_text():
    assert matching.months_text([3, 4, 5, 6, 9, 11, 12]) == "3–6, 9, 11–12"
