"""Untrusted text is made safe for terminals and spreadsheets (cli/_safe.py)."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from narrascope.cli._safe import SafeCsvWriter, csv_cell, json_text, markup_safe, terminal_safe


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


#: every character that must not reach a terminal or a spreadsheet raw
_HOSTILE_CHARS = "\x1b\x07\x00\x7f\x9b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _raw_hostile(text: str) -> set[str]:
    return {c for c in text if c in _HOSTILE_CHARS}


def test_json_text_escapes_controls_and_bidi_and_stays_exact() -> None:
    data = {"title": "evil\u202egnp.exe", "text": "a\x1b[2Jb\x9b\u2066c\u2028d", "n": 1}
    for indent in (None, 2):
        text = json_text(data, indent=indent)
        assert not _raw_hostile(text) and "\u2028" not in text
        assert json.loads(text) == data  # escapes, not replacements: nothing is lost
    assert "\\u202e" in json_text(data)


@given(st.text())
def test_json_text_round_trips_anything(text: str) -> None:
    out = json_text({"t": text}, indent=2)
    assert json.loads(out) == {"t": text} and not _raw_hostile(out)


def test_csv_cells_carry_no_control_or_bidi_character() -> None:
    assert csv_cell("admin\u202efdp.exe") == "admin\ufffdfdp.exe"
    assert csv_cell("a\x1b[31mb\x9bc\u2067") == "a\ufffd[31mb\ufffdc\ufffd"
    assert csv_cell("line\nbreak\tand tab") == "line\nbreak\tand tab"  # CSV quotes these
    assert csv_cell("\r=cmd") == "'\ufffd=cmd"
    assert not _raw_hostile(terminal_safe("x\u202ey\u2069"))
