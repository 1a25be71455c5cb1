"""ISO 8601 durations as used in retention tags (``P30D``, ``P6M``, ``P2Y``, ``P1Y6M``)."""

from __future__ import annotations

import re

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<y>\d+(?:[.,]\d+)?)Y)?(?:(?P<m>\d+(?:[.,]\d+)?)M)?(?:(?P<w>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<d>\d+(?:[.,]\d+)?)D)?(?:T(?=\d)(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<min>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$"
)
_DAYS = {"y": 365.25, "m": 30.44, "w": 7.0, "d": 1.0, "h": 1 / 24, "min": 1 / 1440, "s": 1 / 86400}


def parse_duration(text: str) -> float | None:
    """Return an ISO 8601 duration's length in days, or ``None`` when it is not one.

    Years count 365.25 days and months 30.44 days, which is exact enough to compare a tag with
    a policy maximum.  ``"P2Y"`` -> 730.5; ``"2Y"`` -> None; ``"P"`` -> None.
    """
    match = _DURATION.match(text.strip().upper()) if text else None
    if not match:
        return None
    days = 0.0
    for part, value in match.groupdict().items():
        if value:
            days += float(value.replace(",", ".")) * _DAYS[part]
    return days
