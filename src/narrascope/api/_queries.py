"""The server's corpus reads: filtered, paginated and counted in SQL (SQLite and PostgreSQL).

Why not :meth:`Database.list_articles`: the API filters by technique, entity and a
full-text query too, and a page needs the total it is a page of. Everything here
is one or two SQL statements whose cost is the size of the answer, never a load
of every document; values are bound parameters only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from narrascope.store._database import _corpus_filter, _fts_query
from narrascope.store._relational import name_key

__all__ = ["ArticleFilters", "article_page", "article_story", "corpus_figures", "facets"]


class ArticleFilters:
    """The filters of GET /api/articles (and the dashboard's list); None: not filtered."""

    def __init__(
        self,
        *,
        q: str | None = None,
        outlet: str | None = None,
        narrative: str | None = None,
        technique: str | None = None,
        entity: str | None = None,
        since: str | None = None,
        until: str | None = None,
        language: str | None = None,
    ) -> None:
        self.q = (q or "").strip() or None
        self.outlet = outlet or None
        self.narrative = narrative or None
        self.technique = technique or None
        self.entity = entity or None
        self.since = since or None
        self.until = until or None
        self.language = language or None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def where(self, dialect: str) -> tuple[str, dict[str, Any]]:
        condition, params = _corpus_filter(
            self.outlet, self.since, self.until, None, duplicates=True
        )
        where = [condition]
        if self.language:
            where.append("lower(a.language) = lower(:language)")
            params["language"] = self.language
        if self.narrative:
            params["narrative"] = f"%{self.narrative.lower()}%"
            where.append(
                "EXISTS (SELECT 1 FROM article_narratives n WHERE n.article_id = a.id"
                " AND lower(n.label) LIKE :narrative)"
            )
        if self.technique:
            params["technique"] = self.technique
            where.append(
                "EXISTS (SELECT 1 FROM technique_spans t WHERE t.article_id = a.id"
                " AND t.technique = :technique)"
            )
        if self.entity:
            params["entity"] = self.entity
            params["entity_key"] = name_key(self.entity)
            where.append(
                "EXISTS (SELECT 1 FROM entities e WHERE e.article_id = a.id AND"
                " (e.entity_id = :entity OR e.name_key = :entity_key OR EXISTS ("
                "SELECT 1 FROM entity_aliases al WHERE al.article_id = e.article_id"
                " AND al.entity_id = e.entity_id AND al.alias_key = :entity_key)))"
            )
        if self.q:
            if dialect == "sqlite":
                params["q"] = _fts_query(self.q)
                where.append(
                    "a.id IN (SELECT article_id FROM articles_fts WHERE articles_fts MATCH :q)"
                )
            else:
                params["q"] = self.q
                where.append("a.tsv @@ plainto_tsquery('simple', :q)")
        return " AND ".join(where), params


_ITEM_COLUMNS = (
    "a.id, a.title, a.outlet, a.published, a.language, a.url, a.word_count, a.duplicate_of,"
    " (SELECT n.label FROM article_narratives n WHERE n.article_id = a.id"
    " AND n.level = 'coarse' AND n.is_dominant = 1 ORDER BY n.label LIMIT 1),"
    " (SELECT count(*) FROM technique_spans t WHERE t.article_id = a.id),"
    " (SELECT sa.story_id FROM story_articles sa WHERE sa.article_id = a.id)"
)
_ITEM_KEYS = (
    "id",
    "title",
    "outlet",
    "published",
    "language",
    "url",
    "word_count",
    "duplicate_of",
    "dominant_narrative",
    "techniques",
    "story",
)


def article_page(
    database: Any, filters: ArticleFilters, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """``{"total", "limit", "offset", "items"}``: one page of the matching articles,
    newest first (undated last), each with its dominant narrative, technique span count and story;
    with a full-text query, each item has a ``snippet`` too."""
    where, params = filters.where(database.dialect)
    with database.engine.connect() as conn:
        total = int(
            conn.execute(text(f"SELECT count(*) FROM articles a WHERE {where}"), params).scalar()
            or 0
        )
        # the page's ids first, in an order the index on `published` serves (the table
        # holds the texts: sorting it whole would read them all), then only those rows'
        # details: the per-row subqueries run for the page, not for every match
        ids = [
            row[0]
            for row in conn.execute(
                text(
                    f"SELECT a.id FROM articles a WHERE {where}"
                    " ORDER BY a.published DESC NULLS LAST, a.id DESC"
                    " LIMIT :limit OFFSET :offset"
                ),
                {**params, "limit": limit, "offset": offset},
            )
        ]
        items = []
        if ids:
            marks = ", ".join(f":p{n}" for n in range(len(ids)))
            rows = conn.execute(
                text(f"SELECT {_ITEM_COLUMNS} FROM articles a WHERE a.id IN ({marks})"),
                {f"p{n}": v for n, v in enumerate(ids)},
            ).all()
            by_id = {row[0]: dict(zip(_ITEM_KEYS, row, strict=True)) for row in rows}
            items = [by_id[i] for i in ids if i in by_id]
        if filters.q and items:
            snippets = _snippets(conn, database.dialect, filters.q, [i["id"] for i in items])
            for item in items:
                item["snippet"] = snippets.get(item["id"], "")
    for item in items:
        item["published"] = str(item["published"]) if item["published"] else None
        item["techniques"] = int(item["techniques"] or 0)
        item["story"] = int(item["story"]) if item["story"] is not None else None
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _snippets(conn: Any, dialect: str, query: str, ids: list[str]) -> dict[str, str]:
    """A short extract around the matched words, as plain text (``[word]`` marks a hit)."""
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    params: dict[str, Any] = {f"i{n}": v for n, v in enumerate(ids)}
    if dialect == "sqlite":
        params["q"] = _fts_query(query)
        sql = (
            "SELECT article_id, snippet(articles_fts, 2, '[', ']', ' … ', 12) FROM articles_fts"
            f" WHERE articles_fts MATCH :q AND article_id IN ({marks})"
        )
    else:
        params["q"] = query
        sql = (
            "SELECT id, ts_headline('simple', text, plainto_tsquery('simple', :q),"
            " 'StartSel=[, StopSel=], MaxWords=24, MinWords=8') FROM articles"
            f" WHERE id IN ({marks})"
        )
    return {row[0]: row[1] for row in conn.execute(text(sql), params)}


def article_story(database: Any, article_id: str) -> int | None:
    with database.engine.connect() as conn:
        sid = conn.execute(
            text("SELECT story_id FROM story_articles WHERE article_id = :i"), {"i": article_id}
        ).scalar()
    return int(sid) if sid is not None else None


def facets(database: Any) -> dict[str, list[tuple[str, int]]]:
    """Values the list's filters offer, with article counts: outlets, narratives, techniques."""
    with database.engine.connect() as conn:
        outlets = conn.execute(
            text(
                "SELECT outlet, count(*) FROM articles WHERE outlet <> ''"
                " GROUP BY outlet ORDER BY count(*) DESC, outlet LIMIT 200"
            )
        ).all()
        narratives = conn.execute(
            text(
                "SELECT label, count(DISTINCT article_id) FROM article_narratives"
                " WHERE level = 'coarse' GROUP BY label ORDER BY count(DISTINCT article_id) DESC,"
                " label LIMIT 200"
            )
        ).all()
        techniques = conn.execute(
            text(
                "SELECT technique, count(DISTINCT article_id) FROM technique_spans"
                " GROUP BY technique ORDER BY count(DISTINCT article_id) DESC, technique"
            )
        ).all()
    return {
        "outlets": [(r[0], int(r[1])) for r in outlets],
        "narratives": [(r[0], int(r[1])) for r in narratives],
        "techniques": [(r[0], int(r[1])) for r in techniques],
    }


def corpus_figures(database: Any) -> dict[str, Any]:
    """The overview's figures, aggregated by the database."""
    with database.engine.connect() as conn:
        articles, duplicates, words, first, last, undated = conn.execute(
            text(
                "SELECT sum(CASE WHEN duplicate_of IS NULL THEN 1 ELSE 0 END),"
                " sum(CASE WHEN duplicate_of IS NULL THEN 0 ELSE 1 END),"
                " coalesce(sum(CASE WHEN duplicate_of IS NULL THEN word_count ELSE 0 END), 0),"
                " min(published), max(published),"
                " sum(CASE WHEN published IS NULL THEN 1 ELSE 0 END) FROM articles"
            )
        ).one()
        outlets = int(
            conn.execute(
                text("SELECT count(DISTINCT outlet) FROM articles WHERE outlet <> ''")
            ).scalar()
            or 0
        )
        languages = conn.execute(
            text(
                "SELECT language, count(*) FROM articles WHERE duplicate_of IS NULL"
                " GROUP BY language ORDER BY count(*) DESC, language LIMIT 20"
            )
        ).all()
        stories = int(conn.execute(text("SELECT count(*) FROM stories")).scalar() or 0)
        per_outlet = conn.execute(
            text(
                "SELECT CASE WHEN outlet = '' THEN '(unknown)' ELSE outlet END, count(*)"
                " FROM articles GROUP BY outlet ORDER BY count(*) DESC, outlet LIMIT 15"
            )
        ).all()
        narratives = conn.execute(
            text(
                "SELECT n.label, count(*) FROM article_narratives n"
                " JOIN articles a ON a.id = n.article_id"
                " WHERE n.level = 'coarse' AND n.is_dominant = 1 AND a.duplicate_of IS NULL"
                " GROUP BY n.label ORDER BY count(*) DESC, n.label LIMIT 15"
            )
        ).all()
        techniques = conn.execute(
            text(
                "SELECT technique, count(*) FROM technique_spans"
                " GROUP BY technique ORDER BY count(*) DESC, technique"
            )
        ).all()
        entities = conn.execute(
            text(
                "SELECT entity_id, max(name), count(DISTINCT article_id) FROM entities"
                " GROUP BY entity_id ORDER BY count(DISTINCT article_id) DESC, entity_id LIMIT 15"
            )
        ).all()
    return {
        "articles": int(articles or 0),
        "duplicates": int(duplicates or 0),
        "words": int(words or 0),
        "outlets": outlets,
        "stories": stories,
        "first_published": str(first) if first else None,
        "last_published": str(last) if last else None,
        "undated": int(undated or 0),
        "languages": [(r[0] or "und", int(r[1])) for r in languages],
        "articles_per_outlet": [(r[0], int(r[1])) for r in per_outlet],
        "dominant_narratives": [(r[0], int(r[1])) for r in narratives],
        "technique_spans": [(r[0], int(r[1])) for r in techniques],
        "top_entities": [{"id": r[0], "name": r[1], "articles": int(r[2])} for r in entities],
    }
