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

Writers: on SQLite :meth:`Database.start_run` takes a per-database writer lock
(a ``flock`` on ``<file>.lock``) that a second ``analyze`` on the same file is
refused with, and every write transaction starts with ``BEGIN IMMEDIATE`` so that
what a write reads (does this article exist yet?) cannot change before it writes.
On PostgreSQL several ``analyze`` runs may write at once (``start_run(...,
shared=True)`` takes the writer lock shared): each batch transaction first takes
a transaction-scoped advisory lock per article id and source, so two runs storing
the same file take turns and the later one replaces the earlier's rows; the
corpus-wide steps (stories, outlet groups, claims) run one run at a time under
:meth:`Database.corpus_lock`. ``prune`` still takes the writer lock exclusively.
Readers can open a database they may not write (``read_only=True``): they
never migrate it and never create files next to it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote as url_quote

import numpy as np
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from narrascope.document import Document
from narrascope.errors import StoreError
from narrascope.store._bands import IN_CHUNK, next_seq, write_bands
from narrascope.store._clean import clean_value, storable
from narrascope.store._migrations import MIGRATIONS
from narrascope.store._relational import link_outlet, name_key, write_rows

__all__ = ["ArticleRow", "Database", "TechniqueDensity", "quote", "redact", "to_url"]

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
    # built, not formatted: a "?" or "#" in a file name would otherwise start a query
    return URL.create("sqlite", database=str(Path(value).expanduser())).render_as_string(
        hide_password=False
    )


def redact(db: str | Path) -> str:
    """``db`` as it may be shown to anyone: a URL's password becomes ``***``.

    Error messages, summaries and logs name the database; a PostgreSQL URL may
    carry a password, which must never reach a terminal, a CI log or a report.
    """
    value = str(db)
    if "://" not in value:
        return value
    try:
        return make_url(value).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # not parseable as a URL: hide everything between "://" and "@"
        scheme, _, rest = value.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}" if "@" in rest else value


def _password(url: str) -> str | None:
    try:
        return make_url(url).password or None
    except (ArgumentError, ValueError):
        return None


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


@dataclass(frozen=True)
class TechniqueDensity:
    """Persuasion techniques of one outlet's analysed articles, per 1,000 words."""

    articles: int
    words: int
    spans: int

    @property
    def per_1000_words(self) -> float:
        return 1000.0 * self.spans / self.words if self.words else 0.0


class Database:
    """Storage of articles and stage results behind one interface."""

    def __init__(
        self,
        db: str | Path,
        *,
        migrate: bool = True,
        must_exist: bool = False,
        read_only: bool = False,
    ) -> None:
        """Open (and migrate) ``db``; ``must_exist`` is for readers, which must never
        create an empty SQLite file where a user mistyped a path.

        ``read_only`` is for readers too (report, show, search, export): the database
        is opened without write access and never migrated, so a file on read-only
        media or without write permission can still be read; one whose schema is
        older than this version's is refused with a message saying how to migrate it.
        """
        self.url = to_url(db)
        #: the URL with its password hidden: the only form of it shown to anyone
        self.display = redact(db)
        self._secret = _password(self.url)
        self.read_only = read_only
        self._lock_file: IO[str] | None = None
        self._lock_conn: Connection | None = None
        self._lock_shared = False
        self._pending_rejects: list[dict[str, Any]] = []
        sqlite_file = (make_url(self.url).database or "") if self.url.startswith("sqlite") else ""
        self.path = Path(sqlite_file) if sqlite_file else None
        if (must_exist or read_only) and self.path and not self.path.exists():
            raise StoreError(
                f"{self.display}: no such database"
                f" (create it with `narrascope analyze ... --db {self.display}`)"
            )
        try:
            if read_only and self.path is not None:
                uri = _read_only_uri(self.path)
                self.engine: Engine = create_engine(
                    self.url,
                    creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                )
            else:
                self.engine = create_engine(self.url)
        except (SQLAlchemyError, ModuleNotFoundError) as exc:
            raise StoreError(self._scrub(f"cannot open database {self.display}: {exc}")) from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            event.listen(
                self.engine, "connect", _sqlite_read_pragmas if read_only else _sqlite_pragmas
            )
            event.listen(self.engine, "begin", _sqlite_begin)
        # writes go through this: on SQLite its transactions begin IMMEDIATE
        self._writer = self.engine.execution_options(narrascope_write=True)
        if read_only:
            self._check_schema()
        elif migrate:
            self.migrate()

    def _scrub(self, message: str) -> str:
        """``message`` without the password, however a driver chose to quote it."""
        if self._secret:
            for form in {self._secret, url_quote(self._secret, safe="")}:
                message = message.replace(form, "***")
        return message

    # ------------------------------------------------------------- schema
    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        if self.read_only:
            raise StoreError(f"{self.display}: opened read-only, cannot migrate it")
        try:
            with self._writer.begin() as conn:
                if self.dialect == "postgresql":
                    # two processes opening a new database at once (two `analyze` runs, Ray
                    # drivers) would both create the tables and one fail on PostgreSQL's
                    # catalogue: the second waits here, then finds the migrations done
                    # (SQLite's BEGIN IMMEDIATE serialises them already)
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATE_LOCK})
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
                    raise StoreError(_newer_message(self.display, max(done), known))
                for migration in MIGRATIONS:
                    if migration.version in done:
                        continue
                    for statement in migration.statements(self.dialect):
                        conn.exec_driver_sql(statement)
                    if migration.backfill is not None:
                        migration.backfill(conn, self.dialect)
                    conn.execute(
                        text("INSERT INTO schema_migrations VALUES (:v, :d, :t)"),
                        {"v": migration.version, "d": migration.description, "t": _now()},
                    )
        except SQLAlchemyError as exc:
            raise StoreError(
                self._scrub(f"cannot migrate database {self.display}: {_reason(exc)}")
            ) from exc
        return max(m.version for m in MIGRATIONS)

    def _check_schema(self) -> None:
        """What a read-only opening does instead of migrating: refuse what it can't read."""
        known = max(m.version for m in MIGRATIONS)
        try:
            with self.engine.connect() as conn:
                has_table = conn.execute(
                    text(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table'"
                        " AND name = 'schema_migrations'"
                        if self.dialect == "sqlite"
                        else "SELECT 1 FROM information_schema.tables"
                        " WHERE table_name = 'schema_migrations'"
                    )
                ).first()
                have = (
                    int(
                        conn.execute(text("SELECT max(version) FROM schema_migrations")).scalar()
                        or 0
                    )
                    if has_table
                    else 0
                )
        except SQLAlchemyError as exc:
            raise StoreError(
                self._scrub(f"cannot read database {self.display}: {_reason(exc)}")
            ) from exc
        if have > known:
            raise StoreError(_newer_message(self.display, have, known))
        if have < known:
            raise StoreError(
                f"{self.display}: needs migrating (schema {have}, this narrascope uses"
                f" {known}); run `narrascope migrate --db {self.display}` once with write"
                " access to it"
            )

    # ------------------------------------------------------- writer lock
    @property
    def concurrent_writers(self) -> bool:
        """Whether several ``analyze`` runs may write here at once (PostgreSQL only:
        SQLite has one writer at a time anyway, and its lock file is local)."""
        return self.dialect == "postgresql"

    def lock_writer(self, *, shared: bool = False) -> None:
        """Make this the database's only writer until :meth:`unlock_writer` or exit.

        Why: two ``analyze`` runs on one SQLite file would both triage the same new
        articles as new and both store them. Triage and writes of one run must see
        each other, so a second writer is refused with a message naming the
        first. The lock is the operating system's (``flock``) or the server's
        (``pg_try_advisory_lock``), so it goes with a killed process.

        ``shared`` (PostgreSQL only, ignored elsewhere): take the lock shared, as
        ``analyze`` runs do there; they exclude an exclusive writer (``prune``)
        but not each other, since their writes are made safe per article
        (:meth:`save_documents`) and their corpus-wide steps by :meth:`corpus_lock`.
        """
        if self._lock_file is not None or self._lock_conn is not None:
            return
        if self.path is not None:
            import fcntl

            lock_path = Path(f"{self.path}.lock")
            try:
                fh = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held open
            except OSError as exc:
                raise StoreError(
                    f"{lock_path}: cannot create the writer lock ({exc.strerror or exc})"
                ) from exc
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise StoreError(
                    f"{self.display}: another narrascope run is writing to this database"
                    f" ({holder}); wait for it to finish and run again"
                ) from exc
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}, started {_now()}\n")
            fh.flush()
            self._lock_file = fh
            return
        if self.dialect != "postgresql":
            return  # an in-memory SQLite database has no other writer
        conn = self.engine.connect()
        try:
            how = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            got = conn.execute(text(f"SELECT {how}(:k)"), {"k": _PG_WRITER_LOCK}).scalar()
            conn.commit()
        except SQLAlchemyError as exc:
            conn.close()
            raise StoreError(
                self._scrub(f"cannot lock database {self.display}: {_reason(exc)}")
            ) from exc
        if not got:
            conn.close()
            raise StoreError(
                f"{self.display}: another narrascope run is writing to this database;"
                " wait for it to finish and run again"
            )
        self._lock_conn = conn
        self._lock_shared = shared

    @contextmanager
    def corpus_lock(self, notice: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the corpus-wide steps' lock: one run at a time re-clusters stories,
        learns outlet groups and derives claims (they read the whole corpus and give
        out stable ids, which two runs at once would give twice).

        On PostgreSQL a run waits for it (``notice`` is told once why) rather than
        being refused: the other run's corpus steps take seconds to minutes, and this
        run's analysis is already stored. Elsewhere the writer lock covers it already.
        """
        if self.dialect != "postgresql":
            yield
            return
        conn = self.engine.connect()
        try:
            try:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_CORPUS_LOCK}
                ).scalar()
                conn.commit()
                if not got:
                    if notice is not None:
                        notice(
                            f"{self.display}: another narrascope run is updating stories and"
                            " trends; waiting for it (this run's articles are stored)"
                        )
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_CORPUS_LOCK})
                    conn.commit()
            except SQLAlchemyError as exc:
                raise StoreError(
                    self._scrub(f"cannot lock database {self.display}: {_reason(exc)}")
                ) from exc
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_CORPUS_LOCK})
                    conn.commit()
                except SQLAlchemyError:
                    pass  # the lock goes with the session, closed next
        finally:
            conn.close()

    def unlock_writer(self) -> None:
        if self._lock_file is not None:
            import fcntl

            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        if self._lock_conn is not None:
            try:
                how = "pg_advisory_unlock_shared" if self._lock_shared else "pg_advisory_unlock"
                self._lock_conn.execute(text(f"SELECT {how}(:k)"), {"k": _PG_WRITER_LOCK})
                self._lock_conn.commit()
            except SQLAlchemyError:
                pass  # the lock goes with the session, closed next
            self._lock_conn.close()
            self._lock_conn = None

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
        self.flush_rejects()
        for attempt in range(_DEADLOCK_RETRIES + 1):
            try:
                with self._writer.begin() as conn:
                    self._lock_rows(conn, docs)
                    self._save_batch(conn, docs, stages, signatures, _now())
                return
            except SQLAlchemyError as exc:
                if attempt == _DEADLOCK_RETRIES or not _deadlock(exc):
                    raise

    def _lock_rows(self, conn: Connection, docs: Sequence[Document]) -> None:
        """On PostgreSQL, lock the batch's article ids and sources for this transaction.

        Why: concurrent runs may store the same file at once (overlapping inputs).
        An unchanged file (one article id) would wait on the article's row anyway,
        but at whichever point of the batch it comes, so two batches could wait for
        each other crosswise (a deadlock PostgreSQL breaks by aborting one); an
        edited file's earlier version is found by its source, which nothing else
        makes the later transaction wait for: both versions would stay. With the
        locks, taken first and in sorted order, the later transaction waits for the
        earlier one's commit and then sees its rows, which it replaces, as a run
        after it would.
        """
        if self.dialect != "postgresql":
            return
        names = {f"a:{d.id}" for d in docs} | {f"s:{d.source}" for d in docs if d.source}
        keys = sorted({_row_key(name) for name in names})
        for chunk in _chunks(keys, IN_CHUNK):
            params, marks = _in_params(chunk)
            conn.execute(
                text(
                    f"SELECT pg_advisory_xact_lock({_PG_ROW_SPACE}, k)"
                    f" FROM (SELECT unnest(ARRAY[{marks}]::integer[]) AS k ORDER BY k) AS keys"
                ),
                params,
            )

    def _save_batch(
        self,
        conn: Connection,
        docs: Sequence[Document],
        stages: dict[str, tuple[str, ...]],
        signatures: dict[str, bytes],
        now: str,
    ) -> None:
        """The body of :meth:`save_documents`, in its transaction ``conn``."""
        # the relational rows of the batch, written together (one DELETE and one
        # executemany per table, not per article and stage): documents grouped by
        # the attributes their stages assign
        pending: dict[tuple[str, ...], list[Document]] = {}
        banded: list[tuple[str, bytes, int]] = []
        seq = next_seq(conn) if signatures else 0
        for doc in docs:
            if doc.source and not doc.from_record:
                stale = list(
                    conn.execute(
                        text("SELECT id FROM articles WHERE source = :s AND id != :i"),
                        {"s": doc.source, "i": doc.id},
                    ).scalars()
                )
                if stale:
                    # a stale article may be one of this batch: its rows first, so
                    # deleting it leaves none behind (as when written one by one)
                    _flush_rows(conn, pending)
                for old_id in stale:
                    if not self._promote_copy(conn, old_id, now):
                        self._delete(conn, old_id)
            signature = signatures.get(doc.id)
            self._upsert_article(conn, doc, now, signature)
            if signature is not None and doc.duplicate_of is None:
                banded.append((doc.id, signature, seq))
                seq += 1
            link_outlet(conn, doc.id)
            # one JSON-ready copy of the document for all its stages' payloads
            full: dict[str, Any] | None = None
            written: list[str] = []
            for stage, assigns in stages.items():
                if stage not in doc.stage_versions:
                    continue
                if full is None:
                    full = doc.to_dict()
                payload = _stage_payload(full, assigns)
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
                # the relational copy (entities, labels, framings, spans) of this
                # stage's results, replaced in the same transaction as the JSON
                written += assigns
            if written:
                pending.setdefault(tuple(dict.fromkeys(written)), []).append(doc)
        _flush_rows(conn, pending)
        write_bands(conn, banded)

    def save_duplicate(self, doc: Document) -> None:
        """Store a near-duplicate (linked to its original, not analysed)."""
        with self._writer.begin() as conn:
            self._lock_rows(conn, [doc])
            self._upsert_article(conn, doc, _now(), None)
            link_outlet(conn, doc.id)

    def _upsert_article(
        self, conn: Connection, doc: Document, now: str, signature: bytes | None
    ) -> None:
        params = {
            "id": doc.id,
            "source": doc.source,
            "source_prefix": doc.source_prefix,
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
                "INSERT INTO articles (id, source, source_prefix, url, outlet, title, published,"
                " language, authors,"
                " meta, notes, text, word_count, duplicate_of, minhash, ingested_at, updated_at)"
                " VALUES (:id, :source, :source_prefix, :url, :outlet, :title, :published,"
                " :language, :authors,"
                " :meta, :notes, :text, :word_count, :duplicate_of, :minhash, :now, :now)"
                " ON CONFLICT (id) DO UPDATE SET source = excluded.source,"
                " source_prefix = excluded.source_prefix, url = excluded.url,"
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
                "SELECT id, source, source_prefix, url, outlet, title, meta FROM articles"
                " WHERE duplicate_of = :o"
            ),
            {"o": article_id},
        ).all()
        for row in rows:
            if json.loads(row.meta or "{}").get("copy_of") != article_id:
                continue  # a near-duplicate: its text differs, the results are not its own
            self._delete(conn, row.id)
            conn.execute(
                text(
                    "UPDATE articles SET source = :s, source_prefix = :p, url = :u, outlet = :o,"
                    " title = :t, updated_at = :now WHERE id = :i"
                ),
                {
                    "s": row.source,
                    "p": row.source_prefix,
                    "u": row.url,
                    "o": row.outlet,
                    "t": row.title,
                    "now": now,
                    "i": article_id,
                },
            )
            link_outlet(conn, article_id)
            return True
        return False

    def _delete(self, conn: Connection, article_id: str) -> None:
        for table in ("stage_results", "entities", "minhash_bands"):
            conn.execute(
                text(f"DELETE FROM {quote(table)} WHERE article_id = :i"), {"i": article_id}
            )
        if self.dialect == "sqlite":
            conn.execute(text("DELETE FROM articles_fts WHERE article_id = :i"), {"i": article_id})
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": article_id})

    def start_run(self, command: str, *, shared: bool = False) -> int:
        """Record a run; it holds the writer lock (:meth:`lock_writer`, ``shared`` as
        there) until it finishes."""
        self.lock_writer(shared=shared)
        with self._writer.begin() as conn:
            result = conn.execute(
                text("INSERT INTO runs (command, started_at) VALUES (:c, :t) RETURNING id"),
                {"c": command, "t": _now()},
            )
            return int(result.scalar_one())

    def finish_run(self, run_id: int, counts: dict[str, Any]) -> None:
        self.flush_rejects()
        with self._writer.begin() as conn:
            conn.execute(
                text("UPDATE runs SET finished_at = :t, counts = :c WHERE id = :i"),
                {"t": _now(), "c": json.dumps(counts), "i": run_id},
            )
        self.unlock_writer()

    def add_reject(self, run_id: int | None, source: str, reason: str) -> None:
        """Record a rejected input; written in batches (a transaction per reject made a
        million rejected lines take minutes), at the latest with the next stored batch,
        the run's end or :meth:`close`."""
        self._pending_rejects.append({"r": run_id, "s": source, "x": reason, "t": _now()})
        if len(self._pending_rejects) >= _REJECT_BATCH:
            self.flush_rejects()

    def flush_rejects(self) -> None:
        if not self._pending_rejects:
            return
        rows, self._pending_rejects = self._pending_rejects, []
        with self._writer.begin() as conn:
            conn.execute(
                text("INSERT INTO rejects (run_id, source, reason, at) VALUES (:r, :s, :x, :t)"),
                rows,
            )

    def prune(
        self, *, older_than_days: float | None = None, keep_runs: int | None = None
    ) -> dict[str, int]:
        """Delete the rejects (and the run records) of old runs; returns what went.

        Rejects are kept per run for the report; without pruning they pile up for
        ever (a million of them made a 123 MB report of no articles). Articles and
        results are never touched. Pruning is a write like a run: it is refused while
        a run is writing, so a run without an end time is one that was killed.
        """
        own_lock = self._lock_file is None and self._lock_conn is None
        self.lock_writer()
        try:
            return self._prune(older_than_days, keep_runs)
        finally:
            if own_lock:
                self.unlock_writer()

    def _prune(self, older_than_days: float | None, keep_runs: int | None) -> dict[str, int]:
        doomed: set[int] = set()
        with self._writer.begin() as conn:
            runs = conn.execute(text("SELECT id, started_at FROM runs ORDER BY id DESC")).all()
            if keep_runs is not None:
                doomed |= {r.id for r in runs[max(keep_runs, 0) :]}
            cutoff = None
            if older_than_days is not None:
                cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(
                    timespec="seconds"
                )
                doomed |= {r.id for r in runs if r.started_at < cutoff}
            rejects = 0
            for chunk in _chunks(sorted(doomed), 500):
                params = {f"i{n}": run_id for n, run_id in enumerate(chunk)}
                ids = ", ".join(f":i{n}" for n in range(len(chunk)))
                rejects += conn.execute(
                    text(f"DELETE FROM rejects WHERE run_id IN ({ids})"), params
                ).rowcount
                conn.execute(text(f"DELETE FROM runs WHERE id IN ({ids})"), params)
            if cutoff is not None:  # rejects recorded outside any run
                rejects += conn.execute(
                    text("DELETE FROM rejects WHERE run_id IS NULL AND at < :c"), {"c": cutoff}
                ).rowcount
        return {"runs": len(doomed), "rejects": rejects}

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
        with self._writer.begin() as conn:
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

    # ------------------------------------------- triage, batch by batch
    def triage_info(self, ids: Iterable[str]) -> dict[str, tuple[str, bool, dict[str, str]]]:
        """``{id: (source, is_duplicate, {stage: version})}`` of the stored ones of ``ids``.

        What triage needs to know about one batch of ingested articles, in two
        ``IN`` queries per chunk of ids, instead of every stored article's (issue 19).
        """
        out: dict[str, tuple[str, bool, dict[str, str]]] = {}
        wanted = list(dict.fromkeys(ids))
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, IN_CHUNK):
                params, marks = _in_params(chunk)
                for article_id, source, duplicate_of in conn.execute(
                    text(f"SELECT id, source, duplicate_of FROM articles WHERE id IN ({marks})"),
                    params,
                ):
                    out[article_id] = (source, duplicate_of is not None, {})
                for article_id, stage, version in conn.execute(
                    text(
                        "SELECT article_id, stage, version FROM stage_results"
                        f" WHERE article_id IN ({marks})"
                    ),
                    params,
                ):
                    if article_id in out:
                        out[article_id][2][stage] = version
        return out

    def source_ids(self, sources: Iterable[str]) -> dict[str, list[str]]:
        """``{source: [article ids]}`` of stored articles from any of ``sources``."""
        out: dict[str, list[str]] = {}
        wanted = [s for s in dict.fromkeys(sources) if s]
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, IN_CHUNK):
                params, marks = _in_params(chunk)
                for source, article_id in conn.execute(
                    text(f"SELECT source, id FROM articles WHERE source IN ({marks})"), params
                ):
                    out.setdefault(source, []).append(article_id)
        return out

    def near_candidates(
        self, keys: Iterable[int]
    ) -> tuple[dict[int, list[tuple[int, str]]], dict[str, tuple[bytes, str]]]:
        """Stored articles sharing an LSH band key with ``keys`` (minhash_bands).

        Returns ``{key: [(seq, id)]}`` and ``{id: (signature, source)}``; only
        articles that are no duplicate themselves, as the in-memory index held.
        """
        by_key: dict[int, list[tuple[int, str]]] = {}
        found: dict[str, tuple[bytes, str]] = {}
        wanted = list(dict.fromkeys(keys))
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, IN_CHUNK):
                params, marks = _in_params(chunk)
                rows = conn.execute(
                    text(
                        "SELECT b.key, b.seq, a.id, a.minhash, a.source FROM minhash_bands b"
                        " JOIN articles a ON a.id = b.article_id"
                        f" WHERE b.key IN ({marks}) AND a.duplicate_of IS NULL"
                        " AND a.minhash IS NOT NULL"
                    ),
                    params,
                )
                for key, seq, article_id, blob, source in rows:
                    by_key.setdefault(int(key), []).append((int(seq), article_id))
                    found[article_id] = (bytes(blob), source)
        return by_key, found

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

    def list_articles(
        self,
        *,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        narrative: str | None = None,
        language: str | None = None,
        prefix: str | None = None,
        limit: int | None = None,
    ) -> list[ArticleRow]:
        """Stored articles matching every filter given, newest first, filtered in SQL.

        ``since``/``until`` are ISO dates (inclusive; undated articles never match
        them); ``outlet`` and ``language`` match exactly (case-insensitive);
        ``narrative`` matches any predicted narrative or sub-narrative label that
        contains it, looked up in ``article_narratives``, so listing never loads
        article texts or results into Python.
        """
        condition, params = _corpus_filter(outlet, since, until, None, duplicates=True)
        where = [condition]
        if language is not None:
            where.append("lower(a.language) = lower(:language)")
            params["language"] = language
        if prefix is not None:
            where.append("a.id LIKE :prefix")
            params["prefix"] = prefix.replace("%", "").replace("_", "") + "%"
        if narrative is not None:
            params["narrative"] = f"%{narrative.lower()}%"
            where.append(
                "EXISTS (SELECT 1 FROM article_narratives n WHERE n.article_id = a.id"
                " AND lower(n.label) LIKE :narrative)"
            )
        sql = (
            "SELECT id, title, outlet, published, language, url, source, word_count,"
            f" duplicate_of FROM articles a WHERE {' AND '.join(where)}"
            " ORDER BY published IS NULL, published DESC, outlet, title, id"
        )
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = max(0, limit)
        with self.engine.connect() as conn:
            return [ArticleRow(*row) for row in conn.execute(text(sql), params)]

    # ------------------------------------------------------- corpus reads
    # Aggregated by the database from the relational tables (docs/schema.md), so
    # their cost in memory is the size of the answer, never that of the corpus.

    def narrative_counts(
        self,
        *,
        level: str = "coarse",
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        story: int | None = None,
        dominant_only: bool = False,
    ) -> dict[str, dict[str, int]]:
        """``{outlet: {label: articles}}``: how many articles of each outlet carry each
        narrative (``level="coarse"``) or sub-narrative (``"fine"``).

        ``dominant_only`` counts only each article's dominant label. Filters as in
        :meth:`list_articles`; ``story`` keeps the articles of one story.
        """
        if level not in ("coarse", "fine"):
            raise ValueError(f"level must be 'coarse' or 'fine', not {level!r}")
        where, params = _corpus_filter(outlet, since, until, story)
        params["level"] = level
        if dominant_only:
            where += " AND n.is_dominant = 1"
        sql = (
            "SELECT a.outlet, n.label, count(*) FROM article_narratives n"
            " JOIN articles a ON a.id = n.article_id"
            f" WHERE n.level = :level AND {where}"
            " GROUP BY a.outlet, n.label ORDER BY a.outlet, count(*) DESC, n.label"
        )
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for name, label, count in conn.execute(text(sql), params):
                out.setdefault(name, {})[label] = int(count)
        return out

    def entity_framing(
        self,
        entity: str,
        *,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        story: int | None = None,
    ) -> dict[str, dict[str, int]]:
        """``{outlet: {main_role: articles}}``: how each outlet casts ``entity``.

        ``entity`` is an entity id (``person:vladimir-putin``), a name or one of its
        aliases, in any case. Counted are the article-level framings that take a
        role (abstentions, and per-mention framings, are not).
        """
        where, params = _corpus_filter(outlet, since, until, story)
        params.update(entity=entity, key=name_key(entity))
        sql = (
            "SELECT a.outlet, f.main_role, count(*) FROM article_framings f"
            " JOIN articles a ON a.id = f.article_id"
            " WHERE f.mention = -1 AND f.main_role IS NOT NULL"
            " AND (f.entity_id = :entity OR f.name_key = :key OR EXISTS ("
            "SELECT 1 FROM entity_aliases al WHERE al.article_id = f.article_id"
            " AND al.entity_id = f.entity_id AND al.alias_key = :key))"
            f" AND {where}"
            " GROUP BY a.outlet, f.main_role ORDER BY a.outlet, count(*) DESC, f.main_role"
        )
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for name, role, count in conn.execute(text(sql), params):
                out.setdefault(name, {})[role] = int(count)
        return out

    def technique_density(
        self,
        *,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        story: int | None = None,
        technique: str | None = None,
    ) -> dict[str, TechniqueDensity]:
        """``{outlet: TechniqueDensity}`` over the articles the techniques stage ran on
        (an article not analysed for techniques must not dilute its outlet's rate);
        ``technique`` counts the spans of one technique only."""
        where, params = _corpus_filter(outlet, since, until, story)
        span_filter = ""
        if technique is not None:
            span_filter = " WHERE technique = :technique"
            params["technique"] = technique
        sql = (
            "SELECT a.outlet, count(*), coalesce(sum(a.word_count), 0),"
            " coalesce(sum(t.n), 0) FROM articles a"
            " JOIN stage_results s ON s.article_id = a.id AND s.stage = 'techniques'"
            " LEFT JOIN (SELECT article_id, count(*) AS n FROM technique_spans"
            f"{span_filter} GROUP BY article_id) t ON t.article_id = a.id"
            f" WHERE {where} GROUP BY a.outlet ORDER BY a.outlet"
        )
        with self.engine.connect() as conn:
            return {
                name: TechniqueDensity(int(articles), int(words), int(spans))
                for name, articles, words, spans in conn.execute(text(sql), params)
            }

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
                # the given ids' rows and results only (a re-run of stale stages loads
                # one batch at a time: never the whole corpus's results)
                wanted = list(dict.fromkeys(ids))
                by_id: dict[str, Any] = {}
                for chunk in _chunks(wanted, IN_CHUNK):
                    params, marks = _in_params(chunk)
                    for row in conn.execute(
                        text(f"SELECT * FROM articles WHERE id IN ({marks})"), params
                    ).mappings():
                        by_id[row["id"]] = row
                article_rows = [by_id[i] for i in wanted if i in by_id]
            results: dict[str, list[tuple[str, str, str]]] = {}
            if ids is None:
                result_rows: Iterable[Any] = conn.execute(
                    text("SELECT article_id, stage, version, data FROM stage_results")
                )
            else:
                result_rows = []
                for chunk in _chunks(list(by_id), IN_CHUNK):
                    params, marks = _in_params(chunk)
                    result_rows += conn.execute(
                        text(
                            "SELECT article_id, stage, version, data FROM stage_results"
                            f" WHERE article_id IN ({marks})"
                        ),
                        params,
                    ).all()
            for article_id, stage, version, data in result_rows:
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
                "source_prefix": row.get("source_prefix") or "",  # absent before schema 2
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

    def rejects(
        self, run_id: int | None = None, *, limit: int | None = None
    ) -> list[tuple[str, str]]:
        """``(source, reason)`` of rejected inputs in the order they were met; with
        ``limit``, only the most recent ``limit`` of them (still oldest first)."""
        where = "" if run_id is None else " WHERE run_id = :r"
        with self.engine.connect() as conn:
            if limit is None:
                sql = f"SELECT source, reason FROM rejects{where} ORDER BY id"
            else:
                sql = (
                    f"SELECT source, reason FROM (SELECT id, source, reason FROM rejects{where}"
                    " ORDER BY id DESC LIMIT :n) AS recent ORDER BY id"
                )
            rows = conn.execute(text(sql), {"r": run_id, "n": limit})
            return [(r[0], r[1]) for r in rows]

    def count_rejects(self, run_id: int | None = None) -> int:
        where = "" if run_id is None else " WHERE run_id = :r"
        with self.engine.connect() as conn:
            return int(
                conn.execute(text(f"SELECT count(*) FROM rejects{where}"), {"r": run_id}).scalar()
                or 0
            )

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
        if not self.read_only:
            self.flush_rejects()
        self.unlock_writer()
        self.engine.dispose()


def _flush_rows(conn: Connection, pending: dict[tuple[str, ...], list[Document]]) -> None:
    """Write (and forget) the relational rows of the documents waiting in ``pending``."""
    for attributes, group in pending.items():
        write_rows(conn, group, attributes)
    pending.clear()


def _stage_payload(full: dict[str, Any], assigns: tuple[str, ...]) -> dict[str, Any]:
    """A stage's stored JSON: its attributes out of the document's ``to_dict()``."""
    payload = {name: full[name] for name in assigns if name in full}
    if full.get("notes"):
        payload["notes"] = full["notes"]
    return payload


def _corpus_filter(
    outlet: str | None,
    since: str | None,
    until: str | None,
    story: int | None,
    *,
    duplicates: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The WHERE condition on ``articles a`` shared by the corpus reads and the article
    list. Counts leave duplicates out (they were not analysed, their original was);
    the list (``duplicates=True``) shows them, as stored rows."""
    where = ["1 = 1" if duplicates else "a.duplicate_of IS NULL"]
    params: dict[str, Any] = {}
    if outlet is not None:
        where.append("lower(a.outlet) = lower(:outlet)")
        params["outlet"] = outlet
    if since is not None:
        where.append("a.published >= :since")
        params["since"] = since
    if until is not None:
        where.append("substr(a.published, 1, 10) <= :until")
        params["until"] = until
    if story is not None:
        where.append("a.id IN (SELECT article_id FROM story_articles WHERE story_id = :story)")
        params["story"] = story
    return " AND ".join(where), params


def _fts_query(query: str) -> str:
    """Quote every term so user input can't inject FTS5 syntax errors."""
    terms = [t.replace('"', '""') for t in query.split() if t.strip()]
    return " ".join(f'"{t}"' for t in terms) or '""'


def quote(identifier: str) -> str:
    """Quote an SQL identifier (the only thing ever interpolated into SQL)."""
    return '"' + identifier.replace('"', '""') + '"'


#: rejects written per transaction
_REJECT_BATCH = 1000
#: the key of the PostgreSQL advisory lock that serialises writers (any fixed bigint)
_PG_WRITER_LOCK = 0x6E617272  # "narr"
#: the key of the advisory lock that serialises migrations (held for one transaction)
_PG_MIGRATE_LOCK = 0x6D696772  # "migr"
#: the key of the advisory lock that serialises the corpus-wide steps of concurrent runs
_PG_CORPUS_LOCK = 0x636F7270  # "corp"
#: the first key of the per-article transaction locks (two-key advisory locks are a
#: key space of their own, apart from the one-key locks above)
_PG_ROW_SPACE = 0x726F7773  # "rows"


#: how often a batch is retried after PostgreSQL broke a deadlock by aborting it
_DEADLOCK_RETRIES = 3


def _row_key(name: str) -> int:
    """A stable signed 32-bit key for ``name`` (the second key of a two-key advisory lock)."""
    import hashlib

    return int.from_bytes(
        hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).digest(),
        "big",
        signed=True,
    )


def _deadlock(exc: SQLAlchemyError) -> bool:
    """Whether PostgreSQL aborted the transaction to break a deadlock (or a
    serialisation conflict): the whole transaction may simply run again."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in {"40P01", "40001"}


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _in_params(values: Sequence[Any]) -> tuple[dict[str, Any], str]:
    """Bound parameters and their placeholders for ``IN (...)`` over ``values``."""
    params = {f"v{n}": value for n, value in enumerate(values)}
    return params, ", ".join(f":v{n}" for n in range(len(values)))


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own message, without SQLAlchemy's statement and parameter dump."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def _newer_message(display: str, have: int, known: int) -> str:
    # writing into a schema this version does not know could corrupt it
    return (
        f"{display}: written by a newer narrascope (schema {have},"
        f" this version knows up to {known}); upgrade narrascope to use it"
    )


def _read_only_uri(path: Path) -> str:
    """An SQLite URI opening ``path`` read-only.

    A WAL database needs its ``-shm`` file; where the folder is read-only and that
    file is absent (a copy on read-only media), SQLite can only read the file as
    ``immutable``, which is then true: nobody can be writing to it either.
    """
    uri = "file:" + url_quote(str(path.expanduser().absolute())) + "?mode=ro"
    folder = path.expanduser().absolute().parent
    wal = Path(f"{path}-wal")
    if not os.access(folder, os.W_OK) and not Path(f"{path}-shm").exists():
        if wal.exists() and wal.stat().st_size:
            raise StoreError(
                f"{path}: has unmerged writes in {wal.name} but its folder is read-only;"
                " open it once where it can be written"
            )
        uri += "&immutable=1"
    return uri


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # transactions are begun explicitly (_sqlite_begin), not by the driver, which
    # would begin them only at the first INSERT, after a write's reads
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writes take SQLite's write lock before their first read (``BEGIN IMMEDIATE``),
    so two writers cannot both decide from the same snapshot; reads begin deferred."""
    write = conn.get_execution_options().get("narrascope_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
