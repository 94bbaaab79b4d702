"""Second stage of span detection: whole-sentence spans and a span filter.

Why: the token tagger sees two words either side of a token, so it finds the short techniques
(loaded language, name calling: a median of 3 words) and glues fragments of the long ones. Two
cheap models on top of its probabilities fix what the protocol measured as its weak points:

* 20% of the PTC spans cover most of their sentence (doubt, causal oversimplification, appeal to
  fear, black-and-white fallacy: a median of 14-19 words). A *sentence model* (logistic
  regression on the sentence's TF-IDF words, its model2vec vector and the tagger's probabilities
  in and around it) predicts "this sentence is mostly a persuasion span"; such a sentence becomes
  one span from its first to its last token, replacing the tagger's fragments inside it.
* 63% of the tagger's decoded spans overlap no gold span at all. A *span filter* (logistic
  regression on the span's probability profile, its length, its share of the sentence, the
  sentence models' probabilities and the span's model2vec vector) drops the likely false ones.

Both are trained on *cross-fitted* tagger probabilities (each training article scored by a
tagger that did not see it), so they learn how the tagger behaves on unseen text.
Spans still start and end on tokens, stay inside one sentence and skip boilerplate: a sentence
span is trimmed to the sentence's tokens and never made inside a boilerplate line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from narrascope.document import Document
from narrascope.techniques._features import QUOTES, boilerplate_ranges, sentence_of

__all__ = ["SentenceRow", "SpanRefiner", "sentence_rows"]

_TRAIL = ".,;: \n\t"


@dataclass(slots=True)
class SentenceRow:
    """One sentence of an article with the tagger's view of it."""

    start: int  # first non-space character
    end: int  # after the last non-space character
    text: str
    dense: list[float]
    index: int = -1  # position in ``doc.sentences``


def sentence_rows(doc: Document, idx: Sequence[int], proba: np.ndarray) -> list[SentenceRow]:
    """The article's non-empty, non-boilerplate sentences with dense tagger features.

    Features: max / mean token probability, share of tokens above 0.3 and 0.5, length, relative
    position, title, ``?``/``!``/quotes, and the max probability of the sentences before/after.
    """
    if not len(idx):
        return []
    sid = np.asarray(sentence_of(doc.sentences, [doc.tokens[i] for i in idx]))
    boiler = boilerplate_ranges(doc.text)
    raw: list[tuple[int, int, str, np.ndarray, int]] = []
    for k, sent in enumerate(doc.sentences):
        text = doc.text[sent.start : sent.end]
        body = text.strip()
        p = proba[sid == k]
        if not body or not len(p):
            continue
        start = sent.start + len(text) - len(text.lstrip())
        end = sent.start + len(text.rstrip())
        if any(a < end and start < b for a, b in boiler):
            continue
        raw.append((start, end, body, p, k))
    rows = []
    n = len(raw)
    for r, (start, end, body, p, k) in enumerate(raw):
        prev = float(raw[r - 1][3].max()) if r > 0 else 0.0
        nxt = float(raw[r + 1][3].max()) if r + 1 < n else 0.0
        dense = [
            float(p.max()),
            float(p.mean()),
            float((p > 0.3).mean()),
            float((p > 0.5).mean()),
            float(np.log1p(len(p)) / 4),
            r / n,
            float(r == 0),
            float("?" in body),
            float("!" in body),
            float(any(c in QUOTES for c in body)),
            prev,
            nxt,
        ]
        rows.append(SentenceRow(start, end, body, dense, k))
    return rows


def _coverage(rows: list[SentenceRow], spans: Sequence[tuple[int, int]], length: int) -> np.ndarray:
    """Share of each sentence's characters inside gold spans."""
    marks = np.zeros(length + 1, dtype=bool)
    for a, b in spans:
        marks[a:b] = True
    return np.array([marks[r.start : r.end].mean() for r in rows])


def _embed(texts: list[str]) -> np.ndarray:
    from narrascope.nlp._embed import load_embedder

    return load_embedder().encode(texts)


class _SentenceModel:
    """Logistic regression over [dense tagger features, model2vec vector, TF-IDF 1-2-grams]."""

    def __init__(self, C: float, random_state: int) -> None:
        self.C = C
        self.random_state = random_state

    def _matrix(
        self,
        dense: np.ndarray,
        vecs: np.ndarray,
        texts: list[str],
        words: sp.csr_matrix | None = None,
    ) -> sp.csr_matrix:
        if words is None:
            words = self.tfidf.transform(texts)
        return sp.hstack([sp.csr_matrix(3 * dense), sp.csr_matrix(vecs), words]).tocsr()

    def fit(
        self, dense: np.ndarray, vecs: np.ndarray, texts: list[str], y: np.ndarray
    ) -> _SentenceModel:
        self.tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)
        self.constant: float | None = None
        if len(set(y.tolist())) < 2:  # tiny training sets: a constant answer
            self.constant = float(y[0]) if len(y) else 0.0
            return self
        self.model = LogisticRegression(
            C=self.C, max_iter=2000, random_state=self.random_state
        ).fit(self._matrix(dense, vecs, texts), y)
        return self

    def proba(
        self,
        dense: np.ndarray,
        vecs: np.ndarray,
        texts: list[str],
        words: sp.csr_matrix | None = None,
    ) -> np.ndarray:
        """p(positive) per sentence; ``words`` is this model's TF-IDF of ``texts`` if known."""
        if not texts:
            return np.zeros(0)
        if self.constant is not None:
            return np.full(len(texts), self.constant)
        return self.model.predict_proba(self._matrix(dense, vecs, texts, words))[:, 1]


class SpanRefiner(BaseEstimator):
    """Sentence spans + span filter over a tagger's decoded spans (see the module docstring).

    ``fit(docs, probs, gold, candidates)``: ``probs`` per document ``(token indices,
    cross-fitted token probabilities)``, ``gold`` the gold ``(start, end)`` spans, and
    ``candidates`` per document the tagger's decoded spans ``(start, end, mean probability)``
    from the same probabilities. ``refine(doc, idx, proba, candidates)`` returns the final spans.
    """

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_same_tfidf", None)  # recomputed on first use
        return state

    def __init__(
        self,
        long_coverage: float = 0.5,
        sentence_threshold: float = 0.3,
        filter_threshold: float = 0.2,
        C: float = 1.0,
        folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.long_coverage = long_coverage
        self.sentence_threshold = sentence_threshold
        self.filter_threshold = filter_threshold
        self.C = C
        self.folds = folds
        self.random_state = random_state

    # ------------------------------------------------------------------ features
    @staticmethod
    def _table(
        rows: list[SentenceRow], doc: Document | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Dense features, sentence vectors and texts of ``rows``.

        The vectors come from ``doc.sentence_vectors`` when the ``embeddings`` stage has run
        (the same model on the same sentence, so the same vectors), else they are computed.
        """
        texts = [r.text for r in rows]
        dense = np.array([r.dense for r in rows]) if rows else np.zeros((0, 12))
        if not texts:
            return dense, np.zeros((0, 1)), texts
        given = doc.sentence_vectors if doc is not None else None
        if given is not None and len(given) == len(doc.sentences):  # type: ignore[union-attr]
            return dense, np.asarray(given)[[r.index for r in rows]], texts
        return dense, _embed(texts), texts

    @staticmethod
    def _span_features(
        doc: Document,
        idx: Sequence[int],
        proba: np.ndarray,
        spans: Sequence[tuple[int, int, float]],
        rows: list[SentenceRow],
        p_long: np.ndarray,
        p_any: np.ndarray,
    ) -> tuple[np.ndarray, list[str]]:
        starts = np.array([doc.tokens[i].start for i in idx])
        dense, texts = [], []
        for s, e, mean_p in spans:
            p = proba[(starts >= s) & (starts < e)]
            if not len(p):
                p = np.array([mean_p])
            r = next((k for k, row in enumerate(rows) if row.start <= s < row.end + 1), -1)
            text = doc.text[s:e]
            n = len(p)
            dense.append(
                [
                    mean_p,
                    float(p.max()),
                    float(p.min()),
                    float(np.log1p(n) / 3),
                    float(n == 1),
                    float(n <= 3),
                    float(p_long[r]) if r >= 0 else 0.0,
                    float(p_any[r]) if r >= 0 else 0.0,
                    rows[r].dense[0] if r >= 0 else 0.0,
                    (e - s) / max(1, rows[r].end - rows[r].start) if r >= 0 else 0.0,
                    float(text[:1].isupper()),
                    float(any(c in QUOTES for c in text)),
                ]
            )
            texts.append(text)
        return np.array(dense) if dense else np.zeros((0, 12)), texts

    def _filter_matrix(self, dense: np.ndarray, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([sp.csr_matrix(2 * dense), sp.csr_matrix(_embed(texts))]).tocsr()

    # ------------------------------------------------------------------ fit / apply
    def _fit_sentences(
        self,
        docs: Sequence[Document],
        probs: Sequence[tuple[Sequence[int], np.ndarray]],
        gold: Sequence[Sequence[tuple[int, int]]],
    ) -> tuple:
        """Sentence rows, cross-fitted p(long)/p(any) per row, and the two final models."""
        per_doc = [sentence_rows(d, *p) for d, p in zip(docs, probs, strict=True)]
        owner = np.array([k for k, rows in enumerate(per_doc) for _ in rows], dtype=int)
        rows = [r for rs in per_doc for r in rs]
        cov = np.concatenate(
            [
                _coverage(rs, g, len(d.text)) if rs else np.zeros(0)
                for rs, g, d in zip(per_doc, gold, docs, strict=True)
            ]
        )
        dense, vecs, texts = self._table(rows)
        y_long = cov >= self.long_coverage
        y_any = cov > 0
        # sentence probabilities for the filter's training spans: cross-fitted over articles
        p_long = np.zeros(len(rows))
        p_any = np.zeros(len(rows))
        n_folds = min(self.folds, len(docs))
        if n_folds >= 2:
            splitter = KFold(n_folds, shuffle=True, random_state=self.random_state)
            for tr, va in splitter.split(np.arange(len(docs))):
                m_tr, m_va = np.isin(owner, tr), np.isin(owner, va)
                if not m_tr.any() or not m_va.any():
                    continue
                tx = [texts[i] for i in np.flatnonzero(m_tr)]
                vx = [texts[i] for i in np.flatnonzero(m_va)]
                for target, out in ((y_long, p_long), (y_any, p_any)):
                    model = _SentenceModel(self.C, self.random_state).fit(
                        dense[m_tr], vecs[m_tr], tx, target[m_tr]
                    )
                    out[m_va] = model.proba(dense[m_va], vecs[m_va], vx)
        long_model = _SentenceModel(self.C, self.random_state).fit(dense, vecs, texts, y_long)
        any_model = _SentenceModel(self.C, self.random_state).fit(dense, vecs, texts, y_any)
        return per_doc, p_long, p_any, long_model, any_model

    def fit(
        self,
        docs: Sequence[Document],
        probs: Sequence[tuple[Sequence[int], np.ndarray]],
        gold: Sequence[Sequence[tuple[int, int]]],
        candidates: Sequence[Sequence[tuple[int, int, float]]],
        cache: dict[tuple[str, ...], tuple] | None = None,
    ) -> SpanRefiner:
        """Fit the sentence models and the filter.

        ``cache`` (training only) keeps the sentence models per set of documents: they do not
        depend on the candidate spans, so a threshold search refits only the filter.
        """
        key = tuple(d.id for d in docs)
        if cache is not None and key in cache:
            state = cache[key]
        else:
            state = self._fit_sentences(docs, probs, gold)
            if cache is not None:
                cache[key] = state
        per_doc, p_long, p_any, self.long_model_, self.any_model_ = state
        # the filter: does a decoded span overlap a gold span at all?
        f_dense, f_texts, f_y = [], [], []
        offset = 0
        for d, p, g, cands, rs in zip(docs, probs, gold, candidates, per_doc, strict=True):
            n = len(rs)
            fd, ft = self._span_features(
                d, p[0], p[1], cands, rs, p_long[offset : offset + n], p_any[offset : offset + n]
            )
            offset += n
            f_dense.append(fd)
            f_texts += ft
            f_y += [any(a < e and s < b for a, b in g) for s, e, _ in cands]
        y = np.array(f_y, dtype=bool)
        self.filter_constant_: float | None = None
        if len(set(y.tolist())) < 2:
            self.filter_constant_ = float(y[0]) if len(y) else 1.0
        else:
            self.filter_ = LogisticRegression(
                C=self.C, max_iter=3000, random_state=self.random_state
            ).fit(self._filter_matrix(np.vstack(f_dense), f_texts), y)
        return self

    def scores(
        self,
        doc: Document,
        idx: Sequence[int],
        proba: np.ndarray,
        candidates: Sequence[tuple[int, int, float]],
    ) -> tuple[list[SentenceRow], np.ndarray, np.ndarray]:
        """Sentence rows, each sentence's p(long span), and each candidate's p(kept)."""
        check_is_fitted(self, "long_model_")
        rows = sentence_rows(doc, idx, proba)
        dense, vecs, texts = self._table(rows, doc)
        # the two sentence models were fitted on the same texts: one TF-IDF transform serves both
        words = self.long_model_.tfidf.transform(texts) if texts else None
        p_long = self.long_model_.proba(dense, vecs, texts, words)
        if not candidates:
            return rows, p_long, np.zeros(0)
        same = self.__dict__.get("_same_tfidf")
        if same is None:
            a, b = self.long_model_.tfidf, self.any_model_.tfidf
            same = a.vocabulary_ == b.vocabulary_ and np.array_equal(a.idf_, b.idf_)
            self.__dict__["_same_tfidf"] = same
        p_any = self.any_model_.proba(dense, vecs, texts, words if same else None)
        fd, ft = self._span_features(doc, idx, proba, candidates, rows, p_long, p_any)
        if self.filter_constant_ is not None:
            p_keep = np.full(len(ft), self.filter_constant_)
        else:
            p_keep = self.filter_.predict_proba(self._filter_matrix(fd, ft))[:, 1]
        return rows, p_long, p_keep

    @staticmethod
    def combine(
        doc: Document,
        rows: list[SentenceRow],
        p_long: np.ndarray,
        candidates: Sequence[tuple[int, int, float]],
        p_keep: np.ndarray,
        sentence_threshold: float,
        filter_threshold: float,
    ) -> list[tuple[int, int, float]]:
        """Sentence spans above ``sentence_threshold`` plus kept candidates outside them.

        A sentence span runs from the sentence's first non-space character to its last one
        before trailing punctuation (both token boundaries of the ``nlp`` tokenizer).
        """
        longs = []
        for row, p in zip(rows, p_long, strict=True):
            if p >= sentence_threshold:
                end = row.end
                while end > row.start and doc.text[end - 1] in _TRAIL:
                    end -= 1
                if end > row.start:
                    longs.append((row.start, end, float(p)))
        out = [
            (s, e, mp)
            for (s, e, mp), keep in zip(candidates, p_keep, strict=True)
            if keep >= filter_threshold and not any(a < e and s < b for a, b, _ in longs)
        ]
        return sorted(out + longs)

    def refine(
        self,
        doc: Document,
        idx: Sequence[int],
        proba: np.ndarray,
        candidates: Sequence[tuple[int, int, float]],
    ) -> list[tuple[int, int, float]]:
        """Final spans at the fitted thresholds."""
        rows, p_long, p_keep = self.scores(doc, idx, proba, candidates)
        return self.combine(
            doc, rows, p_long, candidates, p_keep, self.sentence_threshold, self.filter_threshold
        )
