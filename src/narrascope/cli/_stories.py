"""``narrascope stories`` and ``narrascope story ID``: how outlets tell the same story.

Counts come from SQL over the relational tables (the Database's own corpus
reads, filtered to one story); claims and the timeline are computed from that
story's documents only with :func:`~narrascope.stories.group_claims` and
:func:`~narrascope.stories.build_timeline`, never from the corpus.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from narrascope.cli._common import DbOption, check_dates, fail
from narrascope.cli._safe import json_text, term_text
from narrascope.errors import NarrascopeError

__all__ = ["stories", "story", "story_detail", "story_list"]

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


def story_list(
    database: Any,
    *,
    since: str | None = None,
    until: str | None = None,
    outlet: str | None = None,
    min_outlets: int = 0,
) -> list[dict[str, Any]]:
    """Stories (newest last publication first) in the issue's ``stories --json`` shape.

    ``since``/``until`` keep stories whose span of publication overlaps them;
    ``outlet`` those with an article of that outlet; ``min_outlets`` those told by
    at least that many named outlets.
    """
    # a story whose articles were all replaced by edited versions has none left
    where = ["EXISTS (SELECT 1 FROM story_articles e WHERE e.story_id = s.id)"]
    params: dict[str, Any] = {"min": min_outlets}
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
    sql = (
        "SELECT s.id, s.title, s.first_published, s.last_published FROM stories s"
        f" WHERE {' AND '.join(where)} AND (SELECT count(DISTINCT a.outlet) FROM story_articles"
        " sa JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = s.id"
        " AND a.outlet <> '') >= :min"
        " ORDER BY s.last_published IS NULL, s.last_published DESC, s.id"
    )
    with database.engine.connect() as conn:
        heads = conn.execute(text(sql), params).all()
        members = _article_rows(conn, [int(h[0]) for h in heads])
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
            }
        )
    return result


def _entities(conn: Any, sid: int) -> list[dict[str, Any]]:
    """Per entity, per outlet: the most frequent main role, fine roles, evidence quotes."""
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
    names: dict[str, Counter[str]] = {}
    roles: dict[tuple[str, str], Counter[str]] = {}
    for eid, name, outlet, role, _aid in framings:
        names.setdefault(eid, Counter())[name] += 1
        counter = roles.setdefault((eid, outlet), Counter())
        if role:
            counter[role] += 1
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
        for (e, outlet), role_counts in roles.items():
            if e != eid:
                continue
            by_outlet[outlet] = {
                "main_role": role_counts.most_common(1)[0][0] if role_counts else None,
                "fine_roles": fines.get((e, outlet), []),
                "quotes": evidence.get((e, outlet), []),
            }
        out.append({"id": eid, "name": counter.most_common(1)[0][0], "by_outlet": by_outlet})
    out.sort(key=lambda e: (-len(e["by_outlet"]), e["name"]))
    return out


def story_detail(database: Any, sid: int) -> dict[str, Any] | None:
    """One story in the issue's ``story ID --json`` shape; None if there is no such story."""
    from narrascope.stories import build_timeline, group_claims

    with database.engine.connect() as conn:
        head = conn.execute(text("SELECT title FROM stories WHERE id = :s"), {"s": sid}).first()
        if head is None:
            return None
        articles = _article_rows(conn, [sid])[sid]
        entities = _entities(conn, sid)
    narratives = database.narrative_counts(story=sid)
    density = database.technique_density(story=sid)
    outlets: dict[str, Any] = {}
    for art in articles:
        outlets.setdefault(art["outlet"], {"articles": []})["articles"].append(art["id"])
    for name, entry in outlets.items():
        entry["narratives"] = narratives.get(name, {})
        dens = density.get(name)
        entry["techniques_per_1000_words"] = round(dens.per_1000_words, 2) if dens else None
    docs = database.load_documents([a["id"] for a in articles])
    claims = [
        {k: c[k] for k in ("text", "outlets", "articles", "quotes", "one_sided")}
        for c in group_claims(docs).to_dict()["claims"]
    ]
    timeline = [
        {k: e[k] for k in ("date", "event", "outlets", "quotes")}
        for e in (entry.to_dict() for entry in build_timeline(docs))
    ]
    return {
        "id": sid,
        "title": head[0],
        "articles": articles,
        "outlets": outlets,
        "entities": entities,
        "claims": claims,
        "timeline": timeline,
    }


def _open(db: str) -> Any:
    from narrascope.store import Database

    try:
        return Database(db, must_exist=True, read_only=True)
    except NarrascopeError as exc:
        _fail(str(exc))


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
    database = _open(db)
    try:
        found = story_list(
            database, since=since, until=until, outlet=outlet, min_outlets=min_outlets
        )
    finally:
        database.close()
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
    database = _open(db)
    try:
        detail = story_detail(database, story_id)
    finally:
        database.close()
    if detail is None:
        _fail(f"no story with id {story_id} (`narrascope stories` lists them)")
    assert detail is not None
    if json_out:
        typer.echo(json_text(detail, indent=2))
        return
    _out.print(term_text(f"Story {detail['id']}: {detail['title']}", style="bold"))
    table = Table(title="Outlets")
    for col in ("outlet", "articles", "narratives", "techniques/1000 words"):
        table.add_column(col)
    for name, entry in detail["outlets"].items():
        top = ", ".join(f"{k} ({v})" for k, v in list(entry["narratives"].items())[:3])
        dens = entry["techniques_per_1000_words"]
        table.add_row(
            term_text(name or "unknown"),
            str(len(entry["articles"])),
            term_text(top),
            "" if dens is None else f"{dens:.1f}",
        )
    _out.print(table)
    for ent in detail["entities"][:10]:
        roles = "; ".join(
            f"{o or 'unknown'}: {v['main_role'] or '—'}" for o, v in ent["by_outlet"].items()
        )
        _out.print(term_text(f"  {ent['name']} — {roles}"))
    if detail["claims"]:
        _out.print(term_text("Claims", style="bold"))
        for c in detail["claims"][:10]:
            flag = " (one-sided)" if c["one_sided"] else ""
            _out.print(term_text(f"  {c['text']} [{', '.join(c['outlets'])}]{flag}"))
    if detail["timeline"]:
        _out.print(term_text("Timeline", style="bold"))
        for e in detail["timeline"]:
            _out.print(term_text(f"  {e['date']}: {e['event']} [{', '.join(e['outlets'])}]"))
