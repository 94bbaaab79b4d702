"""One ``Database`` class for SQLite (default) and PostgreSQL.

Why this shape (after Datasette's ``Database``): every write goes through
:meth:`Database.save_documents`, which stores a batch of analysed articles in a
single transaction — the article row, each stage's results, the entity index
and the full-text index together — so a crash or a kill mid-run leaves either
the whole batch or none of it, never half an article. Values are always bound
parameters; the only identifiers interpolated come from :func:`quote`.

Results are kept per stage with the version of the stage that produced them,
which is what makes re-runs incremental: an unchanged article whose stage
versions are current is skipped, and after a model upgrade only the stale
stage runs again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from narrascope.document import Document
from narrascope.errors import StoreError
from narrascope.store._clean import clean_value, storable
from narrascope.store._migrations import MIGRATIONS

__all__ = ["ArticleRow", "Database", "quote", "to_url"]

#: Document attributes that each stage's stored result holds (tokens and vectors never are).
_ARTICLE_FIELDS = ("title", "url", "outlet", "language", "source")


def to_url(db: str | Path) -> str:
    """A path becomes a SQLite URL; anything with ``://`` is used as given."""
    value = str(db)
    if "://" in value:
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value[len("postgres://") :]
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleRow:
    """Article metadata as listed in reports and the CLI (no text, no results)."""

    id: str
    title: str
    outlet: str
    published: str | None
    language: str
    url: str
    source: str
    word_count: int
    duplicate_of: str | None


class Database:
    """Storage of articles and stage results behind one interface."""

    def __init__(self, db: str | Path, *, migrate: bool = True, must_exist: bool = False) -> None:
        """Open (and migrate) ``db``; ``must_exist`` is for readers, which must never
        create an empty SQLite file where a user mistyped a path."""
        self.url = to_url(db)
        sqlite_file = self.url[len("sqlite:///") :] if self.url.startswith("sqlite:///") else ""
        if must_exist and sqlite_file and not Path(sqlite_file).exists():
            raise StoreError(
                f"{db}: no such database (create it with `narrascope analyze ... --db {db}`)"
            )
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except (SQLAlchemyError, ModuleNotFoundError) as exc:
            raise StoreError(f"cannot open database {db}: {exc}") from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.migrate()

    # ------------------------------------------------------------- schema
    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    text(
                        "CREATE TABLE IF NOT EXISTS schema_migrations "
                        "(version INTEGER PRIMARY KEY, description TEXT, applied_at TEXT)"
                    )
                )
                done = {
                    row[0] for row in conn.execute(text("SELECT version FROM schema_migrations"))
                }
                known = max(m.version for m in MIGRATIONS)
                if done and max(done) > known:
                    # writing into a schema this version does not know could corrupt it
                    raise StoreError(
                        f"{self.url}: written by a newer narrascope (schema {max(done)},"
                        f" this version knows up to {known}); upgrade narrascope to use it"
                    )
                for migration in MIGRATIONS:
                    if migration.version in done:
                        continue
                    for statement in migration.statements(self.dialect):
                        conn.exec_driver_sql(statement)
                    conn.execute(
                        text("INSERT INTO schema_migrations VALUES (:v, :d, :t)"),
                        {"v": migration.version, "d": migration.description, "t": _now()},
                    )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate database {self.url}: {exc}") from exc
        return max(m.version for m in MIGRATIONS)

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(text("SELECT max(version) FROM schema_migrations")).scalar() or 0
            )

    # -------------------------------------------------------------- writes
    def save_documents(
        self,
        docs: Sequence[Document],
        stages: dict[str, tuple[str, ...]],
        signatures: dict[str, bytes] | None = None,
    ) -> None:
        """Store analysed documents atomically (one transaction for the batch).

        ``stages`` maps each stage that ran on these documents to the attributes
        it assigns; their values are stored with ``doc.stage_versions[stage]``.
        An earlier article from the same file or URL with different content is
        replaced (the file was edited); when another file holds an exact copy of
        that earlier article, the copy takes its place instead, results and all.
        Records of JSONL/CSV files are never replaced this way: their source
        names a line, and inserting a record moves every later one.
        ``signatures`` are MinHash signatures kept for near-duplicate detection.
        """
        signatures = signatures or {}
        now = _now()
        with self.engine.begin() as conn:
            for doc in docs:
                if doc.source and not doc.from_record:
                    stale = conn.execute(
                        text("SELECT id FROM articles WHERE source = :s AND id != :i"),
                        {"s": doc.source, "i": doc.id},
                    ).scalars()
                    for old_id in list(stale):
                        if not self._promote_copy(conn, old_id, now):
                            self._delete(conn, old_id)
                self._upsert_article(conn, doc, now, signatures.get(doc.id))
                for stage, assigns in stages.items():
                    if stage not in doc.stage_versions:
                        continue
                    payload = _stage_payload(doc, assigns)
                    conn.execute(
                        text(
                            "INSERT INTO stage_results"
                            " (article_id, stage, version, data, created_at)"
                            " VALUES (:a, :s, :v, :d, :t)"
                            " ON CONFLICT (article_id, stage) DO UPDATE"
                            " SET version = excluded.version, data = excluded.data,"
                            " created_at = excluded.created_at"
                        ),
                        {
                            "a": doc.id,
                            "s": stage,
                            "v": doc.stage_versions[stage],
                            "d": json.dumps(clean_value(payload), ensure_ascii=False),
                            "t": now,
                        },
                    )
                if "entities" in {a for assigns in stages.values() for a in assigns}:
                    conn.execute(text("DELETE FROM entities WHERE article_id = :a"), {"a": doc.id})
                    rows = [
                        {
                            "a": doc.id,
                            "e": ent.id,
                            "n": storable(ent.name),
                            "l": ent.label,
                            "m": len(ent.mentions),
                        }
                        for ent in doc.entities
                    ]
                    if rows:
                        conn.execute(text("INSERT INTO entities VALUES (:a, :e, :n, :l, :m)"), rows)

    def save_duplicate(self, doc: Document) -> None:
        """Store a near-duplicate (linked to its original, not analysed)."""
        with self.engine.begin() as conn:
            self._upsert_article(conn, doc, _now(), None)

    def _upsert_article(
        self, conn: Connection, doc: Document, now: str, signature: bytes | None
    ) -> None:
        params = {
            "id": doc.id,
            "source": doc.source,
            "url": doc.url,
            "outlet": doc.outlet,
            "title": doc.title,
            "published": doc.published.isoformat() if doc.published else None,
            "language": doc.language,
            "authors": json.dumps(doc.authors, ensure_ascii=False),
            "meta": json.dumps(doc.meta, ensure_ascii=False, default=str),
            "notes": json.dumps(doc.notes, ensure_ascii=False),
            "text": doc.text,
            "word_count": doc.word_count,
            "duplicate_of": doc.duplicate_of,
            "minhash": signature,
            "now": now,
        }
        # NUL and lone surrogates are refused by PostgreSQL or by UTF-8 itself (same length)
        params = {k: storable(v) if isinstance(v, str) else v for k, v in params.items()}
        exists = conn.execute(text("SELECT 1 FROM articles WHERE id = :id"), {"id": doc.id}).first()
        conn.execute(
            text(
                "INSERT INTO articles (id, source, url, outlet, title, published, language,"
                " authors,"
                " meta, notes, text, word_count, duplicate_of, minhash, ingested_at, updated_at)"
                " VALUES (:id, :source, :url, :outlet, :title, :published, :language, :authors,"
                " :meta, :notes, :text, :word_count, :duplicate_of, :minhash, :now, :now)"
                " ON CONFLICT (id) DO UPDATE SET source = excluded.source, url = excluded.url,"
                " outlet = excluded.outlet, title = excluded.title,"
                " published = excluded.published, language = excluded.language,"
                " authors = excluded.authors, meta = excluded.meta, notes = excluded.notes,"
                " duplicate_of = excluded.duplicate_of,"
                " minhash = coalesce(excluded.minhash, articles.minhash),"
                " updated_at = excluded.updated_at"
            ),
            params,
        )
        if self.dialect == "sqlite":
            if exists:
                conn.execute(
                    text("DELETE FROM articles_fts WHERE article_id = :id"), {"id": doc.id}
                )
            conn.execute(
                text("INSERT INTO articles_fts (article_id, title, text) VALUES (:id, :t, :x)"),
                {"id": doc.id, "t": params["title"], "x": params["text"]},
            )

    def _promote_copy(self, conn: Connection, article_id: str, now: str) -> bool:
        """Let an exact copy of ``article_id`` become its source; False if it has none.

        The copy's content is the article's, so the stored results stay valid: only
        where it came from changes, and the copy's own row goes.
        """
        rows = conn.execute(
            text(
                "SELECT id, source, url, outlet, title, meta FROM articles WHERE duplicate_of = :o"
            ),
            {"o": article_id},
        ).all()
        for row in rows:
            if json.loads(row.meta or "{}").get("copy_of") != article_id:
                continue  # a near-duplicate: its text differs, the results are not its own
            self._delete(conn, row.id)
            conn.execute(
                text(
                    "UPDATE articles SET source = :s, url = :u, outlet = :o, title = :t,"
                    " updated_at = :now WHERE id = :i"
                ),
                {
                    "s": row.source,
                    "u": row.url,
                    "o": row.outlet,
                    "t": row.title,
                    "now": now,
                    "i": article_id,
                },
            )
            return True
        return False

    def _delete(self, conn: Connection, article_id: str) -> None:
        for table in ("stage_results", "entities"):
            conn.execute(
                text(f"DELETE FROM {quote(table)} WHERE article_id = :i"), {"i": article_id}
            )
        if self.dialect == "sqlite":
            conn.execute(text("DELETE FROM articles_fts WHERE article_id = :i"), {"i": article_id})
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": article_id})

    def start_run(self, command: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                text("INSERT INTO runs (command, started_at) VALUES (:c, :t) RETURNING id"),
                {"c": command, "t": _now()},
            )
            return int(result.scalar_one())

    def finish_run(self, run_id: int, counts: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE runs SET finished_at = :t, counts = :c WHERE id = :i"),
                {"t": _now(), "c": json.dumps(counts), "i": run_id},
            )

    def add_reject(self, run_id: int | None, source: str, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO rejects (run_id, source, reason, at) VALUES (:r, :s, :x, :t)"),
                {"r": run_id, "s": source, "x": reason, "t": _now()},
            )

    # ------------------------------------------------------ vector cache
    def get_many(self, keys: list[str], model: str) -> dict[str, np.ndarray]:
        """Cached sentence vectors (implements ``narrascope.nlp.VectorCache``)."""
        out: dict[str, np.ndarray] = {}
        if not keys:
            return out
        with self.engine.connect() as conn:
            for chunk_start in range(0, len(keys), 500):
                chunk = keys[chunk_start : chunk_start + 500]
                params = {f"k{i}": k for i, k in enumerate(chunk)}
                placeholders = ", ".join(f":k{i}" for i in range(len(chunk)))
                rows = conn.execute(
                    text(
                        f"SELECT key, vector FROM sentence_vectors WHERE model = :m"
                        f" AND key IN ({placeholders})"
                    ),
                    {"m": model, **params},
                )
                for key, blob in rows:
                    out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, vectors: dict[str, np.ndarray], model: str) -> None:
        if not vectors:
            return
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO sentence_vectors (key, model, vector) VALUES (:k, :m, :v)"
                    " ON CONFLICT (key, model) DO NOTHING"
                ),
                [
                    {"k": k, "m": model, "v": np.asarray(v, dtype=np.float32).tobytes()}
                    for k, v in vectors.items()
                ],
            )

    # --------------------------------------------------------------- reads
    def stage_versions(self) -> dict[str, dict[str, str]]:
        """``{article_id: {stage: version}}`` for every stored article."""
        out: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for (article_id,) in conn.execute(text("SELECT id FROM articles")):
                out[article_id] = {}
            for article_id, stage, version in conn.execute(
                text("SELECT article_id, stage, version FROM stage_results")
            ):
                out.setdefault(article_id, {})[stage] = version
        return out

    def duplicate_ids(self) -> set[str]:
        """Articles stored as near-duplicates of another (never analysed)."""
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT id FROM articles WHERE duplicate_of IS NOT NULL"))
            return {row[0] for row in rows}

    def sources(self) -> dict[str, str]:
        """``{article_id: source}`` (file path or URL each article came from)."""
        with self.engine.connect() as conn:
            return {row[0]: row[1] for row in conn.execute(text("SELECT id, source FROM articles"))}

    def minhashes(self) -> Iterator[tuple[str, bytes]]:
        with self.engine.connect() as conn:
            for article_id, blob in conn.execute(
                text(
                    "SELECT id, minhash FROM articles"
                    " WHERE minhash IS NOT NULL AND duplicate_of IS NULL"
                )
            ):
                yield article_id, bytes(blob)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM articles")).scalar() or 0)

    def articles(self, *, include_duplicates: bool = False) -> list[ArticleRow]:
        where = "" if include_duplicates else " WHERE duplicate_of IS NULL"
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, title, outlet, published, language, url, source, word_count,"
                    f" duplicate_of FROM articles{where}"
                    " ORDER BY published IS NULL, published, outlet, title"
                )
            )
            return [ArticleRow(*row) for row in rows]

    def find_ids(self, prefix: str) -> list[str]:
        """Article ids starting with ``prefix`` (so users can type short ids)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id FROM articles WHERE id LIKE :p ORDER BY id"),
                {"p": prefix.replace("%", "").replace("_", "") + "%"},
            )
            return [row[0] for row in rows]

    def load_document(self, article_id: str) -> Document | None:
        """Rebuild a Document from its article row and stored stage results."""
        docs = self.load_documents([article_id])
        return docs[0] if docs else None

    def load_documents(self, ids: Iterable[str] | None = None) -> list[Document]:
        with self.engine.connect() as conn:
            if ids is None:
                rows = conn.execute(
                    text("SELECT * FROM articles ORDER BY published, id")
                ).mappings()
                article_rows = list(rows)
            else:
                article_rows = []
                for article_id in ids:
                    row = (
                        conn.execute(
                            text("SELECT * FROM articles WHERE id = :i"), {"i": article_id}
                        )
                        .mappings()
                        .first()
                    )
                    if row is not None:
                        article_rows.append(row)
            results: dict[str, list[tuple[str, str, str]]] = {}
            for article_id, stage, version, data in conn.execute(
                text("SELECT article_id, stage, version, data FROM stage_results")
            ):
                results.setdefault(article_id, []).append((stage, version, data))
        docs: list[Document] = []
        for row in article_rows:
            data: dict[str, Any] = {
                "id": row["id"],
                "text": row["text"],
                "title": row["title"],
                "url": row["url"],
                "outlet": row["outlet"],
                "published": row["published"],
                "language": row["language"],
                "source": row["source"],
                "authors": json.loads(row["authors"]),
                "meta": json.loads(row["meta"]),
                "notes": json.loads(row["notes"]),
                "duplicate_of": row["duplicate_of"],
                "stage_versions": {},
            }
            for stage, version, payload in results.get(row["id"], []):
                data["stage_versions"][stage] = version
                data.update(json.loads(payload))
            docs.append(Document.from_dict(data))
        return docs

    def search(self, query: str, limit: int = 20) -> list[tuple[str, str, str]]:
        """Full-text search: ``(id, title, snippet)`` best first."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                rows = conn.execute(
                    text(
                        "SELECT article_id, title, snippet(articles_fts, 2, '[', ']', ' … ', 12)"
                        " FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rank LIMIT :n"
                    ),
                    {"q": _fts_query(query), "n": limit},
                )
            else:
                rows = conn.execute(
                    text(
                        "SELECT id, title,"
                        " ts_headline('simple', text, plainto_tsquery('simple', :q))"
                        " FROM articles WHERE tsv @@ plainto_tsquery('simple', :q)"
                        " ORDER BY ts_rank(tsv, plainto_tsquery('simple', :q)) DESC LIMIT :n"
                    ),
                    {"q": query, "n": limit},
                )
            return [(r[0], r[1], r[2]) for r in rows]

    def rejects(self, run_id: int | None = None) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            if run_id is None:
                rows = conn.execute(text("SELECT source, reason FROM rejects ORDER BY id"))
            else:
                rows = conn.execute(
                    text("SELECT source, reason FROM rejects WHERE run_id = :r ORDER BY id"),
                    {"r": run_id},
                )
            return [(r[0], r[1]) for r in rows]

    def check_integrity(self) -> list[str]:
        """Problems found (empty when consistent): orphans and articles without text."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM stage_results"
                    " WHERE article_id NOT IN (SELECT id FROM articles)"
                )
            ).scalar()
            if orphans:
                problems.append(f"{orphans} stage results without an article")
            if self.dialect == "sqlite":
                result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                if result != "ok":
                    problems.append(f"sqlite integrity_check: {result}")
                missing = conn.execute(
                    text(
                        "SELECT count(*) FROM articles WHERE id NOT IN"
                        " (SELECT article_id FROM articles_fts)"
                    )
                ).scalar()
                if missing:
                    problems.append(f"{missing} articles missing from the full-text index")
        return problems

    def close(self) -> None:
        self.engine.dispose()


def _stage_payload(doc: Document, assigns: tuple[str, ...]) -> dict[str, Any]:
    full = doc.to_dict()
    payload = {name: full[name] for name in assigns if name in full}
    if full.get("notes"):
        payload["notes"] = full["notes"]
    return payload


def _fts_query(query: str) -> str:
    """Quote every term so user input can't inject FTS5 syntax errors."""
    terms = [t.replace('"', '""') for t in query.split() if t.strip()]
    return " ".join(f'"{t}"' for t in terms) or '""'


def quote(identifier: str) -> str:
    """Quote an SQL identifier (the only thing ever interpolated into SQL)."""
    return '"' + identifier.replace('"', '""') + '"'


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
