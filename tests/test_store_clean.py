"""Text both stores can hold (issue 21, item 15): NUL and lone surrogates become U+FFFD.

PostgreSQL refused a NUL that SQLite stored (``DataError``, then a hang); the
replacement keeps the text's length, so offsets (and gold offsets of verbatim
files) stay right.
"""

from __future__ import annotations

from pathlib import Path

from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.document import Document, Entity, Sentence
from narrascope.store import Database
from narrascope.store._clean import clean_document, storable
from test_store_postgres import pg_url  # noqa: F401 - the throwaway PostgreSQL fixture

FILLER = "The council met again on Monday to discuss repairs to the water supply.\n" * 20
HOSTILE = "Joe\x00Biden met Volodymyr Zelensky in Kyiv.\n"


def _config() -> Config:
    return Config(stages=["nlp"], params={"nlp": {"n_process": 1}})


def _nul_article(root: Path) -> Path:
    """A verbatim UTF-16 .txt (with its BOM) that holds a NUL character (the review's case:
    binary detection looks for NUL *bytes*, which every UTF-16 text has)."""
    root.mkdir()
    path = root / "nul.txt"
    path.write_bytes(("Water report\n\n" + FILLER + HOSTILE).encode("utf-16"))
    (root / "ok.txt").write_text("Harbour report\n\nAngela Merkel visited Paris.\n")
    return path


def test_storable_replaces_one_for_one() -> None:
    value = "a\x00b\ud800c\udfffd"
    assert storable(value) == "a\ufffdb\ufffdc\ufffdd"
    assert len(storable(value)) == len(value)
    doc = Document(
        id="x", text="t\x00t", title="ti\x00tle", meta={"k\x00": ["v\ud83d"]}, authors=["A\x00"]
    )
    assert clean_document(doc) == 1
    assert (doc.text, doc.title, doc.authors) == ("t\ufffdt", "ti\ufffdtle", ["A\ufffd"])
    assert doc.meta == {"k\ufffd": ["v\ufffd"]}
    assert doc.id == "x"


def _check_stored(app: Narrascope, path: Path) -> None:
    summary = app.analyze([str(path.parent)])
    assert summary.analysed == 2 and summary.rejected == []
    (doc,) = [d for d in app.db.load_documents() if d.source.endswith("nul.txt")]
    raw = path.read_text(encoding="utf-16")
    assert "\x00" not in doc.text and len(doc.text) == len(raw)
    assert doc.text == raw.replace("\x00", "\ufffd")
    assert any("replaced by U+FFFD" in note for note in doc.notes)
    # offsets still point at the same characters
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
    zelensky = [m for m in doc.mentions if m.text == "Volodymyr Zelensky"]
    assert zelensky and doc.text[zelensky[0].start : zelensky[0].end] == "Volodymyr Zelensky"
    # a re-run finds the article unchanged (its id hashes the input, not the cleaned text)
    again = app.analyze([str(path.parent)])
    assert again.unchanged == 2 and again.analysed == 0


def test_nul_in_a_verbatim_file_is_replaced_before_analysis_sqlite(tmp_path: Path) -> None:
    path = _nul_article(tmp_path / "corpus")
    _check_stored(Narrascope(tmp_path / "c.db", _config()), path)


def test_nul_in_a_verbatim_file_is_stored_by_postgres(
    tmp_path: Path,
    pg_url: str,  # noqa: F811 - the fixture imported above
) -> None:
    path = _nul_article(tmp_path / "corpus")
    db = Database(pg_url)
    with db.engine.begin() as conn:  # a fresh schema per test run
        for table in ("stage_results", "entities", "rejects", "articles", "runs"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    _check_stored(Narrascope(pg_url, _config()), path)


def test_store_cleans_what_api_callers_write_postgres(pg_url: str) -> None:  # noqa: F811
    db = Database(pg_url)
    text = "Title\x00\n\nThe Kremlin\x00 rejected \ud800 talks."
    doc = Document(
        id="nul1",
        text=text,
        title="Title\x00",
        source="nul1.txt",
        language="en",
        meta={"note": "a\x00b"},
        authors=["Iryna\x00 Sava"],
    )
    doc.sentences = [Sentence(7, len(text), text[7:])]
    doc.entities = [Entity("org:kremlin", "Kremlin\x00", "ORG", ["Kremlin\x00"], [])]
    doc.stage_versions["nlp"] = "1"
    db.save_documents([doc], {"nlp": ("sentences", "mentions", "entities")})
    back = db.load_document("nul1")
    assert back is not None
    assert back.text == storable(text) and len(back.text) == len(text)
    assert back.title == "Title\ufffd"
    assert back.meta["note"] == "a\x00b"  # JSON writes it as the escape \u0000: plain ASCII
    assert back.sentences[0].text == back.text[7:]
    assert back.entities[0].name == "Kremlin\ufffd"


def test_store_cleans_surrogates_sqlite(tmp_path: Path) -> None:
    db = Database(tmp_path / "s.db")
    doc = Document(id="s1", text="Bad \ud800 text", title="t\ud800", source="s.txt")
    db.save_documents([doc], {})
    back = db.load_document("s1")
    assert back is not None and back.text == "Bad \ufffd text" and back.title == "t\ufffd"
