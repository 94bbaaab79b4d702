"""Streaming triage: which ingested articles to analyse, batch by batch, in flat memory.

Why this shape (issue 19): ``analyze`` used to read every input and load every
stored id, source, stage version and MinHash signature before analysing the
first article, so its memory grew with the corpus. Here the inputs stream
through :class:`Triage` in chunks of :data:`CHUNK`; each chunk asks the store
about its own ids, sources and LSH band keys (``IN`` queries), and what the run
itself must remember for its whole length (which ids it has met, from which
source, and which stored articles need stale stages re-run) lives in a
throw-away SQLite database on disk (:class:`RunSpool`), not in Python dicts. In memory stay
only the current chunk and the articles in flight between triage and storage
(their signatures, in a small :class:`~narrascope.ingest.NearDuplicateIndex`, so
a copy of an article not stored yet is still found).

The decisions are those of the earlier all-in-memory triage, in the same order:
unchanged articles are skipped, exact copies under another name and near-
duplicates are stored linked to their original, articles with results of an
older stage version are queued for the stale stages, the rest are analysed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrascope.document import Document, as_copy
from narrascope.store._clean import clean_document, storable

if TYPE_CHECKING:
    from narrascope.app import AnalyzeSummary
    from narrascope.store import Database

__all__ = ["CHUNK", "RunSpool", "Triage", "estimate_total"]

#: ingested items triaged per store round trip
CHUNK = 256


class RunSpool:
    """What one run remembers about its own inputs, on disk (SQLite's private temporary
    database: a file in the temporary folder that SQLite deletes itself).

    ``seen``: every article id the run met, with the source that brought it first
    (a second file with the same content is an exact copy). ``stale``: stored
    articles whose results come from an older stage version, with the stages to
    re-run, in the order they were met. Both grow with the corpus, so neither is
    kept in memory; SQLite's page cache bounds what is.
    """

    def __init__(self) -> None:
        # "": SQLite's private temporary on-disk database, deleted when closed (or when
        # the process dies), with the usual page cache as its only memory
        self._conn = sqlite3.connect("", isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, source TEXT NOT NULL)")
        self._conn.execute(
            "CREATE TABLE stale (n INTEGER PRIMARY KEY, id TEXT NOT NULL, todo TEXT NOT NULL)"
        )
        self.stale_count = 0

    def seen(self, ids: Iterable[str]) -> dict[str, str]:
        """``{id: first source}`` of the ``ids`` this run has met (stored with :meth:`see`)."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            out.update(
                self._conn.execute(f"SELECT id, source FROM seen WHERE id IN ({marks})", chunk)
            )
        return out

    def see(self, rows: dict[str, str]) -> None:
        if rows:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR IGNORE INTO seen (id, source) VALUES (?, ?)", rows.items()
            )
            self._conn.execute("COMMIT")

    def add_stale(self, rows: list[tuple[str, tuple[str, ...]]]) -> None:
        if rows:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT INTO stale (id, todo) VALUES (?, ?)",
                [(doc_id, "\t".join(todo)) for doc_id, todo in rows],
            )
            self._conn.execute("COMMIT")
            self.stale_count += len(rows)

    def stale_groups(self) -> list[tuple[str, ...]]:
        """The distinct stage lists to re-run, in the order first met."""
        rows = self._conn.execute("SELECT todo FROM stale GROUP BY todo ORDER BY min(n)")
        return [tuple(todo.split("\t")) for (todo,) in rows]

    def stale_ids(self, todo: tuple[str, ...], size: int) -> Iterator[list[str]]:
        """Ids that need ``todo`` re-run, ``size`` at a time, in the order met."""
        last = 0
        while True:
            rows = self._conn.execute(
                "SELECT n, id FROM stale WHERE todo = ? AND n > ? ORDER BY n LIMIT ?",
                ("\t".join(todo), last, size),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [doc_id for _, doc_id in rows]

    def close(self) -> None:
        self._conn.close()


class Triage:
    """Decides, chunk by chunk, what happens to each ingested article (see module doc).

    :meth:`fresh` is a generator of the articles to analyse; the caller stores what
    comes out of the pipeline and passes each stored batch to :meth:`stored`, which
    is what lets the in-flight index forget them (the store's band table finds them
    from the next chunk on).
    """

    def __init__(
        self,
        db: Database,
        versions: dict[str, str],
        summary: AnalyzeSummary,
        run_id: int,
        progress: Callable[[str, int, int | None], None] | None = None,
        total: int | None = None,
    ) -> None:
        from narrascope.ingest import NearDuplicateIndex

        self.db = db
        self.versions = versions
        self.summary = summary
        self.run_id = run_id
        self.progress = progress
        self.total = total
        self.spool = RunSpool()
        self.near = NearDuplicateIndex()
        #: signatures of the articles in flight, handed to ``save_documents`` with them
        self.signatures: dict[str, bytes] = {}
        #: source of each article in flight (the near-duplicate check compares it)
        self._flight_source: dict[str, str] = {}
        #: stored since the last chunk's band query: forgotten before the next one
        self._done: list[str] = []
        #: articles to analyse met so far (the analysis total, known once reading ends)
        self.fresh_count = 0
        self.read = 0

    # ------------------------------------------------------------ stream
    def fresh(self, items: Iterable[Document | Any]) -> Iterator[Document]:
        """Triage ``items`` (Documents and Rejected), yielding the ones to analyse."""
        chunk: list[Document | Any] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield from self._chunk(chunk)
                chunk = []
        if chunk:
            yield from self._chunk(chunk)

    def stored(self, docs: Iterable[Document]) -> None:
        """``docs`` went through storage (stored or rejected): no longer in flight."""
        for doc in docs:
            self.signatures.pop(doc.id, None)
            self._done.append(doc.id)

    def close(self) -> None:
        self.spool.close()

    # ------------------------------------------------------------ chunks
    def _chunk(self, items: list[Document | Any]) -> Iterator[Document]:
        from narrascope.ingest import Rejected

        summary = self.summary
        for doc_id in self._done:  # stored: the band query below finds them now
            self.near.remove(doc_id)
            self._flight_source.pop(doc_id, None)
        self._done = []
        docs: list[Document] = []
        for item in items:
            if isinstance(item, Rejected):
                source, reason = storable(item.source), storable(item.reason)
                summary.rejected.append((source, reason))
                self.db.add_reject(self.run_id, source, reason)
                continue
            doc = item
            # before any stage runs, so every offset and quote is computed on the stored text
            replaced = clean_document(doc)
            if replaced:
                doc.notes.append(
                    f"{replaced} NUL or unpaired-surrogate character(s) in the text were "
                    "replaced by U+FFFD (no database can store them)"
                )
            docs.append(doc)
        ids = [d.id for d in docs]
        stored = self.db.triage_info(ids)
        first_source = self.spool.seen(ids)
        by_source = self.db.source_ids(d.source for d in docs if d.source)
        signatures = {d.id: self.near.signature(d.text) for d in docs if d.id not in stored}
        keys = {doc_id: self.near.keys(sig) for doc_id, sig in signatures.items()}
        by_key, candidates = self.db.near_candidates(k for ks in keys.values() for k in ks)
        seen_now: dict[str, str] = {}
        stale: list[tuple[str, tuple[str, ...]]] = []
        out: list[Document] = []
        for doc in docs:
            summary.ingested += 1
            if not doc.outlet:
                summary.unknown_outlet += 1
            info = stored.get(doc.id)
            owner = (info[0] if info else None) or first_source.get(doc.id)
            if owner and doc.source and not _same_origin(doc, owner):
                # the same article under another name (syndication, a re-saved file): kept
                # as a linked copy, so exports name every file and the report every outlet
                self.db.save_duplicate(as_copy(_settled(doc), doc.id))
                summary.exact_duplicates += 1
                continue
            if doc.id in first_source:
                if doc.source and doc.source != first_source[doc.id]:
                    # the same record twice in one JSONL/CSV file: a copy of its own too,
                    # or its line would be missing from exports
                    self.db.save_duplicate(as_copy(_settled(doc), doc.id))
                summary.exact_duplicates += 1
                continue
            first_source[doc.id] = doc.source
            seen_now[doc.id] = doc.source
            if info is not None:
                todo = tuple(n for n, v in self.versions.items() if info[2].get(n) != v)
                if not todo or info[1]:
                    summary.unchanged += 1
                else:
                    stale.append((doc.id, todo))
                continue
            _settled(doc)  # stored from here on, as a near-duplicate or analysed
            signature = signatures[doc.id]
            original = self._original(keys[doc.id], signature, by_key, candidates)
            if original is not None and self._source(original, candidates) == doc.source:
                original = None  # the earlier version of this very file: an edit, not a copy
            if original is not None:
                doc.duplicate_of = original
                self.db.save_duplicate(doc)
                summary.near_duplicates += 1
                continue
            self.near.add(doc.id, signature)
            self._flight_source[doc.id] = doc.source
            self.signatures[doc.id] = signature
            older = [i for i in by_source.get(doc.source, ()) if i not in first_source]
            if doc.source and older:
                summary.changed += 1
            else:
                summary.new += 1
            out.append(doc)
        self.spool.see(seen_now)
        self.spool.add_stale(stale)
        self.fresh_count += len(out)
        self.read += len(items)
        if self.progress:
            self.progress("ingest", len(items), self.total)
        yield from out

    def _original(
        self,
        keys: list[int],
        signature: bytes,
        by_key: dict[int, list[tuple[int, str]]],
        candidates: dict[str, tuple[bytes, str]],
    ) -> str | None:
        """The earliest indexed near-duplicate: stored ones (by ``seq``) before those in
        flight (by the order they were met), as one in-memory index would have it."""
        from narrascope.ingest._dedup import jaccard

        stored = sorted({hit for key in keys for hit in by_key.get(key, ())})
        threshold = self.near.threshold
        for _, article_id in stored:
            if jaccard(candidates[article_id][0], signature) >= threshold:
                return article_id
        for article_id in self.near.candidates(keys):
            if article_id not in candidates and self.near.similar(article_id, signature):
                return article_id
        return None

    def _source(self, article_id: str, candidates: dict[str, tuple[bytes, str]]) -> str:
        if article_id in candidates:
            return candidates[article_id][1]
        return self._flight_source.get(article_id, "")


def _settled(doc: Document) -> Document:
    """``doc`` with its language detected if ingestion deferred it
    (``IngestOptions.defer_language``): only articles that are stored need one."""
    if not doc.language:
        from narrascope.ingest import detect_language

        doc.language = detect_language(doc.text)
    return doc


def _same_origin(doc: Document, source: str) -> bool:
    """Whether ``source`` is where ``doc`` came from: the same file or URL, or, for a
    JSONL/CSV record, the same file at any line (inserting a record moves the rest)."""
    if doc.source == source:
        return True
    if doc.from_record:
        return source.rsplit(":", 1)[0] == doc.source.rsplit(":", 1)[0]
    return False


def estimate_total(inputs: Iterable[str]) -> int | None:
    """How many documents ``inputs`` will yield, when that is cheap to know: one per
    supported file under the folders and files given, one per non-blank line of a
    JSONL file. None when an input is a URL, stdin, a glob, a CSV or a feed (the
    progress bar then shows the rate without a time left)."""
    from narrascope.ingest._sources import FORMATS, _is_url, _walk

    total = 0
    for raw in inputs:
        if raw == "-" or _is_url(raw):
            return None
        path = Path(raw).expanduser()
        if path.is_dir():
            files: Iterable[Any] = _walk(path)
        elif path.is_file():
            files = [path]
        else:
            return None
        for file in files:
            if not isinstance(file, Path):
                continue
            fmt = FORMATS.get(file.suffix.lower())
            if fmt == "jsonl":
                total += _lines(file)
            elif fmt in ("csv", "opml") or fmt is None:
                return None
            else:
                total += 1
    return total


def _lines(path: Path) -> int:
    count = 0
    try:
        with path.open("rb") as fh:
            for line in fh:
                count += bool(line.strip())
    except OSError:
        return 1
    return count
