"""``narrascope eval techniques``: the two official PTC metrics on any PTC-layout folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from narrascope.cli._eval_common import JsonOption, run_evaluation

__all__ = ["eval_techniques"]


def eval_techniques(
    gold: Annotated[
        Path,
        typer.Option(
            help="Folder in the PTC layout: '<split>-articles/' beside "
            "'<split>-task-flc-tc.labels' and '<split>-task-si.labels' (or the label folders), "
            "whatever the split prefix."
        ),
    ],
    json_out: JsonOption = False,
) -> None:
    """Span identification P/R/F1 (partial-overlap credit) and technique micro-F1 on gold spans."""
    from narrascope.techniques import evaluate

    scores = run_evaluation(lambda: evaluate(gold), json_out)
    if scores is None:
        return
    table = Table(title=f"Persuasion techniques — {gold}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("span_precision", "span_recall", "span_f1", "technique_micro_f1"):
        table.add_row(key, f"{scores[key]:.4f}")
    table.add_row("n_articles", str(scores["n_articles"]))
    Console().print(table)
