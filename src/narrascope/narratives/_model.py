"""The narrative classifier: one-vs-rest logistic regression over lexical and embedding features.

Why this design: the training split is small (≈1,800 articles over five languages,
most sub-narratives with fewer than 20 examples), so a linear model over sparse
word/character n-grams plus the article's mean sentence vector is as accurate as
heavier heads in cross-validation, trains in seconds, runs in milliseconds per
article, and decomposes exactly into per-sentence contributions (the evidence).

Labels are the exact taxonomy strings; the hierarchy is enforced after scoring
(:func:`narrascope.narratives._taxonomy.enforce_hierarchy`).
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

__all__ = ["NarrativeInput", "NarrativeModel", "decide_labels"]


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
    min_positive : labels with fewer training positives get no head (probability 0).
    max_word, max_char : vocabulary caps (they bound the artefact size).
    emb_weight, desc_weight : scale of the dense blocks relative to the tf-idf rows.
    label_descriptions : {label: description} embedded for the ``desc`` features.
    threshold_coarse, threshold_fine : decision thresholds, chosen by CV in training.
    """

    def __init__(
        self,
        use_word: bool = True,
        use_char: bool = True,
        use_emb: bool = True,
        use_desc: bool = False,
        C: float = 8.0,
        min_positive: int = 3,
        max_word: int = 40000,
        max_char: int = 40000,
        emb_weight: float = 1.0,
        desc_weight: float = 1.0,
        label_descriptions: dict[str, str] | None = None,
        threshold_coarse: float = 0.3,
        threshold_fine: float = 0.25,
        random_state: int = 0,
    ) -> None:
        self.use_word = use_word
        self.use_char = use_char
        self.use_emb = use_emb
        self.use_desc = use_desc
        self.C = C
        self.min_positive = min_positive
        self.max_word = max_word
        self.max_char = max_char
        self.emb_weight = emb_weight
        self.desc_weight = desc_weight
        self.label_descriptions = label_descriptions
        self.threshold_coarse = threshold_coarse
        self.threshold_fine = threshold_fine
        self.random_state = random_state

    # ------------------------------------------------------------ features
    def _blocks(self, X: Sequence[NarrativeInput], fit: bool = False) -> sp.csr_matrix:
        texts = [x.text for x in X]
        blocks: list[sp.spmatrix] = []
        if self.use_word:
            if fit:
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
            blocks.append(self.word_.transform(texts))
        if self.use_char:
            if fit:
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
            blocks.append(self.char_.transform(texts))
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
    def fit(
        self,
        X: Sequence[NarrativeInput],
        y: Sequence[Sequence[str]],
        domains: Sequence[str] | None = None,
        embedder: object | None = None,
    ) -> NarrativeModel:
        """Fit one head per label seen ``min_positive`` times, and a domain head.

        ``y`` holds each article's labels (narratives and sub-narratives, taxonomy
        strings); ``domains`` its topic (``URW``/``CC``; from the file name at
        training time only). ``embedder`` embeds the label descriptions.
        """
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
        F = self._blocks(X, fit=True)
        counts: dict[str, int] = {}
        for labs in y:
            for lab in set(labs):
                counts[lab] = counts.get(lab, 0) + 1
        self.labels_ = sorted(lab for lab, c in counts.items() if c >= self.min_positive)
        coefs, intercepts = [], []
        for lab in self.labels_:
            target = np.array([lab in labs for labs in y], dtype=int)
            clf = LogisticRegression(
                C=self.C,
                solver="liblinear",
                class_weight="balanced",
                random_state=self.random_state,
            ).fit(F, target)
            coefs.append(clf.coef_[0].astype(np.float32))
            intercepts.append(float(clf.intercept_[0]))
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts, dtype=np.float32)
        # Balanced class weights inflate the probabilities of rare labels; a
        # per-label Platt rescaling would need held-out data, so the decision
        # thresholds (chosen on out-of-fold probabilities) absorb the shift.
        if domains is not None:
            dom = np.asarray(list(domains))
            self.domain_clf_ = LogisticRegression(C=self.C, max_iter=2000).fit(F, dom)
        return self

    # ------------------------------------------------------------- predict
    def _logits(self, F: sp.csr_matrix) -> np.ndarray:
        return np.asarray(F @ self.coef_.T) + self.intercept_

    def predict_proba(self, X: Sequence[NarrativeInput]) -> np.ndarray:
        """``(n, len(labels_))`` probabilities, zeroed for labels of the other domain."""
        check_is_fitted(self, "coef_")
        F = self._blocks(X)
        P = 1.0 / (1.0 + np.exp(-self._logits(F)))
        if hasattr(self, "domain_clf_"):
            doms = self.domain_clf_.predict(F)
            mask = np.array(
                [[domain_of(lab) in (d, "Other") for lab in self.labels_] for d in doms]
            )
            P = P * mask
        return P

    def predict_domain(self, X: Sequence[NarrativeInput]) -> list[str]:
        """``URW`` or ``CC`` for each article (from the text only)."""
        check_is_fitted(self, "coef_")
        if not hasattr(self, "domain_clf_"):
            return ["Other"] * len(X)
        doms = self.domain_clf_.predict(self._blocks(X))
        return [str(d) if d in DOMAINS else "Other" for d in doms]

    def sentence_scores(
        self, x: NarrativeInput, sentences: Sequence[str], labels: Sequence[str]
    ) -> np.ndarray:
        """``(len(labels), n_sentences)``: each sentence's contribution to each label's logit.

        Exact for the embedding block (the article vector is the mean of the
        sentence vectors), and the tf-idf rows of the sentence alone for the
        lexical blocks: the sentences that push the article towards the label.
        """
        check_is_fitted(self, "coef_")
        idx = [self.labels_.index(lab) for lab in labels if lab in self.labels_]
        if not idx or not len(sentences):
            return np.zeros((len(labels), len(sentences)), dtype=np.float32)
        vecs = x.sentence_vectors
        if vecs is None or len(vecs) != len(sentences):
            vecs = np.zeros((len(sentences), self.dim_), dtype=np.float32)
        F = self._blocks([NarrativeInput(s, vecs[i : i + 1]) for i, s in enumerate(sentences)])
        contrib = np.asarray(F @ self.coef_[idx].T).T
        out = np.zeros((len(labels), len(sentences)), dtype=np.float32)
        k = 0
        for j, lab in enumerate(labels):
            if lab in self.labels_:
                out[j] = contrib[k]
                k += 1
        return out


def decide_labels(
    labels: Sequence[str], probs: np.ndarray, t_coarse: float, t_fine: float
) -> tuple[list[str], list[str]]:
    """Thresholded, hierarchy-consistent label set of one article (official paired form).

    A narrative is kept when its probability reaches ``t_coarse``; a sub-narrative
    when it reaches ``t_fine`` and its narrative is kept (or is itself confident
    at ``t_coarse``, which then adds the narrative).
    """
    p = dict(zip(labels, (float(v) for v in probs), strict=True))
    nars = {lab for lab, v in p.items() if ":" in lab and lab.count(": ") == 1 and v >= t_coarse}
    subs = {
        lab
        for lab, v in p.items()
        if lab.count(": ") >= 2 and v >= t_fine and (parent_of(lab) in nars or v >= t_coarse)
    }
    nars.discard(OTHER)
    return enforce_hierarchy(nars, subs)
