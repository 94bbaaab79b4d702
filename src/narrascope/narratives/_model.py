"""The narrative classifier: one-vs-rest logistic regression over lexical and embedding features.

Why this design: the training split is small (≈1,800 articles over five languages,
most sub-narratives with fewer than 20 examples), so a linear model over sparse
word/character n-grams plus the article's mean sentence vector is as accurate as
heavier heads in cross-validation, trains in seconds, runs in milliseconds per
article, and decomposes exactly into per-sentence contributions (the evidence).

Labels are the exact taxonomy strings; the hierarchy is enforced after scoring
(:func:`narrascope.narratives._taxonomy.enforce_hierarchy`).

The topic (URW / CC) head that gates the labels learns each article's topic from
its *labels*, never from its file name: only the English and Bulgarian training
files carry the topic in their names, and reading ``PT_01.txt`` as URW taught
the gate that Portuguese (and Hindi) climate articles were about the war, so
their climate labels were masked out and they came back ``Other``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from narrascope.narratives._taxonomy import DOMAINS, OTHER, domain_of, enforce_hierarchy, parent_of

__all__ = ["NarrativeInput", "NarrativeModel", "decide_labels", "fit_heads", "topics_of"]


@dataclass(slots=True)
class NarrativeInput:
    """What the model sees of one article: its text and its sentence vectors."""

    text: str
    sentence_vectors: np.ndarray  # (n_sentences, d), L2-normalised rows


def _mean_vector(vectors: np.ndarray, dim: int) -> np.ndarray:
    if vectors is None or len(vectors) == 0:
        return np.zeros(dim, dtype=np.float32)
    v = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


class NarrativeModel(BaseEstimator):
    """Multi-label narrative scorer (probabilities for every taxonomy label + domain).

    Parameters
    ----------
    use_word, use_char, use_emb, use_desc : feature groups (for the ablation).
    C : inverse regularisation of every per-label logistic regression.
    class_weight : ``"balanced"`` or ``None``, for every per-label head.
    min_positive : labels with fewer training positives get no head (probability 0).
    max_word, max_char : vocabulary caps (they bound the artefact size).
    emb_weight, desc_weight : scale of the dense blocks relative to the tf-idf rows.
    label_descriptions : {label: description} embedded for the ``desc`` features.
    domain_gate : ``"hard"`` zeroes the labels of the topic the domain head rejects,
        ``"none"`` keeps every label's own probability.
    threshold_coarse, threshold_fine, threshold_fallback : decision thresholds
        (see :func:`decide_labels`), chosen by inner CV in training; per-language
        values live in ``language_thresholds_`` (``{lang: (tc, tf, tfb)}``).
    """

    def __init__(
        self,
        use_word: bool = True,
        use_char: bool = True,
        use_emb: bool = True,
        use_desc: bool = False,
        C: float = 8.0,
        class_weight: str | None = "balanced",
        min_positive: int = 3,
        max_word: int = 40000,
        max_char: int = 40000,
        emb_weight: float = 1.0,
        desc_weight: float = 1.0,
        label_descriptions: dict[str, str] | None = None,
        threshold_coarse: float = 0.3,
        threshold_fine: float = 0.25,
        threshold_fallback: float | None = None,
        domain_gate: str = "hard",
        random_state: int = 0,
    ) -> None:
        self.use_word = use_word
        self.use_char = use_char
        self.use_emb = use_emb
        self.use_desc = use_desc
        self.C = C
        self.class_weight = class_weight
        self.min_positive = min_positive
        self.max_word = max_word
        self.max_char = max_char
        self.emb_weight = emb_weight
        self.desc_weight = desc_weight
        self.label_descriptions = label_descriptions
        self.threshold_coarse = threshold_coarse
        self.threshold_fine = threshold_fine
        self.threshold_fallback = threshold_fallback
        self.domain_gate = domain_gate
        self.random_state = random_state

    # ------------------------------------------------------------ features
    def fit_vectorizers(self, texts: Sequence[str]) -> NarrativeModel:
        """Fit the tf-idf vocabularies (``fit`` does it; training scripts call it alone to
        featurise a corpus once and try many heads on the same matrix)."""
        if self.use_word:
            self.word_ = TfidfVectorizer(
                ngram_range=(1, 2),
                min_df=2,
                max_df=0.6,
                max_features=self.max_word,
                sublinear_tf=True,
                dtype=np.float32,
            ).fit(texts)
            # stop_words_ (the pruned vocabulary, in sklearn versions that keep it) is
            # for inspection only and would bloat the artefact: drop it.
            self.word_.stop_words_ = None
        if self.use_char:
            self.char_ = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(3, 5),
                min_df=3,
                max_df=0.6,
                max_features=self.max_char,
                sublinear_tf=True,
                dtype=np.float32,
            ).fit(texts)
            self.char_.stop_words_ = None
        return self

    def features(self, X: Sequence[NarrativeInput]) -> sp.csr_matrix:
        """The article rows the heads see (vectorizers fitted)."""
        return self._blocks(X)

    def _blocks(self, X: Sequence[NarrativeInput], char: bool = True) -> sp.csr_matrix:
        texts = [x.text for x in X]
        blocks: list[sp.spmatrix] = []
        if self.use_word:
            blocks.append(self.word_.transform(texts))
        if self.use_char and char:
            blocks.append(self.char_.transform(texts))
        elif self.use_char:  # zero columns: the block's weights then contribute nothing
            blocks.append(
                sp.csr_matrix((len(texts), len(self.char_.vocabulary_)), dtype=np.float32)
            )
        if self.use_emb or self.use_desc:
            means = np.stack([_mean_vector(x.sentence_vectors, self.dim_) for x in X])
            if self.use_emb:
                blocks.append(sp.csr_matrix(means * self.emb_weight))
            if self.use_desc:
                blocks.append(sp.csr_matrix(self._desc_features(X, means) * self.desc_weight))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def _desc_features(self, X: Sequence[NarrativeInput], means: np.ndarray) -> np.ndarray:
        """Cosine of the article (mean and best sentence) to every label description."""
        D = self.desc_vectors_
        best = np.zeros((len(X), len(D)), dtype=np.float32)
        for i, x in enumerate(X):
            if x.sentence_vectors is not None and len(x.sentence_vectors):
                best[i] = (np.asarray(x.sentence_vectors, dtype=np.float32) @ D.T).max(axis=0)
        return np.hstack([means @ D.T, best])

    # ----------------------------------------------------------------- fit
    def prepare(
        self, X: Sequence[NarrativeInput], embedder: object | None = None
    ) -> NarrativeModel:
        """Everything before the heads: vector size, description vectors, vocabularies."""
        dims = [
            len(x.sentence_vectors[0])
            for x in X
            if x.sentence_vectors is not None and len(x.sentence_vectors)
        ]
        self.dim_ = dims[0] if dims else 1
        if self.use_desc:
            if embedder is None or not self.label_descriptions:
                raise ValueError("use_desc needs label_descriptions and an embedder")
            self.desc_labels_ = sorted(self.label_descriptions)
            self.desc_vectors_ = embedder.encode(  # type: ignore[attr-defined]
                [f"{lab}. {self.label_descriptions[lab]}" for lab in self.desc_labels_]
            ).astype(np.float32)
        return self.fit_vectorizers([x.text for x in X])

    def fit(
        self,
        X: Sequence[NarrativeInput],
        y: Sequence[Sequence[str]],
        embedder: object | None = None,
    ) -> NarrativeModel:
        """Fit one head per label seen ``min_positive`` times, and the topic head.

        ``y`` holds each article's labels (narratives and sub-narratives, taxonomy
        strings); the topic head learns from the labels' prefixes (see the module
        docstring). ``embedder`` embeds the label descriptions.
        """
        self.prepare(X, embedder)
        return self.fit_on_features(self._blocks(X), y)

    def fit_on_features(self, F: sp.csr_matrix, y: Sequence[Sequence[str]]) -> NarrativeModel:
        """The heads alone, on rows from :meth:`features` (vectorizers already fitted)."""
        counts: dict[str, int] = {}
        for labs in y:
            for lab in set(labs):
                counts[lab] = counts.get(lab, 0) + 1
        self.labels_ = sorted(lab for lab, c in counts.items() if c >= self.min_positive)
        coef, intercept = fit_heads(
            F, y, self.labels_, self.C, self.class_weight, self.random_state
        )
        # float16 halves the artefact; the logits move by < 1e-3.
        self.coef_ = coef.astype(np.float16)
        self.intercept_ = intercept
        topics = topics_of(y)
        known = [i for i, t in enumerate(topics) if t is not None]
        if len({topics[i] for i in known}) == 2:
            self.domain_clf_ = LogisticRegression(C=self.C, max_iter=2000).fit(
                F[known], [topics[i] for i in known]
            )
        elif hasattr(self, "domain_clf_"):
            del self.domain_clf_
        return self

    # ------------------------------------------------------------- predict
    def __getstate__(self) -> dict:
        # the float32 copy of the weights is a run-time cache, not part of the artefact
        state = super().__getstate__()
        state.pop("_coef32", None)
        return state

    def _weights(self) -> np.ndarray:
        """float32 weights, converted once per process (not once per batch: 30 ms each)."""
        if getattr(self, "_coef32", None) is None:
            self._coef32 = np.ascontiguousarray(self.coef_, dtype=np.float32)
        return self._coef32

    def _logits(self, F: sp.csr_matrix, rows: Sequence[int] | None = None) -> np.ndarray:
        coef = self._weights() if rows is None else self._weights()[list(rows)]
        intercept = self.intercept_ if rows is None else self.intercept_[list(rows)]
        return np.asarray(F @ coef.T) + intercept

    def predict_proba(self, X: Sequence[NarrativeInput]) -> np.ndarray:
        """``(n, len(labels_))`` probabilities, gated by the predicted topic."""
        check_is_fitted(self, "coef_")
        return self.proba_from_features(self._blocks(X))

    def proba_from_features(self, F: sp.csr_matrix) -> np.ndarray:
        """:meth:`predict_proba` on rows from :meth:`features`."""
        P = 1.0 / (1.0 + np.exp(-self._logits(F)))
        if getattr(self, "domain_gate", "hard") == "hard" and hasattr(self, "domain_clf_"):
            doms = self.domain_clf_.predict(F)
            mask = np.array(
                [[domain_of(lab) in (d, "Other") for lab in self.labels_] for d in doms]
            )
            P = P * mask
        return P

    def predict_domain(self, X: Sequence[NarrativeInput]) -> list[str]:
        """``URW`` or ``CC`` for each article (from the text only)."""
        check_is_fitted(self, "coef_")
        return self._domains(self._blocks(X))

    def predict_with_domain(self, X: Sequence[NarrativeInput]) -> tuple[np.ndarray, list[str]]:
        """:meth:`predict_proba` and :meth:`predict_domain` from one featurisation (the
        character n-grams are the costly part of a prediction)."""
        check_is_fitted(self, "coef_")
        F = self._blocks(X)
        return self.proba_from_features(F), self._domains(F)

    def _domains(self, F: sp.csr_matrix) -> list[str]:
        if not hasattr(self, "domain_clf_"):
            return ["Other"] * F.shape[0]
        return [str(d) if d in DOMAINS else "Other" for d in self.domain_clf_.predict(F)]

    def sentence_scores(
        self, x: NarrativeInput, sentences: Sequence[str], labels: Sequence[str]
    ) -> np.ndarray:
        """``(len(labels), n_sentences)``: each sentence's contribution to each label's logit.

        Exact for the embedding block (the article vector is the mean of the
        sentence vectors), and the word tf-idf rows of the sentence alone for the
        lexical part: the sentences that push the article towards the label.
        """
        check_is_fitted(self, "coef_")
        idx = [self.labels_.index(lab) for lab in labels if lab in self.labels_]
        if not idx or not len(sentences):
            return np.zeros((len(labels), len(sentences)), dtype=np.float32)
        vecs = x.sentence_vectors
        if vecs is None or len(vecs) != len(sentences):
            vecs = np.zeros((len(sentences), self.dim_), dtype=np.float32)
        # Character n-grams are left out of the evidence: they double the stage's time (the
        # sentences would be analysed again) and a sentence is chosen for its words anyway.
        F = self._blocks(
            [NarrativeInput(s, vecs[i : i + 1]) for i, s in enumerate(sentences)], char=False
        )
        contrib = (self._logits(F, idx) - self.intercept_[idx]).T
        out = np.zeros((len(labels), len(sentences)), dtype=np.float32)
        k = 0
        for j, lab in enumerate(labels):
            if lab in self.labels_:
                out[j] = contrib[k]
                k += 1
        return out


def topics_of(y: Sequence[Sequence[str]]) -> list[str | None]:
    """Each article's topic (``URW``/``CC``) from its labels' prefixes; ``None`` when it has
    no narrative (an ``Other`` article says nothing about its topic)."""
    out: list[str | None] = []
    for labs in y:
        doms = [domain_of(lab) for lab in labs if domain_of(lab) in DOMAINS]
        out.append(max(sorted(set(doms)), key=doms.count) if doms else None)
    return out


def fit_heads(
    F: sp.csr_matrix,
    y: Sequence[Sequence[str]],
    labels: Sequence[str],
    C: float,
    class_weight: str | None = "balanced",
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """One binary logistic regression per label: ``(coef (L, d) float32, intercept (L,))``."""
    coefs, intercepts = [], []
    for lab in labels:
        target = np.array([lab in labs for labs in y], dtype=int)
        clf = LogisticRegression(
            C=C, solver="liblinear", class_weight=class_weight, random_state=random_state
        ).fit(F, target)
        coefs.append(clf.coef_[0].astype(np.float32))
        intercepts.append(float(clf.intercept_[0]))
    return np.vstack(coefs), np.asarray(intercepts, dtype=np.float32)


def decide_labels(
    labels: Sequence[str],
    probs: np.ndarray,
    t_coarse: float,
    t_fine: float,
    t_fallback: float | None = None,
) -> tuple[list[str], list[str]]:
    """Thresholded, hierarchy-consistent label set of one article (official paired form).

    A narrative is kept when its probability reaches ``t_coarse``; a sub-narrative
    when it reaches ``t_fine`` and its narrative is kept (or is itself confident
    at ``t_coarse``, which then adds the narrative). When nothing passes and the
    best narrative still reaches ``t_fallback``, that narrative is kept with its
    best sub-narrative if that one reaches ``t_fallback`` too: an article the model
    places in a topic gets its most likely narrative rather than ``Other``.
    """
    p = dict(zip(labels, (float(v) for v in probs), strict=True))
    nars = {lab for lab, v in p.items() if ":" in lab and lab.count(": ") == 1 and v >= t_coarse}
    subs = {
        lab
        for lab, v in p.items()
        if lab.count(": ") >= 2 and v >= t_fine and (parent_of(lab) in nars or v >= t_coarse)
    }
    nars.discard(OTHER)
    if not nars and not subs and t_fallback is not None:
        top = {lab: v for lab, v in p.items() if lab.count(": ") == 1 and lab != OTHER}
        if top and max(top.values()) >= t_fallback:
            best = max(sorted(top), key=top.__getitem__)
            nars = {best}
            kids = {
                lab: v for lab, v in p.items() if lab.count(": ") >= 2 and parent_of(lab) == best
            }
            if kids and max(kids.values()) >= t_fallback:
                subs = {max(sorted(kids), key=kids.__getitem__)}
    return enforce_hierarchy(nars, subs)
