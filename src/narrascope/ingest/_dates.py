"""Publication dates from metadata values and from the first lines of an article.

Formats covered are the ones news text and feeds actually use: ISO 8601
(``2024-11-20``, ``2024-11-20T08:00:00Z``), RFC 2822 (RSS ``pubDate``),
English month names (``November 20, 2024``, ``20 Nov. 2024``) and numeric
European dates (``20.11.2024``). Only complete day-month-year dates count: a
bare "2025" in a headline is not a publication date.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

__all__ = ["find_date", "parse_date"]

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_PATTERNS = [
    re.compile(r"(?<!\d)" + _YEAR + r"-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?!\d)"),
    re.compile(r"(?<!\d)" + _YEAR + r"/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?!\d)"),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.IGNORECASE),
    re.compile(r"(?<!\d)" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I),
    re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<year>(?:19|20)\d\d)(?!\d)"),
]


def _from_match(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    month_text = groups.get("month")
    month = _MONTHS[month_text.lower().rstrip(".")] if month_text else int(groups["m"])
    day = int(groups.get("day") or groups["d"])
    try:
        return date(int(groups["year"]), month, day)
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The earliest complete date written in ``text`` (search a short prefix only)."""
    best: tuple[int, date] | None = None
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found = _from_match(match)
            if found is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), found)
                break
    return best[1] if best else None


def parse_date(value: object) -> date | None:
    """A metadata value (string, datetime, date, epoch seconds) as a date, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value)).date()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    return find_date(text)
