"""``narrascope stories`` and ``narrascope story ID``: how outlets tell the same story.

Counts come from SQL over the relational tables (the Database's own corpus
reads, filtered to one story); claims and the timeline are computed from that
story's documents only with :func:`~narrascope.stories.group_claims` and
:func:`~narrascope.stories.build_timeline`, never from the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from narrascope.cli._common import DbOption, check_dates, fail, read
from narrascope.cli._safe import SafeCsvWriter, json_text, term_text

__all__ = [
    "export_story_csvs",
    "report_stories",
    "stories",
    "story",
    "story_detail",
    "story_list",
    "story_page",
]

_out = Console()
#: evidence quotes shown per entity and outlet
_QUOTES = 3

_fail = fail


def _article_rows(conn: Any, story_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {s: [] for s in story_ids}
    if not story_ids:
        return out
    marks = ", ".join(f":s{i}" for i in range(len(story_ids)))
    rows = conn.execute(
        text(
            "SELECT sa.story_id, a.id, a.title, a.outlet, a.url, a.published, a.language"
            " FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
            f" WHERE sa.story_id IN ({marks})"
            " ORDER BY sa.story_id, a.published IS NULL, a.published, a.id"
        ),
        {f"s{i}": s for i, s in enumerate(story_ids)},
    )
    for sid, aid, title, outlet, url, published, language in rows:
        out[int(sid)].append(
            {
                "id": aid,
                "title": title,
                "outlet": outlet,
                "url": url,
                "published": published,
                "language": language,
            }
        )
    return out


def _story_filter(
    since: str | None, until: str | None, outlet: str | None, min_outlets: int
) -> tuple[str, dict[str, Any]]:
    """The ``WHERE`` of :func:`story_list` and :func:`story_page` over ``stories s``."""
    # a story whose articles were all replaced by edited versions has none left
    where = ["EXISTS (SELECT 1 FROM story_articles e WHERE e.story_id = s.id)"]
    params: dict[str, Any] = {}
    if since:
        where.append("(s.last_published IS NULL OR s.last_published >= :since)")
        params["since"] = since
    if until:
        where.append("(s.first_published IS NULL OR substr(s.first_published, 1, 10) <= :until)")
        params["until"] = until
    if outlet:
        where.append(
            "EXISTS (SELECT 1 FROM story_articles x JOIN articles y ON y.id = x.article_id"
            " WHERE x.story_id = s.id AND y.outlet = :outlet)"
        )
        params["outlet"] = outlet
    if min_outlets > 0:  # a count is always >= 0: no per-story count for the default
        where.append(
            "(SELECT count(DISTINCT a.outlet) FROM story_articles sa JOIN articles a"
            " ON a.id = sa.article_id WHERE sa.story_id = s.id AND a.outlet <> '') >= :min"
        )
        params["min"] = min_outlets
    return " AND ".join(where), params


#: key entities listed per story in ``stories --json``
_KEY_ENTITIES = 5


def _key_entities(conn: Any, story_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per story, the entities most of its articles name (one grouped query for the page):
    what a reader scans a story list by, beside the headline."""
    out: dict[int, list[dict[str, Any]]] = {s: [] for s in story_ids}
    if not story_ids:
        return out
    marks = ", ".join(f":s{i}" for i in range(len(story_ids)))
    rows = conn.execute(
        text(
            "SELECT sa.story_id, e.entity_id, min(e.name), count(DISTINCT e.article_id),"
            " sum(e.mentions) FROM story_articles sa"
            " JOIN entities e ON e.article_id = sa.article_id"
            f" WHERE sa.story_id IN ({marks}) GROUP BY sa.story_id, e.entity_id"
        ),
        {f"s{i}": s for i, s in enumerate(story_ids)},
    ).all()
    ranked = sorted(rows, key=lambda r: (int(r[0]), -int(r[3]), -int(r[4] or 0), r[2], r[1]))
    for sid, entity_id, name, articles, _mentions in ranked:
        chosen = out[int(sid)]
        if len(chosen) < _KEY_ENTITIES:
            chosen.append({"id": entity_id, "name": name, "articles": int(articles)})
    return out


def _story_items(conn: Any, heads: list[Any]) -> list[dict[str, Any]]:
    members = _article_rows(conn, [int(h[0]) for h in heads])
    key_entities = _key_entities(conn, [int(h[0]) for h in heads])
    result = []
    for sid, title, first, last in heads:
        arts = members[int(sid)]
        result.append(
            {
                "id": int(sid),
                "title": title,
                "first_published": first,
                "last_published": last,
                "outlets": sorted({a["outlet"] for a in arts if a["outlet"]}),
                "languages": sorted({a["language"] for a in arts if a["language"]}),
                "articles": arts,
                "article_count": len(arts),
                "key_entities": key_entities[int(sid)],
            }
        )
    return result


def _story_heads(
    conn: Any, where: str, params: dict[str, Any], limit: int | None, offset: int
) -> list[Any]:
    sql = (
        f"SELECT s.id, s.title, s.first_published, s.last_published FROM stories s WHERE {where}"
        " ORDER BY s.last_published IS NULL, s.last_published DESC, s.id"
    )
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params = {**params, "limit": max(limit, 0), "offset": max(offset, 0)}
    elif offset > 0:
        # SQLite has no OFFSET without LIMIT; -1 there and NULL on PostgreSQL mean "all"
        sql += " LIMIT -1 OFFSET :offset" if conn.dialect.name == "sqlite" else " OFFSET :offset"
        params = {**params, "offset": offset}
    return conn.execute(text(sql), params).all()


def story_list(
    database: Any,
    *,
    since: str | None = None,
    until: str | None = None,
    outlet: str | None = None,
    min_outlets: int = 0,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Stories (newest last publication first) in the issue's ``stories --json`` shape.

    ``since``/``until`` keep stories whose span of publication overlaps them;
    ``outlet`` those with an article of that outlet; ``min_outlets`` those told by
    at least that many named outlets. ``limit``/``offset`` page in SQL, so a page
    reads the members of its own stories only (the default: every story).
    """
    where, params = _story_filter(since, until, outlet, min_outlets)
    with database.engine.connect() as conn:
        return _story_items(conn, _story_heads(conn, where, params, limit, offset))


def story_page(
    database: Any,
    *,
    since: str | None = None,
    until: str | None = None,
    outlet: str | None = None,
    min_outlets: int = 0,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """``(items, total)``: one page of :func:`story_list` and how many stories match.

    What the API and the dashboard list: the total is a ``COUNT`` and the page a
    ``LIMIT``/``OFFSET`` over one connection, so a page reads only its own stories' members.
    """
    where, params = _story_filter(since, until, outlet, min_outlets)
    with database.engine.connect() as conn:
        total = int(
            conn.execute(text(f"SELECT count(*) FROM stories s WHERE {where}"), params).scalar()
            or 0
        )
        items = _story_items(conn, _story_heads(conn, where, params, limit, offset))
    return items, total


#: techniques listed per outlet ("top techniques")
_TOP_TECHNIQUES = 3


def _entities(conn: Any, sid: int) -> list[dict[str, Any]]:
    """Per framed entity, per outlet: the most frequent main role, fine roles, that
    outlet's own evidence quotes; ``disagreement`` when outlets give it different main
    roles, with ``roles`` saying which outlets hold which.

    An outlet that mentions the entity (``entities`` table) without casting it in a role
    is listed with ``main_role`` None, so "two or more outlets mention it" is visible
    even where only one frames it.
    """
    member = "f.article_id IN (SELECT article_id FROM story_articles WHERE story_id = :s)"
    framings = conn.execute(
        text(
            "SELECT f.entity_id, f.name, a.outlet, f.main_role, f.article_id"
            " FROM article_framings f JOIN articles a ON a.id = f.article_id"
            f" WHERE f.mention = -1 AND f.main_role IS NOT NULL AND {member}"
            " ORDER BY f.entity_id, a.outlet, f.article_id"
        ),
        {"s": sid},
    ).all()
    fine = conn.execute(
        text(
            "SELECT f.entity_id, a.outlet, f.role FROM framing_roles f"
            f" JOIN articles a ON a.id = f.article_id WHERE f.mention = -1 AND {member}"
            " ORDER BY f.probability DESC, f.role"
        ),
        {"s": sid},
    ).all()
    quotes = conn.execute(
        text(
            "SELECT f.entity_id, a.outlet, f.quote FROM framing_evidence f"
            f" JOIN articles a ON a.id = f.article_id WHERE f.mention = -1 AND {member}"
            " ORDER BY f.score DESC, f.article_id, f.seq"
        ),
        {"s": sid},
    ).all()
    mentioned = conn.execute(
        text(
            "SELECT DISTINCT f.entity_id, a.outlet FROM entities f"
            f" JOIN articles a ON a.id = f.article_id WHERE {member}"
            " ORDER BY f.entity_id, a.outlet"
        ),
        {"s": sid},
    ).all()
    names: dict[str, Counter[str]] = {}
    roles: dict[tuple[str, str], Counter[str]] = {}
    for eid, name, outlet, role, _aid in framings:
        names.setdefault(eid, Counter())[name] += 1
        counter = roles.setdefault((eid, outlet), Counter())
        if role:
            counter[role] += 1
    for eid, outlet in mentioned:
        if eid in names:
            roles.setdefault((eid, outlet), Counter())
    fines: dict[tuple[str, str], list[str]] = {}
    for eid, outlet, role in fine:
        got = fines.setdefault((eid, outlet), [])
        if role not in got:
            got.append(role)
    evidence: dict[tuple[str, str], list[str]] = {}
    for eid, outlet, quote in quotes:
        got = evidence.setdefault((eid, outlet), [])
        if quote not in got and len(got) < _QUOTES:
            got.append(quote)
    out = []
    for eid, counter in names.items():
        by_outlet = {}
        held: dict[str, list[str]] = {}
        for (e, outlet), role_counts in sorted(roles.items()):
            if e != eid:
                continue
            # ties go to the alphabetically first role: the same answer on every run
            main = min(role_counts, key=lambda r: (-role_counts[r], r)) if role_counts else None
            by_outlet[outlet] = {
                "main_role": main,
                "fine_roles": fines.get((e, outlet), []),
                "quotes": evidence.get((e, outlet), []),
            }
            if main and outlet:
                held.setdefault(main, []).append(outlet)
        out.append(
            {
                "id": eid,
                "name": counter.most_common(1)[0][0],
                "by_outlet": by_outlet,
                "disagreement": len(held) > 1,
                "roles": dict(sorted(held.items())),
            }
        )
    out.sort(key=lambda e: (-len(e["by_outlet"]), not e["disagreement"], e["name"]))
    return out


def _top_techniques(conn: Any, sid: int) -> dict[str, list[dict[str, Any]]]:
    """``{outlet: [{"technique", "spans", "per_1000_words"}]}``, most frequent first, over
    the story's articles the techniques stage ran on (as the density's denominator)."""
    rows = conn.execute(
        text(
            "SELECT a.outlet, t.technique, count(*) FROM technique_spans t"
            " JOIN articles a ON a.id = t.article_id"
            " WHERE a.duplicate_of IS NULL AND a.id IN"
            " (SELECT article_id FROM story_articles WHERE story_id = :s)"
            " GROUP BY a.outlet, t.technique ORDER BY a.outlet, count(*) DESC, t.technique"
        ),
        {"s": sid},
    ).all()
    words = dict(
        conn.execute(
            text(
                "SELECT a.outlet, sum(a.word_count) FROM articles a JOIN stage_results r"
                " ON r.article_id = a.id AND r.stage = 'techniques'"
                " WHERE a.duplicate_of IS NULL AND a.id IN"
                " (SELECT article_id FROM story_articles WHERE story_id = :s) GROUP BY a.outlet"
            ),
            {"s": sid},
        ).all()
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for outlet, technique, n in rows:
        got = out.setdefault(outlet, [])
        if len(got) < _TOP_TECHNIQUES:
            total = int(words.get(outlet) or 0)
            got.append(
                {
                    "technique": technique,
                    "spans": int(n),
                    "per_1000_words": round(1000 * int(n) / total, 2) if total else None,
                }
            )
    return out


def story_detail(
    database: Any, sid: int, *, outlet_groups: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """One story in the issue's ``story ID --json`` shape; None if there is no such story.

    Beyond the issue's keys: per outlet ``top_techniques``; per entity ``disagreement``
    and ``roles`` (main role → outlets); ``omissions`` (outlet → the widely carried
    claims it leaves out). Claims and the timeline come from the stored rows when they
    are current (:mod:`narrascope.stories._derived`); ``outlet_groups`` (outlet → learnt
    group) decides what is one-sided, None reads ``outlets.learnt_group``.
    """
    from narrascope.stories._derived import story_claims_timeline

    with database.engine.connect() as conn:
        head = conn.execute(text("SELECT title FROM stories WHERE id = :s"), {"s": sid}).first()
        if head is None:
            return None
        articles = _article_rows(conn, [sid])[sid]
        entities = _entities(conn, sid)
        top = _top_techniques(conn, sid)
    narratives = database.narrative_counts(story=sid)
    density = database.technique_density(story=sid)
    outlets: dict[str, Any] = {}
    for art in articles:
        outlets.setdefault(art["outlet"], {"articles": []})["articles"].append(art["id"])
    for name, entry in outlets.items():
        entry["narratives"] = narratives.get(name, {})
        dens = density.get(name)
        entry["techniques_per_1000_words"] = round(dens.per_1000_words, 2) if dens else None
        entry["top_techniques"] = top.get(name, [])
    claims, omissions, timeline = story_claims_timeline(database, sid, outlet_groups=outlet_groups)
    return {
        "id": sid,
        "title": head[0],
        "articles": articles,
        "outlets": outlets,
        "entities": entities,
        "claims": [
            {k: c[k] for k in ("text", "kind", "outlets", "articles", "quotes", "one_sided")}
            for c in claims
        ],
        "omissions": omissions,
        "timeline": [
            {k: e[k] for k in ("date", "granularity", "event", "outlets", "quotes")}
            for e in timeline
        ],
    }


def report_stories(database: Any, limit: int) -> tuple[list[dict[str, Any]], int]:
    """``(stories, total)`` for the report: the ``limit`` stories told by the most outlets
    (then the most articles, then the latest), each as :func:`story_detail` with the
    :func:`story_list` summary keys; ``total`` counts every story with articles.

    Chosen in SQL, so the report reads the details of ``limit`` stories only.
    """
    with database.engine.connect() as conn:
        total = int(
            conn.execute(text("SELECT count(DISTINCT story_id) FROM story_articles")).scalar() or 0
        )
        ids = [
            int(r[0])
            for r in conn.execute(
                text(
                    "SELECT sa.story_id FROM story_articles sa JOIN articles a"
                    " ON a.id = sa.article_id JOIN stories s ON s.id = sa.story_id"
                    " GROUP BY sa.story_id, s.last_published"
                    " ORDER BY count(DISTINCT CASE WHEN a.outlet <> '' THEN a.outlet END) DESC,"
                    " count(*) DESC, s.last_published IS NULL, s.last_published DESC,"
                    " sa.story_id LIMIT :n"
                ),
                {"n": max(limit, 0)},
            )
        ]
        heads = {
            int(sid): (first, last)
            for sid, first, last in conn.execute(
                text(
                    "SELECT id, first_published, last_published FROM stories"
                    f" WHERE id IN ({', '.join(str(i) for i in ids) or 'NULL'})"
                )
            )
        }
    out = []
    for sid in ids:
        detail = story_detail(database, sid)
        if detail is None:
            continue
        arts = detail["articles"]
        detail["first_published"], detail["last_published"] = heads.get(sid, (None, None))
        detail["languages"] = sorted({a["language"] for a in arts if a["language"]})
        out.append(detail)
    return out, total


def stories(
    db: DbOption = "narrascope.db",
    since: Annotated[
        str | None, typer.Option(help="Stories with articles on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Stories with articles on or before (YYYY-MM-DD).")
    ] = None,
    outlet: Annotated[str | None, typer.Option(help="Stories this outlet told.")] = None,
    min_outlets: Annotated[
        int, typer.Option("--min-outlets", help="Stories told by at least this many outlets.")
    ] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stories: the same event across outlets, newest first."""
    check_dates(since=since, until=until)
    found = read(
        db,
        lambda database: story_list(
            database, since=since, until=until, outlet=outlet, min_outlets=min_outlets
        ),
    )
    if json_out:
        typer.echo(json_text(found, indent=2))
        return
    if not found:
        _out.print("no stories match")
        return
    table = Table(title=f"{len(found)} stories")
    for col in ("id", "first", "last", "outlets", "articles", "title"):
        table.add_column(col)
    for s in found:
        table.add_row(
            str(s["id"]),
            (s["first_published"] or "")[:10],
            (s["last_published"] or "")[:10],
            str(len(s["outlets"])),
            str(len(s["articles"])),
            term_text(s["title"]),
        )
    _out.print(table)


def story(
    story_id: Annotated[int, typer.Argument(help="Story id (from `narrascope stories`).")],
    db: DbOption = "narrascope.db",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one story: its articles, each outlet's narratives and framings, claims, timeline."""
    detail = read(db, lambda database: story_detail(database, story_id))
    if detail is None:
        _fail(f"no story with id {story_id} (`narrascope stories` lists them)")
    assert detail is not None
    if json_out:
        typer.echo(json_text(detail, indent=2))
        return
    _print_story(detail)


#: entities, claims and quote characters the terminal view shows (the JSON has all)
_SHOW_ENTITIES = 12
_SHOW_CLAIMS = 12
_QUOTE_CHARS = 160


def _clip(value: str, limit: int = _QUOTE_CHARS) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _print_story(detail: dict[str, Any]) -> None:
    """The side-by-side view: outlets, contested entities with each outlet's quotes,
    claims with one-sided flags, each outlet's omissions, the timeline."""
    _out.print(term_text(f"Story {detail['id']}: {detail['title']}", style="bold"))
    table = Table(title="Outlets side by side")
    for col in ("outlet", "articles", "narratives", "techniques/1000 words", "top techniques"):
        table.add_column(col)
    for name, entry in detail["outlets"].items():
        top = ", ".join(f"{k} ({v})" for k, v in list(entry["narratives"].items())[:3])
        dens = entry["techniques_per_1000_words"]
        techniques = ", ".join(f"{t['technique']} ({t['spans']})" for t in entry["top_techniques"])
        table.add_row(
            term_text(name or "unknown"),
            str(len(entry["articles"])),
            term_text(top),
            "" if dens is None else f"{dens:.1f}",
            term_text(techniques),
        )
    _out.print(table)
    shared = [e for e in detail["entities"] if len(e["by_outlet"]) >= 2]
    if shared:
        _out.print(term_text("Entities two or more outlets mention", style="bold"))
        for ent in shared[:_SHOW_ENTITIES]:
            flag = ""
            if ent["disagreement"]:
                held = "; ".join(f"{r} in {', '.join(o)}" for r, o in ent["roles"].items())
                flag = f"  DISAGREEMENT: {held}"
            _out.print(term_text(f"  {ent['name']}{flag}", style="bold" if flag else ""))
            for outlet, view in ent["by_outlet"].items():
                role = view["main_role"] or "mentioned, no role"
                fine = f" ({', '.join(view['fine_roles'])})" if view["fine_roles"] else ""
                _out.print(term_text(f"    {outlet or 'unknown'}: {role}{fine}"))
                for quote in view["quotes"][:1]:
                    _out.print(term_text(f'      "{_clip(quote)}"', style="dim"))
        if len(shared) > _SHOW_ENTITIES:
            _out.print(f"  … {len(shared) - _SHOW_ENTITIES} more entities (--json lists all)")
    if detail["claims"]:
        _out.print(term_text("Claims", style="bold"))
        for c in detail["claims"][:_SHOW_CLAIMS]:
            flag = " (one-sided)" if c["one_sided"] else ""
            _out.print(term_text(f"  {_clip(c['text'])} [{', '.join(c['outlets'])}]{flag}"))
        if len(detail["claims"]) > _SHOW_CLAIMS:
            more = len(detail["claims"]) - _SHOW_CLAIMS
            _out.print(f"  … {more} more claims (--json lists all)")
    if detail["omissions"]:
        _out.print(
            term_text("Omissions (claims most outlets carry, this one does not)", style="bold")
        )
        for outlet, missed in detail["omissions"].items():
            _out.print(term_text(f"  {outlet}:"))
            for m in missed[:5]:
                _out.print(term_text(f"    {_clip(m['text'])} [{', '.join(m['outlets'])}]"))
    if detail["timeline"]:
        _out.print(term_text("Timeline", style="bold"))
        for e in detail["timeline"]:
            _out.print(term_text(f"  {e['date']}: {_clip(e['event'])} [{', '.join(e['outlets'])}]"))


# ------------------------------------------------------------------ CSV export

#: rows fetched from the database at a time by the CSV export
_FETCH = 1000


def _stream(conn: Any, sql: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
    """Rows of ``sql`` fetched a batch at a time (a server-side cursor on PostgreSQL), so
    an export holds one batch, never the corpus."""
    result = conn.execution_options(stream_results=True, yield_per=_FETCH).execute(
        text(sql), params or {}
    )
    yield from result


def export_story_csvs(database: Any, out_dir: Path) -> list[Path]:
    """``stories.csv``, ``story_outlets.csv`` and ``claims.csv`` into ``out_dir``.

    Everything is aggregated in SQL and streamed, story by story: memory is one batch of
    rows and one claim's quotes. Claims are the stored ones (``analyze`` keeps them
    current for the stories it changes); one-sided flags are recomputed with the outlets'
    learnt groups, as ``story ID`` shows them; ``omitted_by`` lists the story's outlets
    that leave out a claim most of its outlets carry.
    """
    from narrascope.stories._claims import flag_sides
    from narrascope.stories._derived import OMISSION_SHARE

    paths = []
    story_sql = (
        "SELECT s.id, s.title, s.first_published, s.last_published,"
        " (SELECT count(*) FROM story_articles x WHERE x.story_id = s.id),"
        " (SELECT count(DISTINCT a.outlet) FROM story_articles x JOIN articles a"
        "  ON a.id = x.article_id WHERE x.story_id = s.id AND a.outlet <> ''),"
        " (SELECT count(DISTINCT a.language) FROM story_articles x JOIN articles a"
        "  ON a.id = x.article_id WHERE x.story_id = s.id),"
        " (SELECT count(*) FROM claims c WHERE c.story_id = s.id),"
        " CASE WHEN s.derived_key IS NULL THEN 0 ELSE 1 END"
        " FROM stories s WHERE EXISTS (SELECT 1 FROM story_articles e WHERE e.story_id = s.id)"
        " ORDER BY s.id"
    )
    outlet_sql = (
        "SELECT sa.story_id, a.outlet, count(*),"
        " sum(CASE WHEN r.article_id IS NOT NULL AND a.duplicate_of IS NULL"
        "  THEN a.word_count ELSE 0 END),"
        " sum(CASE WHEN a.duplicate_of IS NULL THEN coalesce(t.n, 0) ELSE 0 END),"
        " max(coalesce(k.n, 0))"
        " FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
        " LEFT JOIN stage_results r ON r.article_id = a.id AND r.stage = 'techniques'"
        " LEFT JOIN (SELECT article_id, count(*) AS n FROM technique_spans"
        "  GROUP BY article_id) t ON t.article_id = a.id"
        " LEFT JOIN (SELECT c.story_id AS sid, a2.outlet AS outlet, count(DISTINCT c.id) AS n"
        "  FROM claims c JOIN claim_articles ca ON ca.claim_id = c.id"
        "  JOIN articles a2 ON a2.id = ca.article_id GROUP BY c.story_id, a2.outlet) k"
        "  ON k.sid = sa.story_id AND k.outlet = a.outlet"
        " GROUP BY sa.story_id, a.outlet ORDER BY sa.story_id, a.outlet"
    )
    with database.engine.connect() as conn:
        path = out_dir / "stories.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = SafeCsvWriter(fh)
            writer.writerow(
                [
                    "id", "title", "first_published", "last_published", "articles", "outlets",
                    "languages", "claims", "claims_stored",
                ]
            )  # fmt: skip
            for row in _stream(conn, story_sql):
                writer.writerow(["" if v is None else v for v in row])
        paths.append(path)
        path = out_dir / "story_outlets.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = SafeCsvWriter(fh)
            writer.writerow(
                [
                    "story_id", "outlet", "articles", "words", "technique_spans",
                    "techniques_per_1000_words", "claims",
                ]
            )  # fmt: skip
            for sid, outlet, arts, words, spans, claims in _stream(conn, outlet_sql):
                words, spans = int(words or 0), int(spans or 0)
                density = round(1000 * spans / words, 2) if words else ""
                writer.writerow([sid, outlet, arts, words, spans, density, claims])
        paths.append(path)
    paths.append(_export_claims(database, out_dir, flag_sides, OMISSION_SHARE))
    return paths


def _export_claims(database: Any, out_dir: Path, flag_sides: Any, share: float) -> Path:
    """``claims.csv``: one row per stored claim, its outlets and articles, merged in
    step with a stream of each story's outlets (both ordered by story)."""
    with database.engine.connect() as conn:
        groups = {
            name: str(group)
            for name, group in conn.execute(
                text("SELECT name, learnt_group FROM outlets WHERE learnt_group IS NOT NULL")
            )
        }
    claim_sql = (
        "SELECT c.story_id, c.id, c.seq, c.kind, c.text, ca.article_id, a.outlet, ca.source"
        " FROM claims c JOIN claim_articles ca ON ca.claim_id = c.id"
        " JOIN articles a ON a.id = ca.article_id ORDER BY c.story_id, c.seq, c.id, ca.article_id"
    )
    outlets_sql = (
        "SELECT DISTINCT sa.story_id, a.outlet FROM story_articles sa JOIN articles a"
        " ON a.id = sa.article_id WHERE a.outlet <> ''"
        " AND sa.story_id IN (SELECT story_id FROM claims) ORDER BY sa.story_id, a.outlet"
    )
    path = out_dir / "claims.csv"
    with (
        database.engine.connect() as conn,
        database.engine.connect() as conn2,
        path.open("w", newline="", encoding="utf-8") as fh,
    ):
        writer = SafeCsvWriter(fh)
        writer.writerow(
            [
                "story_id", "claim_id", "seq", "kind", "text", "outlets", "articles", "sources",
                "one_sided", "omitted_by",
            ]
        )  # fmt: skip
        story_outlets = _stream(conn2, outlets_sql)
        pending: list[Any] = []
        current_story: Any = None
        outlets_of_story: list[str] = []

        def outlets_for(sid: Any) -> list[str]:
            # advance the ordered outlet stream to ``sid``; both streams are by story id
            nonlocal pending
            got = [o.strip() for s, o in pending if s == sid and o.strip()]
            pending = []
            for s, o in story_outlets:
                if s == sid:
                    if o.strip():
                        got.append(o.strip())
                elif s > sid:
                    pending = [(s, o)]
                    break
            return sorted(set(got))

        def flush(claim: list[Any]) -> None:
            sid, cid, seq, kind, claim_text = claim[0][:5]
            outlets = sorted({r[6].strip() for r in claim if r[6].strip()})
            articles = list(dict.fromkeys(r[5] for r in claim))
            sources = sorted({r[7] for r in claim if r[7]})
            flags, omitted = flag_sides([outlets], outlets_of_story, groups, share)
            writer.writerow(
                [
                    sid, cid, seq, kind, claim_text, "|".join(outlets), "|".join(articles),
                    "|".join(sources), int(flags[0]), "|".join(sorted(omitted)),
                ]
            )  # fmt: skip

        claim: list[Any] = []
        for row in _stream(conn, claim_sql):
            if claim and row[1] != claim[0][1]:
                flush(claim)
                claim = []
            if row[0] != current_story:
                current_story = row[0]
                outlets_of_story = outlets_for(current_story)
            claim.append(row)
        if claim:
            flush(claim)
    return path
