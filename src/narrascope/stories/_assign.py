"""Story assignment of stored articles, persisted in ``stories``/``story_articles``.

Why here and not as a pipeline stage: a story is a relation between articles, and
each stage sees one document at a time. ``analyze`` calls :func:`assign_stories`
after it stored its batches; every article without a story is clustered then.

Incremental without loading the corpus: each clustered article's sketched
:class:`~narrascope.stories._similarity.Signature` (a few kB, no text) is kept in
``story_signatures``; a run rebuilds a
:class:`~narrascope.stories._cluster.MemoryCandidateIndex` from the most recent
``window`` signatures only (by the order they were stored) and compares new
articles with those. Limits: an article is never matched with one stored more than
``window`` clustered articles before it, and the document frequencies are those of
that window (counted on sketched signatures, so slightly lower than the original
run's); story ids of earlier runs never change except through a recorded merge.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import text

from narrascope.stories._cluster import MemoryCandidateIndex, StoryClusterer
from narrascope.stories._similarity import Encoder, Signature, StoryArticle

__all__ = ["assign_stories", "dump_signature", "load_signature"]

#: stored signatures a run compares new articles with (about 3 kB each in memory)
WINDOW = 20_000
#: articles clustered per step (their texts are in memory together)
CHUNK = 500


def dump_signature(sig: Signature) -> bytes:
    """A signature as an ``.npz`` blob: arrays only, readable without pickle."""
    buf = io.BytesIO()
    meta = {
        "entities": sorted(sig.entities),
        "published": sig.published.isoformat() if sig.published else None,
        "language": sig.language,
    }
    arrays = {
        "grams": sig.grams,
        "tf": sig.tf,
        "title_grams": sig.title_grams,
        "title_tf": sig.title_tf,
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
    }
    if sig.vector is not None:
        arrays["vector"] = sig.vector
    np.savez(buf, **arrays)
    return buf.getvalue()


def load_signature(blob: bytes) -> Signature:
    """The inverse of :func:`dump_signature`."""
    with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        return Signature(
            z["grams"],
            z["tf"],
            z["title_grams"],
            z["title_tf"],
            frozenset(meta["entities"]),
            z["vector"] if "vector" in z.files else None,
            date.fromisoformat(meta["published"]) if meta["published"] else None,
            meta["language"],
        )


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def assign_stories(
    db: object,
    make_clusterer: Callable[[MemoryCandidateIndex], StoryClusterer] | None = None,
    encoder: Encoder | bool | None = None,
    window: int = WINDOW,
    touched: set[int] | None = None,
) -> int:
    """Cluster every stored article that has no story yet; returns how many were assigned.

    ``touched`` (if given) receives the ids of the stories whose membership changed (new
    members, or merged into), the ones whose claims and timeline are stale.

    ``db`` is a :class:`~narrascope.store.Database`. Copies and near-duplicates
    join their original's story. ``make_clusterer`` builds the clusterer over the
    given index (default: the shipped models, ``encoder`` as
    :class:`StoryClusterer` takes it).
    """
    engine = db.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        pending = conn.execute(
            text(
                "SELECT a.id FROM articles a WHERE NOT EXISTS"
                " (SELECT 1 FROM story_articles s WHERE s.article_id = a.id)"
            )
        ).first()
    if pending is None:
        return 0
    index = MemoryCandidateIndex()
    if make_clusterer is None:
        clusterer = StoryClusterer.shipped(index, encoder=encoder)
    else:
        clusterer = make_clusterer(index)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT g.article_id, g.signature, s.founder FROM story_signatures g"
                " JOIN story_articles sa ON sa.article_id = g.article_id"
                " JOIN stories s ON s.id = sa.story_id"
                " ORDER BY g.seq DESC LIMIT :n"
            ),
            {"n": window},
        ).all()
        for article_id, blob, founder in reversed(rows):
            clusterer.restore(article_id, load_signature(blob), founder)
        seq = int(conn.execute(text("SELECT max(seq) FROM story_signatures")).scalar() or 0)
        todo = conn.execute(
            text(
                "SELECT a.id, a.title, a.text, a.published, a.language, a.duplicate_of"
                " FROM articles a WHERE NOT EXISTS"
                " (SELECT 1 FROM story_articles s WHERE s.article_id = a.id)"
                " ORDER BY a.published IS NULL, a.published, a.id"
            )
        ).all()
    assigned = 0
    for lo in range(0, len(todo), CHUNK):
        chunk = todo[lo : lo + CHUNK]
        arts = [
            StoryArticle(r[0], r[1] or "", r[2] or "", _date(r[3]), r[4] or None) for r in chunk
        ]
        original_of = {r[0]: r[5] for r in chunk if r[5]}
        with engine.connect() as conn:  # originals stored earlier: their stories
            for orig in set(original_of.values()):
                row = conn.execute(
                    text(
                        "SELECT s.founder FROM story_articles sa JOIN stories s"
                        " ON s.id = sa.story_id WHERE sa.article_id = :a"
                    ),
                    {"a": orig},
                ).first()
                if row is not None and row[0]:
                    try:
                        clusterer.story_of(orig)
                    except KeyError:
                        clusterer.restore(orig, _EMPTY, row[0], indexed=False)
        update = clusterer.add(arts, original_of)
        seq, changed = _persist(engine, clusterer, update, original_of, seq)
        if touched is not None:
            touched |= changed
        assigned += len(update.assigned)
    return assigned


_EMPTY = Signature(
    np.zeros(0, np.int32),
    np.zeros(0, np.float16),
    np.zeros(0, np.int32),
    np.zeros(0, np.float16),
    frozenset(),
    None,
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _persist(
    engine: object,
    clusterer: StoryClusterer,
    update: object,
    original_of: dict[str, str],
    seq: int,
) -> tuple[int, set[int]]:
    """Write one :class:`ClusterUpdate` in one transaction; returns the last ``seq`` and the
    stories it changed."""
    now = _now()
    with engine.begin() as conn:  # type: ignore[attr-defined]

        def story_id(founder: str) -> int:
            row = conn.execute(
                text("SELECT id FROM stories WHERE founder = :f"), {"f": founder}
            ).first()
            if row is not None:
                return int(row[0])
            conn.execute(
                text(
                    "INSERT INTO stories (title, founder, created_at, updated_at)"
                    " VALUES ('', :f, :now, :now)"
                ),
                {"f": founder, "now": now},
            )
            return story_id(founder)

        touched: set[int] = set()
        for src, into in update.merges:  # type: ignore[attr-defined]
            src_row = conn.execute(
                text("SELECT id FROM stories WHERE founder = :f"), {"f": src}
            ).first()
            into_id = story_id(into)
            touched.add(into_id)
            if src_row is None:  # founded and merged within this update
                continue
            src_id = int(src_row[0])
            conn.execute(
                text("UPDATE story_articles SET story_id = :i WHERE story_id = :s"),
                {"i": into_id, "s": src_id},
            )
            conn.execute(
                text("UPDATE story_merges SET into_story = :i WHERE into_story = :s"),
                {"i": into_id, "s": src_id},
            )
            conn.execute(
                text("INSERT INTO story_merges (from_story, into_story, at) VALUES (:s, :i, :now)"),
                {"s": src_id, "i": into_id, "now": now},
            )
            conn.execute(text("DELETE FROM stories WHERE id = :s"), {"s": src_id})
        for article_id in update.assigned:  # type: ignore[attr-defined]
            sid = story_id(clusterer.story_of(article_id))
            touched.add(sid)
            conn.execute(
                text(
                    "INSERT INTO story_articles (story_id, article_id, added_at)"
                    " VALUES (:s, :a, :now)"
                ),
                {"s": sid, "a": article_id, "now": now},
            )
            sig = clusterer.index.signature(article_id)
            if sig is not None and article_id not in original_of:
                seq += 1
                conn.execute(
                    text(
                        "INSERT INTO story_signatures (article_id, seq, signature)"
                        " VALUES (:a, :q, :b)"
                    ),
                    {"a": article_id, "q": seq, "b": dump_signature(sig)},
                )
        for sid in touched:
            _refresh(conn, sid, now)
    return seq, touched


def _refresh(conn: object, sid: int, now: str) -> None:
    """A story's title (its earliest member's headline) and first/last publication."""
    first, last = conn.execute(  # type: ignore[attr-defined]
        text(
            "SELECT min(a.published), max(a.published) FROM articles a"
            " JOIN story_articles sa ON sa.article_id = a.id WHERE sa.story_id = :s"
        ),
        {"s": sid},
    ).one()
    row = conn.execute(  # type: ignore[attr-defined]
        text(
            "SELECT a.title FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
            " WHERE sa.story_id = :s AND a.title <> '' AND a.duplicate_of IS NULL"
            " ORDER BY a.published IS NULL, a.published, a.id LIMIT 1"
        ),
        {"s": sid},
    ).first()
    conn.execute(  # type: ignore[attr-defined]
        text(
            "UPDATE stories SET title = :t, first_published = :f, last_published = :l,"
            " updated_at = :now WHERE id = :s"
        ),
        {"t": row[0] if row else "", "f": first, "l": last, "now": now, "s": sid},
    )
