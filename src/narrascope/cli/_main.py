"""The ``narrascope`` command line (Typer + Rich). Parses arguments, calls the app.

Every command that fails for a reason the user can fix prints one line naming
the file and the reason and exits non-zero; nothing here holds analysis logic.
"""

from __future__ import annotations

import json
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
)
from rich.table import Table
from rich.text import Text

from narrascope.cli._safe import SafeCsvWriter, markup_safe, term_text
from narrascope.errors import NarrascopeError

__all__ = ["app", "main"]

app = typer.Typer(
    name="narrascope",
    help="Find propaganda narratives, entity framing and persuasion techniques in news, "
    "with quotes as evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Score a stage against a gold-annotated folder.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

console = Console(stderr=True)
out = Console()

DbOption = Annotated[
    str,
    typer.Option("--db", help="SQLite file, or a PostgreSQL URL (postgresql://user@host/db)."),
]


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


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {markup_safe(message)}", highlight=False, markup=True)
    raise typer.Exit(code)


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
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="Field mapping for JSONL/CSV, e.g. --field text=body."),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language of every input (skip detection).")
    ] = None,
    max_mb: Annotated[float, typer.Option(help="Reject inputs larger than this (MB).")] = 10.0,
    timeout: Annotated[float, typer.Option(help="HTTP timeout per request (s).")] = 10.0,
    retries: Annotated[int, typer.Option(help="HTTP retries on timeouts and 5xx.")] = 2,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest and analyse articles into the database (only new or changed ones)."""
    from narrascope.ingest import IngestOptions

    field_map: dict[str, str] = {}
    for item in field or []:
        if "=" not in item:
            _fail(f"--field {item!r}: expected CANONICAL=COLUMN, e.g. text=body")
        key, value = item.split("=", 1)
        field_map[key.strip()] = value.strip()
    options = IngestOptions(
        outlet_from=outlet_from,
        field_map=field_map,
        max_bytes=int(max_mb * 1_000_000),
        timeout=timeout,
        retries=retries,
        default_language=language,
    )
    _stop_workers_on_signals()
    try:
        narrascope = _open_app(db, config, stages, disable)
        console.print(f"Loading pipeline: {', '.join(narrascope.config.stages)}")
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
        console=console,
        transient=False,
    ) as progress:
        tasks: dict[str, Any] = {}

        def hook(phase: str, advance: int, total: int | None) -> None:
            if phase not in tasks:
                label = "Ingesting" if phase == "ingest" else "Analysing"
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
        out.print_json(data={**summary.as_dict(), "rejects": summary.rejected})
        if nothing_read:
            raise typer.Exit(2)
        return
    table = Table(title=f"narrascope analyze → {db}", show_header=False)
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
        rej = Table(title="Rejected inputs")
        rej.add_column("source", overflow="fold")  # a path is never cut short
        rej.add_column("reason", overflow="fold")
        for source, reason in summary.rejected:
            rej.add_row(term_text(source), term_text(reason))
        console.print(rej)
    if nothing_read:
        _fail(f"nothing to analyse: all {len(summary.rejected)} inputs were rejected", code=2)


@app.command()
def report(
    db: DbOption = "narrascope.db",
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "report.html"
    ),
    title: Annotated[str, typer.Option(help="Report title.")] = "narrascope report",
) -> None:
    """Write a self-contained HTML report (works offline, no external files)."""
    from narrascope.store import Database
    from narrascope.web import render_report

    try:
        database = Database(db, must_exist=True)
        docs = database.load_documents()
        _link(docs)
    except NarrascopeError as exc:
        _fail(str(exc))
    html = render_report(docs, title=title, rejects=database.rejects())
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(html, encoding="utf-8")
    except OSError as exc:
        _fail(f"{out_path}: cannot write the report ({exc.strerror or exc})")
    console.print(f"Wrote {out_path} ({len(docs)} articles, {len(html) // 1024} KiB)")


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id (a unique prefix is enough).")],
    db: DbOption = "narrascope.db",
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the stored document as JSON.")
    ] = False,
) -> None:
    """Show one stored article with everything narrascope found in it."""
    from narrascope.app import Narrascope

    try:
        narrascope = Narrascope(db, must_exist=True)
        full_id = narrascope.resolve_id(article_id)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    except NarrascopeError as exc:
        _fail(str(exc))
    doc = narrascope.documents([full_id])[0]
    if json_out:
        out.print_json(data=doc.to_dict())
        return
    out.print(term_text(doc.title or "(untitled)", style="bold"))
    out.print(
        term_text(
            f"{doc.id} · {doc.outlet or 'unknown outlet'} · {doc.published or 'no date'} · "
            f"{doc.language} · {doc.word_count} words · {doc.url or doc.source}"
        )
    )
    if doc.duplicate_of:
        out.print(Text(f"copy or near-duplicate of {doc.duplicate_of} (not analysed)"))
    for note in doc.notes:
        out.print(term_text(f"note: {note}", style="yellow"))
    if doc.entities:
        table = Table(title="Entities")
        for col in ("entity", "type", "aliases", "mentions"):
            table.add_column(col)
        for ent in sorted(doc.entities, key=lambda e: -len(e.mentions)):
            table.add_row(
                term_text(ent.name),
                ent.label,
                term_text(", ".join(ent.aliases)),
                str(len(ent.mentions)),
            )
        out.print(table)
    if doc.narratives:
        table = Table(title=f"Narratives (domain {doc.narratives.domain})")
        table.add_column("label")
        table.add_column("p", justify="right")
        table.add_column("evidence")
        for label in doc.narratives.labels:
            quote = label.evidence[0].text if label.evidence else ""
            table.add_row(Text(label.label), f"{label.probability:.2f}", term_text(quote[:160]))
        out.print(table)
        if doc.narratives.explanation:
            out.print(term_text("Explanation: " + doc.narratives.explanation))
    if doc.framings:
        table = Table(title="Entity framing")
        for col in ("entity", "salience", "main role", "fine roles", "evidence"):
            table.add_column(col)
        # the actors the article is most about first
        framed = [f for f in doc.framings if f.mention == -1 and f.main_role]
        for fr in sorted(framed, key=lambda f: (-f.salience, -f.main_probability)):
            roles = ", ".join(f"{r.role} {r.probability:.2f}" for r in fr.fine_roles)
            quote = fr.evidence[0].text if fr.evidence else ""
            table.add_row(
                term_text(fr.name),
                f"{fr.salience:.2f}",
                f"{fr.main_role} {fr.main_probability:.2f}",
                roles,
                term_text(quote[:120]),
            )
        out.print(table)
    if doc.techniques:
        table = Table(title="Persuasion techniques")
        for col in ("technique", "p", "span"):
            table.add_column(col)
        for span in doc.techniques:
            table.add_row(
                span.technique,
                f"{span.probability:.2f}",
                term_text(doc.text[span.start : span.end][:120]),
            )
        out.print(table)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find (full-text search).")],
    db: DbOption = "narrascope.db",
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
) -> None:
    """Full-text search over stored articles."""
    from narrascope.store import Database

    try:
        hits = Database(db, must_exist=True).search(query, limit=limit)
    except NarrascopeError as exc:
        _fail(str(exc))
    table = Table(title=f"Search: {query}")
    for col in ("id", "title", "snippet"):
        table.add_column(col)
    for article_id, title_, snippet in hits:
        table.add_row(article_id[:12], term_text(title_), term_text(snippet.replace("\n", " ")))
    out.print(table)


@app.command()
def export(
    db: DbOption = "narrascope.db",
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or semeval.")] = "jsonl",
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("results"),
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

    if fmt not in ("jsonl", "csv", "semeval"):
        _fail(f"--format {fmt!r}: expected jsonl, csv or semeval")
    try:
        docs = Database(db, must_exist=True).load_documents()
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
                fh.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
        written.append(path)
    elif fmt == "csv":
        written += _export_csv(docs, out_dir)
    else:
        order: list[str] | None = None
        if gold_order is not None:
            try:
                lines = gold_order.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                _fail(f"{gold_order}: cannot read ({exc.strerror})")
            order = list(dict.fromkeys(line.split("\t", 1)[0] for line in lines if line.strip()))
        written += _export_semeval(docs, out_dir, order)
    for path in written:
        console.print(f"Wrote {path}")


def _export_csv(docs: list[Any], out_dir: Path) -> list[Path]:
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
        writer.writerow(["article_id", "technique", "start", "end", "probability", "text"])
        for doc in docs:
            for span in doc.techniques:
                writer.writerow(
                    [
                        doc.id,
                        span.technique,
                        span.start,
                        span.end,
                        round(span.probability, 4),
                        doc.text[span.start : span.end],
                    ]
                )
    paths.append(techniques)
    return paths


def _export_semeval(docs: list[Any], out_dir: Path, order: list[str] | None = None) -> list[Path]:
    """Official prediction files; ids are the source file names, as in the SemEval data.

    Rows follow ``order`` (the gold file's document order) when given, else file names.
    Copies and near-duplicates get their original's predictions, placed on their own
    text: a scorer expects a line for every file it was given.
    """
    import dataclasses

    from narrascope.document import results_on

    by_id = {doc.id: doc for doc in docs}
    named = []
    for doc in docs:
        if doc.duplicate_of:
            original = by_id.get(doc.duplicate_of)
            if original is None or original.duplicate_of:
                continue
            doc = results_on(original, doc)
        named.append(dataclasses.replace(doc, id=Path(doc.source).name if doc.source else doc.id))
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
                fh.write(f"{doc.id}\t{span.technique}\t{span.start}\t{span.end}\n")
    paths.append(techniques)
    return paths


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
