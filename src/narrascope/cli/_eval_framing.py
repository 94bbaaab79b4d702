"""``narrascope eval framing``: score entity framing on a SemEval-2025 subtask-1 gold folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from narrascope.cli._eval_common import JsonOption, LangOption, run_evaluation

__all__ = ["eval_framing"]


def eval_framing(
    gold: Annotated[
        Path,
        typer.Option(
            help="Gold folder: official layout (raw-documents/ beside subtask-1-annotations.txt) "
            "or the shared layout (raw-documents/LANG + labels/LANG, with --lang)."
        ),
    ],
    lang: LangOption = None,
    mode: Annotated[
        str,
        typer.Option(
            help="given: gold mentions, official setting; e2e: the project's own NER and "
            "alias merging, scored on the gold mentions it finds."
        ),
    ] = "given",
    backend: Annotated[
        str,
        typer.Option(
            help="lexical: the bundled TF-IDF model (fast); probe: the local-LLM probe "
            "(needs the local-llm extra, ~13 s per article)."
        ),
    ] = "lexical",
    json_out: JsonOption = False,
) -> None:
    """Exact-match ratio, main-role accuracy and micro P/R/F1 of the framing stage."""
    from narrascope.errors import NarrascopeError
    from narrascope.framing import evaluate
    from narrascope.narratives import LLMError

    if mode not in ("given", "e2e"):
        Console(stderr=True).print(f"[bold red]error:[/] --mode {mode!r}: expected given or e2e")
        raise typer.Exit(2)
    if backend not in ("lexical", "probe"):
        Console(stderr=True).print(
            f"[bold red]error:[/] --backend {backend!r}: expected lexical or probe"
        )
        raise typer.Exit(2)
    scores = run_evaluation(
        lambda: evaluate(gold, lang=lang, mode=mode, backend=backend),
        json_out,
        (FileNotFoundError, ValueError, NarrascopeError, LLMError),
    )
    if scores is None:
        return
    table = Table(title=f"Entity framing, {mode} mentions{' (' + lang + ')' if lang else ''}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in (
        "main_role_accuracy",
        "emr",
        "micro_precision",
        "micro_recall",
        "micro_f1",
        "mention_recall",
        "n_mentions",
        "n_gold_mentions",
        "skipped_gold_lines",
    ):
        if key in scores:
            value = scores[key]
            table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    Console().print(table)
