"""Span decoding rules: token boundaries, sentence boundaries, boilerplate; the CRF tagger."""

from __future__ import annotations

import io

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from narrascope.techniques import TechniqueStage
from narrascope.techniques._features import boilerplate_ranges, prepare_document, word_tokens
from narrascope.techniques._model import CrfSpanDetector, SpanDetector

BODY = (
    "Radical elites are destroying our nation. The corrupt traitors lie every day!\n\n"
    "He did not subscribe to that view, and copyright holders sued the paper.\n"
)
BOILER = (
    "Follow us on Twitter and Facebook, patriots!\n"
    "Share this article with every patriot you know.\n"
    "Subscribe to our newsletter for more truth.\n"
    "© 2024 Freedom Eagle News. All rights reserved.\n"
    "John Smith is the author of three books about the deep state.\n"
)
COMMENTS = "Comments\nPatriot1776: These traitors should all be locked up, disgusting!\n"
ARTICLE = BODY + BOILER + COMMENTS


def _inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in ranges)


def test_boilerplate_lines_found_and_body_kept() -> None:
    ranges = boilerplate_ranges(ARTICLE)
    flagged = "".join(ARTICLE[a:b] for a, b in ranges)
    for line in BOILER.splitlines():
        assert line in flagged, line
    assert "Patriot1776" in flagged  # everything after the comment heading
    assert not _inside(ranges, 0, len(BODY))  # "subscribe to that view", "copyright holders"


def test_bio_only_near_the_end() -> None:
    text = "John Smith is the author of the new law.\n" + "Filler sentence here.\n" * 20
    assert boilerplate_ranges(text) == []
    assert boilerplate_ranges("Filler sentence here.\n" * 20 + text.splitlines()[0])


def _all_high(detector: SpanDetector | CrfSpanDetector, text: str) -> list[tuple[int, int]]:
    doc = prepare_document(text)
    idx = word_tokens(doc)
    spans = detector.decode(doc, idx, np.full(len(idx), 0.9))
    return [(s, e) for s, e, _ in spans]


def test_decoded_spans_respect_tokens_sentences_and_boilerplate() -> None:
    doc = prepare_document(ARTICLE)
    spans = _all_high(SpanDetector(), ARTICLE)
    assert spans
    starts = {t.start for t in doc.tokens}
    ends = {t.end for t in doc.tokens}
    ranges = boilerplate_ranges(ARTICLE)
    for s, e in spans:
        assert s in starts and e in ends  # token boundaries
        inside = [x for x in doc.sentences if x.start <= s and e <= x.end]
        assert inside, ARTICLE[s:e]  # within one sentence
        assert not _inside(ranges, s, e), ARTICLE[s:e]
    # each body sentence is its own span (edge punctuation trimmed)
    assert (0, ARTICLE.index(" The corrupt") - 1) in spans


def test_old_decoding_crosses_sentences_and_tags_boilerplate() -> None:
    """The two switches are what make the difference."""
    old = SpanDetector(split_sentences=False, skip_boilerplate=False)
    spans = _all_high(old, ARTICLE)
    assert len(spans) == 1 and "Follow us" in ARTICLE[spans[0][0] : spans[0][1]]


def test_stage_puts_no_span_in_boilerplate() -> None:
    doc = prepare_document(ARTICLE, "b1")
    TechniqueStage()(doc)
    ranges = boilerplate_ranges(ARTICLE)
    assert all(not _inside(ranges, s.start, s.end) for s in doc.techniques)
    assert any(s.end <= len(BODY) for s in doc.techniques)


def test_crf_tagger_fits_pickles_and_checks_state() -> None:
    pytest.importorskip("pycrfsuite")
    with pytest.raises(NotFittedError):
        CrfSpanDetector().predict([prepare_document("A b c.")])
    texts = ["The evil regime lies again.", "The minister met farmers on Monday."] * 4
    docs = [prepare_document(t) for t in texts]
    spans = [[(4, 15)] if "evil" in t else [] for t in texts]
    det = CrfSpanDetector(c1=0.0, c2=0.01, min_freq=1, threshold=0.5, extend_threshold=0.4)
    assert det.fit(docs, spans) is det and det.n_tokens_ == 52
    test = prepare_document("The evil regime lies. The minister met farmers.")
    predicted = det.predict([test])[0]
    assert [(s, e) for s, e, _ in predicted] == [(4, 15)]
    buffer = io.BytesIO()
    joblib.dump(det, buffer)
    buffer.seek(0)
    assert joblib.load(buffer).predict([test]) == [predicted]
