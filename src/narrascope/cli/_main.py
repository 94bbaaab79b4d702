"""The ``narrascope`` command line (Typer + Rich). Parses arguments, calls the app.

Every command that fails for a reason the user can fix prints one line naming
the file and the reason and exits non-zero; nothing here holds analysis logic.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from narrascope.cli._common import DbOption, check_dates, console, fail
from narrascope.cli._safe import SafeCsvWriter, json_text, markup_safe, term_text, terminal_safe
from narrascope.errors import NarrascopeError

__all__ = ["app", "main"]


class _FlagsAsFlags:
    """Help that shows an on/off option as a bare flag (``--json``, not ``--json <bool>``).

    Typer's help prints every option's type, flags included, so ``--json <bool>``
    read as if it took a value; an empty metavar leaves the type column blank for
    flags (``--help`` too) and changes nothing about parsing.
    """

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class _Command(_FlagsAsFlags, TyperCommand):
    pass


class _Group(_FlagsAsFlags, TyperGroup):
    pass


class _Typer(typer.Typer):
    """Every command of this app (and of ``eval``) gets the flag-showing help."""

    def command(self, name: str | None = None, *, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(name, cls=cls or _Command, **kwargs)


app = _Typer(
    name="narrascope",
    help="Find propaganda narratives, entity framing and persuasion techniques in news, "
    "with quotes as evidence.",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = _Typer(
    help="Score a stage against a gold-annotated folder.", cls=_Group, no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

out = Console()


def _print_version(value: bool) -> None:
    if value:
        from narrascope import __version__

        out.print(f"narrascope {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Find propaganda narratives, entity framing and persuasion techniques in news,
    with quotes as evidence."""


#: rejected inputs listed after ``analyze`` (the rest are counted)
_MAX_REJECTS_SHOWN = 50


class RateColumn(ProgressColumn):
    """Articles per second (Rich's own speed columns are for bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} articles/s" if speed else "", style="progress.data.speed")


def _link(docs: list[Any]) -> None:
    """Corpus-level alias linking (imported here: it loads spaCy, which --help must not)."""
    from narrascope.nlp import link_corpus_entities

    link_corpus_entities(docs)


def _stop_workers_on_signals() -> None:
    """Let Ctrl-C or a SIGTERM end ``analyze`` without leaving NER workers behind.

    spaCy's multi-process pipe joins its workers when interrupted; a worker blocked
    writing to a pipe nobody reads any more never exits, and the CLI would wait for
    it for ever. Terminating the children first lets the join return. Stored
    batches are safe either way: each is one transaction.
    """
    import multiprocessing
    import signal

    def stop(signum: int, _frame: Any) -> None:
        for child in multiprocessing.active_children():
            child.terminate()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


_fail = fail


def _open_app(
    db: str, config: Path | None = None, stages: str | None = None, disable: str | None = None
) -> Any:
    from narrascope.app import Narrascope
    from narrascope.config import load_config

    cfg = load_config(config)
    only = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    off = [s.strip() for s in disable.split(",") if s.strip()] if disable else None
    cfg = cfg.with_stages(only, off)
    return Narrascope(db, cfg)


@app.command()
def analyze(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files, folders, globs, URLs, feeds (RSS/Atom/OPML), URL lists, or -."),
    ],
    db: DbOption = "narrascope.db",
    config: Annotated[Path | None, typer.Option(help="Pipeline config (TOML).")] = None,
    stages: Annotated[str | None, typer.Option(help="Comma-separated stages to run.")] = None,
    disable: Annotated[str | None, typer.Option(help="Comma-separated stages to skip.")] = None,
    outlet_from: Annotated[
        str, typer.Option(help="Where the outlet comes from: auto, folder, domain, field, none.")
    ] = "auto",
    outlets: Annotated[
        Path | None,
        typer.Option(help="Outlets file (.csv or .toml): URL domains → outlet names."),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="Field mapping for JSONL/CSV, e.g. --field text=body."),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language of every input (skip detection).")
    ] = None,
    max_mb: Annotated[float, typer.Option(help="Reject inputs larger than this (MB).")] = 10.0,
    timeout: Annotated[
        float, typer.Option(help="HTTP time limit per request, body included (s).")
    ] = 10.0,
    retries: Annotated[int, typer.Option(help="HTTP retries on timeouts and 5xx.")] = 2,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            help="Let URLs, feed links and redirects reach loopback, private and link-local "
            "addresses (refused by default)."
        ),
    ] = False,
    follow_links: Annotated[
        bool,
        typer.Option(help="Read symlinked files that point outside the input folders."),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the stages run: local (this process) or ray (a Ray cluster; "
            "pip install ray)."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster to join (e.g. ray://head:10001 or auto); without it --engine "
            "ray starts a local Ray instance on 127.0.0.1."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Ray workers (actors, one model copy each); default: one per CPU."),
    ] = None,
) -> None:
    """Ingest and analyse articles into the database (only new or changed ones)."""
    from narrascope.ingest import IngestOptions, load_outlets

    field_map: dict[str, str] = {}
    for item in field or []:
        if "=" not in item:
            _fail(f"--field {item!r}: expected CANONICAL=COLUMN, e.g. text=body")
        key, value = item.split("=", 1)
        field_map[key.strip()] = value.strip()
    try:
        directory = load_outlets(outlets) if outlets is not None else None
        options = IngestOptions(
            outlet_from=outlet_from,
            field_map=field_map,
            max_bytes=int(max_mb * 1_000_000),
            timeout=timeout,
            retries=retries,
            default_language=language,
            outlets=directory,
            allow_private_urls=allow_private_urls,
            follow_links=follow_links,
        )
    except ValueError as exc:
        _fail(str(exc))
    if engine not in ("local", "ray"):
        _fail(f"--engine {engine!r}: expected local or ray")
    if engine == "local" and (address is not None or workers is not None):
        _fail("--address and --workers are for --engine ray")
    if workers is not None and workers < 1:
        _fail(f"--workers {workers}: expected at least 1")
    if engine == "ray":
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            _fail("--engine ray needs Ray: pip install ray (see docs/scaling.md)")
    _stop_workers_on_signals()
    try:
        narrascope = _open_app(db, config, stages, disable)
        narrascope.engine = engine
        narrascope.ray_address = address
        narrascope.ray_workers = workers
        console.print(f"Pipeline: {', '.join(narrascope.config.stages)}")
        _ = narrascope.pipeline
    except NarrascopeError as exc:
        _fail(str(exc))
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        tasks: dict[str, Any] = {}

        def hook(phase: str, advance: int, total: int | None) -> None:
            if phase not in tasks:
                label = "Reading" if phase == "ingest" else "Analysing"
                tasks[phase] = progress.add_task(label, total=total)
            progress.update(tasks[phase], advance=advance, total=total)

        try:
            summary = narrascope.analyze(
                inputs,
                options=options,
                stdin=sys.stdin,
                progress=hook,
                command="analyze " + " ".join(inputs),
            )
        except NarrascopeError as exc:
            _fail(str(exc))
        except Exception as exc:  # an unforeseen failure still ends the run with its reason
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
            _fail(f"the run stopped: {reason} (every batch stored before this is kept)")
    nothing_read = summary.ingested == 0 and bool(summary.rejected)
    if json_out:
        _outlet_hint(summary, outlet_from)
        # plain JSON (Rich's highlighter took minutes over a million rejects), with
        # control and bidi characters in file names escaped
        typer.echo(json_text({**summary.as_dict(), "rejects": summary.rejected}, indent=2))
        if nothing_read:
            raise typer.Exit(2)
        return
    from narrascope.store import redact

    table = Table(title=f"narrascope analyze → {redact(db)}", show_header=False)
    rows = [
        ("ingested", summary.ingested),
        ("new", summary.new),
        ("changed", summary.changed),
        ("unchanged (skipped)", summary.unchanged),
        ("exact copies (linked, not analysed)", summary.exact_duplicates),
        ("near-duplicates (linked, not analysed)", summary.near_duplicates),
        ("analysed", summary.analysed),
        ("stages re-run", ", ".join(f"{k}×{v}" for k, v in summary.rerun.items()) or "–"),
        ("rejected", len(summary.rejected)),
        ("time", f"{summary.seconds_total:.1f} s ({summary.articles_per_second:.1f} articles/s)"),
    ]
    for key, value in rows:
        table.add_row(key, str(value))
    console.print(table)
    if summary.rejected:
        # a table of a million rows takes minutes to lay out: show the first ones
        shown = summary.rejected[:_MAX_REJECTS_SHOWN]
        rej = Table(title="Rejected inputs")
        rej.add_column("source", overflow="fold")  # a path is never cut short
        rej.add_column("reason", overflow="fold")
        for source, reason in shown:
            rej.add_row(term_text(source), term_text(reason))
        console.print(rej)
        if len(summary.rejected) > len(shown):
            console.print(
                f"… and {len(summary.rejected) - len(shown)} more rejected inputs"
                " (all are stored; `narrascope analyze --json` lists them)",
                highlight=False,
                markup=False,
            )
    _outlet_hint(summary, outlet_from)
    if nothing_read:
        _fail(f"nothing to analyse: all {len(summary.rejected)} inputs were rejected", code=2)


def _outlet_hint(summary: Any, outlet_from: str) -> None:
    """Say once per run how to name the outlets the data left unknown."""
    if not summary.unknown_outlet or outlet_from == "none":
        return
    console.print(
        f"{summary.unknown_outlet} of {summary.ingested} articles name no outlet (shown as"
        " unknown). Set it with --outlet-from folder (the folder name), an outlet field"
        " (an `outlet:` header line, or --field outlet=COLUMN for JSONL/CSV) or"
        " --outlets outlets.csv (URL domains → names; see docs/ingest.md).",
        style="yellow",
        highlight=False,
        markup=False,
    )


def _report_path(value: str) -> Path:
    """``--out``: a file, or a folder (one that exists, or any name ending in a slash)
    to write ``report.html`` into."""
    path = Path(value).expanduser()
    if value.endswith(("/", "\\")) or path.is_dir():
        return path / "report.html"
    return path


@app.command()
def report(
    db: DbOption = "narrascope.db",
    out_arg: Annotated[
        str,
        typer.Option(
            "--out", help="HTML file to write, or a folder (existing or ending in /) to write into."
        ),
    ] = "report.html",
    title: Annotated[str, typer.Option(help="Report title.")] = "narrascope report",
    full_articles: Annotated[
        int,
        typer.Option(help="Articles shown in full; the rest are listed only.", min=0),
    ] = 200,
    max_rejects: Annotated[
        int, typer.Option(help="Most recent rejected inputs listed; the rest counted.", min=0)
    ] = 200,
    max_stories: Annotated[
        int,
        typer.Option(help="Stories given a side-by-side page (most outlets first).", min=0),
    ] = 50,
) -> None:
    """Write a self-contained HTML report (works offline, no external files)."""
    from narrascope.cli._stories import report_stories
    from narrascope.store import Database
    from narrascope.web import render_report

    out_path = _report_path(out_arg)
    try:
        database = Database(db, must_exist=True, read_only=True)
        docs = database.load_documents()
        _link(docs)
        rejects = database.rejects(limit=max_rejects)
        n_rejects = database.count_rejects()
        stories, n_stories = report_stories(database, max_stories)
        trends = _report_trends(database)
    except NarrascopeError as exc:
        _fail(str(exc))
    html = render_report(
        docs,
        title=title,
        rejects=rejects,
        rejects_total=n_rejects,
        full_articles=full_articles,
        stories=stories,
        stories_total=n_stories,
        trends=trends,
    )
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(html, encoding="utf-8")
    except OSError as exc:
        _fail(f"{out_path}: cannot write the report ({exc.strerror or exc})")
    console.print(f"Wrote {out_path} ({len(docs)} articles, {len(html) // 1024} KiB)")


def _report_trends(database: Any) -> dict[str, Any] | None:
    """The report's trends, outlets and entities sections (issue 17), from SQL."""
    from narrascope.web._charts import report_trends

    return report_trends(database)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id (a unique prefix is enough).")],
    db: DbOption = "narrascope.db",
    full: Annotated[
        bool, typer.Option("--full", help="Every label, entity, role and technique span.")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the stored document as JSON.")
    ] = False,
) -> None:
    """Show one stored article with what narrascope found in it (compact; --full for all)."""
    from narrascope.cli._show import article_table, print_document
    from narrascope.store import Database
    from narrascope.techniques import named_techniques

    try:
        database = Database(db, must_exist=True, read_only=True)
        matches = database.list_articles(prefix=article_id, limit=_CANDIDATES + 1)
    except NarrascopeError as exc:
        _fail(str(exc))
    exact = [row for row in matches if row.id == article_id]  # wins over longer ids
    if len(matches) > 1 and not exact:
        shown = len(matches) if len(matches) <= _CANDIDATES else f"more than {_CANDIDATES}"
        title = f"Articles whose id starts with {article_id}"
        out.print(article_table(matches[:_CANDIDATES], title))
        _fail(f"id prefix {article_id!r} is ambiguous ({shown} articles): give more characters")
    doc = database.load_document((exact or matches)[0].id) if matches else None
    if doc is None:
        _fail(f"no article with id {article_id!r} (`narrascope list` shows the stored ids)")
    if json_out:
        typer.echo(json_text(named_techniques(doc.to_dict()), indent=2))
        return
    print_document(doc, out, full=full)


#: how many candidates an ambiguous id prefix lists
_CANDIDATES = 10


@app.command("list")
def list_articles(
    db: DbOption = "narrascope.db",
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only articles published on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only articles published on or before (YYYY-MM-DD).")
    ] = None,
    narrative: Annotated[
        str | None,
        typer.Option(help="Only articles with a (sub-)narrative label containing this text."),
    ] = None,
    language: Annotated[str | None, typer.Option(help="Only this language (e.g. en).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many articles (0: all).")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List stored articles (id, date, outlet, title), newest first."""

    from narrascope.cli._show import article_table
    from narrascope.store import Database

    check_dates(since=since, until=until)
    if limit < 0:
        _fail(f"--limit {limit}: expected 0 (all) or more")
    try:
        database = Database(db, must_exist=True, read_only=True)
        rows = database.list_articles(
            outlet=outlet,
            since=since,
            until=until,
            narrative=narrative,
            language=language,
            limit=limit or None,
        )
        total = database.count()
    except NarrascopeError as exc:
        _fail(str(exc))
    if json_out:
        for row in rows:
            out.print_json(data=dataclasses.asdict(row), indent=None)
        return
    if not rows:
        out.print("no articles match" if total else "no articles stored")
        return
    more = " (--limit reached)" if limit and len(rows) == limit else ""
    out.print(article_table(rows, f"{len(rows)} of {total} stored articles{more}"))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find (full-text search).")],
    db: DbOption = "narrascope.db",
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
) -> None:
    """Full-text search over stored articles."""
    from narrascope.store import Database

    try:
        hits = Database(db, must_exist=True, read_only=True).search(query, limit=limit)
    except NarrascopeError as exc:
        _fail(str(exc))
    if not hits:
        out.print(Text(f"no results for {terminal_safe(query)}"))
        return
    table = Table(title=Text(f"Search: {terminal_safe(query)}"))
    for col in ("id", "title", "snippet"):
        table.add_column(col)
    for article_id, title_, snippet in hits:
        table.add_row(article_id, term_text(title_), term_text(snippet.replace("\n", " ")))
    out.print(table)


@app.command()
def export(
    db: DbOption = "narrascope.db",
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or semeval.")] = "jsonl",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into [default: DB-export beside the DB]."),
    ] = None,
    gold_order: Annotated[
        Path | None,
        typer.Option(
            "--gold-order",
            help="semeval: a gold annotation file whose row order the predictions follow.",
        ),
    ] = None,
) -> None:
    """Export stored results (JSONL documents, CSV tables, or SemEval prediction files)."""
    from narrascope.store import Database
    from narrascope.techniques import named_techniques

    if fmt not in ("jsonl", "csv", "semeval"):
        _fail(f"--format {fmt!r}: expected jsonl, csv or semeval")
    out_dir = _export_dir(db, out_dir)
    try:
        docs = Database(db, must_exist=True, read_only=True).load_documents()
        _link(docs)
    except NarrascopeError as exc:
        _fail(str(exc))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. --out names an existing file
        _fail(f"{out_dir}: cannot write exports into it ({exc.strerror or exc})")
    written: list[Path] = []
    if fmt == "jsonl":
        path = out_dir / "documents.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(json_text(named_techniques(doc.to_dict())) + "\n")
        written.append(path)
    elif fmt == "csv":
        written += _export_csv(docs, out_dir)
        from narrascope.cli._stories import export_story_csvs

        database = Database(db, must_exist=True, read_only=True)
        try:
            written += export_story_csvs(database, out_dir)
        finally:
            database.close()
    else:
        order: list[str] | None = None
        if gold_order is not None:
            try:
                lines = gold_order.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                _fail(f"{gold_order}: cannot read ({exc.strerror})")
            order = list(dict.fromkeys(line.split("\t", 1)[0] for line in lines if line.strip()))
        paths, skipped = _export_semeval(docs, out_dir, order)
        written += paths
        for name, reason in skipped:
            console.print(term_text(f"skipped {name!r}: {reason}"), style="yellow")
    for path in written:
        console.print(f"Wrote {path}")


def _export_dir(db: str, out_dir: Path | None) -> Path:
    """Where ``export`` writes: ``--out``, else ``news-export/`` beside ``news.db``.

    A PostgreSQL database gets ``<dbname>-export/`` in the working directory. Never
    a folder inside the installed package: the next upgrade would delete it.
    """
    if out_dir is None:
        if db.startswith("sqlite:///"):
            db = db[len("sqlite:///") :]
        if "://" in db:
            name = db.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "narrascope"
            out_dir = Path(f"{name}-export")
        else:
            path = Path(db).expanduser()
            out_dir = path.with_name(f"{path.stem or path.name}-export")
    package = Path(__file__).resolve().parent.parent
    if out_dir.resolve().is_relative_to(package):
        _fail(f"{out_dir}: inside the narrascope package; pass --out with a folder elsewhere")
    return out_dir


def _export_csv(docs: list[Any], out_dir: Path) -> list[Path]:
    from narrascope.techniques import display_name

    paths = []
    articles = out_dir / "articles.csv"
    with articles.open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(
            [
                "id",
                "title",
                "outlet",
                "published",
                "language",
                "url",
                "words",
                "duplicate_of",
                "dominant_narrative",
                "explanation",
            ]
        )
        for doc in docs:
            nar = doc.narratives
            writer.writerow(
                [
                    doc.id,
                    doc.title,
                    doc.outlet,
                    doc.published or "",
                    doc.language,
                    doc.url,
                    doc.word_count,
                    doc.duplicate_of or "",
                    nar.dominant if nar else "",
                    nar.explanation if nar else "",
                ]
            )
    paths.append(articles)
    entities = out_dir / "entities.csv"
    with entities.open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(
            [
                "article_id",
                "entity_id",
                "name",
                "label",
                "aliases",
                "mentions",
                "main_role",
                "fine_roles",
                "salience",
            ]
        )
        for doc in docs:
            roles = {f.entity: f for f in doc.framings if f.mention == -1}
            for ent in doc.entities:
                fr = roles.get(ent.id)
                writer.writerow(
                    [
                        doc.id,
                        ent.id,
                        ent.name,
                        ent.label,
                        "|".join(ent.aliases),
                        len(ent.mentions),
                        fr.main_role if fr else "",
                        "|".join(r.role for r in fr.fine_roles) if fr else "",
                        f"{fr.salience:.4f}" if fr else "",
                    ]
                )
    paths.append(entities)
    labels = out_dir / "narratives.csv"
    with labels.open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(["article_id", "outlet", "published", "level", "label", "probability"])
        for doc in docs:
            for lab in doc.narratives.labels if doc.narratives else []:
                writer.writerow(
                    [
                        doc.id,
                        doc.outlet,
                        doc.published or "",
                        lab.level,
                        lab.label,
                        round(lab.probability, 4),
                    ]
                )
    paths.append(labels)
    techniques = out_dir / "techniques.csv"
    with techniques.open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(["article_id", "technique", "name", "start", "end", "probability", "text"])
        for doc in docs:
            for span in doc.techniques:
                writer.writerow(
                    [
                        doc.id,
                        span.technique,
                        display_name(span.technique),
                        span.start,
                        span.end,
                        round(span.probability, 4),
                        doc.text[span.start : span.end],
                    ]
                )
    paths.append(techniques)
    return paths


def _export_semeval(
    docs: list[Any], out_dir: Path, order: list[str] | None = None
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Official prediction files; ids are the source file names, as in the SemEval data.

    Rows follow ``order`` (the gold file's document order) when given, else file names.
    Copies and near-duplicates get their original's predictions, placed on their own
    text: a scorer expects a line for every file it was given. Offsets index the
    source file (``Document.source_offset``), header lines included. Returns the
    files written and ``(name, reason)`` for each document left out: a file name
    with a tab or a line break cannot be an id in a tab-separated line.
    """
    import dataclasses

    from narrascope.document import results_on

    by_id = {doc.id: doc for doc in docs}
    named = []
    skipped: list[tuple[str, str]] = []
    for doc in docs:
        if doc.duplicate_of:
            original = by_id.get(doc.duplicate_of)
            if original is None or original.duplicate_of:
                continue
            doc = results_on(original, doc)
        name = Path(doc.source).name if doc.source else doc.id
        if any(ch in name for ch in "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
            skipped.append((name, "a tab or line break in the file name would break the TSV"))
            continue
        named.append(dataclasses.replace(doc, id=name))
    rank = {doc_id: i for i, doc_id in enumerate(order or [])}
    named.sort(key=lambda d: (rank.get(d.id, len(rank)), d.id))
    paths: list[Path] = []
    writers: list[tuple[str, str]] = [
        ("narratives", "subtask-2-predictions.txt"),
        ("framing", "subtask-1-predictions.txt"),
    ]
    for module, filename in writers:
        try:
            mod = __import__(f"narrascope.{module}", fromlist=["semeval_lines"])
        except ImportError:
            continue
        if not hasattr(mod, "semeval_lines"):
            continue
        lines = mod.semeval_lines(named)
        path = out_dir / filename
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        paths.append(path)
    techniques = out_dir / "techniques-predictions.txt"
    with techniques.open("w", encoding="utf-8") as fh:
        for doc in named:
            for span in doc.techniques:
                start, end = doc.source_offset(span.start), doc.source_offset(span.end)
                fh.write(f"{doc.id}\t{span.technique}\t{start}\t{end}\n")
    paths.append(techniques)
    return paths, skipped


@app.command()
def migrate(db: DbOption = "narrascope.db") -> None:
    """Bring a database's schema up to this version (readers never migrate)."""
    from narrascope.store import Database

    try:
        database = Database(db, must_exist=True)
        version = database.schema_version()
        database.close()
    except NarrascopeError as exc:
        _fail(str(exc))
    console.print(f"{markup_safe(database.display)}: schema version {version}", highlight=False)


@app.command()
def prune(
    db: DbOption = "narrascope.db",
    runs_older_than: Annotated[
        float | None,
        typer.Option(help="Delete the rejects of runs started more than DAYS ago.", min=0),
    ] = None,
    keep_runs: Annotated[
        int | None,
        typer.Option(help="Delete the rejects of all but the N most recent runs.", min=0),
    ] = None,
) -> None:
    """Delete old runs' rejected-input records (articles and results are kept)."""
    from narrascope.store import Database

    if runs_older_than is None and keep_runs is None:
        _fail("say what to prune: --runs-older-than DAYS and/or --keep-runs N")
    try:
        database = Database(db, must_exist=True)
        gone = database.prune(older_than_days=runs_older_than, keep_runs=keep_runs)
        database.close()
    except NarrascopeError as exc:
        _fail(str(exc))
    console.print(
        f"Pruned {gone['runs']} runs and {gone['rejects']} rejected-input records",
        highlight=False,
    )


@app.command("stages")
def list_stages(
    config: Annotated[Path | None, typer.Option(help="Pipeline config (TOML).")] = None,
) -> None:
    """List the configured pipeline stages with what they require and assign."""
    from narrascope.config import load_config
    from narrascope.pipeline import Pipeline

    try:
        pipeline = Pipeline.from_config(load_config(config).stage_infos())
    except NarrascopeError as exc:
        _fail(str(exc))
    table = Table(title="Pipeline")
    for col in ("stage", "version", "requires", "assigns"):
        table.add_column(col)
    for name, stage in pipeline.stages:
        table.add_row(name, stage.version, ", ".join(stage.requires), ", ".join(stage.assigns))
    out.print(table)


def main() -> None:
    """Entry point of the ``narrascope`` script."""
    try:
        app()
    except NarrascopeError as exc:  # pragma: no cover - last resort
        console.print(f"[bold red]error:[/] {markup_safe(str(exc))}")
        sys.exit(1)


def _register_eval_commands() -> None:
    """Each stage owns its eval command (in cli/_eval_<stage>.py)."""
    import importlib
    import importlib.util

    for stage in ("narratives", "framing", "techniques"):
        name = f"narrascope.cli._eval_{stage}"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        eval_app.command(stage)(getattr(module, f"eval_{stage}"))


_register_eval_commands()


def _register_story_commands() -> None:
    """``stories`` and ``story`` live in cli/_stories.py (issue 16)."""
    from narrascope.cli._stories import stories, story

    app.command("stories")(stories)
    app.command("story")(story)


_register_story_commands()


def _register_trends_commands() -> None:
    """``outlets``, ``outlet``, ``entity`` and ``trends`` live in cli/_trends.py (issue 17)."""
    from narrascope.cli._trends import entity, outlet, outlets, trends

    app.command("outlets")(outlets)
    app.command("outlet")(outlet)
    app.command("entity")(entity)
    app.command("trends")(trends)


_register_trends_commands()


def _register_serve_command() -> None:
    """``serve`` lives in cli/_serve.py (issue 18); FastAPI is imported only when it runs."""
    from narrascope.cli._serve import serve

    app.command("serve")(serve)


_register_serve_command()
