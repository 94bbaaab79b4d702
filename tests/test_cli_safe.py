"""Untrusted text is made safe for terminals and spreadsheets (cli/_safe.py)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from narrascope.cli._safe import SafeCsvWriter, csv_cell, markup_safe, terminal_safe


@given(st.text())
def test_terminal_safe_leaves_no_control_character(text: str) -> None:
    safe = terminal_safe(text)
    assert len(safe) == len(text)  # replaced one for one: columns stay aligned
    assert not any((ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in safe)


def test_terminal_safe_keeps_ordinary_text() -> None:
    assert terminal_safe("Zelensky — «мир»\tok\n") == "Zelensky — «мир»\tok\n"
    assert terminal_safe("\x1b[2Jx\x9b") == "\ufffd[2Jx\ufffd"


def test_markup_is_not_interpreted_in_error_messages() -> None:
    assert markup_safe("[link=http://x]a[/link]") == "\\[link=http://x]a\\[/link]"


def test_csv_cells_that_would_be_formulas_are_quoted() -> None:
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("-2+3") == "'-2+3"
    assert csv_cell("\t=cmd") == "'\t=cmd"
    assert csv_cell("Kyiv Ledger") == "Kyiv Ledger"
    assert csv_cell(-0.5) == -0.5  # numbers are numbers, not text
    fh = io.StringIO()
    SafeCsvWriter(fh).writerow(["=A1", 3, "plain"])
    assert next(csv.reader(io.StringIO(fh.getvalue()))) == ["'=A1", "3", "plain"]
