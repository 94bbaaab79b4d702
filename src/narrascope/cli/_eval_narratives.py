"""``narrascope eval narratives``: score the narratives stage on a SemEval-2025 gold folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from narrascope.cli._eval_common import JsonOption, LangOption, run_evaluation

__all__ = ["eval_narratives"]


def eval_narratives(
    gold: Annotated[
        Path,
        typer.Option(
            help="Gold folder: official layout (raw-documents/ beside subtask-2-annotations.txt) "
            "or the shared layout (raw-documents/LANG + labels/LANG, with --lang)."
        ),
    ],
    lang: LangOption = None,
    json_out: JsonOption = False,
) -> None:
    """F1 fine/coarse (samples-averaged), per-label P/R/F1 and an explanation-similarity proxy."""
    from narrascope.errors import NarrascopeError
    from narrascope.narratives import evaluate

    scores = run_evaluation(
        lambda: evaluate(gold, lang=lang), json_out, (FileNotFoundError, NarrascopeError)
    )
    if scores is None:
        return
    console = Console()
    summary = Table(title=f"Narratives — {gold}{' ' + lang if lang else ''}")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    sim = scores["explanation_similarity"]
    summary.add_row("F1 fine (samples)", f"{scores['f1_fine']:.3f}")
    summary.add_row("F1 coarse (samples)", f"{scores['f1_coarse']:.3f}")
    summary.add_row(
        "explanation similarity (embedding proxy)", "n/a" if sim is None else f"{sim:.3f}"
    )
    summary.add_row("documents", str(scores["n_documents"]))
    console.print(summary)
    table = Table(title="Per label")
    for col in ("label", "P", "R", "F1", "gold"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, prf in scores["per_label"].items():
        table.add_row(
            label,
            f"{prf['precision']:.2f}",
            f"{prf['recall']:.2f}",
            f"{prf['f1']:.2f}",
            str(int(prf["support"])),
        )
    console.print(table)
