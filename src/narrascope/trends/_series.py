"""Counts per period: narratives, sub-narratives, techniques or an entity's roles.

Everything is aggregated by the database (one ``GROUP BY period, outlet, key``
query for the counts and one for the denominators), so a series costs memory in
the size of the answer: periods × outlets × keys, never the corpus.

Shares are of the period's articles *that the stage behind the key analysed*
(the narratives stage for narratives, techniques for techniques, framing for
entities): techniques run on English articles only, and counting the others in
the denominator would make an outlet publishing in two languages look calmer.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import text

from narrascope.store._database import _corpus_filter
from narrascope.trends._periods import bucket_sql, check_interval, period_range

__all__ = ["BY", "emerging", "scope_filter", "trend_series"]

#: what a series can count, and the stage whose articles are its denominator
BY = {
    "narrative": "narratives",
    "subnarrative": "narratives",
    "technique": "techniques",
    "entity": "framing",
}
ROLES = ("Protagonist", "Antagonist", "Innocent")
#: entities charted when ``by="entity"`` names none
_TOP_ENTITIES = 10


def scope_filter(
    database: Any,
    *,
    outlet: str | None = None,
    group: str | None = None,
    since: str | None = None,
    until: str | None = None,
    summary: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The WHERE condition on ``articles a`` for a view's scope (originals only), or
    with ``summary`` the same on ``trend_counts t`` (which holds originals only).

    ``group`` keeps the outlets of one learnt group (:func:`outlet_groups`), looked
    up by name: a list of at most a few hundred names, bound as parameters.
    """
    column = "t.outlet" if summary else "a.outlet"
    if summary:
        conditions, params = ["1 = 1"], {}
        if outlet is not None:
            conditions.append("lower(t.outlet) = lower(:outlet)")
            params["outlet"] = outlet
        if since is not None:
            conditions.append("t.day >= :since")
            params["since"] = since
        if until is not None:
            conditions.append("t.day <= :until")
            params["until"] = until
        where = " AND ".join(conditions)
    else:
        where, params = _corpus_filter(outlet, since, until, None)
    if group is not None:
        from narrascope.trends._outlets import current_groups

        members = sorted(n for n, g in current_groups(database).items() if g == group)
        if not members:
            where += " AND 1 = 0"
        else:
            marks = ", ".join(f":g{i}" for i in range(len(members)))
            where += f" AND {column} IN ({marks})"
            params.update({f"g{i}": name for i, name in enumerate(members)})
    return where, params


def _key_query(
    by: str,
    bucket: str,
    where: str,
    per_outlet: bool,
    entity_ids: list[str] | None,
    by_role: bool = False,
) -> tuple[str, dict[str, Any]]:
    """SQL of (period, outlet, key, articles) for ``by``, and its extra parameters."""
    outlet_col = "a.outlet" if per_outlet else "''"
    params: dict[str, Any] = {}
    if by in ("narrative", "subnarrative"):
        params["level"] = "coarse" if by == "narrative" else "fine"
        source = (
            "article_narratives k JOIN articles a ON a.id = k.article_id WHERE k.level = :level"
        )
        key, counted = "k.label", "count(*)"
    elif by == "technique":
        source = "technique_spans k JOIN articles a ON a.id = k.article_id WHERE 1 = 1"
        key, counted = "k.technique", "count(DISTINCT a.id)"
    else:
        source = (
            "article_framings k JOIN articles a ON a.id = k.article_id"
            " WHERE k.mention = -1 AND k.main_role IS NOT NULL"
        )
        counted = "count(DISTINCT a.id)"
        if entity_ids is not None:
            marks = ", ".join(f":e{i}" for i in range(len(entity_ids)))
            source += f" AND k.entity_id IN ({marks})"
            params.update({f"e{i}": e for i, e in enumerate(entity_ids)})
        key = "k.main_role" if by_role else "k.entity_id"
    sql = (
        f"SELECT {bucket} AS period, {outlet_col} AS outlet, {key} AS key, {counted}"
        f" FROM {source} AND a.published IS NOT NULL AND {where}"
        f" GROUP BY {bucket}, {'a.outlet, ' if per_outlet else ''}{key}"
    )
    return sql, params


def trend_series(
    database: Any,
    by: str = "narrative",
    interval: str = "week",
    outlet: str | None = None,
    group: str | None = None,
    since: str | None = None,
    until: str | None = None,
    *,
    entity: str | None = None,
    per_outlet: bool = False,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    """``{"interval", "by", "periods", "series": [{"key", "outlet", "points"}], "undated"}``.

    Each point is ``{"period", "articles", "share"}``: articles of the period (in
    the scope, of the key's stage) carrying the key, and that over all such
    articles of the period (0 when the period has none). Every period between the
    first and the last dated article of the scope is listed, empty ones included.
    ``per_outlet`` gives one series per outlet and key (``"outlet"`` names it);
    otherwise ``"outlet"`` is the ``outlet`` filter (``None`` for the whole scope).
    ``by="entity"`` counts the main roles of ``entity`` (a name, alias or id;
    ValueError if unknown) or, without one, the articles framing each of the most
    framed entities. ``keys`` keeps only those keys. ``undated`` counts the scope's
    articles of the stage that carry no date: they are in no period.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    check_interval(interval)
    stage = BY[by]
    from narrascope.trends._summary import is_fresh

    fresh = is_fresh(database)
    where, params = scope_filter(
        database, outlet=outlet, group=group, since=since, until=until, summary=fresh
    )
    entity_ids: list[str] | None = None
    names: dict[str, str] = {}
    if by == "entity":
        if entity is not None:
            from narrascope.trends._entities import resolve_entity

            found = resolve_entity(database, entity)
            if found is None:
                raise ValueError(f"no entity named {entity!r} (a name, alias or entity id)")
            entity_ids = [found[0]]
        else:
            names = _top_entities(database, where, params, fresh)
            entity_ids = list(names) or ["\x00none"]
    if fresh:
        sql, totals_sql, undated_sql, extra = _summary_queries(
            database.dialect, by, interval, where, per_outlet, entity_ids, entity is not None
        )
    else:
        bucket = bucket_sql(database.dialect, interval)
        sql, extra = _key_query(by, bucket, where, per_outlet, entity_ids, entity is not None)
        outlet_col = "a.outlet" if per_outlet else "''"
        stage_join = (
            " AND EXISTS (SELECT 1 FROM stage_results s WHERE s.article_id = a.id"
            " AND s.stage = :stage)"
        )
        totals_sql = (
            f"SELECT {bucket}, {outlet_col}, count(*) FROM articles a"
            f" WHERE a.published IS NOT NULL AND {where}{stage_join}"
            f" GROUP BY {bucket}{', a.outlet' if per_outlet else ''}"
        )
        undated_sql = (
            f"SELECT count(*) FROM articles a WHERE a.published IS NULL AND {where}{stage_join}"
        )
    counts: dict[tuple[str, str], dict[str, int]] = {}
    totals: dict[tuple[str, str], int] = {}
    with database.engine.connect() as conn:
        for period, out_name, key, n in conn.execute(text(sql), {**params, **extra}):
            counts.setdefault((key, out_name), {})[period] = int(n)
        for period, out_name, n in conn.execute(text(totals_sql), {**params, "stage": stage}):
            totals[(period, out_name)] = int(n)
        undated = int(conn.execute(text(undated_sql), {**params, "stage": stage}).scalar() or 0)
    dated = sorted({p for p, _ in totals})
    periods = (
        period_range(date.fromisoformat(dated[0]), date.fromisoformat(dated[-1]), interval)
        if dated
        else []
    )
    series = []
    for (key, out_name), by_period in counts.items():
        if keys is not None and key not in keys:
            continue
        points = []
        for period in periods:
            n = by_period.get(period, 0)
            total = totals.get((period, out_name), 0)
            points.append(
                {"period": period, "articles": n, "share": round(n / total, 4) if total else 0.0}
            )
        entry: dict[str, Any] = {
            "key": names.get(key, key) if by == "entity" and not entity else key,
            "outlet": (out_name or None) if per_outlet else outlet,
            "points": points,
        }
        if by == "entity" and not entity:
            entry["entity_id"] = key
        series.append(entry)
    series.sort(
        key=lambda s: (-sum(p["articles"] for p in s["points"]), s["key"], s["outlet"] or "")
    )
    result: dict[str, Any] = {
        "interval": interval,
        "by": by,
        "periods": periods,
        "articles": [sum(v for (p, _), v in totals.items() if p == period) for period in periods],
        "series": series,
        "undated": undated,
    }
    if group is not None:
        result["group"] = group
    if entity is not None and entity_ids:
        result["entity"] = entity_ids[0]
    return result


def _top_entities(
    database: Any, where: str, params: dict[str, Any], fresh: bool = False
) -> dict[str, str]:
    """``{entity_id: name}`` of the entities framed in a role in the most articles."""
    if fresh:
        sql = (
            "SELECT t.key, (SELECT n.role FROM trend_counts n WHERE n.kind = 'name'"
            " AND n.key = t.key ORDER BY n.articles DESC, n.role LIMIT 1), sum(t.articles)"
            f" FROM trend_counts t WHERE t.kind = 'role' AND {where}"
            " GROUP BY t.key ORDER BY sum(t.articles) DESC, t.key LIMIT :top"
        )
    else:
        sql = (
            "SELECT k.entity_id, min(k.name), count(*) FROM article_framings k"
            " JOIN articles a ON a.id = k.article_id"
            f" WHERE k.mention = -1 AND k.main_role IS NOT NULL AND {where}"
            " GROUP BY k.entity_id ORDER BY count(*) DESC, k.entity_id LIMIT :top"
        )
    with database.engine.connect() as conn:
        return {
            eid: name for eid, name, _n in conn.execute(text(sql), {**params, "top": _TOP_ENTITIES})
        }


def _summary_queries(
    dialect: str,
    by: str,
    interval: str,
    where: str,
    per_outlet: bool,
    entity_ids: list[str] | None,
    by_role: bool,
) -> tuple[str, str, str, dict[str, Any]]:
    """The counts, totals and undated queries of :func:`trend_series` on ``trend_counts``."""
    bucket = bucket_sql(dialect, interval, "t.day")
    outlet_col = "t.outlet" if per_outlet else "''"
    group_outlet = ", t.outlet" if per_outlet else ""
    kind = {"narrative": "narrative", "subnarrative": "subnarrative"}.get(by, by)
    extra: dict[str, Any] = {"kind": "role" if by == "entity" else kind}
    key = "t.role" if by_role else "t.key"
    entity_filter = ""
    if entity_ids is not None:
        marks = ", ".join(f":e{i}" for i in range(len(entity_ids)))
        entity_filter = f" AND t.key IN ({marks})"
        extra.update({f"e{i}": e for i, e in enumerate(entity_ids)})
    counts = (
        f"SELECT {bucket}, {outlet_col}, {key}, sum(t.articles) FROM trend_counts t"
        f" WHERE t.kind = :kind{entity_filter} AND t.day IS NOT NULL AND {where}"
        f" GROUP BY {bucket}{group_outlet}, {key}"
    )
    totals = (
        f"SELECT {bucket}, {outlet_col}, sum(t.articles) FROM trend_counts t"
        f" WHERE t.kind = 'analysed' AND t.key = :stage AND t.day IS NOT NULL AND {where}"
        f" GROUP BY {bucket}{group_outlet}"
    )
    undated = (
        "SELECT coalesce(sum(t.articles), 0) FROM trend_counts t WHERE t.kind = 'analysed'"
        f" AND t.key = :stage AND t.day IS NULL AND {where}"
    )
    return counts, totals, undated, extra


def binomial_sf(successes: int, trials: int, p: float) -> float:
    """P(X ≥ successes) for X ~ Binomial(trials, p): the one-sided p-value."""
    from scipy.stats import binom

    if successes <= 0:
        return 1.0
    return float(binom.sf(successes - 1, trials, p))


def emerging_from_counts(
    counts: dict[str, list[int]],
    totals: list[int],
    periods: list[str],
    *,
    baseline: int = 8,
    alpha: float = 0.01,
    min_articles: int = 3,
    min_lift: float = 1.5,
) -> list[dict[str, Any]]:
    """The test behind :func:`emerging`, on plain counts (so it can be checked by hand).

    ``counts[key][i]`` articles carry ``key`` among the ``totals[i]`` articles of
    ``periods[i]``. The latest period is tested against the ``baseline`` periods
    before it: under "nothing changed", its count is Binomial(n, p0) with ``n`` its
    articles and ``p0`` the key's share over the baseline, smoothed
    ((x + 0.5) / (N + 1), so a key never seen before has a small, non-zero
    share rather than an infinite rise). A key is emerging when the one-sided
    p-value, times the number of keys tested (Bonferroni), is below ``alpha``,
    it has at least ``min_articles`` articles in the period, and its share is at
    least ``min_lift`` times the baseline share. Best (smallest p) first.
    """
    if len(periods) < 2 or not totals or totals[-1] == 0:
        return []
    start = max(0, len(periods) - 1 - baseline)
    base_n = sum(totals[start:-1])
    if base_n == 0:
        return []  # no history to compare with
    n = totals[-1]
    tested = [k for k, v in counts.items() if v[-1] > 0]
    out = []
    for key in tested:
        series = counts[key]
        x = series[-1]
        base_x = sum(series[start:-1])
        p0 = (base_x + 0.5) / (base_n + 1)
        share = x / n
        expected = n * p0
        p_value = binomial_sf(x, n, p0)
        adjusted = min(1.0, p_value * len(tested))
        z = (x - expected) / math.sqrt(n * p0 * (1 - p0)) if 0 < p0 < 1 else 0.0
        lift = share / p0
        if adjusted < alpha and x >= min_articles and lift >= min_lift:
            out.append(
                {
                    "key": key,
                    "period": periods[-1],
                    "articles": x,
                    "period_articles": n,
                    "share": round(share, 4),
                    "baseline_share": round(base_x / base_n, 4),
                    "baseline_periods": len(periods) - 1 - start,
                    "expected": round(expected, 2),
                    "lift": round(lift, 2),
                    "z": round(z, 2),
                    "p_value": p_value,
                    "p_adjusted": adjusted,
                }
            )
    out.sort(key=lambda e: (e["p_value"], -e["articles"], e["key"]))
    return out


def emerging(
    database: Any,
    interval: str = "week",
    *,
    by: str = "narrative",
    outlet: str | None = None,
    group: str | None = None,
    since: str | None = None,
    until: str | None = None,
    baseline: int = 8,
    alpha: float = 0.01,
    min_articles: int = 3,
) -> list[dict[str, Any]]:
    """Narratives (or ``by`` keys) whose share in the latest period rose well above their
    own baseline: :func:`emerging_from_counts` on :func:`trend_series`. The latest
    period is the last one holding a dated article of the scope (``until`` sets it)."""
    data = trend_series(
        database, by, interval, outlet=outlet, group=group, since=since, until=until
    )
    periods = data["periods"]
    counts = {s["key"]: [p["articles"] for p in s["points"]] for s in data["series"]}
    return emerging_from_counts(
        counts,
        data["articles"],
        periods,
        baseline=baseline,
        alpha=alpha,
        min_articles=min_articles,
    )
