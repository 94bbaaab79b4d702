"""The span refiner: whole-sentence spans and the span filter on top of the token tagger."""

from __future__ import annotations

import io

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from narrascope.techniques._features import boilerplate_ranges, prepare_document, word_tokens
from narrascope.techniques._model import SpanDetector
from narrascope.techniques._refine import SpanRefiner, sentence_rows

DOUBT = "Why would anyone still believe those officials after all this?"
LOADED = "The evil regime lies again."
PLAIN = "The minister met farmers on Monday."
TRAIN_TEXTS = [
    f"{LOADED} {PLAIN} {DOUBT}",
    f"{PLAIN} Prices rose in March.",
    f"{DOUBT} {PLAIN}",
    f"{LOADED} Prices rose in March.",
] * 2


def _gold(text: str) -> list[tuple[int, int]]:
    spans = []
    for phrase in ("evil regime", DOUBT[:-1]):
        at = text.find(phrase)
        if at >= 0:
            spans.append((at, at + len(phrase)))
    return spans


@pytest.fixture(scope="module")
def detector() -> SpanDetector:
    docs = [prepare_document(t) for t in TRAIN_TEXTS]
    det = SpanDetector(threshold=0.5, extend_threshold=0.4, refine=True, refine_folds=2)
    return det.fit(docs, [_gold(t) for t in TRAIN_TEXTS])


def test_whole_sentence_span_on_token_boundaries(detector: SpanDetector) -> None:
    text = f"{PLAIN} {DOUBT}"
    doc = prepare_document(text)
    spans = detector.predict([doc])[0]
    starts = {t.start for t in doc.tokens}
    ends = {t.end for t in doc.tokens}
    assert any(text[s:e].startswith("Why would anyone") for s, e, _ in spans)
    for s, e, p in spans:
        assert s in starts and e in ends and 0.0 <= p <= 1.0
        inside = [x for x in doc.sentences if x.start < e and s < x.end]
        assert len(inside) == 1  # never crosses a sentence


def test_refiner_never_spans_boilerplate(detector: SpanDetector) -> None:
    text = f"{DOUBT}\nFollow us on Twitter. {DOUBT}\n"
    doc = prepare_document(text)
    ranges = boilerplate_ranges(text)
    assert ranges
    idx = word_tokens(doc)
    # every token looks like propaganda: only the refiner's rules keep the bio line out
    spans = detector.decode(doc, idx, np.full(len(idx), 0.95))
    assert spans
    for s, e, _ in spans:
        assert not any(a < e and s < b for a, b in ranges)


def test_filter_threshold_drops_spans() -> None:
    doc = prepare_document(f"{LOADED} {PLAIN}")
    idx = word_tokens(doc)
    proba = np.full(len(idx), 0.9)
    rows = sentence_rows(doc, idx, proba)
    cands = [(4, 15, 0.9)]
    kept = SpanRefiner.combine(doc, rows, np.zeros(len(rows)), cands, np.array([0.6]), 1.0, 0.5)
    dropped = SpanRefiner.combine(doc, rows, np.zeros(len(rows)), cands, np.array([0.4]), 1.0, 0.5)
    assert kept == [(4, 15, 0.9)] and dropped == []
    # a confident sentence replaces the fragments inside it, trailing full stop trimmed
    whole = SpanRefiner.combine(doc, rows, np.array([0.9, 0.0]), cands, np.array([0.6]), 0.5, 0.5)
    assert whole == [(0, len(LOADED) - 1, 0.9)]


def test_refined_detector_pickles_and_checks_state(detector: SpanDetector) -> None:
    buf = io.BytesIO()
    joblib.dump(detector, buf)
    buf.seek(0)
    loaded = joblib.load(buf)
    doc = prepare_document(f"{LOADED} {DOUBT}")
    assert loaded.predict([doc]) == detector.predict([doc])
    with pytest.raises(NotFittedError):
        SpanRefiner().scores(doc, [], np.zeros(0), [])


def test_plain_detector_unchanged_without_refine() -> None:
    docs = [prepare_document(t) for t in TRAIN_TEXTS]
    det = SpanDetector(threshold=0.5, extend_threshold=0.4).fit(
        docs, [_gold(t) for t in TRAIN_TEXTS]
    )
    assert det.refiner_ is None
    doc = prepare_document(f"{LOADED} {DOUBT}")
    idx, proba = det.token_proba(doc)
    assert det.decode(doc, idx, proba) == det.hysteresis(doc, idx, proba)


def test_sentence_vectors_of_the_embeddings_stage_give_the_same_spans(
    detector: SpanDetector,
) -> None:
    from narrascope.nlp import EmbeddingStage

    text = f"{LOADED} {PLAIN} {DOUBT}"
    plain, embedded = prepare_document(text), prepare_document(text)
    embedded.sentence_vectors = EmbeddingStage().predict([embedded])[0]
    assert detector.predict([embedded]) == detector.predict([plain])
    # vectors that do not match the sentences are ignored, not misaligned
    embedded.sentence_vectors = embedded.sentence_vectors[:1]
    assert detector.predict([embedded]) == detector.predict([plain])
