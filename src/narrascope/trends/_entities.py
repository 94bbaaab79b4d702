"""Entities: how each outlet casts one entity, and how that changes over time.

An entity is found by its id, its name or any alias, in any case (the ``*_key``
columns hold names case-folded in Python, so "ЗЕЛЕНСКИЙ" finds "Зеленский" on
SQLite too). When several entities answer to a name, the one in most articles is
taken: ``entity_profile`` is about one entity, and says which in ``id``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import text

from narrascope.store._relational import name_key
from narrascope.trends._periods import bucket_sql, check_interval

__all__ = ["entity_profile", "resolve_entity"]

ROLES = ("Protagonist", "Antagonist", "Innocent")


#: evidence rows (best-scored first) an entity's quotes are chosen from
QUOTE_POOL = 5000


def resolve_entity(database: Any, name_or_alias: str) -> tuple[str, str] | None:
    """``(entity_id, name)`` of the entity an id, name or alias designates, or None.

    The candidates come from index-only lookups (``(name_key, entity_id)``
    indexes); only when a name is ambiguous are their articles counted.
    """
    key = name_key(name_or_alias)
    raw = name_or_alias.strip()
    with database.engine.connect() as conn:
        candidates = sorted(
            set(
                conn.execute(
                    text(
                        "SELECT DISTINCT entity_id FROM entities WHERE name_key = :key"
                        " UNION SELECT DISTINCT entity_id FROM entity_aliases"
                        " WHERE alias_key = :key"
                        " UNION SELECT DISTINCT entity_id FROM article_framings"
                        " WHERE name_key = :key"
                        " UNION SELECT entity_id FROM entities WHERE entity_id = :raw"
                        " UNION SELECT entity_id FROM article_framings WHERE entity_id = :raw"
                    ),
                    {"key": key, "raw": raw},
                ).scalars()
            )
        )
        if not candidates:
            return None
        if len(candidates) > 1:
            counted = {
                eid: int(
                    conn.execute(
                        text("SELECT count(*) FROM entities WHERE entity_id = :e"), {"e": eid}
                    ).scalar()
                    or 0
                )
                for eid in candidates
            }
            candidates.sort(key=lambda e: (-counted[e], e))
        eid = candidates[0]
        from narrascope.trends._summary import is_fresh

        named = (
            conn.execute(
                text(
                    "SELECT role FROM trend_counts WHERE kind = 'name' AND key = :e"
                    " ORDER BY articles DESC, role LIMIT 1"
                ),
                {"e": eid},
            ).first()
            if is_fresh(database)
            else None
        )
        if named is not None:
            return eid, str(named[0])
        name = conn.execute(
            text(
                "SELECT name FROM (SELECT name, count(*) AS n FROM entities"
                " WHERE entity_id = :e GROUP BY name UNION ALL"
                " SELECT name, count(*) AS n FROM article_framings"
                " WHERE entity_id = :e AND mention = -1 GROUP BY name) x"
                " ORDER BY n DESC, name LIMIT 1"
            ),
            {"e": eid},
        ).first()
    return eid, str(name[0]) if name else eid


def entity_profile(
    database: Any,
    name_or_alias: str,
    *,
    interval: str | None = None,
    quotes: int = 3,
    aliases: int = 30,
) -> dict[str, Any] | None:
    """``entity NAME --json``: ``{"id", "name", "aliases", "articles", "by_outlet":
    {OUTLET: {"Protagonist", "Antagonist", "Innocent", "fine_roles", "quotes"}},
    "over_time": [{"period", "Protagonist", "Antagonist", "Innocent"}],
    "over_time_by_outlet": {OUTLET: [...]}, "undated"}``; None if no entity answers.

    Counts are articles whose article-level framing casts the entity in that role
    (abstentions are not counted); ``aliases`` are its surface forms, most
    frequent first (``alias_articles``: the articles using each).
    """
    found = resolve_entity(database, name_or_alias)
    if found is None:
        return None
    eid, name = found
    from narrascope.trends._outlets import auto_interval
    from narrascope.trends._summary import is_fresh

    fresh = is_fresh(database)
    framed = "f.entity_id = :e AND f.mention = -1 AND a.duplicate_of IS NULL"
    mine = "FROM trend_counts t WHERE t.key = :e AND t.kind ="
    with database.engine.connect() as conn:
        span = conn.execute(
            text(
                f"SELECT sum(t.articles), min(t.day), max(t.day) {mine} 'mention'"
                if fresh
                else "SELECT count(DISTINCT a.id), min(a.published), max(a.published)"
                " FROM entities f JOIN articles a ON a.id = f.article_id"
                " WHERE f.entity_id = :e AND a.duplicate_of IS NULL"
            ),
            {"e": eid},
        ).first()
        articles, first, last = (int(span[0] or 0), span[1], span[2]) if span else (0, None, None)
        interval = check_interval(interval or auto_interval(first, last))
        bucket = bucket_sql(database.dialect, interval, "t.day" if fresh else "a.published")
        alias_rows = conn.execute(
            text(
                # one row per (article, entity, alias): count(*) counts articles, and
                # reads the (entity_id, alias) index alone
                "SELECT alias, count(*) FROM entity_aliases"
                " WHERE entity_id = :e GROUP BY alias ORDER BY count(*) DESC, alias LIMIT :k"
            ),
            {"e": eid, "k": aliases},
        ).all()
        if fresh:
            queries = {
                "by_role": f"SELECT t.outlet, t.role, sum(t.articles) {mine} 'role'"
                " GROUP BY t.outlet, t.role",
                "fine": f"SELECT t.outlet, t.role, sum(t.articles) {mine} 'fine'"
                " GROUP BY t.outlet, t.role",
                "timeline": f"SELECT {bucket}, t.outlet, t.role, sum(t.articles) {mine} 'role'"
                f" AND t.day IS NOT NULL GROUP BY {bucket}, t.outlet, t.role",
                "undated": f"SELECT coalesce(sum(t.articles), 0) {mine} 'role' AND t.day IS NULL",
            }
        else:
            joined = (
                f"FROM article_framings f JOIN articles a ON a.id = f.article_id WHERE {framed}"
            )
            queries = {
                "by_role": f"SELECT a.outlet, f.main_role, count(*) {joined}"
                " AND f.main_role IS NOT NULL GROUP BY a.outlet, f.main_role",
                "fine": "SELECT a.outlet, f.role, count(*) FROM framing_roles f"
                f" JOIN articles a ON a.id = f.article_id WHERE {framed}"
                " GROUP BY a.outlet, f.role",
                "timeline": f"SELECT {bucket}, a.outlet, f.main_role, count(*) {joined}"
                " AND f.main_role IS NOT NULL AND a.published IS NOT NULL"
                f" GROUP BY {bucket}, a.outlet, f.main_role",
                "undated": f"SELECT count(*) {joined} AND f.main_role IS NOT NULL"
                " AND a.published IS NULL",
            }
        by_role = conn.execute(text(queries["by_role"]), {"e": eid}).all()
        fine_rows = conn.execute(text(queries["fine"]), {"e": eid}).all()
        timeline = conn.execute(text(queries["timeline"]), {"e": eid}).all()
        undated = int(conn.execute(text(queries["undated"]), {"e": eid}).scalar() or 0)
        quote_rows = conn.execute(
            text(
                # from the entity's best-scored evidence only (an index range): a
                # frequent entity has tens of thousands of quotes, none of them needed
                "SELECT outlet, quote, article_id FROM (SELECT a.outlet, f.quote, f.article_id,"
                " row_number() OVER (PARTITION BY a.outlet ORDER BY f.score DESC,"
                " f.article_id, f.seq) AS r FROM (SELECT article_id, quote, score, seq"
                " FROM framing_evidence WHERE entity_id = :e AND mention = -1"
                " ORDER BY score DESC LIMIT :pool) f"
                " JOIN articles a ON a.id = f.article_id WHERE a.duplicate_of IS NULL) q"
                " WHERE r <= :k ORDER BY outlet, r"
            ),
            {"e": eid, "k": quotes * 3, "pool": QUOTE_POOL},
        ).all()
    by_outlet: dict[str, dict[str, Any]] = {}

    def slot(outlet: str) -> dict[str, Any]:
        return by_outlet.setdefault(
            outlet, {**dict.fromkeys(ROLES, 0), "fine_roles": {}, "quotes": []}
        )

    for outlet, role, n in by_role:
        if role in ROLES:
            slot(outlet)[role] = int(n)
    fine: dict[str, Counter[str]] = {}
    for outlet, role, n in fine_rows:
        fine.setdefault(outlet, Counter())[role] += int(n)
    for outlet, counter in fine.items():
        slot(outlet)["fine_roles"] = dict(counter.most_common(5))
    for outlet, quote, article_id in quote_rows:
        got = slot(outlet)["quotes"]
        if quote not in [q["text"] for q in got] and len(got) < quotes:
            got.append({"text": quote, "article": article_id})
    # plain quote strings, as the shape has them, beside where each is from
    for entry in by_outlet.values():
        entry["quote_articles"] = [q["article"] for q in entry["quotes"]]
        entry["quotes"] = [q["text"] for q in entry["quotes"]]
    over_time: dict[str, Counter[str]] = {}
    per_outlet: dict[str, dict[str, Counter[str]]] = {}
    for period, outlet, role, n in timeline:
        over_time.setdefault(period, Counter())[role] += int(n)
        per_outlet.setdefault(outlet, {}).setdefault(period, Counter())[role] += int(n)
    return {
        "id": eid,
        "name": name,
        "aliases": [a for a, _n in alias_rows],
        "alias_articles": {a: int(n) for a, n in alias_rows},
        "articles": articles,
        "first_published": first,
        "last_published": last,
        "interval": interval,
        "by_outlet": dict(sorted(by_outlet.items(), key=lambda kv: kv[0])),
        "over_time": [
            {"period": p, **{r: over_time[p].get(r, 0) for r in ROLES}} for p in sorted(over_time)
        ],
        "over_time_by_outlet": {
            outlet: [
                {"period": p, **{r: periods[p].get(r, 0) for r in ROLES}} for p in sorted(periods)
            ]
            for outlet, periods in sorted(per_outlet.items())
        },
        "undated": undated,
    }
