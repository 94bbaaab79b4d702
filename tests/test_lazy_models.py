"""``analyze`` loads models only when something needs analysing, and leaves no empty database."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures import write_corpus
from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.errors import ModelNotFoundError

#: every function through which a stage loads a model or a pipeline
LOADERS = (
    "narrascope.nlp._stage.load_spacy",
    "narrascope.nlp._embed.load_embedder",
    "narrascope.framing._stage.load_model",
    "narrascope.framing._stage.load_salience",
    "narrascope.narratives._stage.load_model",
    "narrascope.techniques._stage.load_models",
)


def _config() -> Config:
    return Config(params={"nlp": {"n_process": 1}})  # no worker processes in a test


def _forbid_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    for target in LOADERS:  # import the modules (registering the stages) before patching
        importlib.import_module(target.rsplit(".", 1)[0])

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a model was loaded")

    for target in LOADERS:
        monkeypatch.setattr(target, refuse)


def test_rerun_of_unchanged_files_loads_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "news.db"
    first = Narrascope(db, _config()).analyze([str(corpus)])
    assert first.analysed == 3

    _forbid_loading(monkeypatch)
    again = Narrascope(db, _config()).analyze([str(corpus)])
    assert (again.unchanged, again.analysed) == (3, 0)


def test_building_the_pipeline_loads_nothing_but_a_missing_model_still_fails_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forbid_loading(monkeypatch)
    app = Narrascope(tmp_path / "a.db", _config())
    assert set(app.pipeline.versions) == set(_config().stages)
    missing = Config(params={"narratives": {"model_path": str(tmp_path / "nowhere.joblib")}})
    with pytest.raises(ModelNotFoundError, match=r"nowhere\.joblib"):
        _ = Narrascope(tmp_path / "b.db", missing).pipeline


def test_all_rejected_leaves_no_new_database(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    db = tmp_path / "new.db"
    summary = Narrascope(db, _config()).analyze([str(tmp_path / "empty.txt")])
    assert summary.ingested == 0 and len(summary.rejected) == 1
    assert not any(p.name.startswith("new.db") for p in tmp_path.iterdir())


def test_all_rejected_leaves_an_existing_database_as_it_was(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "news.db"
    Narrascope(db, _config()).analyze([str(corpus / "green-times")])
    (tmp_path / "empty.txt").write_bytes(b"")
    Narrascope(db, _config()).analyze([str(tmp_path / "empty.txt")])
    app = Narrascope(db, must_exist=True)
    assert app.db.count() == 1
    assert any("empty.txt" in source for source, _ in app.db.rejects())
