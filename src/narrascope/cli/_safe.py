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
  the apostrophe is easy to strip for anyone reading the CSV by program. Control
  characters and bidirectional overrides in CSV cells are replaced (U+FFFD) too:
  a spreadsheet or a viewer would otherwise render text reordered by them.

Machine-readable output (``show --json``, ``analyze --json``, JSONL export) keeps
the data exact instead: :func:`json_text` writes those characters as ``\\uXXXX``
escapes, which every JSON reader decodes back and no terminal acts on.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import IO, Any

from rich.markup import escape
from rich.text import Text

__all__ = [
    "SafeCsvWriter",
    "csv_cell",
    "json_text",
    "markup_safe",
    "term_text",
    "terminal_safe",
]

#: bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069): they
#: reorder what is shown ("Trojan Source"), so a name can display as something else
_BIDI = "\u202a-\u202e\u2066-\u2069"
#: C0 controls except tab and newline, DEL, the C1 range (CSI, OSC ... in 8-bit form)
#: and bidi controls
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
#: what a CSV cell must not carry: controls except tab and newline, and bidi controls
_CSV_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
#: what JSON text must not carry raw (json.dumps escapes C0 controls itself): DEL, C1,
#: bidi controls, and the line and paragraph separators some readers take as line ends
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """``text`` with every control character a terminal would act on, and every bidi
    control that would reorder what it shows, as U+FFFD."""
    return _CONTROLS.sub("\ufffd", text)


def term_text(text: str, style: str = "") -> Text:
    """A Rich ``Text`` of untrusted ``text``: no markup interpreted, no escape sequences."""
    return Text(terminal_safe(text), style=style)


def markup_safe(text: str) -> str:
    """Untrusted ``text`` to put inside a Rich markup string (error messages)."""
    return escape(terminal_safe(text))


def json_text(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON with no raw control or bidi character: each is a ``\\uXXXX``
    escape, so the text is safe on a terminal and decodes to exactly ``data``."""
    raw = json.dumps(data, ensure_ascii=False, indent=indent, default=str)
    # such characters can only occur inside JSON strings, where the escape is valid
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text rather than evaluates, with control
    and bidi characters replaced (tab and newline are kept: CSV quotes them)."""
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            value = "'" + value
        return _CSV_UNSAFE.sub("\ufffd", value)
    return value


class SafeCsvWriter:
    """``csv.writer`` whose rows pass through :func:`csv_cell` (header rows too)."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(cell) for cell in row])
