"""Incremental re-runs: unchanged articles are skipped, stale stages re-run alone."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from fixtures import CLIMATE_ARTICLE
from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.document import Document
from narrascope.nlp import NlpStage
from narrascope.pipeline import BaseStage, registry


class Probe(BaseStage):
    """Counts the documents it sees; its version is what the test bumps."""

    name: ClassVar[str] = "probe"
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ("entities",)
    assigns: ClassVar[tuple[str, ...]] = ()
    seen: ClassVar[list[str]] = []

    def __call__(self, doc: Document) -> Document:
        Probe.seen.append(doc.id)
        return doc


@registry.stages.register("test.probe.v1")
def make_probe() -> Probe:
    return Probe()


def _app(db: Path) -> Narrascope:
    return Narrascope(db, Config(stages=["nlp", "probe"], factories={"probe": "test.probe.v1"}))


def test_rerun_skips_unchanged_and_reanalyses_edits(corpus_dir: Path, db_path: Path) -> None:
    first = _app(db_path).analyze([str(corpus_dir)])
    assert (first.new, first.analysed, first.unchanged) == (3, 3, 0)

    second = _app(db_path).analyze([str(corpus_dir)])
    assert (second.analysed, second.unchanged) == (0, 3)

    (corpus_dir / "green-times" / "summit.txt").write_text(
        CLIMATE_ARTICLE.replace("2040", "2045"), encoding="utf-8"
    )
    third = _app(db_path).analyze([str(corpus_dir)])
    assert (third.changed, third.analysed, third.unchanged) == (1, 1, 2)
    app = _app(db_path)
    assert app.db.count() == 3  # the edited file replaced its old version
    assert app.db.check_integrity() == []


def test_a_new_stage_version_reruns_only_that_stage(
    corpus_dir: Path, db_path: Path, monkeypatch
) -> None:
    _app(db_path).analyze([str(corpus_dir)])
    Probe.seen.clear()
    monkeypatch.setattr(Probe, "version", "2")
    summary = _app(db_path).analyze([str(corpus_dir)])
    assert dict(summary.rerun) == {"probe": 3}
    assert len(Probe.seen) == 3
    versions = _app(db_path).db.stage_versions()
    assert all(v == {"nlp": NlpStage.version, "probe": "2"} for v in versions.values())
    assert _app(db_path).analyze([str(corpus_dir)]).analysed == 0


def test_exact_duplicates_in_one_run_are_skipped(corpus_dir: Path, db_path: Path) -> None:
    copy = corpus_dir / "copy"
    copy.mkdir()
    (copy / "same.txt").write_text(CLIMATE_ARTICLE, encoding="utf-8")
    summary = _app(db_path).analyze([str(corpus_dir)])
    assert summary.exact_duplicates == 1
    assert summary.analysed == 3
    # the copy is kept as a row of its own, linked to the original and not analysed
    app = _app(db_path)
    docs = app.db.load_documents()
    (dup,) = [d for d in docs if d.duplicate_of]
    original = app.db.load_document(dup.duplicate_of)
    assert original is not None and original.mentions and not dup.mentions
    assert {Path(dup.source).name, Path(original.source).name} == {"same.txt", "summit.txt"}
    again = _app(db_path).analyze([str(corpus_dir)])
    assert (again.analysed, again.exact_duplicates, app.db.count()) == (0, 1, 4)


def test_inserting_a_record_keeps_the_records_after_it(tmp_path: Path, db_path: Path) -> None:
    import json

    feed = tmp_path / "feed.jsonl"
    records = [
        {"title": "Aid vote", "text": "The Senate passed the aid bill for Kyiv on Tuesday night."},
        {"title": "Climate", "text": "Delegates agreed a finance goal at the climate summit."},
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert _app(db_path).analyze([str(feed)]).analysed == 2
    new = {"title": "Mines", "text": "Washington approved anti-personnel mines for Ukraine."}
    feed.write_text("".join(json.dumps(r) + "\n" for r in [new, *records]), encoding="utf-8")
    second = _app(db_path).analyze([str(feed)])
    assert (second.analysed, second.unchanged, second.exact_duplicates) == (1, 2, 0)
    app = _app(db_path)
    docs = app.db.load_documents()
    assert len(docs) == 3 and all(d.mentions or d.title == "Climate" for d in docs)
    assert not any(d.duplicate_of for d in docs)
    assert _app(db_path).analyze([str(feed)]).analysed == 0


def test_editing_an_original_hands_its_results_to_an_exact_copy(
    tmp_path: Path, db_path: Path
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text(CLIMATE_ARTICLE, encoding="utf-8")
    (folder / "b.txt").write_text(CLIMATE_ARTICLE, encoding="utf-8")
    first = _app(db_path).analyze([str(folder)])
    assert (first.analysed, first.exact_duplicates) == (1, 1)
    (folder / "a.txt").write_text(CLIMATE_ARTICLE.replace("2040", "2045"), encoding="utf-8")
    second = _app(db_path).analyze([str(folder)])
    assert second.analysed == 1
    app = _app(db_path)
    docs = {Path(d.source).name: d for d in app.db.load_documents()}
    assert set(docs) == {"a.txt", "b.txt"}
    # b.txt's article was analysed once, as a.txt's original; it keeps those results
    assert not docs["b.txt"].duplicate_of and docs["b.txt"].mentions
    assert "2045" in docs["a.txt"].text and docs["a.txt"].mentions
    assert app.db.check_integrity() == []
    assert _app(db_path).analyze([str(folder)]).analysed == 0
