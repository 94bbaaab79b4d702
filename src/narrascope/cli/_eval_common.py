"""What every ``narrascope eval <stage>`` command shares: its options and its error/JSON path."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from narrascope.cli._safe import markup_safe
from narrascope.errors import NarrascopeError

__all__ = ["JsonOption", "LangOption", "run_evaluation", "warn_skipped"]

LangOption = Annotated[
    str | None, typer.Option(help="Language folder, e.g. EN (needed for the shared layout).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


#: what a gold folder the user can fix raises: every command reports these as one line
GOLD_ERRORS: tuple[type[BaseException], ...] = (NarrascopeError, OSError, ValueError)


def _message(exc: BaseException) -> str:
    """``path: reason`` for an OSError (its own str() reads ``[Errno 21] …: 'path'``)."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def run_evaluation(
    evaluate: Callable[[], dict[str, Any]],
    json_out: bool,
    errors: tuple[type[BaseException], ...] = (),
) -> dict[str, Any] | None:
    """Run ``evaluate``; a bad gold folder exits 1 with one line, ``--json`` prints one object.

    Besides ``errors``, every narrascope error, OSError (a directory where a file
    belongs, a permission) and ValueError (a file that is not UTF-8) is reported
    as ``path: reason``: a gold folder is user input, and a traceback is no answer.
    Returns the scores when the caller should render its table, None when done.
    """
    try:
        scores = evaluate()
    except (*GOLD_ERRORS, *errors) as exc:
        Console(stderr=True).print(
            f"[bold red]error:[/] {markup_safe(_message(exc))}", highlight=False
        )
        raise typer.Exit(1) from exc
    if json_out:
        sys.stdout.write(json.dumps(scores, sort_keys=True) + "\n")
        return None
    warn_skipped(scores)
    return scores


def warn_skipped(scores: dict[str, Any]) -> None:
    """Say on stderr how many gold lines were not scored, with the first few reasons."""
    if not scores.get("skipped_gold_lines"):
        return
    warn = Console(stderr=True)
    warn.print(f"[yellow]warning:[/] {scores['skipped_gold_lines']} gold lines not scored:")
    for line in scores.get("skipped_gold_examples", []):
        warn.print(f"  {markup_safe(line)}", highlight=False)
