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
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from narrascope.framing._features import FIELDS

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    """VADER, imported only by artefacts that still use the dense block (its lexicon
    takes ~0.1 s to load, and the shipped model no longer reads it)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

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
    "RolePriors",
    "blend_fine",
    "fine_scores",
    "fit_fine_models",
    "load_taxonomy",
    "prior_key",
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


#: (language, name words, name stem, article side) of a mention: what its role prior is keyed on
PriorKey = tuple[str, str, str, str]

#: the key combinations a role prior is learnt for: name alone, and name x article side
_PRIOR_SPECS: tuple[tuple[int, ...], ...] = ((0, 1), (0, 2), (1,), (0, 2, 3), (0, 3), (2, 3))


def prior_key(x: dict[str, str], side: str) -> PriorKey:
    """The prior's key of a mention: its language, its words, the stem of its last word, side.

    The stem (first five letters of the last word) joins inflected forms
    ("Украина", "Украины") and "Putin" with "Vladimir Putin".
    """
    lang = next((t[5:] for t in x["meta"].split() if t.startswith("lang_")), "xx")
    name = x["mention"]
    last = name.split()[-1] if name.split() else name
    return lang, name, last[:5], side


class RolePriors:
    """Smoothed role frequencies of names (and names x article side) in the training rows.

    Why: the lexical model sees a name's words but not how often *this* name was
    a villain in *this* language, nor how that changes with the article's side.
    Each key combination of ``_PRIOR_SPECS`` gives ``(counts + a * p_lang) / (n + a)``
    and ``log(1 + n)``, so an unseen name falls back to its language's prior.
    """

    def __init__(self, smoothing: float = 2.0) -> None:
        self.smoothing = smoothing

    def fit(self, keys: Sequence[PriorKey], target: np.ndarray, n_classes: int) -> RolePriors:
        self.n_classes = n_classes
        self.tables: list[dict[tuple[str, ...], np.ndarray]] = [{} for _ in _PRIOR_SPECS]
        self.lang: dict[str, np.ndarray] = {}
        for key, t in zip(keys, target, strict=True):
            self.lang.setdefault(key[0], np.ones(n_classes))[t] += 1
            for table, spec in zip(self.tables, _PRIOR_SPECS, strict=True):
                table.setdefault(tuple(key[i] for i in spec), np.zeros(n_classes))[t] += 1
        return self

    @property
    def width(self) -> int:
        return len(_PRIOR_SPECS) * (getattr(self, "n_classes", 3) + 1)

    def transform(self, keys: Sequence[PriorKey]) -> np.ndarray:
        out = np.zeros((len(keys), self.width))
        uniform = np.full(self.n_classes, 1.0 / self.n_classes)
        zeros = np.zeros(self.n_classes)
        for r, key in enumerate(keys):
            lang = self.lang.get(key[0])
            prior = lang / lang.sum() if lang is not None else uniform
            col = 0
            for table, spec in zip(self.tables, _PRIOR_SPECS, strict=True):
                counts = table.get(tuple(key[i] for i in spec), zeros)
                n = float(counts.sum())
                out[r, col : col + self.n_classes] = (counts + self.smoothing * prior) / (
                    n + self.smoothing
                )
                out[r, col + self.n_classes] = np.log1p(n)
                col += self.n_classes + 1
        return out


def _stack_matrix(lexical: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """Inputs of the side-aware level: lexical log-probabilities and the role priors."""
    return np.hstack([np.log(np.clip(lexical, 1e-4, 1.0)), priors])


def _article_folds(doc_of: Sequence[int], k: int, seed: int) -> np.ndarray:
    """Fold of every row, whole articles per fold, articles shuffled with ``seed``."""
    n_docs = max(doc_of, default=-1) + 1
    order = np.random.default_rng(seed).permutation(n_docs)
    doc_fold = np.zeros(n_docs, dtype=int)
    doc_fold[order] = np.arange(n_docs) % max(k, 1)
    return doc_fold[np.asarray(doc_of, dtype=int)] if len(doc_of) else np.zeros(0, dtype=int)


class FramingModel(ClassifierMixin, BaseEstimator):
    """Predicts the main role and fine roles of mentions described by text fields.

    ``X`` is a sequence of dicts with the keys of ``FIELDS``; ``y`` a sequence of
    ``(main_role, [fine_role, ...])`` pairs.

    Two levels. The *lexical* level is a logistic regression over TF-IDF fields
    and dense valence/embedding features (``main_model_``), plus one-vs-rest fine
    roles (``fine_models_``). The *side-aware* level (``stack=True``) re-decides
    the main role from the lexical log-probabilities and per-language priors of
    the entity's name learnt on the training rows, both alone and crossed with
    the article's side (the narrative a document-level model finds it pushing:
    "Russia" is a villain in one outlet and a victim in another). Its inputs for
    the training rows are out-of-fold (grouped by article), so it learns how far
    to trust each one on unseen articles. Its probabilities are then calibrated
    with one temperature fitted on its own out-of-fold predictions, and an
    abstention threshold is chosen on those for ``precision`` (``calibration_``).

    Parameters
    ----------
    C : inverse regularisation of the main-role model (1.0: the best of 1, 4 and 16
        in inner CV on the train part, mean accuracy 0.734 / 0.728 / 0.726).
    fine_C : inverse regularisation of the fine-role models.
    field_weights : multiplier of each field's block (``{"document": 0.5}``);
        an absent field keeps weight 1, weight 0 drops it (for ablations). Besides
        the TF-IDF fields: ``dense`` (VADER valence and model2vec embeddings of the
        context) and ``valence`` (0 drops the VADER columns of the dense block only).
    fine_threshold : a fine role other than the best one is kept when its
        probability reaches this share of the best one's (1.0: the best only, which
        gave the best exact-match ratio in inner CV in every language).
    class_weight : passed to the main-role logistic regression.
    stack : add the side-aware level (else the lexical main role, calibrated).
    stack_C : inverse regularisation of the side-aware level.
    side : use the article-side model (needs ``narratives`` in :meth:`fit`).
    prior_smoothing : pseudo-count pulling a rare name's role prior to its
        language's.
    precision : main-role precision the abstention threshold aims at.
    min_coverage : share of mentions the threshold must keep answering.
    cv : folds of the internal cross-validation (grouped by article).
    random_state : seed of those folds.
    """

    def __init__(
        self,
        C: float = 1.0,
        fine_C: float = 4.0,
        field_weights: dict[str, float] | None = None,
        fine_threshold: float = 1.0,
        class_weight: str | None = None,
        stack: bool = True,
        stack_C: float = 0.1,
        side: bool = True,
        prior_smoothing: float = 2.0,
        precision: float = 0.85,
        min_coverage: float = 0.5,
        cv: int = 5,
        random_state: int = 13,
    ) -> None:
        self.C = C
        self.fine_C = fine_C
        self.field_weights = field_weights
        self.fine_threshold = fine_threshold
        self.class_weight = class_weight
        self.stack = stack
        self.stack_C = stack_C
        self.side = side
        self.prior_smoothing = prior_smoothing
        self.precision = precision
        self.min_coverage = min_coverage
        self.cv = cv
        self.random_state = random_state

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
        # field weight "valence" 0 drops the VADER columns alone (they cost most of the
        # dense block's time; FRAMING_EXPERIMENTS.md)
        for x in X if self._weight("valence") > 0 else []:
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

        columns = (
            [f"{x['left_text']} X {x['right_text']}" for x in X],
            [x["left_text"] or "." for x in X],
            [x["right_text"] or "." for x in X],
            # every mention of an entity shares its context: the same string many times
            [x["entity_context"].replace("\n", " ") or "." for x in X],
        )
        # one encode over the distinct strings of all four columns (a row's vector
        # depends on its text alone), then each column picks its rows
        uniq = {t: i for i, t in enumerate(dict.fromkeys(t for col in columns for t in col))}
        vecs = load_embedder().encode(list(uniq))
        blocks = [vecs[[uniq[t] for t in col]] for col in columns]
        lex = [np.asarray(rows, dtype=np.float32)] if rows else []
        return np.hstack([*lex, *blocks]).astype(np.float32)

    def _transform(self, X: Sequence[dict[str, str]]) -> sp.csr_matrix:
        return self._transform_docs(X)[0]

    def _transform_docs(
        self, X: Sequence[dict[str, str]]
    ) -> tuple[sp.csr_matrix, list[int], sp.csr_matrix | None]:
        """The feature matrix, each row's article index, and the articles' TF-IDF rows.

        The article rows feed the side model; they come out of the same
        vectorisation as the ``document`` block, so reading the side costs nothing.
        """
        blocks = []
        if self._weight("dense") > 0:
            blocks.append(sp.csr_matrix(self._dense(X) * self._weight("dense")))
        doc_of = {v: i for i, v in enumerate(dict.fromkeys(x["document"] for x in X))}
        doc_rows: sp.csr_matrix | None = None
        for (name, _, _, _), vec in zip(_VECTORISERS, self.vectorizers_, strict=True):
            if vec is None:
                continue
            # mentions of one article share its text: vectorise each distinct string once
            values = [x[name] for x in X]
            uniq = {v: i for i, v in enumerate(dict.fromkeys(values))}
            unique_rows = vec.transform(list(uniq))
            if name == "document":
                doc_rows = unique_rows
            blocks.append(unique_rows[[uniq[v] for v in values]] * self._weight(name))
        return sp.hstack(blocks, format="csr"), [doc_of[x["document"]] for x in X], doc_rows

    # --------------------------------------------------------------------- fit
    def fit_vectorisers(self, X: Sequence[dict[str, str]]) -> FramingModel:
        """Fit the TF-IDF vocabulary of every field (unsupervised; the first step of
        :meth:`fit`, public so that experiments can share one feature matrix)."""
        self.vectorizers_: list[TfidfVectorizer | None] = []
        for name, analyzer, ngrams, max_features in _VECTORISERS:
            if self._weight(name) == 0:
                self.vectorizers_.append(None)
                continue
            vec = TfidfVectorizer(
                analyzer=analyzer,
                ngram_range=ngrams,
                max_features=max_features,
                sublinear_tf=True,
                min_df=1 if name in ("mention", "meta") else 2,
                token_pattern=r"\S+" if analyzer == "word" else None,
                lowercase=True,
                dtype=np.float32,
            )
            vec.fit([x[name] for x in X])
            self.vectorizers_.append(vec)
        return self

    def fit(
        self,
        X: Sequence[dict[str, str]],
        y: Sequence[tuple[str, list[str]]],
        narratives: Sequence[Sequence[str]] | None = None,
    ) -> FramingModel:
        """Fit the lexical level, then the side-aware level, calibration and threshold.

        ``narratives``: per row, the coarse narratives of the row's article (gold),
        which teach the side model what an article pushes; without them the side
        features are left out.
        """
        for x in X[:1]:
            missing = set(FIELDS) - set(x)
            if missing:
                raise ValueError(f"feature dicts lack {sorted(missing)}")
        self.fit_vectorisers(X)
        Z, doc_of, doc_rows = self._transform_docs(X)
        mains = np.array([m for m, _ in y])
        self.main_model_ = self._main_lr().fit(Z, mains)
        self.classes_ = self.main_model_.classes_
        self.fine_models_ = fit_fine_models(Z, y, self.fine_C)
        target = np.searchsorted(self.classes_, mains)
        folds = _article_folds(doc_of, self.cv, self.random_state)
        # out-of-fold lexical probabilities: what the next level sees on unseen articles
        lexical = np.zeros((len(X), len(self.classes_)))
        for k in range(self.cv):
            tr, te = np.where(folds != k)[0], np.where(folds == k)[0]
            if len(te) and len(set(mains[tr])) == len(self.classes_):
                lexical[te] = self._main_lr().fit(Z[tr], mains[tr]).predict_proba(Z[te])
            else:
                lexical[te] = self.main_model_.predict_proba(Z[te])
        if self.stack:
            sides = self._fit_side(doc_of, doc_rows, narratives, folds)
            keys = self._keys(X, sides)
            self.priors_ = RolePriors(self.prior_smoothing).fit(keys, target, len(self.classes_))
            priors = np.zeros((len(X), self.priors_.width))
            for k in range(self.cv):
                tr, te = np.where(folds != k)[0], np.where(folds == k)[0]
                fold_priors = RolePriors(self.prior_smoothing).fit(
                    [keys[i] for i in tr], target[tr], len(self.classes_)
                )
                priors[te] = fold_priors.transform([keys[i] for i in te])
            F = _stack_matrix(lexical, priors)
            self.stacker_ = LogisticRegression(C=self.stack_C, max_iter=3000).fit(F, target)
            oof = np.zeros_like(lexical)
            for k in range(self.cv):
                tr, te = np.where(folds != k)[0], np.where(folds == k)[0]
                if len(set(target[tr])) < len(self.classes_):
                    oof[te] = self.stacker_.predict_proba(F[te])
                    continue
                oof[te] = (
                    LogisticRegression(C=self.stack_C, max_iter=3000)
                    .fit(F[tr], target[tr])
                    .predict_proba(F[te])
                )
        else:
            oof = lexical
        self._calibrate(oof, target)
        return self

    def _main_lr(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=2000, class_weight=self.class_weight)

    def _fit_side(
        self,
        doc_of: list[int],
        doc_rows: sp.csr_matrix | None,
        narratives: Sequence[Sequence[str]] | None,
        folds: np.ndarray,
    ) -> list[str]:
        """Fit the article-side model; the out-of-fold side of every training row.

        One-vs-rest logistic regressions over the article's TF-IDF predict the
        coarse narratives it pushes; the most likely one is the article's side.
        """
        self.side_labels_: tuple[str, ...] = ()
        self.side_models_: list[LogisticRegression] = []
        if not self.side or narratives is None or doc_rows is None:
            return ["-"] * len(doc_of)
        if len(narratives) != len(doc_of):
            raise ValueError("narratives needs one list of labels per row of X")
        n_docs = doc_rows.shape[0]
        labels_of: list[set[str]] = [set() for _ in range(n_docs)]
        doc_fold = np.zeros(n_docs, dtype=int)
        for row, (d, labels) in enumerate(zip(doc_of, narratives, strict=True)):
            labels_of[d].update(labels)
            doc_fold[d] = folds[row]
        counts: dict[str, int] = {}
        for labels in labels_of:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        self.side_labels_ = tuple(sorted(lab for lab, c in counts.items() if 3 <= c < n_docs))
        Y = np.array([[lab in ls for lab in self.side_labels_] for ls in labels_of], dtype=bool)
        if not self.side_labels_:
            return ["-"] * len(doc_of)
        self.side_models_ = [
            LogisticRegression(C=4.0, max_iter=1000).fit(doc_rows, Y[:, j])
            for j in range(Y.shape[1])
        ]
        side_p = np.zeros(Y.shape)
        for k in range(self.cv):
            tr, te = np.where(doc_fold != k)[0], np.where(doc_fold == k)[0]
            for j in range(Y.shape[1]):
                if len(te) == 0:
                    continue
                if Y[tr, j].all() or not Y[tr, j].any():
                    side_p[te, j] = float(Y[tr, j].mean()) if len(tr) else 0.0
                    continue
                side_p[te, j] = (
                    LogisticRegression(C=4.0, max_iter=1000)
                    .fit(doc_rows[tr], Y[tr, j])
                    .predict_proba(doc_rows[te])[:, 1]
                )
        doc_side = [self.side_labels_[j] for j in np.argmax(side_p, axis=1)]
        return [doc_side[d] for d in doc_of]

    def _sides(self, doc_of: list[int], doc_rows: sp.csr_matrix | None) -> list[str]:
        """Each row's article side from the fitted side model ("-" without one)."""
        if not getattr(self, "side_models_", None) or doc_rows is None:
            return ["-"] * len(doc_of)
        side_p = np.column_stack([m.predict_proba(doc_rows)[:, 1] for m in self.side_models_])
        doc_side = [self.side_labels_[j] for j in np.argmax(side_p, axis=1)]
        return [doc_side[d] for d in doc_of]

    @staticmethod
    def _keys(X: Sequence[dict[str, str]], sides: Sequence[str]) -> list[PriorKey]:
        return [prior_key(x, side) for x, side in zip(X, sides, strict=True)]

    def _calibrate(self, oof: np.ndarray, target: np.ndarray) -> None:
        """Temperature and abstention threshold from out-of-fold main-role probabilities."""
        from narrascope.framing._calibration import (
            choose_threshold,
            expected_calibration_error,
            fit_temperature,
            temper,
        )

        self.temperature_ = fit_temperature(oof, target)
        calibrated = temper(oof, self.temperature_)
        conf = calibrated.max(axis=1)
        correct = calibrated.argmax(axis=1) == target
        self.abstain_threshold_ = choose_threshold(conf, correct, self.precision, self.min_coverage)
        kept = conf >= self.abstain_threshold_
        self.calibration_ = {
            "temperature": self.temperature_,
            "threshold": self.abstain_threshold_,
            "oof_accuracy": float(correct.mean()),
            "oof_ece_raw": expected_calibration_error(
                oof.max(axis=1), oof.argmax(axis=1) == target
            ),
            "oof_ece": expected_calibration_error(conf, correct),
            "oof_coverage": float(kept.mean()),
            "oof_precision": float(correct[kept].mean()) if kept.any() else float("nan"),
        }

    # ----------------------------------------------------------------- predict
    def predict_proba(self, X: Sequence[dict[str, str]]) -> np.ndarray:
        """Calibrated main-role probabilities, columns in ``classes_`` order."""
        check_is_fitted(self, "main_model_")
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        return self._main_proba(X, *self._transform_docs(X))

    def _main_proba(
        self,
        X: Sequence[dict[str, str]],
        Z: sp.csr_matrix,
        doc_of: list[int],
        doc_rows: sp.csr_matrix | None,
    ) -> np.ndarray:
        from narrascope.framing._calibration import temper

        proba = self.main_model_.predict_proba(Z)
        stacker = getattr(self, "stacker_", None)
        if stacker is not None:
            keys = self._keys(X, self._sides(doc_of, doc_rows))
            F = _stack_matrix(proba, self.priors_.transform(keys))
            proba = np.zeros_like(proba)
            proba[:, stacker.classes_] = stacker.predict_proba(F)
        # artefacts from before calibration have no temperature: their raw scores
        return temper(proba, getattr(self, "temperature_", 1.0))

    def predict(self, X: Sequence[dict[str, str]]) -> np.ndarray:
        """Most likely main role of each mention."""
        check_is_fitted(self, "main_model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_roles(self, X: Sequence[dict[str, str]]) -> list[RolePrediction]:
        """Main role (calibrated) and consistent fine roles (one-vs-rest) of each mention."""
        check_is_fitted(self, "main_model_")
        if len(X) == 0:
            return []
        Z, doc_of, doc_rows = self._transform_docs(X)
        return role_predictions(
            self._main_proba(X, Z, doc_of, doc_rows),
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
