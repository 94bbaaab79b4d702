"""``narrascope outlets``, ``outlet NAME``, ``entity NAME`` and ``trends``.

Each prints a Rich table, or with ``--json`` the dict the matching function of
:mod:`narrascope.trends` returns (the shapes of docs/trends.md); ``trends --csv``
writes one row per period and key, one column per outlet. Everything shown comes
from SQL aggregates: nothing here loads the corpus.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from narrascope.cli._common import DbOption, check_dates, console, fail, read
from narrascope.cli._safe import SafeCsvWriter, json_text, term_text

__all__ = ["entity", "outlet", "outlets", "trends", "trends_csv"]

_out = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _counts(counts: dict[str, int], top: int = 3) -> str:
    return ", ".join(f"{k} ({v})" for k, v in list(counts.items())[:top])


def outlets(db: DbOption = "narrascope.db", json_out: JsonOption = False) -> None:
    """List outlets: articles, languages, learnt group, declared leaning, top narratives."""
    from narrascope.trends import outlet_list

    found = read(db, lambda database: outlet_list(database))
    if json_out:
        typer.echo(json_text(found, indent=2))
        return
    if not found:
        _out.print("no outlets (articles name none; see `narrascope analyze --outlets`)")
        return
    table = Table(title=f"{len(found)} outlets")
    columns = ("outlet", "articles", "languages", "group", "leaning", "published", "top narrative")
    for col in columns:
        table.add_column(col, overflow="fold")
    for o in found:
        span = f"{o['first_published'] or '–'} → {o['last_published'] or '–'}"
        table.add_row(
            term_text(o["name"]),
            str(o["articles"]),
            term_text(_counts(o["languages"])),
            o["group"] or "–",
            term_text(o["declared_leaning"] or "–"),
            span,
            term_text(_counts(o["top_narratives"], 1)),
        )
    _out.print(table)


def outlet(
    name: Annotated[str, typer.Argument(help="Outlet name (any case).")],
    db: DbOption = "narrascope.db",
    interval: Annotated[
        str | None, typer.Option(help="Volume per day, week or month (default: by span).")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Show one outlet: volume over time, narratives, techniques, framing, group, neighbours."""
    from narrascope.trends import outlet_profile

    _check_interval(interval)
    profile = read(db, lambda database: outlet_profile(database, name, interval=interval))
    if profile is None:
        fail(f"no outlet named {name!r} (`narrascope outlets` lists them)")
    assert profile is not None
    if json_out:
        typer.echo(json_text(profile, indent=2))
        return
    _out.print(term_text(f"Outlet {profile['name']}", style="bold"))
    head = Table(show_header=False)
    rows = [
        ("articles", f"{profile['articles']} ({profile['undated']} undated)"),
        ("languages", _counts(profile["languages"], 5)),
        ("published", f"{profile['first_published'] or '–'} → {profile['last_published'] or '–'}"),
        ("learnt group", f"{profile['group'] or '–'} {', '.join(profile['group_members'])}"),
        ("declared leaning", profile["declared_leaning"] or "–"),
        ("country", profile["country"] or "–"),
        ("techniques / 1000 words", str(profile["techniques_per_1000_words"] or "–")),
        (
            "nearest outlets",
            ", ".join(f"{n['name']} ({n['similarity']:.2f})" for n in profile["nearest_outlets"]),
        ),
    ]
    for key, value in rows:
        head.add_row(key, term_text(value))
    _out.print(head)
    nar = Table(title="Narratives")
    nar.add_column("narrative", overflow="fold")
    nar.add_column("articles")
    for label, n in profile["narratives"].items():
        nar.add_row(term_text(label), str(n))
    _out.print(nar)
    fra = Table(title="How it frames its most frequent entities")
    for col in ("entity", "Protagonist", "Antagonist", "Innocent", "fine roles", "quote"):
        fra.add_column(col, overflow="fold")
    for ent, entry in profile["framing"].items():
        fra.add_row(
            term_text(ent),
            str(entry["Protagonist"]),
            str(entry["Antagonist"]),
            str(entry["Innocent"]),
            term_text(_counts(entry["fine_roles"])),
            term_text(entry["quotes"][0] if entry["quotes"] else ""),
        )
    _out.print(fra)
    vol = " ".join(f"{v['period']}:{v['articles']}" for v in profile["volume"][-12:])
    _out.print(term_text(f"Articles per {profile['interval']} (latest): {vol}"))


def entity(
    name: Annotated[str, typer.Argument(help="Entity name, alias or id (any case).")],
    db: DbOption = "narrascope.db",
    interval: Annotated[
        str | None, typer.Option(help="Roles per day, week or month (default: by span).")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Show how each outlet frames one entity, with quotes, and its roles over time."""
    from narrascope.trends import entity_profile

    _check_interval(interval)
    profile = read(db, lambda database: entity_profile(database, name, interval=interval))
    if profile is None:
        fail(f"no entity named {name!r} (a name, alias or entity id)")
    assert profile is not None
    if json_out:
        typer.echo(json_text(profile, indent=2))
        return
    _out.print(term_text(f"{profile['name']} ({profile['id']})", style="bold"))
    _out.print(term_text(f"aliases: {', '.join(profile['aliases'][:12])}"))
    table = Table(title="By outlet (articles casting it in each role)")
    for col in ("outlet", "Protagonist", "Antagonist", "Innocent", "fine roles", "quote"):
        table.add_column(col, overflow="fold")
    for out_name, entry in profile["by_outlet"].items():
        table.add_row(
            term_text(out_name or "unknown"),
            str(entry["Protagonist"]),
            str(entry["Antagonist"]),
            str(entry["Innocent"]),
            term_text(_counts(entry["fine_roles"])),
            term_text(entry["quotes"][0] if entry["quotes"] else ""),
        )
    _out.print(table)
    over = Table(title=f"Over time (per {profile['interval']}; {profile['undated']} undated)")
    for col in ("period", "Protagonist", "Antagonist", "Innocent"):
        over.add_column(col)
    for point in profile["over_time"]:
        over.add_row(
            point["period"],
            str(point["Protagonist"]),
            str(point["Antagonist"]),
            str(point["Innocent"]),
        )
    _out.print(over)


def _check_interval(interval: str | None) -> None:
    from narrascope.trends import INTERVALS

    if interval is not None and interval not in INTERVALS:
        fail(f"--interval {interval!r}: expected one of {', '.join(INTERVALS)}")


def trends_csv(data: dict[str, Any], measure: str = "articles") -> list[list[Any]]:
    """Rows of the ``--csv`` layout: ``period, key, <one column per outlet>, all``.

    ``data`` is a per-outlet :func:`~narrascope.trends.trend_series`; cells are
    articles (or shares) of that outlet in that period carrying the key. Outlet
    columns are sorted by name; ``all`` sums the articles of every outlet.
    """
    names = sorted({s["outlet"] or "" for s in data["series"]})
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for s in data["series"]:
        for point in s["points"]:
            cells.setdefault((point["period"], s["key"]), {})[s["outlet"] or ""] = point
    keys = list(dict.fromkeys(s["key"] for s in data["series"]))
    rows: list[list[Any]] = [["period", "key", *[n or "(unknown)" for n in names], "all"]]
    for period in data["periods"]:
        for key in keys:
            got = cells.get((period, key), {})
            values = [got[n][measure] if n in got else 0 for n in names]
            total = sum(got[n]["articles"] for n in got)
            rows.append([period, key, *values, total])
    return rows


def trends(
    db: DbOption = "narrascope.db",
    by: Annotated[
        str, typer.Option(help="What to count: narrative, subnarrative, technique, entity.")
    ] = "narrative",
    interval: Annotated[str, typer.Option(help="day, week (ISO, from Monday) or month.")] = "week",
    outlet: Annotated[str | None, typer.Option(help="One outlet only.")] = None,
    group: Annotated[str | None, typer.Option(help="One learnt outlet group (G1, G2…).")] = None,
    entity_name: Annotated[
        str | None, typer.Option("--entity", help="With --by entity: this entity's roles.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (YYYY-MM-DD).")] = None,
    per_outlet: Annotated[
        bool, typer.Option("--per-outlet", help="One series per outlet (always with --csv).")
    ] = False,
    emerging_only: Annotated[
        bool,
        typer.Option("--emerging", help="Only keys whose latest-period share rose significantly."),
    ] = False,
    share: Annotated[bool, typer.Option("--share", help="CSV cells are shares.")] = False,
    json_out: JsonOption = False,
    csv_out: Annotated[
        bool, typer.Option("--csv", help="CSV: a row per period and key, a column per outlet.")
    ] = False,
) -> None:
    """Narratives, sub-narratives, techniques or an entity's roles per day, week or month."""
    from narrascope.trends import BY, emerging, trend_series

    check_dates(since=since, until=until)
    _check_interval(interval)
    if by not in BY:
        fail(f"--by {by!r}: expected one of {', '.join(BY)}")
    if json_out and csv_out:
        fail("--json and --csv: choose one")

    def query(database: Any) -> Any:
        if emerging_only:
            return emerging(
                database, interval, by=by, outlet=outlet, group=group, since=since, until=until
            )
        return trend_series(
            database,
            by,
            interval,
            outlet=outlet,
            group=group,
            since=since,
            until=until,
            entity=entity_name,
            per_outlet=per_outlet or csv_out,
        )

    try:
        found = read(db, query)
    except ValueError as exc:
        fail(str(exc))
    if json_out:
        typer.echo(json_text(found, indent=2))
        return
    if emerging_only:
        _print_emerging(found, interval)
        return
    if csv_out:
        writer = SafeCsvWriter(sys.stdout)
        for row in trends_csv(found, "share" if share else "articles"):
            writer.writerow(row)
        if found["undated"]:
            console.print(f"{found['undated']} undated articles are in no period (not in the CSV)")
        return
    _print_series(found)


def _print_series(data: dict[str, Any]) -> None:
    periods = data["periods"][-8:]
    if not data["series"]:
        _out.print("nothing to count in this scope")
    else:
        table = Table(title=f"{data['by']} per {data['interval']}: articles (share)")
        table.add_column("key", overflow="fold")
        with_outlet = any(s["outlet"] for s in data["series"])
        if with_outlet:
            table.add_column("outlet", overflow="fold")
        for period in periods:
            table.add_column(period)
        for s in data["series"][:40]:
            points = {p["period"]: p for p in s["points"]}
            cells = [
                f"{points[p]['articles']} ({100 * points[p]['share']:.0f}%)" if p in points else ""
                for p in periods
            ]
            outlet_cell = [term_text(s["outlet"] or "")] if with_outlet else []
            table.add_row(term_text(s["key"]), *outlet_cell, *cells)
        _out.print(table)
    if data["undated"]:
        _out.print(f"{data['undated']} undated articles are counted apart (in no period)")


def _print_emerging(found: list[dict[str, Any]], interval: str) -> None:
    if not found:
        _out.print(f"no narrative rose significantly in the latest {interval}")
        return
    table = Table(title=f"Emerging in the latest {interval} (one-sided binomial test)")
    for col in ("key", "period", "articles", "share", "baseline", "lift", "p (adjusted)"):
        table.add_column(col, overflow="fold")
    for e in found:
        table.add_row(
            term_text(e["key"]),
            e["period"],
            f"{e['articles']}/{e['period_articles']}",
            f"{100 * e['share']:.1f}%",
            f"{100 * e['baseline_share']:.1f}%",
            f"×{e['lift']:.1f}",
            f"{e['p_adjusted']:.2g}",
        )
    _out.print(table)
