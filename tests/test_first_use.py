"""What a first-use trial hit (issue 20 items 1-5 and 12; issue 21 items 8 and 18, in part).

Lost headlines, SemEval offsets that did not index the file, folder names taken
for outlets, the Python API and the CLI disagreeing on one text, copies missing
from the report's outlet counts, exports written into ``./results``, a repeated
JSONL record lost, and file names that break the SemEval TSV. No model is loaded:
the pipeline here is one stage that does nothing.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

import narrascope
from narrascope.app import Narrascope
from narrascope.cli import app as cli_app
from narrascope.cli._main import _export_dir, _export_semeval
from narrascope.config import Config
from narrascope.datasets import utf16_to_py
from narrascope.document import Document, Entity, Framing, Mention, TechniqueSpan
from narrascope.ingest import (
    IngestOptions,
    Rejected,
    iter_inputs,
    iter_texts,
    load_outlets,
)
from narrascope.pipeline import BaseStage, registry
from narrascope.store import Database
from narrascope.web import corpus_overview, render_report

BODY = (
    "Moscow massed troops near the border this week. The Russian buildup worries Kyiv 🔥 "
    "and its allies, officials said."
)


class Noop(BaseStage):
    """A stage that assigns nothing: runs the app's triage and storage without models."""

    name: ClassVar[str] = "noop"
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, doc: Document) -> Document:
        return doc


@registry.stages.register("test.first_use.noop.v1")
def make_noop() -> Noop:
    return Noop()


NOOP = Config(stages=["noop"], factories={"noop": "test.first_use.noop.v1"})


def _docs(items: list[Document | Rejected]) -> list[Document]:
    assert not [i for i in items if isinstance(i, Rejected)], items
    return [i for i in items if isinstance(i, Document)]


def _one(path: Path, options: IngestOptions = IngestOptions()) -> Document:
    (doc,) = _docs(list(iter_inputs([str(path)], options)))
    return doc


# ----------------------------------------------------------------- 1. headlines
@pytest.mark.parametrize(
    ("first_line", "day"),
    [
        (
            "date 2021-11-27 Joe Biden's hand may be forced by Russia's military buildup"
            " near Ukraine.",
            date(2021, 11, 27),
        ),
        ("Date 2024-11-20 set for ceasefire talks in Istanbul, officials say", date(2024, 11, 20)),
        ("date: 2024-11-20 set for ceasefire talks, officials say", date(2024, 11, 20)),
    ],
)
def test_a_headline_that_starts_with_a_date_is_kept(
    tmp_path: Path, first_line: str, day: date
) -> None:
    path = tmp_path / "a.txt"
    raw = f"{first_line}\n\n{BODY}\n"
    path.write_text(raw, "utf-8")
    doc = _one(path)
    assert doc.title == first_line  # the headline is the title, not the lead paragraph
    assert doc.text == raw and doc.source_prefix == ""  # nothing dropped
    assert doc.published == day


@pytest.mark.parametrize("header", ["2024-11-20", "Wednesday, 20 November 2024", "date 20.11.2024"])
def test_a_line_that_is_only_a_date_is_a_header(tmp_path: Path, header: str) -> None:
    path = tmp_path / "b.txt"
    path.write_text(f"{header}\nTroops massed near the border\n\n{BODY}", "utf-8")
    doc = _one(path)
    assert (doc.title, doc.published) == ("Troops massed near the border", date(2024, 11, 20))
    assert doc.source_prefix == header + "\n" and doc.text.startswith("Troops massed")


# ------------------------------------------------------------ 2. SemEval offsets
def _framed(doc: Document, word: str) -> Document:
    """``doc`` with one framed mention of ``word`` and one technique span on it."""
    start = doc.text.index(word)
    end = start + len(word)
    doc.mentions = [Mention(start, end, word, "NORP", 0, "russia")]
    doc.entities = [Entity("russia", word, "NORP", [word], [0])]
    doc.framings = [Framing("russia", word, "Antagonist", 0.9, mention=0)]
    doc.techniques = [TechniqueSpan(start, end, "Loaded_Language", 0.8, word)]
    return doc


def _export(docs: list[Document], out: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    out.mkdir(exist_ok=True)
    return _export_semeval(docs, out)


def _scorer_read(path: Path) -> str:
    """The file as the scorer (and narrascope's gold loader) reads it: BOM and CR kept."""
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.mark.parametrize("headers", [True, False])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("crlf", [True, False])
def test_semeval_offsets_index_the_file(
    tmp_path: Path, headers: bool, bom: bool, crlf: bool
) -> None:
    head = "date: 2021-11-27\noutlet: Kyiv Ledger 🔥\nurl: https://kyivledger.example/a\n\n"
    raw = (head if headers else "") + f"Troops massed near the border\n\n{BODY}\n"
    if crlf:
        raw = raw.replace("\n", "\r\n")
    if bom:
        raw = "\ufeff" + raw
    path = tmp_path / "EN_UA_1.txt"
    path.write_bytes(raw.encode("utf-8"))
    doc = _framed(_one(path), "Russian")
    assert doc.source_prefix + doc.text == raw
    # through the store and back, as `narrascope export` reads it
    db = Database(tmp_path / "x.db")
    db.save_documents([doc], {})
    (doc,) = db.load_documents()
    _framed(doc, "Russian")
    _, skipped = _export([doc], tmp_path / "out")
    assert not skipped
    text = _scorer_read(path)
    (row,) = (tmp_path / "out" / "subtask-1-predictions.txt").read_text("utf-8").splitlines()
    name, mention, start, end, *_ = row.split("\t")
    assert (name, mention) == ("EN_UA_1.txt", "Russian")
    # UTF-16 code units, end inclusive (the emoji in the outlet header counts two)
    py_start, py_end = utf16_to_py(text, int(start)), utf16_to_py(text, int(end) + 1)
    assert text[py_start:py_end] == "Russian"
    (row,) = (tmp_path / "out" / "techniques-predictions.txt").read_text("utf-8").splitlines()
    _, _, start, end = row.split("\t")
    assert text[int(start) : int(end)] == "Russian"  # PTC: characters, end exclusive


def test_a_copy_with_other_header_lines_gets_offsets_into_its_own_file(tmp_path: Path) -> None:
    story = f"Troops massed near the border\n\n{BODY}\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.txt").write_text("outlet: Wire\n\n" + story, "utf-8")
    (tmp_path / "b" / "two.txt").write_text(
        "outlet: Syndicator Daily Ltd\ndate: 2021-11-28\n\n" + story, "utf-8"
    )
    db_path = tmp_path / "x.db"
    Narrascope(db_path, NOOP).analyze([str(tmp_path / "a"), str(tmp_path / "b")])
    docs = Database(db_path).load_documents()
    original = next(d for d in docs if not d.duplicate_of)
    _framed(original, "Russian")
    _export(docs, tmp_path / "out")
    rows = (tmp_path / "out" / "subtask-1-predictions.txt").read_text("utf-8").splitlines()
    assert len(rows) == 2
    for row in rows:
        name, _, start, end, *_ = row.split("\t")
        text = _scorer_read(tmp_path / ("a" if name == "one.txt" else "b") / name)
        assert text[int(start) : int(end) + 1] == "Russian", name


# ---------------------------------------------------------------------- 3. outlets
def test_auto_outlet_comes_from_the_data_never_from_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "seeds_in"
    folder.mkdir()
    (folder / "plain.txt").write_text(f"Troops massed\n\n{BODY}", "utf-8")
    (folder / "linked.txt").write_text(
        f"url: https://www.kyivledger.example/a\n\nTroops massed\n\n{BODY} Again.", "utf-8"
    )
    (folder / "named.txt").write_text(f"outlet: Pravda Front\n\nTroops\n\n{BODY} Once.", "utf-8")
    found = {Path(d.source).name: d.outlet for d in _docs(list(iter_inputs([str(folder)])))}
    assert found == {
        "plain.txt": "",  # a folder name ("seeds_in") is no outlet
        "linked.txt": "kyivledger.example",
        "named.txt": "Pravda Front",
    }
    folders = _docs(list(iter_inputs([str(folder)], IngestOptions(outlet_from="folder"))))
    assert {d.outlet for d in folders} == {"seeds_in"}  # only when asked for


@pytest.mark.parametrize("suffix", [".csv", ".toml"])
def test_an_outlets_file_names_outlets_by_url_domain(tmp_path: Path, suffix: str) -> None:
    outlets = tmp_path / f"outlets{suffix}"
    if suffix == ".csv":
        outlets.write_text(
            "name,domains,country,leaning\n"
            'Kyiv Ledger,"kyivledger.example; ledger.example",UA,pro-Ukraine\n'
            "Pravda Front,https://pravdafront.example/,,\n",
            "utf-8",
        )
    else:
        outlets.write_text(
            '[[outlet]]\nname = "Kyiv Ledger"\ndomains = ["kyivledger.example", "ledger.example"]\n'
            'country = "UA"\nleaning = "pro-Ukraine"\n\n'
            '[[outlet]]\nname = "Pravda Front"\ndomains = ["pravdafront.example"]\n',
            "utf-8",
        )
    directory = load_outlets(outlets)
    (ledger, pravda) = directory.outlets
    assert (ledger.domains, ledger.country, ledger.leaning) == (
        ("kyivledger.example", "ledger.example"),
        "UA",
        "pro-Ukraine",
    )
    assert pravda.domains == ("pravdafront.example",) and pravda.country == ""
    assert directory.lookup("https://news.ledger.example/x") is ledger
    assert directory.lookup("https://notledger.example/x") is None
    path = tmp_path / "a.txt"
    path.write_text(f"url: https://www.kyivledger.example/a\n\nTroops\n\n{BODY}", "utf-8")
    assert _one(path, IngestOptions(outlets=directory)).outlet == "Kyiv Ledger"
    assert _one(path, IngestOptions(outlet_from="domain", outlets=directory)).outlet == (
        "Kyiv Ledger"
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("o.csv", "name,domains\nLedger,not a domain!\n", "is not a domain"),
        ("o.csv", "name,domains\n,ledger.example\n", "o.csv:2: no name"),
        ("o.csv", "outlet,site\nx,y\n", "header row"),
        ("o.toml", "[[outlet]]\nname = 'Ledger'\n", "no domains"),
        ("o.toml", "name = [", "not valid TOML"),
        ("o.json", "{}", ".csv or .toml"),
    ],
)
def test_a_bad_outlets_file_is_named_with_its_reason(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    with pytest.raises(ValueError, match=reason) as info:
        load_outlets(path)
    assert str(path) in str(info.value)


def test_the_run_summary_says_once_how_to_set_unknown_outlets(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Story {n}\n\n{BODY} Number {n}.", "utf-8")
    config = tmp_path / "noop.toml"
    config.write_text(
        '[pipeline]\nstages = ["noop"]\n[stages.noop]\nfactory = "test.first_use.noop.v1"\n'
    )
    args = ["analyze", str(tmp_path), "--db", str(tmp_path / "x.db"), "--config", str(config)]
    result = CliRunner().invoke(cli_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # as the terminal wraps it
    assert said.count("--outlet-from folder") == 1 and "--outlets outlets.csv" in said
    assert "3 of 3 articles name no outlet" in said
    outlets = tmp_path / "outlets.csv"
    outlets.write_text("name,domains\nLedger,bad domain!\n", "utf-8")
    result = CliRunner().invoke(cli_app, [*args, "--outlets", str(outlets)])
    assert result.exit_code == 1 and "is not a domain" in result.output


# -------------------------------------------------------- 4. one rule, API and CLI
TXT = f"date: 2024-11-20\noutlet: Kyiv Ledger\n\nTroops massed near the border\n\n{BODY}\n"


@pytest.mark.parametrize("api_first", [True, False])
def test_the_python_api_reads_a_text_as_the_cli_reads_the_file(
    tmp_path: Path, api_first: bool
) -> None:
    path = tmp_path / "story.txt"
    path.write_text(TXT, "utf-8")
    (from_file,) = _docs(list(iter_inputs([str(path)])))
    (from_text,) = _docs(list(iter_texts([TXT])))
    for field in ("id", "title", "published", "outlet", "text", "source_prefix"):
        assert getattr(from_text, field) == getattr(from_file, field), field
    db = tmp_path / "mixed.db"
    runs = [
        lambda: narrascope.analyze([TXT], db=db, config=NOOP),
        lambda: Narrascope(db, NOOP).analyze([str(path)]),
    ]
    for run in runs if api_first else runs[::-1]:
        run()
    rows = Database(db).articles(include_duplicates=True)
    assert [(r.id, r.title, r.published) for r in rows] == [
        (from_file.id, "Troops massed near the border", "2024-11-20")
    ]
    corpus = narrascope.analyze([TXT], db=db, config=NOOP)  # a third time: still one row
    assert [d.id for d in corpus] == [from_file.id] and Database(db).count() == 1


def test_the_python_api_names_a_bad_item() -> None:
    with pytest.raises(ValueError, match=r"<item 1>: no text"):
        narrascope.analyze(["Fine\n\nA text.", {"title": "no text"}], config=NOOP)


# --------------------------------------------------------- 5. report outlet counts
def test_copies_count_for_their_own_outlet_and_undated_articles_are_counted() -> None:
    docs = [
        Document(id="a", text="T\n\nx", title="T", outlet="Wire", published=date(2024, 11, 20)),
        Document(id="b", text="T\n\nx", title="T", outlet="Syndicator", duplicate_of="a"),
        Document(id="c", text="U\n\ny", title="U", outlet="Wire", published=date(2024, 11, 22)),
    ]
    overview = corpus_overview(docs)
    assert dict(overview["outlets"]) == {"Wire": 2, "Syndicator": 1}
    assert overview["date_range"] == (date(2024, 11, 20), date(2024, 11, 22))
    assert overview["n_undated"] == 1
    html = render_report(docs)
    assert "(1 undated)" in html
    unnamed = [Document(id=i, text="T\n\nx", title="T") for i in "xy"]
    assert corpus_overview(unnamed)["n_outlets"] == 0  # unknown is not "1 outlets"
    assert corpus_overview([*docs, *unnamed])["n_outlets"] == 2
    assert "(2 articles unknown)" in render_report([*docs, *unnamed])


# ------------------------------------------------------- 12. export's default folder
def test_export_defaults_to_a_folder_named_after_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "data" / "news.db"
    db.parent.mkdir()
    Database(db).close()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli_app, ["export", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "news-export" / "documents.jsonl").exists()
    assert not (tmp_path / "results").exists()
    assert _export_dir("postgresql://u@host/newsdb", None) == Path("newsdb-export")
    assert _export_dir("sqlite:///d/n.db", None) == Path("d/n-export")
    package = Path(narrascope.__file__).parent
    with pytest.raises(typer.Exit):
        _export_dir(str(package / "demo" / "x.db"), None)  # never inside the package


# ------------------------------------------------- 21.8 a record repeated in a JSONL
def test_a_record_repeated_in_one_jsonl_is_stored_as_a_linked_copy(tmp_path: Path) -> None:
    record = json.dumps({"title": "Troops massed", "text": BODY, "outlet": "Wire"})
    other = json.dumps({"title": "Summit ends", "text": "Delegates agreed on a deal."})
    path = tmp_path / "wire.jsonl"
    path.write_text(f"{record}\n{other}\n{record}\n", "utf-8")
    db_path = tmp_path / "x.db"
    summary = Narrascope(db_path, NOOP).analyze([str(path)])
    assert (summary.new, summary.exact_duplicates) == (2, 1)
    rows = Database(db_path).articles(include_duplicates=True)
    assert sorted(r.source for r in rows) == [f"{path}:1", f"{path}:2", f"{path}:3"]
    (copy,) = [r for r in rows if r.duplicate_of]
    assert copy.source == f"{path}:3" and copy.outlet == "Wire"
    again = Narrascope(db_path, NOOP).analyze([str(path)])  # a re-run adds no row
    assert again.new == 0 and len(Database(db_path).articles(include_duplicates=True)) == 3
    _export(Database(db_path).load_documents(), tmp_path / "out")
    names = (tmp_path / "out" / "subtask-2-predictions.txt").read_text("utf-8")
    assert "wire.jsonl:3\t" in names


# ---------------------------------------------- 21.18 file names that break the TSV
@pytest.mark.parametrize("bad", ["tab\there.txt", "line\nbreak.txt", "cr\rname.txt"])
def test_a_file_name_with_a_tab_or_line_break_is_left_out_with_a_reason(
    tmp_path: Path, bad: str
) -> None:
    good = _framed(Document(id="g", text=f"T\n\n{BODY}", source="/c/good.txt"), "Russian")
    odd = _framed(Document(id="o", text=f"T\n\n{BODY}", source=f"/c/{bad}"), "Russian")
    paths, skipped = _export([good, odd], tmp_path / "out")
    assert skipped == [(bad, "a tab or line break in the file name would break the TSV")]
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            assert line.startswith("good.txt\t"), (path.name, line)


def test_a_database_of_schema_1_gains_the_prefix_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrascope.store._database as database_module

    full = list(database_module.MIGRATIONS)
    monkeypatch.setattr(database_module, "MIGRATIONS", full[:1])
    Database(tmp_path / "old.db").close()
    with sqlite3.connect(tmp_path / "old.db") as conn:  # a row as schema 1 stored it
        conn.execute(
            "INSERT INTO articles (id, source, title, text, ingested_at, updated_at)"
            " VALUES ('a', '/c/a.txt', 'T', 'T\n\nx', 't', 't')"
        )
    monkeypatch.setattr(database_module, "MIGRATIONS", full)
    assert Database(tmp_path / "old.db", migrate=False).load_documents()[0].source_prefix == ""
    db = Database(tmp_path / "old.db")
    assert db.schema_version() == max(m.version for m in full)
    (doc,) = db.load_documents()
    assert (doc.id, doc.source_prefix) == ("a", "")
    doc.source_prefix = "date: 2024-11-20\n\n"
    db.save_documents([doc], {})
    assert db.load_documents()[0].source_prefix == "date: 2024-11-20\n\n"
