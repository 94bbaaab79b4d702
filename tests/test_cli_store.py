"""CLI readers on read-only databases, `report --out DIR/`, `prune`, `migrate`, passwords
kept out of messages, and no raw control or bidi character in `show --json` or CSV."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from narrascope.cli._main import app
from narrascope.document import Document, Entity, Sentence
from narrascope.pipeline import BaseStage, registry
from narrascope.store import Database

#: a file name that displays as "invoice_txt.exe" reversed, an escape sequence, C1 CSI
HOSTILE_TITLE = "Report \u202eexe.txt\u202c \x1b[31mred\x9b2J \u2066isolated\u2069"
RAW_HOSTILE = set("\x1b\x9b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

runner = CliRunner()


def _db(path: Path) -> Path:
    doc = Document(
        id="abc123",
        text=f"{HOSTILE_TITLE}\n\nKyiv said the talks in Baku went well.",
        title=HOSTILE_TITLE,
        outlet="Wire\u202e",
        source="a.txt",
        language="en",
    )
    doc.sentences = [Sentence(0, 10, doc.text[:10])]
    doc.entities = [Entity("gpe:kyiv", "Kyiv\u202e", "GPE", ["Kyiv"], [])]
    doc.stage_versions["nlp"] = "1"
    db = Database(path)
    db.save_documents([doc], {"nlp": ("sentences", "entities")})
    run = db.start_run("analyze")
    for i in range(30):
        db.add_reject(run, f"bad{i}.txt", "empty file")
    db.finish_run(run, {})
    db.close()
    return path


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = _db(folder / "news.db")
    targets = [str(path), str(folder)]
    if os.geteuid() == 0:  # root writes through permissions; immutable files it cannot
        if subprocess.run(["chattr", "+i", *targets], capture_output=True).returncode:
            pytest.skip("running as root and cannot make files immutable here")
    else:
        path.chmod(0o444)
        folder.chmod(0o555)
    yield path
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *targets], check=True)
    else:
        folder.chmod(0o755)
        path.chmod(0o644)


def test_readers_work_on_a_read_only_database(read_only_db: Path, tmp_path: Path) -> None:
    db = str(read_only_db)
    before = sorted(p.name for p in read_only_db.parent.iterdir())
    code, output = _invoke("report", "--db", db, "--out", str(tmp_path / "r.html"))
    assert code == 0, output
    assert "Kyiv said" in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, output = _invoke("show", "abc", "--db", db)
    assert code == 0 and "Kyiv" in output, output
    code, output = _invoke("search", "Baku", "--db", db)
    assert code == 0 and "abc123" in output, output
    code, output = _invoke("export", "--db", db, "--format", "jsonl", "--out", str(tmp_path / "x"))
    assert code == 0, output
    assert sorted(p.name for p in read_only_db.parent.iterdir()) == before


@pytest.mark.parametrize("form", ["new-folder/", "existing"])
def test_report_out_names_a_folder(tmp_path: Path, form: str) -> None:
    db = _db(tmp_path / "news.db")
    (tmp_path / "existing").mkdir()
    target = f"{tmp_path}/{form}"  # as typed: a Path would drop the slash
    code, output = _invoke("report", "--db", str(db), "--out", target)
    assert code == 0, output
    written = tmp_path / form.rstrip("/") / "report.html"
    assert written.is_file() and "<html" in written.read_text(encoding="utf-8")


def test_report_lists_only_the_most_recent_rejects(tmp_path: Path) -> None:
    db = _db(tmp_path / "news.db")
    out = tmp_path / "r.html"
    code, output = _invoke("report", "--db", str(db), "--out", str(out), "--max-rejects", "5")
    assert code == 0, output
    html = out.read_text(encoding="utf-8")
    assert html.count("empty file") == 5 and "bad29.txt" in html and "bad0.txt" not in html
    assert "5 most recent of 30 rejected inputs" in html


def test_prune_and_migrate_commands(tmp_path: Path) -> None:
    db = str(_db(tmp_path / "news.db"))
    code, output = _invoke("prune", "--db", db)
    assert code != 0 and "--runs-older-than" in output
    code, output = _invoke("prune", "--db", db, "--runs-older-than", "7")
    assert code == 0 and "Pruned 0 runs and 0 rejected-input records" in output, output
    code, output = _invoke("prune", "--db", db, "--keep-runs", "0")
    assert code == 0 and "Pruned 1 runs and 30 rejected-input records" in output, output
    assert Database(db, read_only=True).count_rejects() == 0
    code, output = _invoke("migrate", "--db", db)
    assert code == 0 and "schema version" in output, output


def test_show_json_and_csv_carry_no_raw_control_or_bidi_character(tmp_path: Path) -> None:
    db = str(_db(tmp_path / "news.db"))
    code, output = _invoke("show", "abc", "--db", db, "--json")
    assert code == 0, output
    assert not RAW_HOSTILE & set(output)
    assert json.loads(output)["title"] == HOSTILE_TITLE  # escaped, not lost
    code, output = _invoke("export", "--db", db, "--format", "csv", "--out", str(tmp_path / "c"))
    assert code == 0, output
    for name in ("articles.csv", "entities.csv"):
        text = (tmp_path / "c" / name).read_text(encoding="utf-8")
        assert not RAW_HOSTILE & set(text), name
    with (tmp_path / "c" / "articles.csv").open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["title"].startswith("Report \ufffdexe.txt")
    code, _ = _invoke("export", "--db", db, "--format", "jsonl", "--out", str(tmp_path / "j"))
    line = (tmp_path / "j" / "documents.jsonl").read_text(encoding="utf-8")
    assert not RAW_HOSTILE & set(line) and json.loads(line)["title"] == HOSTILE_TITLE


def test_a_password_never_appears_in_an_error(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    url = "postgresql://ann:hunter2secret@127.0.0.1:1/news"  # nothing listens on port 1
    for command in (["report", "--out", str(tmp_path / "r.html")], ["search", "x"], ["migrate"]):
        code, output = _invoke(*command, "--db", url)
        assert code != 0
        assert "hunter2secret" not in output and "ann:***@127.0.0.1" in output, output


class _Noop(BaseStage):
    name: ClassVar[str] = "noop"
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, doc: Document) -> Document:
        return doc


@registry.stages.register("test.noop.v1")
def _make_noop() -> _Noop:
    return _Noop()


def test_analyze_lists_a_bounded_number_of_rejects(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = ['{"title": "Ok", "text": "Fine article text about the summit."}']
    feed.write_text("\n".join(lines + ["not json"] * 120) + "\n", encoding="utf-8")
    config = tmp_path / "noop.toml"
    config.write_text(
        '[pipeline]\nstages = ["noop"]\n[stages.noop]\nfactory = "test.noop.v1"\n',
        encoding="utf-8",
    )
    db = str(tmp_path / "news.db")
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code, output = _invoke("analyze", str(feed), "--db", db, "--config", str(config))
        assert code == 0, output
        assert output.count("feed.jsonl:") == 50  # the first rows of the table
        assert "… and 70 more rejected inputs" in output
        result = runner.invoke(
            app, ["analyze", str(feed), "--db", db, "--config", str(config), "--json"]
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert len(json.loads(result.stdout)["rejects"]) == 120  # the JSON output has them all
    assert Database(db, read_only=True).count_rejects() == 240
