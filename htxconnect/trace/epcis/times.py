"""Event times: RFC 3339 timestamps with their offset (EPCIS 2.0 §7.3.4)."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timezone as dt_timezone

_TIME = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2})?)(?:\.(?P<frac>\d+))?(?P<tz>[Zz]|[+-]\d{2}:\d{2})$"
)


def parse_time(value) -> datetime:
    """An RFC 3339 timestamp with its offset as an aware UTC datetime; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    return _parse(value)


# Cached: capture reads each eventTime twice (the rules check it, then the row stores it), and a
# document holds up to EPCIS_CAPTURE_LIMIT (10,000) events. A datetime cannot be changed in place.
@functools.lru_cache(maxsize=16384)
def _parse(value: str) -> datetime:
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError("no time zone offset" if re.match(r"^\d{4}-\d{2}-\d{2}[Tt][\d:.]+$", value.strip())
                         else "not an RFC 3339 timestamp")
    frac = (match["frac"] or "")[:6]
    tz = "+00:00" if match["tz"] in ("Z", "z") else match["tz"]
    text = match["base"].replace("t", "T") + (f".{frac.ljust(6, '0')}" if frac else "") + tz
    return datetime.fromisoformat(text).astimezone(dt_timezone.utc)
