"""The two models of the stage: a span detector and a technique classifier.

Both follow the scikit-learn estimator contract (``__init__`` stores hyper-parameters, ``fit``
sets ``name_`` attributes and returns ``self``, prediction checks the fitted state first).

* :class:`SpanDetector` tags every word token as inside/outside a persuasion span with a logistic
  regression over hashed token features, then decodes spans by hysteresis: a run starts at a
  token above ``threshold`` and extends over neighbours above ``extend_threshold``, within one
  sentence and outside boilerplate. Why not a CRF: :class:`CrfSpanDetector` (same features,
  same decoder) was measured on the frozen-split protocol and lost on inner CV (span F1 0.337
  vs 0.347; 0.345 vs 0.343 on the test part), costs a third more per article and needs
  ``python-crfsuite``; it stays here for ``training/techniques.py``'s comparison only.
* :class:`TechniqueClassifier` labels a span with one of the 14 PTC techniques from TF-IDF word
  and character n-grams of the span, words of its sentence, cue features (repetition counts,
  capitals, questions), optionally the words just around the span and sentence vectors of the
  span and its sentence; a multinomial logistic regression gives calibrated-enough probabilities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from narrascope.document import Document
from narrascope.techniques._features import (
    QUOTES,
    boilerplate_ranges,
    sentence_of,
    span_cues,
    token_features,
    word_tokens,
)
from narrascope.techniques._refine import SpanRefiner

__all__ = ["CrfSpanDetector", "SpanDetector", "SpanItem", "TechniqueClassifier", "span_context"]

#: a span to classify: (article text, start, end)
SpanItem = tuple[str, int, int]
_EDGE_PUNCT = frozenset(".,;:-–—)(")


def _token_labels(doc: Document, idx: list[int], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """1 for tokens whose middle character lies inside a gold span."""
    marks = np.zeros(len(doc.text) + 1, dtype=np.int8)
    for start, end in spans:
        marks[start:end] = 1
    return np.array(
        [marks[(doc.tokens[i].start + doc.tokens[i].end - 1) // 2] for i in idx], dtype=np.int8
    )


class _SpanDecoder:
    """Turns token probabilities into spans; shared by the logistic and the CRF tagger.

    Rules every decoded span obeys, whatever the probabilities say:

    * it starts at a token's first character and ends at a token's last one (offsets come from
      ``doc.tokens`` only), with edge punctuation trimmed when ``trim_punct``;
    * with ``split_sentences`` it never crosses a sentence boundary: 4.6% of the gold PTC spans
      do (measured against the nlp stage's sentences, ``training/techniques.py``), far fewer
      than the runs a hysteresis decoder glues across a full stop;
    * with ``skip_boilerplate`` no token of a share/subscribe line, copyright notice, author bio
      or comment section (:func:`boilerplate_ranges`) is part of a span.
    """

    threshold: float
    extend_threshold: float
    trim_punct: bool

    def decode(
        self,
        doc: Document,
        idx: list[int],
        proba: np.ndarray,
        threshold: float | None = None,
        extend_threshold: float | None = None,
    ) -> list[tuple[int, int, float]]:
        """Spans from token probabilities: hysteresis, then the refiner when one was fitted.

        ``threshold``/``extend_threshold`` override the fitted defaults (tuning without refit).
        """
        spans = self.hysteresis(doc, idx, proba, threshold, extend_threshold)
        refiner = getattr(self, "refiner_", None)
        if refiner is None:
            return spans
        return refiner.refine(doc, idx, _mask_boilerplate(doc, idx, proba), spans)  # type: ignore[no-any-return]

    def hysteresis(
        self,
        doc: Document,
        idx: list[int],
        proba: np.ndarray,
        threshold: float | None = None,
        extend_threshold: float | None = None,
    ) -> list[tuple[int, int, float]]:
        """Spans from token probabilities (hysteresis over runs of adjacent tokens)."""
        high = self.threshold if threshold is None else threshold
        low = self.extend_threshold if extend_threshold is None else extend_threshold
        # models pickled before these switches existed get the rules too
        split = getattr(self, "split_sentences", True)
        if getattr(self, "skip_boilerplate", True):
            proba = _mask_boilerplate(doc, idx, proba)
        sid = sentence_of(doc.sentences, [doc.tokens[i] for i in idx]) if split else [0] * len(idx)
        out: list[tuple[int, int, float]] = []
        n = len(idx)
        k = 0
        while k < n:
            if proba[k] < high:
                k += 1
                continue
            lo = hi = k
            while lo > 0 and proba[lo - 1] >= low and sid[lo - 1] == sid[k]:
                lo -= 1
            while hi + 1 < n and proba[hi + 1] >= low and sid[hi + 1] == sid[k]:
                hi += 1
            span = self._trim(doc, idx, lo, hi)
            if span is not None:
                a, b = span
                start, end = doc.tokens[idx[a]].start, doc.tokens[idx[b]].end
                if out and start <= out[-1][1]:
                    prev = out.pop()
                    start = prev[0]
                out.append((start, end, float(np.mean(proba[a : b + 1]))))
            k = hi + 1
        return out

    def _trim(self, doc: Document, idx: list[int], lo: int, hi: int) -> tuple[int, int] | None:
        """Drop punctuation at the edges of a run (gold spans rarely start or end with it)."""
        if self.trim_punct:
            while lo <= hi and doc.tokens[idx[lo]].text in _EDGE_PUNCT:
                lo += 1
            while lo <= hi and doc.tokens[idx[hi]].text in _EDGE_PUNCT:
                hi -= 1
            # a lone quote mark at an edge stays only if its partner is inside the span
            if lo <= hi and doc.tokens[idx[hi]].text in QUOTES:
                inner = [doc.tokens[idx[j]].text for j in range(lo, hi)]
                if not any(t in QUOTES for t in inner):
                    hi -= 1
        return (lo, hi) if lo <= hi else None


def _mask_boilerplate(doc: Document, idx: list[int], proba: np.ndarray) -> np.ndarray:
    """``proba`` with the tokens inside boilerplate ranges set to 0 (a copy when any are)."""
    ranges = boilerplate_ranges(doc.text)
    if not ranges or not len(proba):
        return proba
    starts = np.array([doc.tokens[i].start for i in idx])
    inside = np.zeros(len(idx), dtype=bool)
    for a, b in ranges:
        inside |= (starts >= a) & (starts < b)
    if not inside.any():
        return proba
    out = np.array(proba, dtype=float, copy=True)
    out[inside] = 0.0
    return out


def fit_refiner(
    decoder: _SpanDecoder,
    docs: Sequence[Document],
    probs: Sequence[tuple[list[int], np.ndarray]],
    gold: Sequence[Sequence[tuple[int, int]]],
    threshold: float | None = None,
    extend_threshold: float | None = None,
    cache: dict[tuple[str, ...], tuple] | None = None,
    **params: float,
) -> SpanRefiner:
    """A :class:`SpanRefiner` fitted on ``decoder``'s hysteresis spans from ``probs``.

    ``probs`` must be cross-fitted (each document scored by a tagger that did not see it);
    ``params`` go to the refiner (thresholds), defaulting to the decoder's own.
    """
    masked = [_mask_boilerplate(d, p[0], p[1]) for d, p in zip(docs, probs, strict=True)]
    cands = [
        decoder.hysteresis(d, p[0], m, threshold, extend_threshold)
        for d, p, m in zip(docs, probs, masked, strict=True)
    ]
    defaults = {
        "sentence_threshold": getattr(decoder, "sentence_threshold", 0.3),
        "filter_threshold": getattr(decoder, "filter_threshold", 0.2),
        "folds": getattr(decoder, "refine_folds", 3),
        "random_state": getattr(decoder, "random_state", 0),
    }
    refiner = SpanRefiner(**{**defaults, **params})  # type: ignore[arg-type]
    masked_probs = [(p[0], m) for p, m in zip(probs, masked, strict=True)]
    return refiner.fit(docs, masked_probs, gold, cands, cache)


class SpanDetector(_SpanDecoder, BaseEstimator):
    """Token tagger + hysteresis decoder for persuasion spans.

    ``stack_folds`` > 1 adds a second pass that also sees the (cross-fitted) first-pass
    probabilities around each token; in CV it gained 0.001 span F1 for 4x the cost, so it is off
    by default and kept for experiments.

    ``fit(X, y)``: ``X`` a list of Documents with tokens and sentences, ``y`` per document the
    gold ``(start, end)`` spans. ``predict(X)``: per document ``(start, end, probability)``.
    """

    def __init__(
        self,
        C: float = 0.3,
        threshold: float = 0.35,
        extend_threshold: float = 0.1,
        n_features: int = 2**20,
        trim_punct: bool = True,
        class_weight: str | None = None,
        stack_folds: int = 0,
        split_sentences: bool = True,
        skip_boilerplate: bool = True,
        refine: bool = False,
        refine_folds: int = 3,
        sentence_threshold: float = 0.3,
        filter_threshold: float = 0.2,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.refine = refine
        self.refine_folds = refine_folds
        self.sentence_threshold = sentence_threshold
        self.filter_threshold = filter_threshold
        self.split_sentences = split_sentences
        self.skip_boilerplate = skip_boilerplate
        self.stack_folds = stack_folds
        self.threshold = threshold
        self.extend_threshold = extend_threshold
        self.n_features = n_features
        self.trim_punct = trim_punct
        self.class_weight = class_weight
        self.random_state = random_state

    def _hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)

    def _linear(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            solver="liblinear",
            class_weight=self.class_weight,
            random_state=self.random_state,
            max_iter=200,
        )

    def fit(self, X: Sequence[Document], y: Sequence[Sequence[tuple[int, int]]]) -> SpanDetector:
        hasher = self._hasher()
        mats: list[sp.csr_matrix] = []
        labels: list[np.ndarray] = []
        sents: list[list[int]] = []
        for doc, spans in zip(X, y, strict=True):
            idx, f = token_features(doc)
            mats.append(hasher.transform(f) if f else sp.csr_matrix((0, self.n_features)))
            labels.append(_token_labels(doc, idx, spans))
            sents.append(sentence_of(doc.sentences, [doc.tokens[i] for i in idx]))
        matrix = sp.vstack(mats).tocsr()
        target = np.concatenate(labels)
        self.model_ = self._linear().fit(matrix, target)
        self.n_tokens_ = matrix.shape[0]
        self.stack_model_ = None
        if self.stack_folds > 1 and len(mats) >= self.stack_folds:
            # second pass: the same tokens plus the (cross-fitted) first-pass probabilities of
            # their neighbourhood and sentence, so a token can see that its clause is propaganda
            folds = np.arange(len(mats)) % self.stack_folds
            first: list[np.ndarray] = [np.zeros(0)] * len(mats)
            for k in range(self.stack_folds):
                train = [i for i in range(len(mats)) if folds[i] != k]
                model = self._linear().fit(
                    sp.vstack([mats[i] for i in train]), np.concatenate([labels[i] for i in train])
                )
                for i in np.flatnonzero(folds == k):
                    if mats[i].shape[0]:
                        first[i] = model.predict_proba(mats[i])[:, 1]
            stacked = sp.vstack(
                [self._stack_matrix(m, p, s) for m, p, s in zip(mats, first, sents, strict=True)]
            )
            self.stack_model_ = self._linear().fit(stacked, target)
        self.refiner_ = None
        if getattr(self, "refine", False) and len(mats) >= 2:
            self.refiner_ = fit_refiner(self, X, self.cross_fitted_proba(X, y, mats, labels), y)
        return self

    def cross_fitted_proba(
        self,
        X: Sequence[Document],
        y: Sequence[Sequence[tuple[int, int]]],
        mats: list[sp.csr_matrix] | None = None,
        labels: list[np.ndarray] | None = None,
    ) -> list[tuple[list[int], np.ndarray]]:
        """Token probabilities of each training document from a tagger that did not see it.

        Why: on its own training articles the tagger is far more confident than on unseen ones,
        and the refiner must learn what its probabilities look like on new text. Article-level
        ``refine_folds``-fold split (KFold, shuffled with ``random_state``).
        """
        if mats is None or labels is None:
            hasher = self._hasher()
            mats, labels = [], []
            for doc, spans in zip(X, y, strict=True):
                idx, f = token_features(doc)
                mats.append(hasher.transform(f) if f else sp.csr_matrix((0, self.n_features)))
                labels.append(_token_labels(doc, idx, spans))
        n_folds = min(self.refine_folds, len(mats))
        folds = KFold(n_folds, shuffle=True, random_state=self.random_state)
        probs: list[tuple[list[int], np.ndarray]] = [([], np.zeros(0))] * len(mats)
        for tr, va in folds.split(np.arange(len(mats))):
            model = self._linear().fit(
                sp.vstack([mats[i] for i in tr]), np.concatenate([labels[i] for i in tr])
            )
            for i in va:
                idx = word_tokens(X[i])
                probs[i] = (idx, model.predict_proba(mats[i])[:, 1] if len(idx) else np.zeros(0))
        return probs

    @staticmethod
    def _context_features(proba: np.ndarray, sent_ids: list[int]) -> list[list[str]]:
        """Bucketed first-pass probabilities around each token (for the second pass)."""
        n = len(proba)
        if not n:
            return []
        sid = np.asarray(sent_ids)
        sums: dict[int, list[float]] = {}
        for s_id, p in zip(sent_ids, proba, strict=True):
            acc = sums.setdefault(s_id, [0.0, 0.0, 0.0])
            acc[0] += p
            acc[1] += 1
            acc[2] = max(acc[2], p)
        out: list[list[str]] = []
        for k in range(n):
            lo, hi = max(0, k - 2), min(n, k + 3)
            window = proba[lo:hi][sid[lo:hi] == sid[k]]
            acc = sums[sent_ids[k]]
            prev = proba[k - 1] if k > 0 and sid[k - 1] == sid[k] else -0.1
            nxt = proba[k + 1] if k + 1 < n and sid[k + 1] == sid[k] else -0.1
            out.append(
                [
                    f"p0={int(proba[k] * 10)}",
                    f"pp={int(prev * 10)}",
                    f"pn={int(nxt * 10)}",
                    f"wmax={int(window.max() * 10)}",
                    f"wmean={int(window.mean() * 10)}",
                    f"smean={int(acc[0] / acc[1] * 10)}",
                    f"smax={int(acc[2] * 10)}",
                ]
            )
        return out

    def _stack_matrix(
        self, base: sp.csr_matrix, proba: np.ndarray, sent_ids: list[int]
    ) -> sp.csr_matrix:
        hasher = FeatureHasher(n_features=2**10, input_type="string", alternate_sign=False)
        ctx = self._context_features(proba, sent_ids)
        extra = hasher.transform(ctx) if ctx else sp.csr_matrix((0, 2**10))
        return sp.hstack([base, extra]).tocsr()

    def token_proba(self, doc: Document) -> tuple[list[int], np.ndarray]:
        """Indices of the tagged tokens and their probability of being inside a span."""
        check_is_fitted(self, "model_")
        idx, feats = token_features(doc)
        if not idx:
            return idx, np.zeros(0)
        base = self._hasher().transform(feats)
        proba = self.model_.predict_proba(base)[:, 1]
        if self.stack_model_ is None:
            return idx, proba
        sent_ids = sentence_of(doc.sentences, [doc.tokens[i] for i in idx])
        return idx, self.stack_model_.predict_proba(self._stack_matrix(base, proba, sent_ids))[:, 1]

    def predict(self, X: Sequence[Document]) -> list[list[tuple[int, int, float]]]:
        check_is_fitted(self, "model_")
        return [self.decode(doc, *self.token_proba(doc)) for doc in X]


class CrfSpanDetector(_SpanDecoder, BaseEstimator):
    """A linear-chain CRF (CRFsuite, L-BFGS with elastic-net) over the same token features.

    One sequence per sentence, labels ``I``/``O`` (SI spans are merged, so B adds nothing).
    Spans are decoded from the per-token marginals ``p(I)`` with the same hysteresis decoder as
    :class:`SpanDetector`, so the two taggers differ only in the model and are compared on equal
    terms; the marginals let the threshold trade precision for recall, which Viterbi cannot.

    The CRFsuite model is kept as bytes in ``model_bytes_`` (pickled with the estimator) and
    opened in memory on first use, so the artefact stays one joblib file.
    """

    def __init__(
        self,
        c1: float = 0.05,
        c2: float = 0.01,
        max_iterations: int = 150,
        min_freq: int = 2,
        threshold: float = 0.35,
        extend_threshold: float = 0.1,
        trim_punct: bool = True,
        split_sentences: bool = True,
        skip_boilerplate: bool = True,
    ) -> None:
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations
        self.min_freq = min_freq
        self.threshold = threshold
        self.extend_threshold = extend_threshold
        self.trim_punct = trim_punct
        self.split_sentences = split_sentences
        self.skip_boilerplate = skip_boilerplate

    @staticmethod
    def _sequences(doc: Document) -> tuple[list[int], list[list[list[str]]], list[range]]:
        """Token indices, per-sentence feature lists, and each sentence's positions in ``idx``."""
        idx, feats = token_features(doc)
        sid = sentence_of(doc.sentences, [doc.tokens[i] for i in idx])
        seqs: list[list[list[str]]] = []
        ranges: list[range] = []
        k = 0
        while k < len(idx):
            j = k
            while j + 1 < len(idx) and sid[j + 1] == sid[k]:
                j += 1
            seqs.append(feats[k : j + 1])
            ranges.append(range(k, j + 1))
            k = j + 1
        return idx, seqs, ranges

    def fit(self, X: Sequence[Document], y: Sequence[Sequence[tuple[int, int]]]) -> CrfSpanDetector:
        import os
        import tempfile

        import pycrfsuite

        trainer = pycrfsuite.Trainer(verbose=False)
        n_tokens = 0
        for doc, spans in zip(X, y, strict=True):
            idx, seqs, ranges = self._sequences(doc)
            labels = _token_labels(doc, idx, spans)
            for seq, r in zip(seqs, ranges, strict=True):
                trainer.append(seq, ["I" if labels[k] else "O" for k in r])
                n_tokens += len(r)
        trainer.set_params(
            {
                "c1": self.c1,
                "c2": self.c2,
                "max_iterations": self.max_iterations,
                "feature.minfreq": self.min_freq,
                "feature.possible_transitions": True,
            }
        )
        fd, path = tempfile.mkstemp(suffix=".crfsuite")
        os.close(fd)
        try:
            trainer.train(path)
            with open(path, "rb") as fh:
                self.model_bytes_ = fh.read()
        finally:
            os.unlink(path)
        self.n_tokens_ = n_tokens
        self.__dict__.pop("_tagger", None)
        return self

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_tagger", None)  # a C object; reopened from model_bytes_ after loading
        return state

    def _get_tagger(self) -> object:
        tagger = self.__dict__.get("_tagger")
        if tagger is None:
            import pycrfsuite

            tagger = pycrfsuite.Tagger()
            tagger.open_inmemory(self.model_bytes_)
            self.__dict__["_tagger"] = tagger
        return tagger

    def token_proba(self, doc: Document) -> tuple[list[int], np.ndarray]:
        """Indices of the tagged tokens and their marginal probability of ``I``."""
        check_is_fitted(self, "model_bytes_")
        idx, seqs, ranges = self._sequences(doc)
        proba = np.zeros(len(idx))
        if not idx:
            return idx, proba
        tagger = self._get_tagger()
        labels = set(tagger.labels())  # type: ignore[attr-defined]
        if "I" not in labels:
            return idx, proba
        for seq, r in zip(seqs, ranges, strict=True):
            tagger.set(seq)  # type: ignore[attr-defined]
            for t, k in enumerate(r):
                proba[k] = tagger.marginal("I", t)  # type: ignore[attr-defined]
        return idx, proba

    def predict(self, X: Sequence[Document]) -> list[list[tuple[int, int, float]]]:
        check_is_fitted(self, "model_bytes_")
        return [self.decode(doc, *self.token_proba(doc)) for doc in X]


def span_context(text: str, start: int, end: int, width: int = 200) -> str:
    """The sentence-ish context of a span: text back to the previous and on to the next break."""
    left = max(text.rfind("\n", 0, start), text.rfind(". ", max(0, start - width), start))
    right_candidates = [p for p in (text.find("\n", end), text.find(". ", end)) if p != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return text[max(left, start - width, 0) : min(right, end + width)]


def _window(text: str, start: int, end: int, width: int = 3) -> list[str]:
    """The ``width`` words just before and after a span, by side and distance.

    Why: techniques are often signalled next to the span rather than in it ("so-called" before
    a label, "!" after a slogan, "because" after a causal claim), which the bag of sentence words
    blurs.
    """
    left = _WORDISH.findall(text[max(0, start - 60) : start].lower())[-width:]
    right = _WORDISH.findall(text[end : end + 60].lower())[:width]
    feats = [f"L{len(left) - i}={w}" for i, w in enumerate(left)]
    feats += [f"R{i + 1}={w}" for i, w in enumerate(right)]
    if left:
        feats.append("L=" + left[-1])
    if right:
        feats.append("R=" + right[0])
    return feats


def _span_vectors(spans: list[str], X: Sequence[SpanItem]) -> np.ndarray:
    """Sentence vectors (narrascope.nlp's static embedder) of each span and of its context.

    Why: n-grams of a 3-word span see little; the embedding of the span and its sentence gives
    the classifier the topic and register of the claim (fear, patriotism, doubt) in 2x256
    numbers, at ~0.1 ms per span.
    """
    from narrascope.nlp._embed import load_embedder

    embedder = load_embedder()
    contexts = [span_context(t, s, e) for t, s, e in X]
    # one encode call over the distinct texts: spans of one sentence share its context, and the
    # tokenizer call is most of the cost
    unique = list(dict.fromkeys([*spans, *contexts]))
    row = {text: i for i, text in enumerate(unique)}
    vectors = embedder.encode(unique)
    return np.hstack([vectors[[row[s] for s in spans]], vectors[[row[c] for c in contexts]]])


_WORDISH = re.compile(r"\w+|[!?\"“”]")


def _shape_cues(text: str, start: int, end: int) -> list[str]:
    """Where the span sits in its sentence and article, and its edge words.

    Why: the long techniques (doubt, causal oversimplification, appeal to fear) cover most of a
    sentence while loaded language is a word or two inside one, and repetition is a phrase the
    article says more than once; n-grams of the span alone see neither.
    """
    context = span_context(text, start, end)
    share = (end - start) / max(1, len(context.strip()))
    words = _WORDISH.findall(text[start:end].lower())
    low = text[start:end].lower().strip()
    feats = [f"share={min(int(share * 5), 5)}"]
    before = text[max(0, start - 3) : start]
    if not before.strip() or before.rstrip().endswith((".", "!", "?", "\n")):
        feats.append("sent_start")
    after = text[end : end + 3]
    if not after.strip() or after.lstrip()[:1] in (".", "!", "?"):
        feats.append("sent_end")
    if words:
        feats += ["first=" + words[0], "last=" + words[-1]]
    if len(low) > 3:
        lowered = text.lower()
        feats.append("earlier=" + str(min(lowered.count(low, 0, start), 3)))
        feats.append("later=" + str(min(lowered.count(low, end), 3)))
    return feats


class TechniqueClassifier(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression over span n-grams, context words and cue features."""

    def __init__(
        self,
        C: float = 4.0,
        use_context: bool = True,
        use_chars: bool = True,
        use_cues: bool = True,
        use_window: bool = False,
        use_shape: bool = False,
        use_vectors: bool = False,
        vector_weight: float = 1.0,
        class_weight: str | None = None,
        max_iter: int = 1000,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.use_context = use_context
        self.use_chars = use_chars
        self.use_cues = use_cues
        self.use_window = use_window
        self.use_shape = use_shape
        self.use_vectors = use_vectors
        self.vector_weight = vector_weight
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def _columns(self, X: Sequence[SpanItem]) -> tuple[list[str], list[str], list[list[str]]]:
        spans = [t[s:e] for t, s, e in X]
        contexts = [span_context(t, s, e) for t, s, e in X] if self.use_context else []
        lowered: dict[int, str] = {}
        cues: list[list[str]] = []
        if self.use_cues:
            for t, s, e in X:
                key = id(t)
                if key not in lowered:
                    lowered[key] = t.lower()
                cues.append(span_cues(t, s, e, lowered[key]))
        return spans, contexts, cues

    def _transform(self, X: Sequence[SpanItem], fit: bool = False) -> sp.csr_matrix:
        spans, contexts, cues = self._columns(X)
        blocks = []
        if fit:
            self.word_vec_ = TfidfVectorizer(
                ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True
            ).fit(spans)
            self.char_vec_ = (
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True
                ).fit(spans)
                if self.use_chars
                else None
            )
            self.context_vec_ = (
                TfidfVectorizer(ngram_range=(1, 1), min_df=3, sublinear_tf=True).fit(contexts)
                if self.use_context
                else None
            )
        blocks.append(self.word_vec_.transform(spans))
        if self.char_vec_ is not None:
            blocks.append(self.char_vec_.transform(spans))
        if self.context_vec_ is not None:
            blocks.append(0.5 * self.context_vec_.transform(contexts))
        if self.use_cues:
            hasher = FeatureHasher(n_features=2**12, input_type="string", alternate_sign=False)
            blocks.append(hasher.transform(cues))
        if getattr(self, "use_window", False):
            hasher = FeatureHasher(n_features=2**16, input_type="string", alternate_sign=False)
            blocks.append(hasher.transform([_window(t, s, e) for t, s, e in X]))
        if getattr(self, "use_shape", False):
            hasher = FeatureHasher(n_features=2**14, input_type="string", alternate_sign=False)
            blocks.append(hasher.transform([_shape_cues(t, s, e) for t, s, e in X]))
        if getattr(self, "use_vectors", False):
            weight = getattr(self, "vector_weight", 1.0)
            blocks.append(sp.csr_matrix(weight * _span_vectors(spans, X)))
        return sp.hstack(blocks).tocsr()

    def fit(self, X: Sequence[SpanItem], y: Sequence[str]) -> TechniqueClassifier:
        matrix = self._transform(X, fit=True)
        self.model_ = LogisticRegression(
            C=self.C,
            max_iter=self.max_iter,
            class_weight=getattr(self, "class_weight", None),
            random_state=self.random_state,
        ).fit(matrix, list(y))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Sequence[SpanItem]) -> np.ndarray:
        check_is_fitted(self, "model_")
        if not X:
            return np.zeros((0, len(self.classes_)))
        return self.model_.predict_proba(self._transform(X))

    def predict(self, X: Sequence[SpanItem]) -> np.ndarray:
        check_is_fitted(self, "model_")
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)

    def explain(self, item: SpanItem, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` techniques for one span with their probabilities (for the report)."""
        check_is_fitted(self, "model_")
        proba = self.predict_proba([item])[0]
        order = np.argsort(-proba)[:top]
        return [(str(self.classes_[i]), float(proba[i])) for i in order]
