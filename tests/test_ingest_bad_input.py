"""Bad input: every case is a Rejected with source and reason, and the run goes on."""

from __future__ import annotations

import json
import time
from pathlib import Path

from narrascope.document import Document
from narrascope.ingest import IngestOptions, Rejected, iter_inputs

GOOD = "Ferry strike ends\n\nFerry crews returned to work on Friday after a week of talks.\n"
RUSSIAN = (
    "Паромная забастовка закончилась\n\nЭкипажи паромов вернулись к работе в пятницу после "
    "недели переговоров с владельцами компании и представителями городской администрации.\n"
)
FRENCH = (
    "La grève des ferries est terminée\n\nLes équipages sont retournés au travail vendredi après "
    "une semaine de négociations très difficiles avec la direction générale.\n"
)


def run(tmp_path: Path, name: str, data: bytes, **options: object) -> list[Document | Rejected]:
    """Ingest the bad file between two good ones, proving the run continues."""
    (tmp_path / "a_good.txt").write_text(GOOD, "utf-8")
    (tmp_path / "z_good.txt").write_text(GOOD.replace("Friday", "Monday"), "utf-8")
    bad = tmp_path / name
    bad.write_bytes(data)
    inputs = [str(tmp_path / "a_good.txt"), str(bad), str(tmp_path / "z_good.txt")]
    items = list(iter_inputs(inputs, IngestOptions(**options)))  # type: ignore[arg-type]
    assert isinstance(items[0], Document) and isinstance(items[-1], Document)
    return items[1:-1]


def test_empty_file(tmp_path: Path) -> None:
    (item,) = run(tmp_path, "empty.txt", b"")
    assert item == Rejected(str(tmp_path / "empty.txt"), "empty file")
    (item,) = run(tmp_path, "blank.html", b"  \n\t\n")
    assert isinstance(item, Rejected) and "empty" in item.reason


def test_binary_file(tmp_path: Path) -> None:
    (item,) = run(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert isinstance(item, Rejected) and "binary" in item.reason


def test_too_large_file_is_rejected_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:  # sparse 50 MB file: costs no disk and no memory
        fh.truncate(50_000_000)
    started = time.perf_counter()
    (item,) = list(iter_inputs([str(big)]))
    assert time.perf_counter() - started < 1.0
    assert isinstance(item, Rejected) and item.source == str(big)
    assert "too large" in item.reason and "50,000,000" in item.reason
    (item,) = run(tmp_path, "small.txt", GOOD.encode() * 10, max_bytes=100)
    assert isinstance(item, Rejected) and "too large" in item.reason


def test_cp1251_is_decoded_and_recorded(tmp_path: Path) -> None:
    (doc,) = run(tmp_path, "ru.txt", RUSSIAN.encode("cp1251"))
    assert isinstance(doc, Document)
    assert doc.text == RUSSIAN and doc.title == "Паромная забастовка закончилась"
    assert doc.meta["encoding"] == "cp1251" and doc.language == "ru"


def test_latin1_is_decoded_and_recorded(tmp_path: Path) -> None:
    (doc,) = run(tmp_path, "fr.txt", FRENCH.encode("latin-1"))
    assert isinstance(doc, Document) and doc.text == FRENCH and doc.language == "fr"
    assert doc.meta["encoding"] in ("latin_1", "cp1252", "iso8859_15")


def test_html_declared_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1251"><title>Паром</title></head><body><article>'
        f"<p>{RUSSIAN.split(chr(10), 2)[2]}</p></article></body></html>"
    )
    (doc,) = run(tmp_path, "ru.html", page.encode("cp1251"))
    assert isinstance(doc, Document) and "Экипажи паромов" in doc.text
    assert doc.meta["encoding"] == "cp1251"


def test_truncated_html_keeps_what_is_there(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Ferry strike ends</title></head><body><article><p>Ferry crews "
        "returned to work on Friday after a week of talks with the owners.</p><p>The uni"
    )
    (doc,) = run(tmp_path, "cut.html", page.encode())
    assert isinstance(doc, Document) and "Ferry crews returned to work" in doc.text
    (item,) = run(tmp_path, "cut2.html", b"<html><head><title>Nothing</title></head><body><div")
    assert isinstance(item, Rejected) and "no article text" in item.reason


def test_jsonl_line_that_is_not_json(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "First body.", "title": "First"}),
        json.dumps({"text": "Second body."}),
        '{"text": "broken, "title": }',
        "[1, 2]",
        json.dumps({"title": "No text here"}),
        json.dumps({"text": "Last body."}),
    ]
    items = run(tmp_path, "wire.jsonl", "\n".join(lines).encode())
    path = tmp_path / "wire.jsonl"
    assert [type(i).__name__ for i in items] == [
        "Document",
        "Document",
        "Rejected",
        "Rejected",
        "Rejected",
        "Document",
    ]
    assert items[2].source == f"{path}:3" and "not valid JSON" in items[2].reason
    assert items[3].source == f"{path}:4" and "expected an object" in items[3].reason
    assert items[4].source == f"{path}:5" and "no text" in items[4].reason


def test_unknown_language_is_kept_as_und(tmp_path: Path) -> None:
    (doc,) = run(tmp_path, "numbers.txt", b"2024\n\n1-0, 2-1, 3-3 (17:45) 42 %\n")
    assert isinstance(doc, Document) and doc.language == "und"


def test_missing_paths_unsupported_formats_and_empty_globs(tmp_path: Path) -> None:
    (doc_file := tmp_path / "report.pdf").write_bytes(b"%PDF-1.7")
    items = list(
        iter_inputs([str(tmp_path / "nope.txt"), str(doc_file), str(tmp_path / "*.jsonl")])
    )
    assert all(isinstance(i, Rejected) for i in items)
    assert [i.reason for i in items] == [  # type: ignore[union-attr]
        "no such file, directory or URL",
        "unsupported format '.pdf'",
        "the pattern matched no files",
    ]


def test_stdin_bad_input() -> None:
    import io

    (item,) = list(iter_inputs(["-"], stdin=io.StringIO("   \n")))
    assert item == Rejected("<stdin>", "empty input")
    (item,) = list(iter_inputs(["-"], IngestOptions(max_bytes=10), stdin=io.StringIO(GOOD)))
    assert isinstance(item, Rejected) and "too large" in item.reason


def test_utf8_with_one_stray_byte_stays_utf8(tmp_path: Path) -> None:
    """One Latin-1 "£" in a UTF-8 file must not turn every curly quote into mojibake."""
    text = (
        "Kyiv’s “long-range” strike approved\n\nThe “decision” was taken on Friday, "
        "officials said — after a week of talks.\n"
    )
    data = text.encode() + "Cost: £5m\n".encode("latin-1")
    (doc,) = run(tmp_path, "stray.txt", data)
    assert isinstance(doc, Document) and doc.title == "Kyiv’s “long-range” strike approved"
    assert doc.text == text + "Cost: \ufffd5m\n"
    assert doc.meta["encoding"] == "utf-8 (1 invalid byte sequence replaced)"
    rows = b"title,text\nStray,The \xe2\x80\x9cdecision\xe2\x80\x9d cost \xa35m.\n"
    (row,) = run(tmp_path, "stray.csv", rows)
    assert isinstance(row, Document) and row.text == "Stray\n\nThe “decision” cost \ufffd5m."


def test_short_legacy_texts_get_the_usual_code_page(tmp_path: Path) -> None:
    """A few lines of Latin-1 or cp1251 are not read as Baltic DOS or Mac Cyrillic."""
    for number, (text, encoding) in enumerate(
        [
            ("Café in München\n\nWe met at the café in München, a naïve résumé.\n", "latin-1"),
            ("Café title\n\nThe café in München is \xa0 really nice, éè.\n", "latin-1"),
            (
                "Правительство одобрило законопроект\n\nПравительство в среду одобрило "
                "законопроект о государственных закупках, который должен сократить коррупцию.\n",
                "cp1251",
            ),
            (
                "Zażółć gęślą jaźń\n\nRząd przyjął w środę projekt ustawy o zamówieniach "
                "publicznych, który ma ograniczyć korupcję.\n",
                "cp1250",
            ),
        ]
    ):
        (doc,) = run(tmp_path, f"legacy{number}.txt", text.encode(encoding))
        assert isinstance(doc, Document) and doc.text == text, encoding
        assert doc.meta["encoding"] == {"latin-1": "cp1252"}.get(encoding, encoding)


def test_csv_quote_never_closed_is_rejected_not_merged(tmp_path: Path) -> None:
    rows = (
        'title,text\n"Open quote,First body text.\nmore\n"Next",Second body text.\n'
        "Last,Third body text.\n"
    )
    rejected, doc = run(tmp_path, "open.csv", rows.encode())
    path = tmp_path / "open.csv"
    assert rejected == Rejected(f"{path}:2", "malformed CSV (lines 2-4): ',' expected after '\"'")
    assert isinstance(doc, Document) and doc.source == f"{path}:5" and doc.title == "Last"
    fine, at_end = run(tmp_path, "end.csv", b'title,text\nFine,Body text.\n"Open,never closed\n')
    assert isinstance(fine, Document) and fine.text == "Fine\n\nBody text."
    assert at_end == Rejected(
        f"{tmp_path / 'end.csv'}:3", "malformed CSV (line 3): unexpected end of data"
    )


def test_record_text_loses_control_characters(tmp_path: Path) -> None:
    """NUL, ESC (terminal escape sequences), DEL and C1 controls are not text."""
    body = "Crews\x00 returned\x1b[31m to work\x07 on\x7f Friday\x9b after\x0ca week\x1fof talks."
    clean = "Crews returned[31m to work on Friday after a week of talks."
    (row,) = run(tmp_path, "ctl.csv", f"title,text\nStrike\x1b]0;x\x07,{body}\n".encode())
    (line,) = run(tmp_path, "ctl.jsonl", json.dumps({"title": "Strike", "text": body}).encode())
    assert isinstance(row, Document) and row.text == f"Strike]0;x\n\n{clean}"
    assert isinstance(line, Document) and line.text == f"Strike\n\n{clean}"


def test_files_without_records_are_rejected(tmp_path: Path) -> None:
    (item,) = run(tmp_path, "header.csv", b"title,text\n")
    assert item == Rejected(str(tmp_path / "header.csv"), "no records (only a header row)")
    (item,) = run(tmp_path, "blank.jsonl", b"\n  \n\n")
    assert item == Rejected(str(tmp_path / "blank.jsonl"), "no records (only blank lines)")
    (item,) = run(tmp_path, "nothing.csv", b"")
    assert item == Rejected(str(tmp_path / "nothing.csv"), "empty file")
