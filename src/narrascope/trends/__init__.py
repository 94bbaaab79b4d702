"""Corpus views over time and by outlet: profiles, groups, trends, emerging narratives.

Every view asks the database for aggregates (docs/trends.md, docs/schema.md) and
returns JSON-ready dicts in the shapes the CLI prints with ``--json``; none loads
the corpus' documents.
"""

from narrascope.trends._entities import entity_profile, resolve_entity
from narrascope.trends._outlets import (
    current_groups,
    outlet_groups,
    outlet_list,
    outlet_profile,
    record_declared_outlets,
    update_outlet_groups,
)
from narrascope.trends._periods import INTERVALS, bucket_sql, period_range, period_start
from narrascope.trends._series import BY, emerging, emerging_from_counts, trend_series

__all__ = [
    "BY",
    "INTERVALS",
    "bucket_sql",
    "current_groups",
    "emerging",
    "emerging_from_counts",
    "entity_profile",
    "outlet_groups",
    "outlet_list",
    "outlet_profile",
    "period_range",
    "period_start",
    "record_declared_outlets",
    "resolve_entity",
    "trend_series",
    "update_outlet_groups",
]
