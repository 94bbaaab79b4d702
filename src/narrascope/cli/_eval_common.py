"""What every ``narrascope eval <stage>`` command shares: its options and its error/JSON path."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from narrascope.cli._safe import markup_safe

__all__ = ["JsonOption", "LangOption", "run_evaluation"]

LangOption = Annotated[
    str | None, typer.Option(help="Language folder, e.g. EN (needed for the shared layout).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def run_evaluation(
    evaluate: Callable[[], dict[str, Any]],
    json_out: bool,
    errors: tuple[type[BaseException], ...] = (FileNotFoundError, ValueError),
) -> dict[str, Any] | None:
    """Run ``evaluate``; a bad gold folder exits 1 with one line, ``--json`` prints one object.

    Returns the scores when the caller should render its table, None when done.
    """
    try:
        scores = evaluate()
    except errors as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {markup_safe(str(exc))}")
        raise typer.Exit(1) from exc
    if json_out:
        sys.stdout.write(json.dumps(scores, sort_keys=True) + "\n")
        return None
    return scores
