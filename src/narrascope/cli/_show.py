"""How ``show`` and ``list`` print articles: a compact screenful by default, all with ``--full``.

Why a compact view: one analysed article holds dozens of labels, entities, roles and
technique spans; printed whole it ran to 240 lines at 80 columns, with the narrative
that matters most somewhere in the middle (labels were in taxonomy order). The
compact view shows what a reader looks at first, most probable first, in lines that
fit an 80-column terminal; ``--full`` keeps every table. Article-derived strings go
through :func:`term_text` only (they are hostile input).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from narrascope.cli._safe import term_text
from narrascope.document import Document, NarrativeLabel
from narrascope.quotes import enclose, shorten
from narrascope.techniques import display_name

__all__ = ["article_table", "print_document"]

#: how many narratives / entities / actors the compact view shows
TOP = 5
#: quote lengths (characters): compact lines, and the evidence column of --full
COMPACT_QUOTE = 150
FULL_QUOTE = 160


def _by_probability(doc: Document) -> list[NarrativeLabel]:
    """Every predicted label, most probable first (taxonomy order breaks ties)."""
    labels = doc.narratives.labels if doc.narratives else []
    return sorted(labels, key=lambda lab: -lab.probability)


def _header(doc: Document, out: Console) -> None:
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


def print_document(doc: Document, out: Console, *, full: bool = False) -> None:
    """Print ``doc`` and its results: compact (one screen) or ``full`` (every table)."""
    _header(doc, out)
    if full:
        _full(doc, out)
    else:
        _compact(doc, out)


# ---------------------------------------------------------------- compact
def _compact(doc: Document, out: Console) -> None:
    labels = _by_probability(doc)
    hidden = False
    if doc.narratives:
        out.print()
        out.print(Text(f"Narratives ({doc.narratives.domain}), most probable first", "bold"))
        for lab in labels[:TOP]:
            indent = "    " if lab.level == "subnarrative" else "  "
            out.print(term_text(f"{indent}{lab.probability:.2f}  {lab.label}"))
        if not labels:
            out.print(Text("  none found"))
        hidden |= len(labels) > TOP
        top = next((lab for lab in labels if lab.evidence), None)
        if top is not None:
            out.print(term_text("  " + enclose(shorten(top.evidence[0].text, COMPACT_QUOTE))))
    if doc.entities:
        ents = sorted(doc.entities, key=lambda e: (-len(e.mentions), e.name))
        shown = ", ".join(f"{e.name} ({len(e.mentions)})" for e in ents[:TOP])
        more = f", … {len(ents) - TOP} more" if len(ents) > TOP else ""
        hidden |= len(ents) > TOP
        out.print()
        out.print(Text("Entities (mentions): ", "bold") + term_text(shown + more))
    framed = sorted(
        (f for f in doc.framings if f.mention == -1 and f.main_role),
        key=lambda f: (-f.salience, -f.main_probability),
    )
    if framed:
        shown = ", ".join(f"{f.name} ({f.main_role})" for f in framed[:TOP])
        more = f", … {len(framed) - TOP} more" if len(framed) > TOP else ""
        hidden |= len(framed) > TOP
        out.print(Text("Roles: ", "bold") + term_text(shown + more))
    if doc.techniques:
        counts = Counter(display_name(span.technique) for span in doc.techniques)
        shown = ", ".join(f"{name} {n}" for name, n in counts.most_common())
        out.print(Text(f"Techniques ({len(doc.techniques)} spans): ", "bold") + Text(shown))
        hidden = True  # the spans themselves
    if doc.narratives and doc.narratives.explanation:
        out.print()
        out.print(term_text(shorten(doc.narratives.explanation, 400)))
    if hidden:
        out.print()
        out.print(Text("More: --full (every label, entity, role and span), --json.", "dim"))


# ------------------------------------------------------------------- full
def _full(doc: Document, out: Console) -> None:
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
        table = Table(title=f"Narratives (domain {doc.narratives.domain}), most probable first")
        table.add_column("label")
        table.add_column("p", justify="right")
        table.add_column("evidence")
        for label in _by_probability(doc):
            quote = label.evidence[0].text if label.evidence else ""
            table.add_row(
                term_text(label.label),
                f"{label.probability:.2f}",
                term_text(enclose(shorten(quote, FULL_QUOTE))),
            )
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
                term_text(enclose(shorten(quote, 120))),
            )
        out.print(table)
    if doc.techniques:
        table = Table(title="Persuasion techniques")
        for col in ("technique", "p", "span"):
            table.add_column(col)
        for span in doc.techniques:
            table.add_row(
                display_name(span.technique),
                f"{span.probability:.2f}",
                term_text(shorten(doc.text[span.start : span.end], 120)),
            )
        out.print(table)


# ------------------------------------------------------------------- list
def article_table(rows: Sequence[Any], title: str) -> Table:
    """Stored articles (``ArticleRow``) as a table: id, date, outlet, title."""
    table = Table(title=term_text(title))  # the title may hold what the user typed
    table.add_column("id", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("outlet", overflow="fold")
    table.add_column("title", overflow="fold")
    for row in rows:
        table.add_row(
            row.id,
            row.published or "–",
            term_text(row.outlet or "unknown"),
            term_text(shorten(row.title or "(untitled)", 200)),
        )
    return table
