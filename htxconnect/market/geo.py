"""Distances between places, from the ward or province centroids shipped in data/coordinates.csv
(extracted from the vietnamadminunits dataset: docs/decisions/0016-market-distances-from-centroids.md)."""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

EARTH_RADIUS_KM = 6371.0
DATA = Path(__file__).resolve().parent / "data" / "coordinates.csv"


@cache
def _coordinates() -> dict[tuple[str, str], tuple[float, float]]:
    points = {}
    with DATA.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            points[(row["level"], row["code"])] = (float(row["lat"]), float(row["lon"]))
    return points


def point(province_code: str | None, ward_code: str | None = None) -> tuple[tuple[float, float], str] | None:
    """((lat, lon), "ward" | "province") of the most precise place known, or None."""
    points = _coordinates()
    if ward_code and ("ward", ward_code) in points:
        return points[("ward", ward_code)], "ward"
    if province_code and ("province", province_code) in points:
        return points[("province", province_code)], "province"
    return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (haversine formula, spherical Earth of radius 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
