"""What every CLI module shares: the ``--db`` option, fatal errors, date options.

Why a module of its own: ``stories``/``story`` live apart from ``_main`` and used to
carry copies of these, which drift (one printed errors with markup escaped, the
other need not have).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from narrascope.cli._safe import markup_safe

__all__ = ["DbOption", "check_dates", "console", "fail", "read"]

T = TypeVar("T")

#: messages and progress go to stderr, so stdout stays clean for --json
console = Console(stderr=True)

DbOption = Annotated[
    str,
    typer.Option("--db", help="SQLite file, or a PostgreSQL URL (postgresql://user@host/db)."),
]


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` as an error (markup escaped: it may quote article text) and exit."""
    console.print(f"[bold red]error:[/] {markup_safe(message)}", highlight=False, markup=True)
    raise typer.Exit(code)


def check_dates(**options: str | None) -> None:
    """Fail naming the option when a ``--since``/``--until`` value is not YYYY-MM-DD."""
    for name, value in options.items():
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                fail(f"--{name} {value!r}: expected a date as YYYY-MM-DD")


def read(db: str, query: Callable[[Any], T]) -> T:
    """``query(database)`` on a read-only connection to an existing ``db``, closed after.

    What the corpus views (stories, outlets, trends) share: a bad path or URL exits with
    the store's reason, and no view can create or migrate a database by reading it.
    """
    from narrascope.errors import NarrascopeError
    from narrascope.store import Database

    try:
        database = Database(db, must_exist=True, read_only=True)
    except NarrascopeError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
    try:
        return query(database)
    finally:
        database.close()
