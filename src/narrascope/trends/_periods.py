"""Periods: days, ISO weeks and calendar months, bucketed in SQL and in Python alike.

Conventions (docs/trends.md):

* a period is named by its first day, ``YYYY-MM-DD``: a day by itself, a week by
  its Monday (ISO 8601 weeks: Monday to Sunday, so 2024-12-30 to 2025-01-05 is one
  week, named ``2024-12-30``, whatever year the ISO calendar gives it), a month by
  its first day;
* ``articles.published`` is a date, the UTC date of the time-stamp the data gave
  (ingest converts offsets, narrascope.ingest._dates), so no time zone is left to
  handle here;
* undated articles are never placed in a period: they are counted apart.

The SQL expression (:func:`bucket_sql`) and :func:`period_start` must agree; the
tests check them against each other on both stores.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["INTERVALS", "bucket_sql", "next_period", "period_range", "period_start"]

INTERVALS = ("day", "week", "month")


def check_interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, not {interval!r}")
    return interval


def period_start(day: date, interval: str) -> date:
    """The first day of the period of ``interval`` that holds ``day``."""
    check_interval(interval)
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: date, interval: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_range(first: date, last: date, interval: str) -> list[str]:
    """Every period from the one holding ``first`` to the one holding ``last``
    (periods without articles included, so charts and baselines see the gaps)."""
    out: list[str] = []
    current = period_start(first, interval)
    end = period_start(last, interval)
    while current <= end:
        out.append(current.isoformat())
        current = next_period(current, interval)
    return out


def bucket_sql(dialect: str, interval: str, column: str = "a.published") -> str:
    """An SQL expression naming the period of ``column`` (an ISO date string) as the
    ISO date string of its first day, on SQLite or PostgreSQL."""
    check_interval(interval)
    day = f"substr({column}, 1, 10)"
    if interval == "day":
        return day
    if interval == "month":
        return f"substr({column}, 1, 7) || '-01'"
    if dialect == "postgresql":
        return f"to_char(date_trunc('week', CAST({day} AS date)), 'YYYY-MM-DD')"
    # SQLite: strftime('%w') is 0 for Sunday; step back to Monday
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"
