"""The pipeline core: registry, requires/assigns validation, the Document contract."""

from __future__ import annotations

from typing import ClassVar

import pytest

from narrascope.document import Document, Sentence
from narrascope.errors import ConfigError, StageError
from narrascope.pipeline import BaseStage, Pipeline, StageInfo, registry


class Splitter(BaseStage):
    name: ClassVar[str] = "split"
    version: ClassVar[str] = "7"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("sentences",)

    def __call__(self, doc: Document) -> Document:
        doc.sentences = [Sentence(0, len(doc.text), doc.text)]
        return doc


class NeedsEntities(BaseStage):
    name: ClassVar[str] = "needs"
    requires: ClassVar[tuple[str, ...]] = ("entities",)
    assigns: ClassVar[tuple[str, ...]] = ("framings",)

    def __call__(self, doc: Document) -> Document:
        return doc


class Broken(BaseStage):
    name: ClassVar[str] = "broken"
    requires: ClassVar[tuple[str, ...]] = ("text",)

    def __call__(self, doc: Document) -> Document:
        return "not a document"  # type: ignore[return-value]


def test_runs_stages_in_order_and_records_versions() -> None:
    pipeline = Pipeline([("split", Splitter())])
    doc = pipeline(Document(id="a", text="One sentence."))
    assert doc.sentences[0].text == "One sentence."
    assert doc.stage_versions == {"split": "7"}


def test_missing_requirement_fails_at_construction() -> None:
    with pytest.raises(ConfigError, match="requires entities"):
        Pipeline([("split", Splitter()), ("needs", NeedsEntities())])


def test_duplicate_stage_name_fails() -> None:
    with pytest.raises(ConfigError, match="twice"):
        Pipeline([("split", Splitter()), ("split", Splitter())])


def test_stage_must_return_a_document() -> None:
    pipeline = Pipeline([("broken", Broken())])
    with pytest.raises(StageError, match="expected a Document"):
        pipeline(Document(id="a", text="x"))


def test_registry_builds_from_config_and_rejects_unknown_factories() -> None:
    @registry.stages.register("test.splitter.v1")
    def make_splitter() -> Splitter:
        return Splitter()

    pipeline = Pipeline.from_config([StageInfo("split", "test.splitter.v1")])
    assert pipeline.names == ["split"]
    with pytest.raises(ConfigError, match="unknown factory"):
        Pipeline.from_config([StageInfo("x", "test.nothing.v9")])


def test_subset_keeps_dependencies() -> None:
    class Entities(BaseStage):
        name: ClassVar[str] = "ents"
        requires: ClassVar[tuple[str, ...]] = ("sentences",)
        assigns: ClassVar[tuple[str, ...]] = ("entities",)

        def __call__(self, doc: Document) -> Document:
            return doc

    pipeline = Pipeline([("split", Splitter()), ("ents", Entities()), ("needs", NeedsEntities())])
    assert pipeline.subset(["needs"]).names == ["split", "ents", "needs"]
    assert pipeline.subset(["split"]).names == ["split"]


def test_batches_preserve_order() -> None:
    pipeline = Pipeline([("split", Splitter())])
    docs = [Document(id=str(i), text=f"text {i}") for i in range(37)]
    out = list(pipeline.pipe(docs, batch_size=8))
    assert [d.id for d in out] == [str(i) for i in range(37)]
