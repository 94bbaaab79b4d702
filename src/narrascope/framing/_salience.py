"""Whether an article casts an entity in a role at all, learnt from the gold.

Why a model and not a rule: SemEval annotators mark the few actors an article is
*about*; a name that is merely mentioned (the news agency quoted, a city in a
dateline, a minister listed among others) carries no role. The first rule here
(two mentions, or one in the title or lead) gave roles to ~8 entities per
English training article where the gold frames ~3, so three of four roles an
analyst read were noise. What separates the framed from the mentioned is partly
structure (how often, how early, in the title, how the name ranks against the
article's other names), partly the kind of name, and largely *who* it is: some
names are framed in nearly every article that names them (Putin, Zelensky),
others almost never (Reuters, TASS).
That last signal is a prior learnt from the training articles, smoothed towards
the language's base rate and, while fitting, computed without the row's own
article so the weights do not learn to trust a leaked label.

One :class:`SalienceModel` per language: base rates differ (a third of the
English candidates are framed, half of the Hindi ones) and so do the NER
sources (spaCy for English, actor lists elsewhere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from narrascope.artefacts import load_artefact
from narrascope.document import ACTOR_LABEL, Document

__all__ = [
    "FEATURES",
    "ROLE_LABELS",
    "SALIENCE_PATH",
    "EntityRow",
    "SalienceModel",
    "entity_rows",
    "load_salience",
    "rule_has_role",
]

#: The per-language models written by ``training/salience.py``.
SALIENCE_PATH: Path = Path(__file__).resolve().parent / "models" / "salience-v1.joblib"

#: Entity labels that can carry a role (weapons, events, buildings and dates are not actors),
#: in the order of the model's label columns.
_LABELS: tuple[str, ...] = ("PERSON", "ORG", "GPE", "NORP", "LOC", ACTOR_LABEL)
ROLE_LABELS: frozenset[str] = frozenset(_LABELS)

#: Names of the structural columns of :attr:`EntityRow.values`, in order.
FEATURES: tuple[str, ...] = (
    "log mentions",
    "share of sentences naming it",
    "in the title",
    "in the lead (first 3 sentences)",
    "position of first mention",
    "rank among the article's names",
    "log names in the article",
    "log sentences",
    "words in the name",
    *(f"label {label}" for label in _LABELS),
)
#: The two name-prior columns the model appends to the structural ones.
PRIOR_FEATURES: tuple[str, ...] = (
    "how often the name is framed elsewhere",
    "log articles naming it",
)


@dataclass(frozen=True, slots=True)
class EntityRow:
    """One candidate entity of one article: its stable key and structural values."""

    key: str
    values: tuple[float, ...]


def rule_has_role(doc: Document, label: str, own: Sequence[int], min_mentions: int = 2) -> bool:
    """The rule used when no model covers the language: enough mentions, or one in the lead."""
    if label not in ROLE_LABELS or not own:
        return False
    lead_end = doc.sentences[1].end if len(doc.sentences) > 1 else len(doc.text)
    in_lead = any(doc.mentions[i].start < lead_end for i in own)
    return len(own) >= min_mentions or in_lead


def entity_rows(doc: Document) -> dict[str, EntityRow]:
    """A row for every entity of ``doc`` with an actor label and at least one mention."""
    n_sent = max(len(doc.sentences), 1)
    title_end = doc.sentences[0].end if doc.sentences else 0
    lead_end = doc.sentences[min(2, n_sent - 1)].end if doc.sentences else len(doc.text)
    counts = sorted((len(e.mentions) for e in doc.entities), reverse=True)
    n_ent = max(len(doc.entities), 1)
    length = max(len(doc.text), 1)
    out: dict[str, EntityRow] = {}
    for ent in doc.entities:
        mentions = [doc.mentions[i] for i in ent.mentions if 0 <= i < len(doc.mentions)]
        if ent.label not in ROLE_LABELS or not mentions:
            continue
        sents = {m.sentence for m in mentions if 0 <= m.sentence < len(doc.sentences)}
        values = (
            math.log1p(len(mentions)),
            len(sents) / n_sent,
            float(any(m.start < title_end for m in mentions)),
            float(any(m.start < lead_end for m in mentions)),
            min(m.start for m in mentions) / length,
            counts.index(len(ent.mentions)) / n_ent,
            math.log1p(len(doc.entities)),
            math.log1p(len(doc.sentences)),
            float(len(ent.name.split())),
            *(float(ent.label == label) for label in _LABELS),
        )
        out[ent.id] = EntityRow(ent.id, values)
    return out


class SalienceModel(ClassifierMixin, BaseEstimator):
    """P(the article casts this entity in a role): scaled logistic regression.

    Parameters
    ----------
    C : inverse regularisation of the logistic regression.
    prior_strength : pseudo-articles pulling a name's framed rate towards the base
        rate (a name seen once says little).
    threshold : probability from which :meth:`predict` says "framed"; the training
        script sets it from cross-validation (the rule's recall, at better precision).
    """

    def __init__(self, C: float = 1.0, prior_strength: float = 1.0, threshold: float = 0.5) -> None:
        self.C = C
        self.prior_strength = prior_strength
        self.threshold = threshold

    def _prior(self, key: str, leave_out: int | None = None) -> tuple[float, float]:
        framed, seen = self.prior_.get(key, (0, 0))
        if leave_out is not None:  # the row's own article does not vouch for itself
            framed, seen = framed - leave_out, seen - 1
        rate = (framed + self.prior_strength * self.base_rate_) / (seen + self.prior_strength)
        return rate, math.log1p(seen)

    def _matrix(self, X: Sequence[EntityRow], own: Sequence[int] | None = None) -> np.ndarray:
        rows = [
            [*row.values, *self._prior(row.key, None if own is None else int(own[i]))]
            for i, row in enumerate(X)
        ]
        return np.asarray(rows, dtype=float).reshape(len(X), len(FEATURES) + 2)

    def fit(self, X: Sequence[EntityRow], y: Sequence[int]) -> SalienceModel:
        """Learn the name prior, then the weights on rows whose prior leaves them out."""
        labels = np.asarray(y, dtype=int)
        if len(X) != len(labels) or len(set(labels.tolist())) < 2:
            raise ValueError("SalienceModel needs rows of both classes, one label per row")
        self.prior_: dict[str, tuple[int, int]] = {}
        for row, label in zip(X, labels, strict=True):
            framed, seen = self.prior_.get(row.key, (0, 0))
            self.prior_[row.key] = (framed + int(label), seen + 1)
        self.base_rate_ = float(labels.mean())
        Z = self._matrix(X, labels)
        self.scaler_ = StandardScaler().fit(Z)
        self.lr_ = LogisticRegression(C=self.C, max_iter=2000).fit(
            self.scaler_.transform(Z), labels
        )
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X: Sequence[EntityRow]) -> np.ndarray:
        check_is_fitted(self, "lr_")
        if not X:
            return np.zeros((0, 2))
        return self.lr_.predict_proba(self.scaler_.transform(self._matrix(X)))

    def predict(self, X: Sequence[EntityRow]) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= self.threshold).astype(int)

    def explain(self, row: EntityRow, top: int = 5) -> list[tuple[str, float]]:
        """The features that moved this row's log-odds most (weight x scaled value)."""
        check_is_fitted(self, "lr_")
        z = self.scaler_.transform(self._matrix([row]))[0]
        contrib = self.lr_.coef_[0] * z
        names = (*FEATURES, *PRIOR_FEATURES)
        order = np.argsort(-np.abs(contrib))[:top]
        return [(names[i], float(contrib[i])) for i in order]


@lru_cache(maxsize=4)
def load_salience(path: Path = SALIENCE_PATH) -> dict[str, SalienceModel]:
    """The per-language models (keys are lower-case language codes)."""
    models = load_artefact(path, dict, "salience")
    if not all(isinstance(m, SalienceModel) for m in models.values()):
        raise TypeError(f"{path} does not hold salience models")
    return models
