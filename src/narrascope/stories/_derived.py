"""A story's claims and timeline, stored in ``claims``/``timeline_events`` and read back.

Why stored: grouping claims is quadratic in a story's claims and resolving dates
costs dateparser milliseconds per phrase, so ``narrascope story``, the report and
SQL clients should not pay it on every read. Why derived, not authoritative: they
are pure functions of the story's member documents
(:func:`~narrascope.stories.group_claims`, :func:`~narrascope.stories.build_timeline`),
so each story records the *key* of the member state it was computed from
(``stories.derived_key``: member ids, their last update, outlet and ``nlp`` result
time, and :data:`DERIVED_VERSION`). A read whose key no longer matches recomputes
(and a writer stores the result); nothing stale is ever shown.

Bounded work: ``analyze`` refreshes only the stories whose membership it changed,
and a story's claims are computed from at most :data:`MAX_ARTICLES` members (every
outlet first, then the earliest), so one huge story cannot make a run quadratic in
the corpus.

Outlet groups: one-sided flags and omissions depend on how outlets are grouped,
which changes as the corpus grows while the claims do not; they are stored as
computed then and flagged again on every read with the groups of the day
(:func:`~narrascope.stories.flag_sides`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import text

from narrascope.stories._claims import flag_sides, group_claims
from narrascope.stories._timeline import build_timeline

__all__ = [
    "DERIVED_VERSION",
    "MAX_ARTICLES",
    "derive_stories",
    "learnt_groups",
    "story_claims_timeline",
]

#: bump when extraction or grouping changes: every stored story is then recomputed
DERIVED_VERSION = "claims-2"
#: members a story's claims and timeline are computed from
MAX_ARTICLES = 100
#: a claim carried by more than this share of a story's outlets is an omission of the rest
OMISSION_SHARE = 0.5


def member_key(conn: Any, sid: int) -> str:
    """What the stored claims must have been computed from to be current."""
    rows = conn.execute(
        text(
            "SELECT a.id, a.updated_at, a.outlet,"
            " (SELECT max(r.created_at) FROM stage_results r"
            "  WHERE r.article_id = a.id AND r.stage = 'nlp')"
            " FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
            " WHERE sa.story_id = :s ORDER BY a.id"
        ),
        {"s": sid},
    )
    digest = hashlib.sha1(DERIVED_VERSION.encode(), usedforsecurity=False)
    for row in rows:
        digest.update(("\x1f".join(str(x or "") for x in row) + "\x1e").encode())
    return digest.hexdigest()


def learnt_groups(conn: Any, sid: int) -> dict[str, str]:
    """``{outlet: learnt group}`` of the story's outlets, from ``outlets.learnt_group``
    (empty until something has grouped the outlets)."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT o.name, o.learnt_group FROM story_articles sa"
            " JOIN articles a ON a.id = sa.article_id JOIN outlets o ON o.id = a.outlet_id"
            " WHERE sa.story_id = :s AND o.learnt_group IS NOT NULL"
        ),
        {"s": sid},
    )
    return {name: str(group) for name, group in rows}


def _members(conn: Any, sid: int) -> list[str]:
    """Up to :data:`MAX_ARTICLES` member ids: each outlet's earliest article first (so every
    side is heard), then the rest by date."""
    rows = conn.execute(
        text(
            "SELECT a.id, a.outlet FROM story_articles sa JOIN articles a"
            " ON a.id = sa.article_id WHERE sa.story_id = :s"
            " ORDER BY a.published IS NULL, a.published, a.id"
        ),
        {"s": sid},
    ).all()
    seen: set[str] = set()
    first, rest = [], []
    for aid, outlet in rows:
        (rest if outlet in seen else first).append(aid)
        seen.add(outlet)
    return (first + rest)[:MAX_ARTICLES]


def _compute(
    database: Any,
    members: list[str],
    outlet_groups: Mapping[str, str] | None,
    encode: Callable[[list[str]], Any] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Claims (with their quotes) and timeline entries of one story (its ``members``,
    from :func:`_members`), in the stored shape.

    Called with no connection of the caller's open: ``load_documents`` takes one from
    the pool, and a caller holding another while it waits would let concurrent readers
    (the server's threads) exhaust the pool and wait on each other until it times out.
    """
    docs = database.load_documents(members)
    report = group_claims(
        docs, encode=encode, outlet_groups=outlet_groups, omission_share=OMISSION_SHARE
    )
    timeline = [entry.to_dict() for entry in build_timeline(docs)]
    # the stored shape, quotes in the order a read gives them (by publication, then offset)
    order = {
        d.id: i
        for i, d in enumerate(
            sorted(docs, key=lambda d: (d.published is None, d.published or date.min, d.id))
        )
    }

    def quotes(items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
        picked = [{k: q.get(k, "") for k in keys} for q in items]
        return sorted(picked, key=lambda q: (order.get(q["article"], 0), q["start"]))

    claims = []
    for group in report.groups:
        c = group.to_dict()
        c["quotes"] = quotes(c["quotes"], _CLAIM_QUOTE)
        c["articles"] = list(dict.fromkeys(q["article"] for q in c["quotes"]))
        claims.append({k: c[k] for k in _CLAIM})
    events = []
    for entry in timeline:
        entry["quotes"] = quotes(entry["quotes"], _EVENT_QUOTE)
        entry["articles"] = list(dict.fromkeys(q["article"] for q in entry["quotes"]))
        events.append({k: entry[k] for k in _EVENT})
    return claims, events


_CLAIM = ("text", "kind", "outlets", "articles", "quotes", "one_sided", "sources")
_CLAIM_QUOTE = ("article", "outlet", "start", "end", "text", "source")
_EVENT = ("date", "granularity", "event", "outlets", "articles", "quotes")
_EVENT_QUOTE = ("article", "outlet", "start", "end", "text", "date_text")


def _store(
    conn: Any, sid: int, claims: list[dict[str, Any]], timeline: list[dict[str, Any]], key: str
) -> None:
    """Replace the story's stored claims and timeline (the caller's transaction)."""
    for child, parent in (("claim_articles", "claims"), ("timeline_quotes", "timeline_events")):
        column = "claim_id" if parent == "claims" else "event_id"
        conn.execute(
            text(
                f"DELETE FROM {child} WHERE {column} IN"
                f" (SELECT id FROM {parent} WHERE story_id = :s)"
            ),
            {"s": sid},
        )
        conn.execute(text(f"DELETE FROM {parent} WHERE story_id = :s"), {"s": sid})
    for seq, claim in enumerate(claims):
        cid = conn.execute(
            text(
                "INSERT INTO claims (story_id, text, kind, seq, one_sided)"
                " VALUES (:s, :t, :k, :q, :o) RETURNING id"
            ),
            {"s": sid, "t": claim["text"], "k": claim["kind"], "q": seq,
             "o": int(claim["one_sided"])},
        ).scalar_one()  # fmt: skip
        rows = {
            (q["article"], q["start"]): {
                "c": cid, "a": q["article"], "b": q["start"], "e": q["end"],
                "t": q["text"], "src": q.get("source", ""),
            }
            for q in claim["quotes"]
        }  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO claim_articles (claim_id, article_id, start_char, end_char, quote,"
                " source) VALUES (:c, :a, :b, :e, :t, :src)"
            ),
            list(rows.values()),
        )
    for seq, entry in enumerate(timeline):
        eid = conn.execute(
            text(
                "INSERT INTO timeline_events (story_id, event_date, event, seq, granularity)"
                " VALUES (:s, :d, :t, :q, :g) RETURNING id"
            ),
            {"s": sid, "d": entry["date"], "t": entry["event"], "q": seq,
             "g": entry["granularity"]},
        ).scalar_one()  # fmt: skip
        rows = {
            (q["article"], q["start"]): {
                "i": eid, "a": q["article"], "b": q["start"], "e": q["end"],
                "t": q["text"], "d": q.get("date_text", ""),
            }
            for q in entry["quotes"]
        }  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO timeline_quotes (event_id, article_id, start_char, end_char, quote,"
                " date_text) VALUES (:i, :a, :b, :e, :t, :d)"
            ),
            list(rows.values()),
        )
    conn.execute(text("UPDATE stories SET derived_key = :k WHERE id = :s"), {"k": key, "s": sid})


def _read(conn: Any, sid: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The stored claims and timeline of one story, in the computed shape."""
    claims: dict[int, dict[str, Any]] = {}
    for cid, claim_text, kind, one_sided in conn.execute(
        text("SELECT id, text, kind, one_sided FROM claims WHERE story_id = :s ORDER BY seq"),
        {"s": sid},
    ):
        claims[int(cid)] = {
            "text": claim_text, "kind": kind, "outlets": [], "articles": [], "quotes": [],
            "one_sided": bool(one_sided), "sources": [],
        }  # fmt: skip
    for cid, aid, outlet, start, end, quote, source in conn.execute(
        text(
            "SELECT ca.claim_id, ca.article_id, a.outlet, ca.start_char, ca.end_char, ca.quote,"
            " ca.source FROM claim_articles ca JOIN claims c ON c.id = ca.claim_id"
            " JOIN articles a ON a.id = ca.article_id WHERE c.story_id = :s"
            " ORDER BY c.seq, a.published IS NULL, a.published, a.id, ca.start_char"
        ),
        {"s": sid},
    ):
        claim = claims[int(cid)]
        claim["quotes"].append(
            {"article": aid, "outlet": outlet.strip(), "start": int(start), "end": int(end),
             "text": quote, "source": source}
        )  # fmt: skip
    for claim in claims.values():
        quotes = claim["quotes"]
        claim["outlets"] = sorted({q["outlet"] for q in quotes if q["outlet"]})
        claim["articles"] = list(dict.fromkeys(q["article"] for q in quotes))
        claim["sources"] = sorted({q["source"] for q in quotes if q["source"]})
    events: dict[int, dict[str, Any]] = {}
    for eid, day, event, granularity in conn.execute(
        text(
            "SELECT id, event_date, event, granularity FROM timeline_events"
            " WHERE story_id = :s ORDER BY seq"
        ),
        {"s": sid},
    ):
        events[int(eid)] = {
            "date": day, "granularity": granularity, "event": event, "outlets": [],
            "articles": [], "quotes": [],
        }  # fmt: skip
    for eid, aid, outlet, start, end, quote, date_text in conn.execute(
        text(
            "SELECT q.event_id, q.article_id, a.outlet, q.start_char, q.end_char, q.quote,"
            " q.date_text FROM timeline_quotes q JOIN timeline_events e ON e.id = q.event_id"
            " JOIN articles a ON a.id = q.article_id WHERE e.story_id = :s"
            " ORDER BY e.seq, a.published IS NULL, a.published, a.id, q.start_char"
        ),
        {"s": sid},
    ):
        events[int(eid)]["quotes"].append(
            {"article": aid, "outlet": outlet.strip(), "start": int(start), "end": int(end),
             "text": quote, "date_text": date_text}
        )  # fmt: skip
    for entry in events.values():
        entry["outlets"] = sorted({q["outlet"] for q in entry["quotes"] if q["outlet"]})
        entry["articles"] = list(dict.fromkeys(q["article"] for q in entry["quotes"]))
    return list(claims.values()), list(events.values())


def story_claims_timeline(
    database: Any,
    sid: int,
    *,
    outlet_groups: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """``(claims, omissions, timeline)`` of a story: stored rows when current, else computed
    (and stored when ``database`` is writable).

    ``outlet_groups`` (outlet → group, e.g. ``narrascope.trends.outlet_groups``) decides
    what is one-sided; None reads ``outlets.learnt_group``. ``omissions`` maps an outlet to
    the claims it leaves out: ``{"claim": index into claims, "text", "outlets"}``.
    """
    with database.engine.connect() as conn:
        key = member_key(conn, sid)
        stored = conn.execute(
            text("SELECT derived_key FROM stories WHERE id = :s"), {"s": sid}
        ).scalar()
        groups = dict(outlet_groups) if outlet_groups is not None else learnt_groups(conn, sid)
        story_outlets = sorted(
            {
                o.strip()
                for (o,) in conn.execute(
                    text(
                        "SELECT DISTINCT a.outlet FROM story_articles sa JOIN articles a"
                        " ON a.id = sa.article_id WHERE sa.story_id = :s"
                    ),
                    {"s": sid},
                )
                if o and o.strip()
            }
        )
        fresh = stored == key
        if fresh:
            claims, timeline = _read(conn, sid)
        else:
            members = _members(conn, sid)
    if not fresh:  # computed and stored with the read connection back in the pool
        claims, timeline = _compute(database, members, groups)
        if not getattr(database, "read_only", False):
            with database._writer.begin() as wconn:
                _store(wconn, sid, claims, timeline, key)
    flags, omitted = flag_sides(
        [c["outlets"] for c in claims], story_outlets, groups, OMISSION_SHARE
    )
    for claim, flag in zip(claims, flags, strict=True):
        claim["one_sided"] = flag
    omissions = {
        outlet: [
            {"claim": i, "text": claims[i]["text"], "outlets": claims[i]["outlets"]} for i in idx
        ]
        for outlet, idx in sorted(omitted.items())
    }
    return claims, omissions, timeline


def derive_stories(
    database: Any,
    story_ids: Iterable[int],
    *,
    outlet_groups: Mapping[str, str] | None = None,
    encode: Callable[[list[str]], Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute and store the claims and timeline of ``story_ids`` whose members changed;
    returns how many were (re)computed. One transaction per story, so an interrupted run
    leaves every story either current or recomputed on its next read.

    ``encode``: a multilingual sentence encoder groups claims across languages (``analyze``
    passes the clusterer's); without it wording is compared lexically, and claims of two
    languages group only through shared figures and entities. A story recomputed on
    read (stale rows) is grouped lexically.
    """
    done = 0
    for sid in sorted(set(story_ids)):
        with database.engine.connect() as conn:
            exists = conn.execute(
                text("SELECT derived_key FROM stories WHERE id = :s"), {"s": sid}
            ).first()
            if exists is None:
                continue  # merged away meanwhile
            key = member_key(conn, sid)
            if exists[0] == key:
                continue
            groups = dict(outlet_groups) if outlet_groups is not None else learnt_groups(conn, sid)
            members = _members(conn, sid)
        claims, timeline = _compute(database, members, groups, encode)
        with database._writer.begin() as wconn:
            _store(wconn, sid, claims, timeline, key)
        done += 1
        if progress:
            progress(1)
    return done
