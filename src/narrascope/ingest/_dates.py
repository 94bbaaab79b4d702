"""Publication dates from metadata values and from the first lines of an article.

Formats covered are the ones news text and feeds actually use: ISO 8601
(``2024-11-20``, ``2024-11-20T08:00:00Z``), RFC 2822 (RSS ``pubDate``), month
names in the project's languages and a few neighbours (``November 20, 2024``,
``20 Nov. 2024``, ``20 ноября 2024 г.``, ``20 de novembro de 2024``,
``20 नवंबर 2024``) and numeric European dates (``20.11.2024``), in ASCII or in
the digits of Hindi and neighbouring scripts (``२० नवंबर २०२४``). Only complete
day-month-year dates count: a bare "2025" in a headline is not a publication date.

Month names and their abbreviations come from the Unicode CLDR (through Babel),
in both grammatical forms ("ноябрь" and the genitive "ноября"), rather than from a
hand-written table.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import cache

__all__ = ["MONTH_LOCALES", "find_date", "parse_date", "whole_date"]

#: Locales whose month names are recognised: the languages narrascope analyses and
#: neighbours whose outlets cover the same stories.
MONTH_LOCALES: tuple[str, ...] = ("en", "bg", "hi", "pt", "ru", "uk", "de", "fr", "es", "it", "pl")


#: Decimal digits of Devanagari (Hindi), Bengali and the Arabic scripts -> ASCII, one
#: character for one so that match offsets stay those of the original text.
_ASCII_DIGITS = {
    zero + n: ord("0") + n for zero in (0x0966, 0x09E6, 0x0660, 0x06F0) for n in range(10)
}


def _month_table() -> dict[str, int]:
    """Lower-cased month name or abbreviation (no trailing dot) -> month number.

    A spelling that means different months in two locales is dropped rather than
    guessed (none among the locales above, but the guard keeps additions safe).
    """
    from babel.dates import get_month_names

    seen: dict[str, set[int]] = {"sept": {9}}
    for locale in MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    key = name.lower().rstrip(".\u0970")  # "нояб.", Hindi "नव॰"
                    if len(key) >= 2:  # Hindi "मई" (May) has two code points
                        seen.setdefault(key, set()).add(number)
    return {name: next(iter(ms)) for name, ms in seen.items() if len(ms) == 1}


_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|\.)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
#: "20 of November", "20 de novembro de 2024" (pt/es), "20. November 2024" (de)
_OF = r"(?:(?:of|de|del)\s+)?"


@cache
def _months_and_patterns() -> tuple[dict[str, int], list[re.Pattern[str]]]:
    """The month table and the date patterns, built on first use.

    Why lazily: reading eleven CLDR locales and compiling a 230-name alternation
    costs ~70 ms, which every CLI command would pay at import time otherwise.
    """
    months = _month_table()
    month = r"(?P<month>" + "|".join(map(re.escape, sorted(months, key=len, reverse=True)))
    month += r")[.\u0970]?"
    patterns = [
        re.compile(r"(?<!\d)" + _YEAR + r"-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?!\d)"),
        re.compile(r"(?<!\d)" + _YEAR + r"/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?!\d)"),
        re.compile(r"(?<!\w)" + month + r"\s+" + _DAY + r",?\s+" + _YEAR + r"(?!\d)", re.I),
        re.compile(
            r"(?<![\w.])" + _DAY + r"\s+" + _OF + month + r",?\s+" + _OF + _YEAR + r"(?!\d)",
            re.I,
        ),
        re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<year>(?:19|20)\d\d)(?!\d)"),
    ]
    return months, patterns


def _from_match(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    month_text = groups.get("month")
    months = _months_and_patterns()[0]
    month = months[month_text.lower().rstrip(".\u0970")] if month_text else int(groups["m"])
    day = int(groups.get("day") or groups["d"])
    try:
        return date(int(groups["year"]), month, day)
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The earliest complete date written in ``text`` (search a short prefix only)."""
    best: tuple[int, date] | None = None
    text = text.translate(_ASCII_DIGITS)
    for pattern in _months_and_patterns()[1]:
        for match in pattern.finditer(text):
            found = _from_match(match)
            if found is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), found)
                break
    return best[1] if best else None


def _utc_date(moment: datetime) -> date:
    """The UTC date of a time-stamp with an offset; a naive one's own date.

    Why UTC: outlets in different time zones must be counted on one calendar, or
    a story published at 23:30 in New York and 05:30 in Kyiv (the same instant)
    falls on two days and, at a year's end, in two years (docs/trends.md).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.date()
    return moment.astimezone(UTC).date()


def _machine_date(text: str) -> date | None:
    """``text`` as an ISO 8601 or e-mail (RFC 2822) date-time and nothing else, or None."""
    try:
        return _utc_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _utc_date(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def parse_date(value: object) -> date | None:
    """A metadata value (string, datetime, date, epoch seconds) as a date, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _utc_date(value)
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            # epoch seconds are UTC (not the local time of whoever runs the import)
            return datetime.fromtimestamp(float(value), UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip().translate(_ASCII_DIGITS)
    return _machine_date(text) or find_date(text)


#: what may stand before a date that is a line of its own: a weekday ("Wednesday, ")
_DATE_HEAD = re.compile(r"^(?:\w+\.?,?\s+)?$")
#: ... and after it: a time, a time zone, the Russian "г." (year), punctuation
_DATE_TAIL = re.compile(
    r"^[\s,.;—–-]*(?:г\.?)?[\s,.;—–-]*"
    r"(?:(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:utc|gmt|z|[+-]\d{2}:?\d{2}))?)?[\s.,;]*$",
    re.IGNORECASE,
)


def whole_date(value: str) -> date | None:
    """``value`` as a date when it is a date *and nothing else* (a weekday, a time at most).

    Why not :func:`parse_date`: that finds a date anywhere in a value, which is right
    for a metadata field but wrong for deciding whether a ``.txt`` line is a header.
    ``date 2021-11-27 Joe Biden's hand may be forced ...`` contains a date, yet it is
    a headline, and taking it for a header would drop the headline.
    """
    text = value.strip()
    if not text:
        return None
    found = _machine_date(text)
    if found is not None:
        return found
    text = text.translate(_ASCII_DIGITS)
    for pattern in _months_and_patterns()[1]:
        match = pattern.search(text)
        if (
            match is not None
            and _DATE_HEAD.match(text[: match.start()])
            and _DATE_TAIL.match(text[match.end() :])
        ):
            return _from_match(match)
    return None
