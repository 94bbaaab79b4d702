"""Streaming triage (issue 19): the store's band index finds the same near-duplicates as
one in-memory index over every article, whatever the chunking and however many runs."""

from __future__ import annotations

import random
from pathlib import Path
from typing import ClassVar

import pytest

import narrascope._triage as triage_module
from narrascope.app import AnalyzeSummary, Narrascope
from narrascope.config import Config
from narrascope.document import Document
from narrascope.ingest import NearDuplicateIndex, iter_inputs
from narrascope.pipeline import BaseStage, registry
from narrascope.store import Database
from narrascope.store._bands import backfill_bands
from test_store_postgres import pg_url  # noqa: F401 - the throwaway server fixture

WORDS = [
    "council",
    "ferry",
    "harbour",
    "strike",
    "wages",
    "talks",
    "union",
    "port",
    "crews",
    "minister",
    "budget",
    "grain",
    "bridge",
    "river",
    "flood",
    "rescue",
    "mayor",
    "vote",
    "court",
    "judge",
    "appeal",
    "railway",
    "station",
    "tender",
    "hospital",
    "nurses",
    "shift",
    "clinic",
    "school",
    "teachers",
    "exam",
    "pupils",
    "market",
    "prices",
    "bread",
    "fuel",
    "tariff",
    "customs",
    "border",
    "queue",
    "trucks",
    "drivers",
    "weather",
    "storm",
    "power",
    "grid",
    "repairs",
    "water",
    "pipeline",
    "pressure",
    "valve",
    "engineers",
    "report",
    "inquiry",
    "police",
    "patrol",
    "fire",
    "brigade",
    "smoke",
]


class Noop(BaseStage):
    """Analyses nothing: these tests are about triage, not about any model."""

    name: ClassVar[str] = "noop"
    version: ClassVar[str] = "1"

    def __call__(self, doc: Document) -> Document:
        return doc


@registry.stages.register("test.noop.v1")
def make_noop() -> Noop:
    return Noop()


CONFIG = Config(stages=["noop"], factories={"noop": "test.noop.v1"})


def _corpus(seed: int, n: int) -> list[str]:
    """``n`` articles: own reports (word salads of one vocabulary, so they share few
    bigrams) and syndicated copies of earlier ones (new headline, a word or two edited),
    some copied twice, some copies of copies."""
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n):
        if texts and rng.random() < 0.4:
            words = rng.choice(texts).split("\n\n", 1)[1].split()
            for _ in range(rng.randint(0, 2)):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            body = " ".join(words)
        else:
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90)))
        texts.append(f"Headline {i} {rng.choice(WORDS)}\n\n{body}")
    return texts


def _write(folder: Path, texts: list[str], first: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, body in enumerate(texts, start=first):
        (folder / f"a{i:04d}.txt").write_text(body, encoding="utf-8")


def _expected_links(folder: Path) -> dict[str, str | None]:
    """What one in-memory index over every article, in reading order, links."""
    index = NearDuplicateIndex()
    links: dict[str, str | None] = {}
    for doc in iter_inputs([str(folder)]):
        assert isinstance(doc, Document)
        if doc.id in links:
            continue
        signature = index.signature(doc.text)
        original = index.query(signature)
        links[doc.id] = original
        if original is None:
            index.add(doc.id, signature)
    return links


def _stored_links(db: Path | str) -> dict[str, str | None]:
    database = Database(db)
    with database.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, duplicate_of, meta FROM articles").all()
    database.close()
    return {i: d for i, d, meta in rows if '"copy_of"' not in meta}


def _analyze(db: Path | str, folder: Path) -> AnalyzeSummary:
    app = Narrascope(db, CONFIG)
    app.stories = False
    try:
        return app.analyze([str(folder)])
    finally:
        app.close()


@pytest.mark.parametrize(("seed", "chunk"), [(1, 5), (2, 16), (3, 1000)])
def test_streamed_triage_links_what_one_in_memory_index_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, chunk: int
) -> None:
    monkeypatch.setattr(triage_module, "CHUNK", chunk)
    texts = _corpus(seed, 70)
    folder, db = tmp_path / "corpus", tmp_path / "s.db"
    _write(folder, texts[:30])
    first = _analyze(db, folder)  # half the corpus stored by an earlier run
    _write(folder, texts[30:], first=30)
    second = _analyze(db, folder)
    expected = _expected_links(folder)
    assert _stored_links(db) == expected
    near = sum(original is not None for original in expected.values())
    assert near >= 10  # the corpus really has copies, across chunks and runs
    assert first.near_duplicates + second.near_duplicates == near
    assert second.unchanged == first.analysed + first.near_duplicates
    assert first.analysed + second.analysed == len(expected) - near
    # a third run changes nothing and analyses nothing
    third = _analyze(db, folder)
    assert (third.analysed, third.near_duplicates) == (0, 0)
    assert _stored_links(db) == expected


def test_postgres_band_index_links_the_same(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    """The band keys are signed 64-bit integers: PostgreSQL's BIGINT must find them too."""
    database = Database(pg_url)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS triage")
        conn.exec_driver_sql("CREATE DATABASE triage")
    database.close()
    url = pg_url.rsplit("/", 1)[0] + "/triage"
    folder = tmp_path / "corpus"
    texts = _corpus(5, 40)
    _write(folder, texts[:20])
    _analyze(url, folder)
    _write(folder, texts[20:], first=20)
    _analyze(url, folder)
    expected = _expected_links(folder)
    assert sum(o is not None for o in expected.values()) >= 5
    assert _stored_links(url) == expected


def test_exact_copies_and_stale_stages_stream_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triage_module, "CHUNK", 3)
    texts = _corpus(7, 12)
    folder, db = tmp_path / "corpus", tmp_path / "s.db"
    _write(folder, texts)
    _write(tmp_path / "corpus" / "again", texts[:4])  # the same files under other names
    summary = _analyze(db, folder)
    assert summary.exact_duplicates == 4
    monkeypatch.setattr(Noop, "version", "2")  # a new stage version: every article is stale
    rerun = _analyze(db, folder)
    assert rerun.rerun["noop"] == summary.analysed == rerun.analysed
    database = Database(db)
    versions = database.stage_versions()
    assert {v.get("noop") for k, v in versions.items() if v} == {"2"}
    database.close()


def test_migration_backfill_rebuilds_the_same_band_index(tmp_path: Path) -> None:
    folder, db = tmp_path / "corpus", tmp_path / "s.db"
    _write(folder, _corpus(4, 20))
    _analyze(db, folder)
    database = Database(db)
    with database.engine.begin() as conn:
        before = sorted(conn.exec_driver_sql("SELECT key, article_id FROM minhash_bands"))
        assert before
        conn.exec_driver_sql("DELETE FROM minhash_bands")
        backfill_bands(conn, "sqlite")
        after = sorted(conn.exec_driver_sql("SELECT key, article_id FROM minhash_bands"))
    assert after == before
    database.close()


def test_estimate_total_counts_files_and_jsonl_lines(tmp_path: Path) -> None:
    _write(tmp_path / "c", ["a\n\nb", "c\n\nd"])
    (tmp_path / "c" / "r.jsonl").write_text('{"text": "x"}\n\n{"text": "y"}\n', encoding="utf-8")
    assert triage_module.estimate_total([str(tmp_path / "c")]) == 4
    assert triage_module.estimate_total(["https://example.org/a"]) is None
    assert triage_module.estimate_total(["-"]) is None


def test_cli_engine_options_are_checked_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from typer.testing import CliRunner

    from narrascope.cli._main import app as cli

    db = tmp_path / "z.db"
    runner = CliRunner()
    cases = [
        (["--engine", "spark"], "expected local or ray"),
        (["--workers", "2"], "--address and --workers are for --engine ray"),
        (["--engine", "ray", "--workers", "0"], "expected at least 1"),
    ]
    for extra, message in cases:
        result = runner.invoke(cli, ["analyze", str(tmp_path), "--db", str(db), *extra])
        assert result.exit_code == 1 and message in result.output
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    result = runner.invoke(cli, ["analyze", str(tmp_path), "--db", str(db), "--engine", "ray"])
    assert result.exit_code == 1 and "pip install ray" in result.output
    assert not db.exists()
