"""The relational copy of the stage results: one row per label, framing, span, mention.

Why a second copy: the JSON payloads in ``stage_results`` round-trip documents
exactly, but only Python can aggregate them, which means loading a whole corpus
to count narratives per outlet. These tables hold the same results in rows any
SQL client (``sqlite3``, Datasette, ``psql``) can filter and group, and that
:class:`~narrascope.store.Database`'s corpus reads aggregate without loading a
document. They are derived data: :func:`write_rows` rebuilds an article's rows
from its :class:`~narrascope.document.Document` in the transaction that stores
the JSON, and :func:`backfill` rebuilds them from the JSON of a database written
before they existed; both go through the same code, so the two cannot disagree.

``docs/schema.md`` documents every table and column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from narrascope.document import Document
from narrascope.store._clean import storable

__all__ = ["RELATIONAL_ATTRIBUTES", "backfill", "link_outlet", "name_key", "write_rows"]

#: Document attributes that have relational tables, with the tables each one fills
#: (children first, so deleting in this order never trips a foreign key).
RELATIONAL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "entities": ("entity_aliases", "entities"),
    "mentions": ("mentions",),
    "narratives": ("article_narratives",),
    "framings": ("framing_roles", "framing_evidence", "article_framings"),
    "techniques": ("technique_spans",),
}

#: articles whose stored results one backfill step rebuilds (bounds its memory)
_BACKFILL_CHUNK = 200


def name_key(name: str) -> str:
    """The form names are matched in: case-folded, whitespace collapsed.

    Computed in Python, not with SQL ``lower()``, because SQLite's ``lower`` folds
    ASCII only: "Зеленский" and "зеленский" must find the same entity on both stores.
    """
    return " ".join(name.casefold().split())


def link_outlet(conn: Connection, article_id: str) -> None:
    """Point ``articles.outlet_id`` at the ``outlets`` row of the article's outlet name,
    creating that row on first sight; an article without an outlet links to none."""
    conn.execute(
        text(
            "INSERT INTO outlets (name) SELECT outlet FROM articles"
            " WHERE id = :i AND outlet <> '' ON CONFLICT (name) DO NOTHING"
        ),
        {"i": article_id},
    )
    conn.execute(
        text(
            "UPDATE articles SET outlet_id ="
            " (SELECT o.id FROM outlets o WHERE o.name = articles.outlet AND o.name <> '')"
            " WHERE id = :i"
        ),
        {"i": article_id},
    )


def write_rows(conn: Connection, docs: Sequence[Document], attributes: Iterable[str]) -> None:
    """Replace the ``docs``' rows of the tables of ``attributes`` with their current results.

    Deleting first is what keeps a re-run with a new stage version from leaving
    the old version's labels or spans behind; the caller's transaction makes the
    delete and the inserts one change. A batch of documents costs a few statements
    per table, not per document: a migration backfills a large corpus this way.
    """
    if not docs:
        return
    for attribute in dict.fromkeys(attributes):
        tables = RELATIONAL_ATTRIBUTES.get(attribute)
        if tables is None:
            continue
        for start in range(0, len(docs), 500):
            ids = {f"i{n}": doc.id for n, doc in enumerate(docs[start : start + 500])}
            marks = ", ".join(f":{key}" for key in ids)
            for table in tables:
                conn.execute(text(f"DELETE FROM {table} WHERE article_id IN ({marks})"), ids)
        by_table: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            for table, rows in _rows(doc, attribute):
                by_table.setdefault(table, []).extend(rows)
        for table, rows in by_table.items():
            if rows:
                _insert(conn, table, rows)


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """One driver-level ``executemany`` (SQLAlchemy's per-row parameter handling
    took most of a backfill's time)."""
    columns = list(rows[0])
    # names, quotes and labels come from article text: the same cleaning as the
    # JSON copy (PostgreSQL refuses NUL), so API callers that skip the app's
    # clean_document cannot make one store accept what the other refuses
    rows = [{k: storable(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
    if conn.dialect.name == "sqlite":  # sqlite3 takes named parameters whatever its style
        marks = ", ".join(f":{c}" for c in columns)
    else:  # psycopg: pyformat
        marks = ", ".join(f"%({c})s" for c in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _rows(doc: Document, attribute: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(table, rows)`` in insertion order (parents first) for one attribute."""
    a = doc.id
    if attribute == "entities":
        # no de-duplication here: two entities of one id are a bug of the nlp stage,
        # which the primary key turns into a failed (and rolled back) batch
        entities, aliases = [], []
        for ent in doc.entities:
            entities.append(
                {
                    "article_id": a,
                    "entity_id": ent.id,
                    "name": ent.name,
                    "label": ent.label,
                    "mentions": len(ent.mentions),
                    "name_key": name_key(ent.name),
                }
            )
            for alias in dict.fromkeys(ent.aliases):
                aliases.append(
                    {
                        "article_id": a,
                        "entity_id": ent.id,
                        "alias": alias,
                        "alias_key": name_key(alias),
                    }
                )
        return [("entities", entities), ("entity_aliases", aliases)]
    if attribute == "mentions":
        return [
            (
                "mentions",
                [
                    {
                        "article_id": a,
                        "seq": i,
                        "entity_id": m.entity,
                        "start_char": m.start,
                        "end_char": m.end,
                        "text": m.text,
                        "label": m.label,
                        "sentence": m.sentence,
                    }
                    for i, m in enumerate(doc.mentions)
                ],
            )
        ]
    if attribute == "narratives":
        result = doc.narratives
        if result is None:
            return []
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for lab in result.labels:
            if lab.label in seen:
                continue
            seen.add(lab.label)
            fine = lab.level != "narrative"
            rows.append(
                {
                    "article_id": a,
                    "label": lab.label,
                    "parent": _parent(lab.label) if fine else None,
                    "domain": result.domain,
                    "level": "fine" if fine else "coarse",
                    "probability": float(lab.probability),
                    "is_dominant": int(lab.label in {result.dominant, result.dominant_sub}),
                }
            )
        return [("article_narratives", rows)]
    if attribute == "framings":
        framings, roles, evidence = [], [], []
        seen_keys: set[tuple[str, int]] = set()
        for f in doc.framings:
            key = (f.entity, f.mention)
            if key in seen_keys:
                continue
            seen_keys.add(key)
            ids = {"article_id": a, "entity_id": f.entity, "mention": f.mention}
            framings.append(
                {
                    **ids,
                    "name": f.name,
                    "name_key": name_key(f.name),
                    "main_role": f.main_role or None,
                    "main_probability": float(f.main_probability),
                    "salience": float(f.salience),
                    "abstained": int(not f.main_role),
                }
            )
            for role in {r.role: r for r in f.fine_roles}.values():
                roles.append({**ids, "role": role.role, "probability": float(role.probability)})
            for seq, ev in enumerate(f.evidence):
                evidence.append(
                    {
                        **ids,
                        "seq": seq,
                        "start_char": ev.start,
                        "end_char": ev.end,
                        "quote": ev.text or doc.text[ev.start : ev.end],
                        "score": float(ev.score),
                    }
                )
        return [
            ("article_framings", framings),
            ("framing_roles", roles),
            ("framing_evidence", evidence),
        ]
    if attribute == "techniques":
        return [
            (
                "technique_spans",
                [
                    {
                        "article_id": a,
                        "seq": i,
                        "technique": span.technique,
                        "start_char": span.start,
                        "end_char": span.end,
                        "probability": float(span.probability),
                        "quote": span.text or doc.text[span.start : span.end],
                    }
                    for i, span in enumerate(doc.techniques)
                ],
            )
        ]
    return []


def _parent(label: str) -> str:
    """The coarse narrative of a fine label ("domain: narrative: sub" → "domain: narrative")."""
    if label == "Other":
        return "Other"
    domain, narrative, _rest = [*label.split(": ", 2), "", ""][:3]
    return f"{domain}: {narrative}"


def backfill(conn: Connection, _dialect: str) -> None:
    """Fill the relational tables from the JSON results a previous schema stored.

    Runs inside the migration's transaction, a bounded chunk of articles at a
    time (never the whole corpus in memory), through :func:`write_rows`, so a
    migrated database holds exactly the rows a fresh analysis would have written.
    """
    conn.execute(
        text(
            "INSERT INTO outlets (name) SELECT DISTINCT outlet FROM articles"
            " WHERE outlet <> '' ORDER BY outlet"
        )
    )
    conn.execute(
        text(
            "UPDATE articles SET outlet_id ="
            " (SELECT o.id FROM outlets o WHERE o.name = articles.outlet) WHERE outlet <> ''"
        )
    )
    last = ""
    while True:
        ids = list(
            conn.execute(
                text(
                    "SELECT DISTINCT article_id FROM stage_results WHERE article_id > :last"
                    " ORDER BY article_id LIMIT :n"
                ),
                {"last": last, "n": _BACKFILL_CHUNK},
            ).scalars()
        )
        if not ids:
            return
        last = ids[-1]
        params = {f"i{n}": article_id for n, article_id in enumerate(ids)}
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        texts = dict(
            conn.execute(text(f"SELECT id, text FROM articles WHERE id IN ({marks})"), params).all()
        )
        payloads: dict[str, dict[str, Any]] = {}
        for article_id, data in conn.execute(
            text(
                f"SELECT article_id, data FROM stage_results WHERE article_id IN ({marks})"
                " ORDER BY article_id, stage"
            ),
            params,
        ):
            payload = json.loads(data)
            payload.pop("sentences", None)  # no table of its own: not worth rebuilding
            payloads.setdefault(article_id, {}).update(payload)
        groups: dict[tuple[str, ...], list[Document]] = {}
        for article_id, payload in payloads.items():
            if article_id not in texts:
                continue  # an orphaned result: nothing to attach rows to
            attributes = tuple(k for k in RELATIONAL_ATTRIBUTES if k in payload)
            doc = Document.from_dict({**payload, "id": article_id, "text": texts[article_id]})
            groups.setdefault(attributes, []).append(doc)
        for attributes, docs in groups.items():
            write_rows(conn, docs, attributes)
