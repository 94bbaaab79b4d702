"""The bundled static sentence embedder and the ``embeddings`` stage."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from narrascope.document import Document, Sentence
from narrascope.errors import ModelNotFoundError
from narrascope.nlp._embed import (
    MODEL_VERSION,
    Embedder,
    EmbeddingStage,
    VectorCache,
    load_embedder,
    sentence_key,
)
from narrascope.pipeline import registry

PARAPHRASE = (
    "The government raised taxes on fuel this week.",
    "This week the government increased fuel taxes.",
)
UNRELATED = "The striker scored twice in the second half of the football match."


class DictCache:
    """A VectorCache backed by a dict; records what was asked for and stored."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], np.ndarray] = {}
        self.puts = 0

    def get_many(self, keys: list[str], model: str) -> dict[str, np.ndarray]:
        return {k: self.data[(k, model)] for k in keys if (k, model) in self.data}

    def put_many(self, vectors: dict[str, np.ndarray], model: str) -> None:
        self.puts += 1
        for key, vec in vectors.items():
            self.data[(key, model)] = np.array(vec, dtype=np.float32)


class EncodeSpy:
    """Wraps ``Embedder.encode`` and records every call's texts."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = embedder.encode
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner(texts)


def make_doc(doc_id: str, sentences: list[str]) -> Document:
    """A document whose sentences are the given strings, joined by spaces."""
    text = " ".join(sentences)
    sents: list[Sentence] = []
    pos = 0
    for sent in sentences:
        sents.append(Sentence(start=pos, end=pos + len(sent), text=sent))
        pos += len(sent) + 1
    return Document(id=doc_id, text=text, language="en", sentences=sents)


@pytest.fixture
def embedder() -> Embedder:
    return load_embedder()


@pytest.fixture
def spy(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> EncodeSpy:
    spy = EncodeSpy(embedder)
    monkeypatch.setattr(embedder, "encode", spy)
    return spy


# ------------------------------------------------------------------ embedder
def test_embedder_is_cached_and_versioned(embedder: Embedder) -> None:
    assert load_embedder() is embedder
    assert embedder.version == MODEL_VERSION
    assert embedder.dim == 256


def test_encode_shapes_and_unit_rows(embedder: Embedder) -> None:
    vecs = embedder.encode([*PARAPHRASE, UNRELATED])
    assert vecs.shape == (3, embedder.dim)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_encode_empty_list(embedder: Embedder) -> None:
    vecs = embedder.encode([])
    assert vecs.shape == (0, embedder.dim)
    assert vecs.dtype == np.float32


def test_text_without_tokens_gets_zero_row(embedder: Embedder) -> None:
    vecs = embedder.encode(["", "Fuel prices rose."])
    assert not vecs[0].any()
    assert np.linalg.norm(vecs[1]) == pytest.approx(1.0, abs=1e-5)


def test_encode_is_deterministic_and_batch_independent(embedder: Embedder) -> None:
    alone = embedder.encode([UNRELATED])
    mixed = embedder.encode([PARAPHRASE[0], UNRELATED, PARAPHRASE[1]])
    again = embedder.encode([PARAPHRASE[0], UNRELATED, PARAPHRASE[1]])
    np.testing.assert_array_equal(mixed, again)
    np.testing.assert_allclose(alone[0], mixed[1], atol=1e-6)


def test_paraphrase_closer_than_unrelated(embedder: Embedder) -> None:
    a, b, c = embedder.encode([*PARAPHRASE, UNRELATED])
    assert float(a @ b) > float(a @ c) + 0.2
    assert float(a @ b) > float(b @ c) + 0.2


def test_missing_model_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="not found"):
        load_embedder(str(tmp_path / "nowhere"))


def test_sentence_key_is_sha1_of_text() -> None:
    assert sentence_key("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert sentence_key("abc ") != sentence_key("abc")


# --------------------------------------------------------------------- stage
def test_stage_contract() -> None:
    stage = EmbeddingStage()
    assert isinstance(stage, EmbeddingStage)
    assert registry.stages.get("narrascope.embeddings.v1") is EmbeddingStage
    assert stage.name == "embeddings"
    assert stage.version == MODEL_VERSION
    assert stage.requires == ("sentences",)
    assert stage.assigns == ("sentence_vectors",)
    assert isinstance(DictCache(), VectorCache)


def test_stage_fills_vectors(embedder: Embedder) -> None:
    doc = make_doc("a", [*PARAPHRASE, UNRELATED])
    out = EmbeddingStage()(doc)
    assert out is doc
    assert doc.sentence_vectors is not None
    assert doc.sentence_vectors.shape == (3, embedder.dim)
    assert doc.sentence_vectors.dtype == np.float32
    np.testing.assert_allclose(
        doc.sentence_vectors, embedder.encode([*PARAPHRASE, UNRELATED]), atol=1e-6
    )


def test_empty_document_gets_empty_matrix(embedder: Embedder) -> None:
    empty = make_doc("empty", [])
    full = make_doc("full", [UNRELATED])
    docs = list(EmbeddingStage().pipe([empty, full]))
    assert [d.id for d in docs] == ["empty", "full"]
    assert empty.sentence_vectors is not None
    assert empty.sentence_vectors.shape == (0, embedder.dim)
    assert full.sentence_vectors is not None
    assert full.sentence_vectors.shape == (1, embedder.dim)


def test_pipe_encodes_a_batch_in_one_call_without_repeats(spy: EncodeSpy) -> None:
    docs = [
        make_doc("a", [PARAPHRASE[0], UNRELATED]),
        make_doc("b", [UNRELATED, PARAPHRASE[1]]),
        make_doc("c", []),
    ]
    list(EmbeddingStage().pipe(docs, batch_size=8))
    assert len(spy.calls) == 1
    assert sorted(spy.calls[0]) == sorted([PARAPHRASE[0], UNRELATED, PARAPHRASE[1]])
    assert docs[0].sentence_vectors is not None and docs[1].sentence_vectors is not None
    np.testing.assert_array_equal(docs[0].sentence_vectors[1], docs[1].sentence_vectors[0])


def test_pipe_respects_batch_size(spy: EncodeSpy) -> None:
    docs = [make_doc(str(i), [f"Sentence number {i} is about ports."]) for i in range(5)]
    list(EmbeddingStage().pipe(docs, batch_size=2))
    assert [len(call) for call in spy.calls] == [2, 2, 1]


def test_cache_is_used_on_second_run(spy: EncodeSpy) -> None:
    cache = DictCache()
    first = [make_doc("a", [*PARAPHRASE]), make_doc("b", [UNRELATED])]
    list(EmbeddingStage(cache=cache).pipe(first))
    assert len(spy.calls) == 1
    assert {key for key, _ in cache.data} == {sentence_key(s) for s in [*PARAPHRASE, UNRELATED]}
    assert {model for _, model in cache.data} == {MODEL_VERSION}

    second = [make_doc("a2", [*PARAPHRASE]), make_doc("b2", [UNRELATED])]
    list(EmbeddingStage(cache=cache).pipe(second))
    assert len(spy.calls) == 1  # nothing new was encoded
    assert cache.puts == 1
    for old, new in zip(first, second, strict=True):
        assert old.sentence_vectors is not None and new.sentence_vectors is not None
        np.testing.assert_array_equal(old.sentence_vectors, new.sentence_vectors)


def test_cache_only_missing_sentences_are_encoded(spy: EncodeSpy) -> None:
    cache = DictCache()
    list(EmbeddingStage(cache=cache).pipe([make_doc("a", [PARAPHRASE[0]])]))
    list(EmbeddingStage(cache=cache).pipe([make_doc("b", [PARAPHRASE[0], UNRELATED])]))
    assert spy.calls == [[PARAPHRASE[0]], [UNRELATED]]


def test_cached_vectors_of_wrong_shape_are_ignored(spy: EncodeSpy, embedder: Embedder) -> None:
    cache = DictCache()
    cache.data[(sentence_key(UNRELATED), MODEL_VERSION)] = np.ones(3, dtype=np.float32)
    doc = make_doc("a", [UNRELATED])
    EmbeddingStage(cache=cache)(doc)
    assert spy.calls == [[UNRELATED]]
    assert doc.sentence_vectors is not None
    assert doc.sentence_vectors.shape == (1, embedder.dim)
