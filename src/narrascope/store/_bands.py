"""The store's near-duplicate index: each stored MinHash signature's LSH band keys.

Why in the database: ``analyze`` used to load every stored signature into an
in-memory LSH index before reading its first input, so its memory grew with the
corpus (1 kB per article, a GB for a million). The ``minhash_bands`` table
(migration 7) holds one row per band of each signature, indexed by key; a run
asks for the keys of a whole batch of new articles in one query and verifies
the few candidates against their stored signatures. ``seq`` keeps the order in
which articles were indexed, so "the earliest near-duplicate" is the same
article the in-memory index would have named.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["backfill_bands", "next_seq", "write_bands"]

#: articles indexed per backfill step (bounds its memory)
_BACKFILL_CHUNK = 500
#: keys per ``IN`` list (SQLite allows 32,766 parameters, older builds 999)
IN_CHUNK = 500


def next_seq(conn: Connection) -> int:
    """The ``seq`` the next indexed article gets (``ix_minhash_bands_seq`` makes it cheap)."""
    return int(conn.execute(text("SELECT coalesce(max(seq), 0) + 1 FROM minhash_bands")).scalar())


def write_bands(conn: Connection, rows: Sequence[tuple[str, bytes, int]]) -> None:
    """Index ``(article_id, signature, seq)`` rows; a signature without words (or not
    a MinHash, as tests store) has no keys. Idempotent: a retried batch adds nothing."""
    from narrascope.ingest._dedup import band_keys  # datasketch: only where signatures are

    params: list[dict[str, Any]] = [
        {"k": key, "a": article_id, "s": seq}
        for article_id, signature, seq in rows
        for key in band_keys(bytes(signature))
    ]
    if params:
        conn.execute(
            text(
                "INSERT INTO minhash_bands (key, article_id, seq) VALUES (:k, :a, :s)"
                " ON CONFLICT (key, article_id) DO NOTHING"
            ),
            params,
        )


def _stored_signatures(conn: Connection, dialect: str) -> Iterator[list[tuple[str, bytes]]]:
    """Stored signatures in the order the old in-memory index added them (SQLite's
    table order; PostgreSQL's had none, ingestion time stands in), chunk by chunk."""
    if dialect == "sqlite":
        last = 0
        while True:
            rows = conn.execute(
                text(
                    "SELECT rowid, id, minhash FROM articles WHERE rowid > :last"
                    " AND minhash IS NOT NULL ORDER BY rowid LIMIT :n"
                ),
                {"last": last, "n": _BACKFILL_CHUNK},
            ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [(r[1], bytes(r[2])) for r in rows]
    else:
        offset = 0
        while True:
            rows = conn.execute(
                text(
                    "SELECT id, minhash FROM articles WHERE minhash IS NOT NULL"
                    " ORDER BY ingested_at, id LIMIT :n OFFSET :o"
                ),
                {"n": _BACKFILL_CHUNK, "o": offset},
            ).all()
            if not rows:
                return
            offset += len(rows)
            yield [(r[0], bytes(r[1])) for r in rows]


def backfill_bands(conn: Connection, dialect: str) -> None:
    """Index the signatures a database stored before migration 7."""
    seq = 1
    for chunk in _stored_signatures(conn, dialect):
        write_bands(conn, [(article_id, sig, seq + n) for n, (article_id, sig) in enumerate(chunk)])
        seq += len(chunk)
