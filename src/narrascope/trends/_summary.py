"""``trend_counts``: the relational results summed per outlet and day, rebuilt by analyze.

Why a summary: a trend or a profile over a 100k-article corpus joins some 300,000
label, framing or span rows to their articles; SQLite does that in about a second
on a small machine, every time. Summed per (kind, key, role, outlet, day), the same
answers come from a table a fraction of that size without any join, in well under
a second (bench/trends_scale.py, docs/trends.md).

It is a cache, and never trusted blindly: :func:`rebuild` records the number of
articles and their latest ``updated_at`` (every write of an article's results
upserts its row), and :func:`is_fresh` compares them with the database's. A
database changed since (an API caller's ``save_documents``, an older narrascope)
is answered by the views' live queries instead: slower, never stale. ``analyze``
rebuilds it at the end of every run.

Rows (``day`` NULL for undated articles; near-duplicates are left out):

| kind | key | role | articles | spans, words |
|---|---|---|---|---|
| ``articles`` | ``''`` | | articles | words |
| ``analysed`` | stage | | articles the stage analysed | words |
| ``narrative`` / ``subnarrative`` | label | | articles carrying it | |
| ``technique`` | technique | | articles with a span of it | spans |
| ``mention`` | entity id | | articles naming the entity | |
| ``role`` | entity id | main role | articles casting it so | |
| ``fine`` | entity id | fine role | articles giving it that fine role | |
| ``name`` | entity id | a name of it | articles framing it under that name (no outlet, no day) | |
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

__all__ = ["is_fresh", "rebuild"]

_ORIGINAL = "a.duplicate_of IS NULL"

_INSERTS = [
    # (kind, key, role, outlet, day, articles, spans, words)
    "SELECT 'articles', '', '', a.outlet, a.published, count(*), 0,"
    f" coalesce(sum(a.word_count), 0) FROM articles a WHERE {_ORIGINAL}"
    " GROUP BY a.outlet, a.published",
    "SELECT 'analysed', s.stage, '', a.outlet, a.published, count(*), 0,"
    " coalesce(sum(a.word_count), 0) FROM stage_results s JOIN articles a"
    f" ON a.id = s.article_id WHERE {_ORIGINAL} GROUP BY s.stage, a.outlet, a.published",
    "SELECT CASE WHEN n.level = 'coarse' THEN 'narrative' ELSE 'subnarrative' END, n.label,"
    " '', a.outlet, a.published, count(*), 0, 0 FROM article_narratives n JOIN articles a"
    f" ON a.id = n.article_id WHERE {_ORIGINAL} GROUP BY n.level, n.label, a.outlet,"
    " a.published",
    "SELECT 'technique', t.technique, '', a.outlet, a.published, count(DISTINCT t.article_id),"
    " count(*), 0 FROM technique_spans t JOIN articles a ON a.id = t.article_id"
    f" WHERE {_ORIGINAL} GROUP BY t.technique, a.outlet, a.published",
    "SELECT 'mention', e.entity_id, '', a.outlet, a.published, count(*), 0, 0"
    f" FROM entities e JOIN articles a ON a.id = e.article_id WHERE {_ORIGINAL}"
    " GROUP BY e.entity_id, a.outlet, a.published",
    "SELECT 'role', f.entity_id, f.main_role, a.outlet, a.published, count(DISTINCT a.id), 0, 0"
    " FROM article_framings f JOIN articles a ON a.id = f.article_id WHERE f.mention = -1"
    f" AND f.main_role IS NOT NULL AND {_ORIGINAL}"
    " GROUP BY f.entity_id, f.main_role, a.outlet, a.published",
    "SELECT 'fine', r.entity_id, r.role, a.outlet, a.published, count(DISTINCT a.id), 0, 0"
    " FROM framing_roles r JOIN articles a ON a.id = r.article_id WHERE r.mention = -1"
    f" AND {_ORIGINAL} GROUP BY r.entity_id, r.role, a.outlet, a.published",
    "SELECT 'name', f.entity_id, f.name, '', NULL, count(*), 0, 0"
    " FROM article_framings f JOIN articles a ON a.id = f.article_id WHERE f.mention = -1"
    f" AND f.main_role IS NOT NULL AND {_ORIGINAL} GROUP BY f.entity_id, f.name",
]


def _fingerprint(conn: Any) -> tuple[int, str | None]:
    count, last = conn.execute(text("SELECT count(*), max(updated_at) FROM articles")).one()
    return int(count or 0), last


def rebuild(database: Any) -> None:
    """Recompute ``trend_counts`` and ``outlet_profiles`` from the relational tables,
    in one transaction, and record what they were computed from."""
    from narrascope.trends._outlets import profile_data

    with database.engine.begin() as conn:
        for table in ("trend_counts", "outlet_profiles", "trend_state"):
            conn.execute(text(f"DELETE FROM {table}"))
        for select in _INSERTS:
            conn.execute(
                text(
                    "INSERT INTO trend_counts"
                    " (kind, key, role, outlet, day, articles, spans, words) " + select
                )
            )
        for outlet, data in profile_data(conn, summary=True).items():
            conn.execute(
                text("INSERT INTO outlet_profiles (outlet, data) VALUES (:o, :d)"),
                {"o": outlet, "d": json.dumps(data, ensure_ascii=False)},
            )
        count, last = _fingerprint(conn)
        conn.execute(
            text(
                "INSERT INTO trend_state (id, articles, last_update, built_at)"
                " VALUES (1, :n, :u, :b)"
            ),
            {"n": count, "u": last, "b": datetime.now(UTC).isoformat(timespec="microseconds")},
        )


def is_fresh(database: Any) -> bool:
    """Whether ``trend_counts`` still describes the database (module docstring).

    A build in the same second as the latest write is not trusted: ``updated_at``
    has whole seconds, so a write later in that second would go unseen.
    """
    with database.engine.connect() as conn:
        state = conn.execute(
            text("SELECT articles, last_update, built_at FROM trend_state WHERE id = 1")
        ).first()
        if state is None:
            return False
        count, last = _fingerprint(conn)
    if count != int(state[0]) or last != state[1]:
        return False
    return last is None or str(state[2])[:19] > str(last)[:19]
