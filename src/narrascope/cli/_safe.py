"""Article text is hostile input: make it safe for a terminal and for spreadsheets.

Two sinks the HTML report's autoescaping does not cover:

* a **terminal** obeys escape sequences, so an article (or a file name) carrying
  ``ESC[2J`` or an OSC-8 hyperlink could clear the screen, fake output or plant a
  link when ``show``/``search``/``analyze`` print it. Rich wraps markup in
  :class:`~rich.text.Text` literally but passes ESC through, so control characters
  are replaced here before anything is printed;
* a **spreadsheet** evaluates a CSV cell that starts with ``=``, ``+``, ``-``, ``@``
  (or a tab / carriage return before one) as a formula. Text cells starting so get
  a leading apostrophe, the usual defence: spreadsheets show the text as typed and
  the apostrophe is easy to strip for anyone reading the CSV by program.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

from rich.markup import escape
from rich.text import Text

__all__ = ["SafeCsvWriter", "csv_cell", "markup_safe", "term_text", "terminal_safe"]

#: C0 controls except tab and newline, DEL, and the C1 range (CSI, OSC ... in 8-bit form)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """``text`` with every control character a terminal would act on shown as U+FFFD."""
    return _CONTROLS.sub("\ufffd", text)


def term_text(text: str, style: str = "") -> Text:
    """A Rich ``Text`` of untrusted ``text``: no markup interpreted, no escape sequences."""
    return Text(terminal_safe(text), style=style)


def markup_safe(text: str) -> str:
    """Untrusted ``text`` to put inside a Rich markup string (error messages)."""
    return escape(terminal_safe(text))


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text rather than evaluates."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose rows pass through :func:`csv_cell` (header rows too)."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(cell) for cell in row])
