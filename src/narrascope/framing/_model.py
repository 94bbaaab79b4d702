"""The framing model: main role and fine roles of a mention from its text fields.

Why linear models on TF-IDF fields: the gold is small (686 English mentions,
~5,600 in five languages), the signal is lexical (who the entity is, which side
the article takes, the words next to it) and a linear model over sparse fields
trains in seconds, runs in well under a millisecond per mention without torch,
and explains itself through its coefficients. Fine roles come from a one-vs-rest
model restricted to the roles of the predicted main role, so the two levels can
never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from narrascope.framing._features import FIELDS


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=65536)
def _valence(text: str) -> tuple[float, float, float]:
    """VADER (negative, positive, compound) of ``text``; windows repeat across mentions."""
    sc = _vader().polarity_scores(text)
    return sc["neg"], sc["pos"], sc["compound"]


__all__ = [
    "FINE_ORDER",
    "FINE_ROLES",
    "MAIN_ROLES",
    "FramingModel",
    "RolePrediction",
    "blend_fine",
    "fine_scores",
    "fit_fine_models",
    "load_taxonomy",
    "role_predictions",
    "select_fine",
]

MAIN_ROLES: tuple[str, ...] = ("Antagonist", "Innocent", "Protagonist")

#: The taxonomy of ../shared/data/semeval2025-task10/taxonomy/entity-roles.tsv (22 fine roles).
FINE_ROLES: dict[str, tuple[str, ...]] = {
    "Protagonist": ("Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"),
    "Antagonist": (
        "Instigator",
        "Conspirator",
        "Tyrant",
        "Foreign Adversary",
        "Traitor",
        "Spy",
        "Saboteur",
        "Corrupt",
        "Incompetent",
        "Terrorist",
        "Deceiver",
        "Bigot",
    ),
    "Innocent": ("Forgotten", "Exploited", "Victim", "Scapegoat"),
}


def load_taxonomy(path: Path) -> dict[str, tuple[str, ...]]:
    """Read ``entity-roles.tsv`` (``main_role<TAB>fine_role`` lines, one header line)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        main, _, fine = line.strip().partition("\t")
        if main and fine:
            out.setdefault(main, []).append(fine)
    return {main: tuple(fines) for main, fines in out.items()}


@dataclass(slots=True)
class RolePrediction:
    """Scores for one mention: the main role and its fine roles (most likely first).

    ``fine_roles`` holds the kept fine roles with the model's own one-vs-rest
    probabilities (they need not sum to 1: a lone "Tyrant 0.31" must not read as
    certainty); ``fine_scores`` the same score of every fine role of the main role,
    so that the stage can average them over an entity's mentions.
    """

    main_role: str
    main_probability: float
    main_distribution: dict[str, float]
    fine_roles: list[tuple[str, float]]
    fine_scores: dict[str, float] = dataclasses.field(default_factory=dict)


#: Fine roles in the column order of fine-role score matrices.
FINE_ORDER: tuple[str, ...] = tuple(fine for fines in FINE_ROLES.values() for fine in fines)


def blend_fine(primary: np.ndarray, secondary: np.ndarray, weight: float) -> np.ndarray:
    """Mix two fine-role score matrices, each first renormalised within every main role.

    One-vs-rest scores of two models live on different scales (one is sure of
    everything, the other of nothing); renormalising over the fine roles of each
    main role makes them comparable before ``(1 - weight) * primary + weight *
    secondary``. Why blend at all: the LLM probe and the lexical model err on
    different mentions, and their mix names the fine role right more often than
    either (``PROBE_CARD.md``).
    """
    out = np.zeros_like(primary, dtype=np.float64)
    for fines in FINE_ROLES.values():
        cols = [FINE_ORDER.index(f) for f in fines]
        for matrix, w in ((primary, 1.0 - weight), (secondary, weight)):
            block = np.asarray(matrix[:, cols], dtype=np.float64)
            out[:, cols] += w * block / np.maximum(block.sum(axis=1, keepdims=True), 1e-12)
    return out


#: A fine role's model: a logistic regression, or the constant score of a role too
#: rare (or too common) in the training data to learn ("yes"/"no" in older artefacts).
FineModel = LogisticRegression | float | str


def fit_fine_models(
    Z: np.ndarray | sp.spmatrix,
    y: Sequence[tuple[str, Sequence[str]]],
    C: float,
    min_positive: int = 1,
    max_iter: int = 3000,
) -> dict[str, FineModel]:
    """One-vs-rest logistic regression per fine role of the taxonomy, on all mentions.

    Shared by both framing backends; :func:`role_predictions` later keeps only the
    roles under the predicted main role. A role with fewer than ``min_positive``
    positives (or with no negatives) gets a constant score instead of a model.
    """
    fine_sets = [set(f) for _, f in y]
    models: dict[str, FineModel] = {}
    for fines in FINE_ROLES.values():
        for fine in fines:
            target = np.array([fine in s for s in fine_sets])
            if target.all() or target.sum() < max(min_positive, 1):
                models[fine] = 1.0 if target.all() else 1e-6
                continue
            models[fine] = LogisticRegression(C=C, max_iter=max_iter).fit(Z, target)
    return models


def fine_scores(models: dict[str, FineModel], Z: np.ndarray | sp.spmatrix) -> np.ndarray:
    """``(rows, 22)`` one-vs-rest scores in :data:`FINE_ORDER` columns."""
    out = np.zeros((Z.shape[0], len(FINE_ORDER)), dtype=np.float64)
    for j, fine in enumerate(FINE_ORDER):
        model = models[fine]
        if isinstance(model, LogisticRegression):
            out[:, j] = model.predict_proba(Z)[:, 1]
        elif isinstance(model, str):
            out[:, j] = 1.0 if model == "yes" else 1e-6
        else:
            out[:, j] = float(model)
    return out


def role_predictions(
    main_p: np.ndarray, classes: np.ndarray, fine_p: np.ndarray, fine_threshold: float
) -> list[RolePrediction]:
    """Per row: the most likely main role, and the fine roles of *that* main role only.

    ``fine_p`` has one column per :data:`FINE_ORDER` role (independent one-vs-rest
    scores). Among the chosen main role's roles the best is kept, and so is any
    other reaching ``fine_threshold`` x the best. The scores are reported as they
    are, not renormalised to sum to 1: renormalising turned a weak lone guess into
    "Tyrant 1.00". Shared by every framing head so the two levels can never disagree.
    """
    col = {fine: j for j, fine in enumerate(FINE_ORDER)}
    out: list[RolePrediction] = []
    for i in range(len(main_p)):
        k = int(np.argmax(main_p[i]))
        main = str(classes[k])
        dist = {str(c): float(p) for c, p in zip(classes, main_p[i], strict=True)}
        allowed = FINE_ROLES[main]
        scores = np.array([fine_p[i, col[f]] for f in allowed], dtype=np.float64)
        out.append(
            RolePrediction(
                main,
                float(main_p[i, k]),
                dist,
                select_fine(allowed, scores, fine_threshold),
                {f: float(v) for f, v in zip(allowed, scores, strict=True)},
            )
        )
    return out


def select_fine(
    roles: Sequence[str], scores: np.ndarray, fine_threshold: float
) -> list[tuple[str, float]]:
    """The best role and every other within ``fine_threshold`` x its score, best first."""
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    return [
        (roles[j], float(scores[j]))
        for j in order
        if j == order[0] or scores[j] >= fine_threshold * best
    ]


#: (field, analyzer, ngram_range, max_features) of each vectoriser
_VECTORISERS: tuple[tuple[str, str, tuple[int, int], int], ...] = (
    ("mention", "word", (1, 2), 5000),
    ("mention", "char_wb", (2, 4), 20000),
    ("left", "word", (1, 1), 10000),
    ("right", "word", (1, 1), 10000),
    ("sentence", "word", (1, 1), 20000),
    ("document", "word", (1, 2), 40000),
    ("meta", "word", (1, 1), 100),
    ("side", "word", (1, 1), 10000),
    ("entity_context", "word", (1, 1), 20000),
)


class FramingModel(ClassifierMixin, BaseEstimator):
    """Predicts the main role and fine roles of mentions described by text fields.

    ``X`` is a sequence of dicts with the keys of ``FIELDS``; ``y`` a sequence of
    ``(main_role, [fine_role, ...])`` pairs.

    Parameters
    ----------
    C : inverse regularisation of the main-role model.
    fine_C : inverse regularisation of the fine-role models.
    field_weights : multiplier of each field's block (``{"document": 0.5}``);
        an absent field keeps weight 1, weight 0 drops it (for ablations).
    fine_threshold : a fine role other than the best one is kept when its
        probability reaches this share of the best one's.
    class_weight : passed to the main-role logistic regression.
    """

    def __init__(
        self,
        C: float = 4.0,
        fine_C: float = 4.0,
        field_weights: dict[str, float] | None = None,
        fine_threshold: float = 0.9,
        class_weight: str | None = None,
    ) -> None:
        self.C = C
        self.fine_C = fine_C
        self.field_weights = field_weights
        self.fine_threshold = fine_threshold
        self.class_weight = class_weight

    # ---------------------------------------------------------------- features
    def _weight(self, field: str) -> float:
        return float((self.field_weights or {}).get(field, 1.0))

    def _dense(self, X: Sequence[dict[str, str]]) -> np.ndarray:
        """Prior knowledge the small gold cannot teach: word valence and meaning.

        VADER's valence lexicon (7,500 rated words) scores the words either side
        of the mention ("brutal", "heroic", "killed"), and the bundled static
        sentence embedder places the context among similar contexts, so that
        "shelled" and "bombarded" share weight even if only one occurs in training.
        """
        from narrascope.nlp import load_embedder

        rows = []
        for x in X:
            row = []
            for part in (
                x["left_text"],
                x["right_text"],
                " ".join(x["left_text"].split()[-5:]),
                " ".join(x["right_text"].split()[:5]),
            ):
                row += list(_valence(part))
            windows = x["entity_context"].split("\n") if x["entity_context"] else [""]
            comp = [_valence(w.replace(" X ", " "))[2] for w in windows]
            row += [
                float(np.mean(comp)),
                float(np.min(comp)),
                float(np.max(comp)),
                float(np.log1p(len(windows))),
            ]
            rows.append(row)
        lex = np.asarray(rows, dtype=np.float32)
        emb = load_embedder()
        ctx = emb.encode([f"{x['left_text']} X {x['right_text']}" for x in X])
        left = emb.encode([x["left_text"] or "." for x in X])
        right = emb.encode([x["right_text"] or "." for x in X])
        ent = emb.encode([x["entity_context"].replace("\n", " ") or "." for x in X])
        return np.hstack([lex, ctx, left, right, ent]).astype(np.float32)

    def _transform(self, X: Sequence[dict[str, str]]) -> sp.csr_matrix:
        blocks = []
        if self._weight("dense") > 0:
            blocks.append(sp.csr_matrix(self._dense(X) * self._weight("dense")))
        for (field, _, _, _), vec in zip(_VECTORISERS, self.vectorizers_, strict=True):
            if vec is None:
                continue
            # mentions of one article share its text: vectorise each distinct string once
            values = [x[field] for x in X]
            uniq = {v: i for i, v in enumerate(dict.fromkeys(values))}
            rows = vec.transform(list(uniq))[[uniq[v] for v in values]]
            blocks.append(rows * self._weight(field))
        return sp.hstack(blocks, format="csr")

    # --------------------------------------------------------------------- fit
    def fit(self, X: Sequence[dict[str, str]], y: Sequence[tuple[str, list[str]]]) -> FramingModel:
        """Fit the vectorisers, the main-role model and the fine-role models."""
        for x in X[:1]:
            missing = set(FIELDS) - set(x)
            if missing:
                raise ValueError(f"feature dicts lack {sorted(missing)}")
        self.vectorizers_: list[TfidfVectorizer | None] = []
        for field, analyzer, ngrams, max_features in _VECTORISERS:
            if self._weight(field) == 0:
                self.vectorizers_.append(None)
                continue
            vec = TfidfVectorizer(
                analyzer=analyzer,
                ngram_range=ngrams,
                max_features=max_features,
                sublinear_tf=True,
                min_df=1 if field in ("mention", "meta") else 2,
                token_pattern=r"\S+" if analyzer == "word" else None,
                lowercase=True,
                dtype=np.float32,
            )
            vec.fit([x[field] for x in X])
            self.vectorizers_.append(vec)
        Z = self._transform(X)
        mains = np.array([m for m, _ in y])
        self.main_model_ = LogisticRegression(
            C=self.C, max_iter=2000, class_weight=self.class_weight
        ).fit(Z, mains)
        self.classes_ = self.main_model_.classes_
        self.fine_models_ = fit_fine_models(Z, y, self.fine_C)
        return self

    # ----------------------------------------------------------------- predict
    def predict_proba(self, X: Sequence[dict[str, str]]) -> np.ndarray:
        """Main-role probabilities, columns in ``classes_`` order."""
        check_is_fitted(self, "main_model_")
        return self.main_model_.predict_proba(self._transform(X))

    def predict(self, X: Sequence[dict[str, str]]) -> np.ndarray:
        """Most likely main role of each mention."""
        check_is_fitted(self, "main_model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_roles(self, X: Sequence[dict[str, str]]) -> list[RolePrediction]:
        """Main role and consistent fine roles (with probabilities) of each mention."""
        check_is_fitted(self, "main_model_")
        if len(X) == 0:
            return []
        Z = self._transform(X)
        return role_predictions(
            self.main_model_.predict_proba(Z),
            self.classes_,
            self._fine_matrix(Z),
            self.fine_threshold,
        )

    def fine_matrix(self, X: Sequence[dict[str, str]]) -> np.ndarray:
        """One-vs-rest score of every :data:`FINE_ORDER` role (columns), for blending."""
        check_is_fitted(self, "main_model_")
        if len(X) == 0:
            return np.zeros((0, len(FINE_ORDER)))
        return self._fine_matrix(self._transform(X))

    def _fine_matrix(self, Z: sp.csr_matrix) -> np.ndarray:
        return fine_scores(self.fine_models_, Z)
