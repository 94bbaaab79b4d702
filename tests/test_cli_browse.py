"""Reading a database from the command line: show, list, search, --version, help.

The databases here are written directly through the store from hand-made documents
(no models load), so these tests run in well under a second each.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli._main import app
from narrascope.document import (
    Document,
    Entity,
    Evidence,
    Framing,
    NarrativeLabel,
    NarrativeResult,
    Sentence,
    TechniqueSpan,
)
from narrascope.store import Database
from narrascope.techniques import display_name
from test_store_postgres import pg_url  # noqa: F401  (a throwaway PostgreSQL cluster)

CODES = ("Loaded_Language", "Exaggeration,Minimisation")
STAGES = {
    "nlp": ("sentences", "mentions", "entities"),
    "framing": ("framings",),
    "narratives": ("narratives",),
    "techniques": ("techniques",),
}
#: longer than any quote column, so every view has to cut it (the old CLI cut it at
#: character 160, inside "outcomes": "outcomes o")
QUOTE = (
    "Officials in the capital warned on Tuesday that the new sanctions, agreed after weeks of"
    " talks, would have grave outcomes of every kind once the winter arrived in earnest."
)


def _doc(
    doc_id: str,
    title: str,
    *,
    outlet: str = "Harbour Post",
    published: date | None = date(2024, 11, 20),
    language: str = "en",
    labels: list[tuple[str, str, float]] | None = None,
    n_entities: int = 3,
    techniques: int = 0,
) -> Document:
    text = f"{title}\n\n" + " ".join([QUOTE] * 4)
    start = text.index(QUOTE)
    ev = Evidence(start, start + len(QUOTE), QUOTE, 0.9, 1)
    doc = Document(
        id=doc_id,
        text=text,
        title=title,
        outlet=outlet,
        published=published,
        language=language,
        source=f"/corpus/{doc_id}.txt",
    )
    doc.sentences = [Sentence(0, len(title), title), Sentence(start, start + len(QUOTE), QUOTE)]
    doc.entities = [
        Entity(f"e{i}", f"Entity number {i}", "ORG", [], list(range(i + 1)))
        for i in range(n_entities)
    ]
    doc.framings = [
        Framing(
            entity=f"e{i}",
            name=f"Entity number {i}",
            main_role="Antagonist",
            main_probability=0.6,
            evidence=[ev],
            salience=0.5,
        )
        for i in range(min(n_entities, 8))
    ]
    lab = [NarrativeLabel(name, level, p, [ev]) for name, level, p in labels or []]
    if lab:
        doc.narratives = NarrativeResult("URW", lab, dominant=lab[0].label)
    doc.techniques = [TechniqueSpan(start, start + 9, CODES[i % 2], 0.7) for i in range(techniques)]
    doc.stage_versions = dict.fromkeys(STAGES, "1")
    return doc


# many labels in taxonomy (alphabetical) order, the most probable last
LABELS = [
    ("URW: Amplifying war-related fears", "narrative", 0.31),
    ("URW: Amplifying war-related fears: Nuclear threats", "subnarrative", 0.22),
    ("URW: Blaming the war on others", "narrative", 0.45),
    ("URW: Discrediting Ukraine", "narrative", 0.52),
    ("URW: Discrediting the West", "narrative", 0.58),
    ("URW: Negative consequences for the West", "narrative", 0.67),
    ("URW: Praise of Russia", "narrative", 0.74),
    ("URW: Speculating war outcomes", "narrative", 0.93),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    database = Database(path)
    docs = [
        _doc("abc1230000000001", "Sanctions bite", labels=LABELS, n_entities=30, techniques=40),
        _doc(
            "abc4560000000002",
            "Ports reopen after the storm",
            outlet="Valley Daily",
            published=date(2024, 11, 2),
        ),
        _doc(
            "ffe0000000000003",
            "Le sommet s'achève",
            outlet="Le Matin",
            published=None,
            language="fr",
            labels=[("URW: Discrediting Ukraine", "narrative", 0.6)],
        ),
    ]
    database.save_documents(docs, STAGES)
    database.close()
    return path


def _invoke(*args: str, columns: int = 80) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})
    return result.exit_code, result.output


# ------------------------------------------------------------------- show
def test_show_lists_narratives_by_probability_and_fits_a_screen(db: Path) -> None:
    code, output = _invoke("show", "abc123", "--db", str(db))
    assert code == 0, output
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) <= 30  # one screen; the old view ran to over a hundred lines here
    shown = re.findall(r"^\s+(0\.\d\d)  ", output, flags=re.M)
    assert shown == ["0.93", "0.74", "0.67", "0.58", "0.52"]  # top five, highest first
    assert "Loaded language 20" in output and "Exaggeration / minimisation 20" in output
    assert "Entity number 29 (30)" in output  # the most mentioned entity first
    assert "Entity number 0 (1)" not in output  # ... and not all thirty
    assert "--full" in output


def test_show_full_has_every_label_by_probability_with_display_names(db: Path) -> None:
    code, output = _invoke("show", "abc123", "--db", str(db), "--full", columns=200)
    assert code == 0, output
    order = [output.index(name) for name, _, _ in sorted(LABELS, key=lambda x: -x[2])]
    assert order == sorted(order)
    assert "Entity number 0 " in output  # every entity
    assert "Loaded language" in output and "Loaded_Language" not in output
    assert "Exaggeration / minimisation" in output and "Exaggeration,Minimisation" not in output


def test_show_json_adds_display_names_and_keeps_the_codes(db: Path) -> None:
    code, output = _invoke("show", "abc1230000000001", "--db", str(db), "--json", columns=200)
    assert code == 0, output
    spans = json.loads(output)["techniques"]
    assert {(s["technique"], s["name"]) for s in spans} == {
        ("Loaded_Language", "Loaded language"),
        ("Exaggeration,Minimisation", "Exaggeration / minimisation"),
    }


def test_show_cuts_quotes_between_words_with_an_ellipsis(db: Path) -> None:
    code, output = _invoke("show", "abc123", "--db", str(db), "--full", columns=250)
    assert code == 0, output
    quotes = re.findall(r"“([^”]*)”", output)
    assert quotes and all(QUOTE.startswith(q) or q.endswith("…") for q in quotes)
    for q in quotes:
        if q.endswith("…"):
            # the cut falls between two words of the original
            assert QUOTE[len(q) - 1] in " ," and QUOTE.startswith(q[:-1])


def test_ambiguous_prefix_lists_the_candidates(db: Path) -> None:
    code, output = _invoke("show", "abc", "--db", str(db), columns=200)
    assert code == 1
    assert "abc1230000000001" in output and "abc4560000000002" in output
    assert "Sanctions bite" in output and "Ports reopen after the storm" in output
    assert "ambiguous" in output and "ffe0000000000003" not in output


def test_unknown_id_says_so(db: Path) -> None:
    code, output = _invoke("show", "0000", "--db", str(db))
    assert code == 1 and "no article with id '0000'" in output


# ------------------------------------------------------------------- list
def test_list_shows_ids_dates_outlets_titles_newest_first(db: Path) -> None:
    code, output = _invoke("list", "--db", str(db), columns=200)
    assert code == 0, output
    assert output.index("abc1230000000001") < output.index("abc4560000000002")
    assert output.index("abc4560000000002") < output.index("ffe0000000000003")  # undated last
    assert "2024-11-20" in output and "Valley Daily" in output and "Le sommet" in output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--outlet", "valley daily"], {"abc4560000000002"}),
        (["--since", "2024-11-10"], {"abc1230000000001"}),
        (["--until", "2024-11-10"], {"abc4560000000002"}),
        (
            ["--since", "2024-11-01", "--until", "2024-11-30"],
            {"abc1230000000001", "abc456" + "0" * 9 + "2"},
        ),
        (["--narrative", "discrediting ukraine"], {"abc1230000000001", "ffe0000000000003"}),
        (["--narrative", "Nuclear threats"], {"abc1230000000001"}),
        (["--narrative", "no such narrative"], set()),
        (["--language", "fr"], {"ffe0000000000003"}),
        (["--limit", "1"], {"abc1230000000001"}),
    ],
)
def test_list_filters(db: Path, args: list[str], expected: set[str]) -> None:
    code, output = _invoke("list", "--db", str(db), "--json", *args, columns=60)  # no wrapping
    assert code == 0, output
    rows = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert {row["id"] for row in rows} == expected
    assert all({"id", "published", "outlet", "title"} <= set(row) for row in rows)


def test_list_rejects_a_bad_date(db: Path) -> None:
    code, output = _invoke("list", "--db", str(db), "--since", "last week")
    assert code == 1 and "--since" in output and "YYYY-MM-DD" in output


def test_list_does_not_load_documents(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("list loaded whole documents")

    monkeypatch.setattr(Database, "load_documents", refuse)
    code, output = _invoke("list", "--db", str(db), "--narrative", "ukraine")
    assert code == 0, output


# ----------------------------------------------------------------- search
def test_empty_search_says_no_results(db: Path) -> None:
    code, output = _invoke("search", "zeppelin", "--db", str(db))
    assert code == 0
    assert output.strip() == "no results for zeppelin"


def test_search_finds(db: Path) -> None:
    code, output = _invoke("search", "storm", "--db", str(db), columns=200)
    assert code == 0 and "abc4560000000002" in output


# ------------------------------------------------------------ version, help
def test_version() -> None:
    from narrascope import __version__

    code, output = _invoke("--version")
    assert code == 0 and output.strip() == f"narrascope {__version__}"


def _commands() -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(app)
    out: list[list[str]] = [[]]
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        out.append([name])
        for sub in getattr(cmd, "commands", {}):
            out.append([name, sub])
    return out


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "narrascope")
def test_help_shows_flags_as_flags(command: list[str]) -> None:
    code, output = _invoke(*command, "--help", columns=120)
    assert code == 0, output
    assert "--help" in output
    assert "<bool>" not in output


# ----------------------------------------------------------------- export
def test_exports_carry_the_display_name_beside_the_code(db: Path, tmp_path: Path) -> None:
    import csv

    code, output = _invoke("export", "--db", str(db), "--format", "csv", "--out", str(tmp_path))
    assert code == 0, output
    with (tmp_path / "techniques.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["technique"], r["name"]) for r in rows} == {
        ("Loaded_Language", "Loaded language"),
        ("Exaggeration,Minimisation", "Exaggeration / minimisation"),
    }
    code, output = _invoke("export", "--db", str(db), "--out", str(tmp_path))
    assert code == 0, output
    lines = (tmp_path / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    spans = [s for line in lines for s in json.loads(line)["techniques"]]
    assert spans and all(s["name"] == display_name(s["technique"]) for s in spans)


def test_display_names() -> None:
    assert display_name("Loaded_Language") == "Loaded language"
    assert display_name("Exaggeration,Minimisation") == "Exaggeration / minimisation"
    assert display_name("Straw_Men,Red_Herring") == "Straw men / red herring"  # not one of 14


def test_api_resolve_id_names_the_candidates(db: Path) -> None:
    from narrascope.app import Narrascope

    with pytest.raises(KeyError, match="abc1230000000001, abc4560000000002"):
        Narrascope(db, must_exist=True).resolve_id("abc")


def test_list_filters_on_postgresql(pg_url: str) -> None:  # noqa: F811 (the fixture)
    """The narrative filter reads the stored JSON with each database's own functions."""
    database = Database(pg_url)
    database.save_documents(
        [
            _doc("pg10000000000001", "Sanctions bite", labels=LABELS),
            _doc("pg20000000000002", "Ports reopen", outlet="Valley Daily", published=None),
        ],
        STAGES,
    )
    found = database.list_articles(narrative="nuclear THREATS")
    assert [row.id for row in found] == ["pg10000000000001"]
    assert [r.id for r in database.list_articles(outlet="valley daily")] == ["pg20000000000002"]
    assert [r.id for r in database.list_articles(since="2024-11-01", limit=5)] == [
        "pg10000000000001"
    ]
    assert [r.id for r in database.list_articles(prefix="pg2")] == ["pg20000000000002"]
