"""The nlp stage's bounded work per article and its worker processes (issue 21).

An article longer than spaCy's ``max_length`` crashed the run (E088), and a merely
huge one took 17 GB in a worker. Texts are now parsed in pieces cut at line
breaks; the tests shrink both limits so a short text exercises the same path.
"""

from __future__ import annotations

import os
import signal
import time
from functools import partial

import pytest

from narrascope.document import Document
from narrascope.nlp import NlpStage, _workers, load_spacy, split_sentences
from narrascope.nlp._workers import NerWorkers, WorkerError, chunk_spans

PARAGRAPH = (
    "Joe Biden met Volodymyr Zelensky in Kyiv on day {i}. The Pentagon said NATO would send "
    "help to Odesa. Sava said Biden was right, and Ursula von der Leyen agreed in Brussels."
)
LONG = "\n\n".join(PARAGRAPH.format(i=i) for i in range(80))  # ~14,000 characters


def _mentions(doc: Document) -> list[tuple[int, int, str, str]]:
    return [(m.start, m.end, m.label, m.entity) for m in doc.mentions]


@pytest.mark.parametrize("n_process", [1, 2])
def test_text_longer_than_max_length_is_parsed_in_pieces(
    monkeypatch: pytest.MonkeyPatch, n_process: int
) -> None:
    whole = next(NlpStage(n_process=1).pipe([Document(id="w", text=LONG, language="en")]))
    monkeypatch.setattr(load_spacy("en"), "max_length", 5_000)  # E088 for LONG in one piece
    monkeypatch.setattr(_workers, "CHUNK_CHARS", 2_000)
    docs = [
        Document(id="a", text=LONG, language="en"),
        Document(id="b", text="Angela Merkel visited Paris.", language="en"),
    ]
    out = list(NlpStage(n_process=n_process).pipe(docs))
    assert [d.id for d in out] == ["a", "b"]
    long_doc = out[0]
    # cut at line breaks, where sentences end anyway: the same result as in one piece
    assert long_doc.sentences == whole.sentences
    assert [(t.start, t.end, t.is_space) for t in long_doc.tokens] == [
        (t.start, t.end, t.is_space) for t in whole.tokens
    ]
    assert _mentions(long_doc) == _mentions(whole)
    last = long_doc.mentions[-1]
    assert last.start > 12_000 and LONG[last.start : last.end] == last.text == "Brussels"
    assert [m.text for m in out[1].mentions] == ["Angela Merkel", "Paris"]


def test_long_text_without_a_model_is_tokenised_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    text = LONG.replace("\n\n", " ")  # one line: cut at spaces
    whole = split_sentences(text, "de")
    monkeypatch.setattr(load_spacy("de"), "max_length", 5_000)
    monkeypatch.setattr(_workers, "CHUNK_CHARS", 2_000)
    doc = next(NlpStage(n_process=1).pipe([Document(id="d", text=text, language="de")]))
    assert all(text[t.start : t.end] == t.text for t in doc.tokens)
    assert doc.tokens[-1].text == "." and doc.tokens[-1].end == len(text)
    assert all(text[s.start : s.end] == s.text for s in doc.sentences)
    # a cut inside a sentence (no line break to cut at) splits that sentence, no more
    cuts = len(chunk_spans(text)) - 1
    assert len(whole) <= len(doc.sentences) <= len(whole) + cuts
    assert split_sentences(text, "de") == doc.sentences


def test_chunk_spans_cover_the_text_at_line_breaks() -> None:
    text = "aaaa bbbb\ncccc dddd eeee\nffff gggg"
    spans = chunk_spans(text, 12)
    assert "".join(text[s:e] for s, e in spans) == text
    assert [text[s:e] for s, e in spans] == ["aaaa bbbb\n", "cccc dddd ", "eeee\nffff ", "gggg"]
    assert chunk_spans("x" * 25, 10) == [(0, 10), (10, 20), (20, 25)]  # one giant word
    assert chunk_spans("", 10) == [(0, 0)]


def test_a_worker_killed_mid_run_is_an_error_not_a_hang() -> None:
    workers = NerWorkers(2, partial(load_spacy, "en"))
    results = workers.imap((PARAGRAPH.format(i=i) for i in range(2_000)), batch_size=4)
    next(results)
    pid = workers.pids[1]
    os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(WorkerError, match=rf"worker process {pid} was killed by signal 9"):
        for _ in results:
            assert time.monotonic() - started < 60
    assert workers.pids == []  # all stopped
