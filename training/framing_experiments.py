"""Inner-CV experiments behind the framing model's configuration (train part only).

Why a separate script: every choice of ``training/framing.py`` (which features, which
side-aware inputs, which fine-role rule) must be made *without* the frozen test, so
the variants are compared here on the train part of ``_split.frozen_split``, with the
folds ``FramingModel`` itself uses (5 folds grouped by article, seed 13). Each row of
the printed table is the out-of-fold main-role accuracy (or exact-match ratio of the
fine roles) per language; the frozen test is never loaded into a model here::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python training/framing_experiments.py  # ~20 min

The lexical level's vectorisers are fitted once on the whole train part (unsupervised
TF-IDF vocabularies, as ``FramingModel.fit`` does before its own inner folds); every
supervised step (logistic regressions, role priors, the article-side model) is fitted
on four folds and scores the fifth.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp
from framing import LANGS, load
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from narrascope.framing._model import (
    FINE_ORDER,
    FINE_ROLES,
    FramingModel,
    RolePriors,
    _article_folds,
    _stack_matrix,
    prior_key,
)
from narrascope.nlp import load_embedder

#: Who the entity is, in a few languages' spellings: the actors whose role flips with
#: the article's side (crossed below with the side model's narrative probabilities).
GROUPS: tuple[tuple[str, str], ...] = (
    ("putin", r"putin|путин|पुतिन"),
    ("zelensky", r"zelensk|зеленск|зеленськ|ज़ेलेंस्की|जेलेंस्की"),
    ("russia", r"russia|kremlin|moscow|росси|русия|руск|кремл|москв|रूस|rússia|russo|moscou"),
    ("ukraine", r"ukrain|kyiv|kiev|украин|україн|киев|київ|यूक्रेन|ucrân|ucrania"),
    (
        "us",
        r"\bus\b|\busa\b|united states|america|washington|biden|trump|сша|америк|\beua\b|"
        r"अमेरिका",
    ),
    ("west", r"nato|west|нато|запад|\beu\b|europ|\bес\b|европ|यूरोप|नाटो|ocidente|otan"),
    ("science", r"scien|учен|वैज्ञानिक|cientista|ipcc|\bun\b|оон|\bonu\b"),
    ("government", r"government|правител|सरकार|governo|minist|министер"),
)


def group_of(mention: str) -> str:
    for name, pattern in GROUPS:
        if re.search(pattern, mention):
            return name
    return "other"


def onehot(values: list[str]) -> np.ndarray:
    levels = sorted(set(values))
    return np.array([[v == u for u in levels] for v in values], dtype=float)


class Experiment:
    """The train part's rows, their feature matrix and folds, and out-of-fold helpers."""

    def __init__(self) -> None:
        rows = load()
        idx = rows.idx(test=False)
        self.X = [rows.X[i] for i in idx]
        self.y = [rows.y[i] for i in idx]
        self.lang = np.array([rows.lang[i] for i in idx])
        self.narratives = [rows.narratives[i] for i in idx]
        model = FramingModel()  # default field weights: dense block included, sliced below
        model.fit_vectorisers(self.X)
        self.Z, self.doc_of, self.doc_rows = model._transform_docs(self.X)
        self.dense_width = 16 + 4 * load_embedder().encode(["."]).shape[1]
        mains = np.array([m for m, _ in self.y])
        self.classes = np.unique(mains)
        self.target = np.searchsorted(self.classes, mains)
        self.folds = _article_folds(self.doc_of, 5, 13)
        self.fine_sets = [set(f) for _, f in self.y]

    def columns(self, block: str) -> sp.csr_matrix:
        """The feature matrix with all, none or part of the dense block."""
        w, dim = self.dense_width, (self.dense_width - 16) // 4
        keep = {
            "all": np.arange(self.Z.shape[1]),
            "no dense": np.arange(w, self.Z.shape[1]),
            "no VADER": np.arange(16, self.Z.shape[1]),
            "embeddings of the context only": np.r_[16 : 16 + dim, w : self.Z.shape[1]],
        }[block]
        return self.Z[:, keep].tocsr()

    def oof(self, fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        out = np.zeros((len(self.X), len(self.classes)))
        for k in range(5):
            tr, te = np.where(self.folds != k)[0], np.where(self.folds == k)[0]
            out[te] = fit_predict(tr, te)
        return out

    def lexical(
        self, Z: sp.csr_matrix, C: float = 1.0, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Out-of-fold lexical main-role probabilities (``rows``: train on these only)."""
        allowed = np.ones(len(self.X), bool) if rows is None else rows

        def fp(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            tr = tr[allowed[tr]]
            lr = LogisticRegression(C=C, max_iter=2000).fit(Z[tr], self.target[tr])
            out = np.zeros((len(te), len(self.classes)))
            out[:, lr.classes_] = lr.predict_proba(Z[te])
            return out

        return self.oof(fp)

    def side_probabilities(self) -> tuple[list[str], np.ndarray]:
        """Out-of-fold narrative probabilities of each row's article (the side model)."""
        n_docs = self.doc_rows.shape[0]
        labels_of: list[set[str]] = [set() for _ in range(n_docs)]
        doc_fold = np.zeros(n_docs, dtype=int)
        for row, (d, labels) in enumerate(zip(self.doc_of, self.narratives, strict=True)):
            labels_of[d].update(labels)
            doc_fold[d] = self.folds[row]
        counts = Counter(label for labels in labels_of for label in labels)
        names = sorted(lab for lab, c in counts.items() if 3 <= c < n_docs)
        Y = np.array([[lab in ls for lab in names] for ls in labels_of])
        P = np.zeros(Y.shape)
        for k in range(5):
            tr, te = doc_fold != k, doc_fold == k
            for j in range(Y.shape[1]):
                if Y[tr, j].all() or not Y[tr, j].any():
                    P[te, j] = Y[tr, j].mean()
                    continue
                lr = LogisticRegression(C=4.0, max_iter=1000).fit(self.doc_rows[tr], Y[tr, j])
                P[te, j] = lr.predict_proba(self.doc_rows[te])[:, 1]
        return names, P[np.asarray(self.doc_of)]

    def priors(self, keys: list) -> np.ndarray:
        out = np.zeros((len(self.X), RolePriors().width))
        for k in range(5):
            tr, te = np.where(self.folds != k)[0], np.where(self.folds == k)[0]
            fold = RolePriors(2.0).fit([keys[i] for i in tr], self.target[tr], len(self.classes))
            out[te] = fold.transform([keys[i] for i in te])
        return out

    def stack(self, F: np.ndarray, C: float = 0.1, per_language: bool = False) -> np.ndarray:
        def fp(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            out = np.zeros((len(te), len(self.classes)))
            groups = sorted(set(self.lang)) if per_language else [None]
            for g in groups:
                a = tr if g is None else tr[self.lang[tr] == g]
                b = np.arange(len(te)) if g is None else np.where(self.lang[te] == g)[0]
                lr = LogisticRegression(C=C, max_iter=3000).fit(F[a], self.target[a])
                out[np.ix_(b, lr.classes_)] = lr.predict_proba(F[te[b]])
            return out

        return self.oof(fp)

    def boosted(self, F: np.ndarray) -> np.ndarray:
        def fp(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            return (
                HistGradientBoostingClassifier(
                    max_iter=200,
                    learning_rate=0.05,
                    max_leaf_nodes=15,
                    l2_regularization=1.0,
                    random_state=0,
                )
                .fit(F[tr], self.target[tr])
                .predict_proba(F[te])
            )

        return self.oof(fp)

    def fine(self, Z: sp.csr_matrix, conditional: bool = False, C: float = 4.0) -> np.ndarray:
        """Out-of-fold one-vs-rest fine-role scores (``conditional``: each role's model
        learns only from the mentions of its main role)."""
        mains = self.classes[self.target]
        out = np.zeros((len(self.X), len(FINE_ORDER)))
        for k in range(5):
            tr, te = np.where(self.folds != k)[0], np.where(self.folds == k)[0]
            for j, fine in enumerate(FINE_ORDER):
                main = next(m for m, fs in FINE_ROLES.items() if fine in fs)
                rows = tr[mains[tr] == main] if conditional else tr
                t = np.array([fine in self.fine_sets[i] for i in rows])
                if t.all() or not t.any():
                    out[te, j] = 1.0 if t.all() else 1e-6
                    continue
                lr = LogisticRegression(C=C, max_iter=3000).fit(Z[rows], t)
                out[te, j] = lr.predict_proba(Z[te])[:, 1]
        return out

    def fine_priors(self, keys: list, smoothing: float = 1.0) -> np.ndarray:
        """Out-of-fold fine-role frequencies of the name (language, stem), smoothed."""
        out = np.zeros((len(self.X), len(FINE_ORDER)))
        for k in range(5):
            tr, te = np.where(self.folds != k)[0], np.where(self.folds == k)[0]
            by_lang: dict[str, np.ndarray] = defaultdict(lambda: np.ones(len(FINE_ORDER)))
            by_name: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(len(FINE_ORDER)))
            for i in tr:
                v = np.array([f in self.fine_sets[i] for f in FINE_ORDER], dtype=float)
                by_lang[keys[i][0]] += v
                by_name[keys[i][0], keys[i][2]] += v
            for i in te:
                lp = by_lang[keys[i][0]] / by_lang[keys[i][0]].sum()
                c = by_name.get((keys[i][0], keys[i][2]), np.zeros(len(FINE_ORDER)))
                out[i] = (c + smoothing * lp) / (c.sum() + smoothing)
        return out

    # ------------------------------------------------------------------ scores
    def accuracy(self, P: np.ndarray) -> dict[str, float]:
        ok = P.argmax(1) == self.target
        return {lang: float(ok[self.lang == lang].mean()) for lang in LANGS}

    def emr(
        self,
        main_p: np.ndarray,
        fine: np.ndarray,
        fp: np.ndarray | None = None,
        weight: float = 0.0,
    ) -> dict[str, float]:
        """Exact match of the fine-role set: the best fine role of the predicted main role."""
        ok = np.zeros(len(self.X), dtype=bool)
        for i, k in enumerate(main_p.argmax(1)):
            allowed = FINE_ROLES[str(self.classes[k])]
            cols = [FINE_ORDER.index(f) for f in allowed]
            score = np.log(np.clip(fine[i, cols], 1e-6, 1))
            if fp is not None:
                score = score + weight * np.log(np.clip(fp[i, cols], 1e-6, 1))
            ok[i] = {allowed[int(np.argmax(score))]} == self.fine_sets[i]
        return {lang: float(ok[self.lang == lang].mean()) for lang in LANGS}


def show(name: str, res: dict[str, float]) -> None:
    mean = float(np.mean([res[lang] for lang in LANGS]))
    cells = " | ".join(f"{res[lang]:.3f}" for lang in LANGS)
    print(f"| {name} | {cells} | {mean:.3f} |", flush=True)


def main() -> None:
    started = time.time()
    ex = Experiment()
    print(f"train part: {len(ex.X)} mentions, {time.time() - started:.0f}s", file=sys.stderr)
    print("| main-role accuracy, out-of-fold | " + " | ".join(LANGS) + " | mean |")
    print("|---|" + "---|" * (len(LANGS) + 1))
    majority = np.zeros((len(ex.X), len(ex.classes)))
    for lang in LANGS:
        m = ex.lang == lang
        majority[m, np.bincount(ex.target[m]).argmax()] = 1
    show("majority role of the language", ex.accuracy(majority))
    lexical = {}
    for block in ("all", "no VADER", "embeddings of the context only", "no dense"):
        lexical[block] = ex.lexical(ex.columns(block))
        show(f"lexical level, dense block: {block}", ex.accuracy(lexical[block]))
    # the variants below build on the shipped configuration (no VADER columns)
    Zn = ex.columns("no VADER")
    show(
        "lexical level (no VADER), trained per language",
        ex.accuracy(
            sum(ex.lexical(Zn, rows=ex.lang == lang) * (ex.lang == lang)[:, None] for lang in LANGS)
        ),
    )
    names, side_p = ex.side_probabilities()
    sides = [names[j] for j in side_p.argmax(1)]
    keys = [prior_key(x, s) for x, s in zip(ex.X, sides, strict=True)]
    priors = ex.priors(keys)
    for block in ("all", "no VADER", "no dense"):
        base = _stack_matrix(lexical[block], priors)
        show(f"side-aware level (LR, C 0.1), dense block: {block}", ex.accuracy(ex.stack(base)))
    lex = lexical["no VADER"]
    base = _stack_matrix(lex, priors)
    log_lex = np.log(np.clip(lex, 1e-4, 1))
    L1 = onehot(list(ex.lang))
    G = onehot([group_of(x["mention"]) for x in ex.X])
    GS = np.einsum("ij,ik->ijk", G, side_p).reshape(len(ex.X), -1)
    LX = np.einsum("ij,ik->ijk", L1, log_lex).reshape(len(ex.X), -1)
    ent: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, (d, k) in enumerate(zip(ex.doc_of, keys, strict=True)):
        ent[d, k[2]].append(i)
    ent_mean = np.zeros_like(lex)
    for rows in ent.values():
        ent_mean[rows] = lex[rows].mean(0)
    variants = {
        "+ entity group x article narrative probabilities": np.hstack([base, GS]),
        "+ entity group x language x article side": np.hstack(
            [
                base,
                onehot(
                    [
                        f"{group_of(x['mention'])}|{lg}|{s}"
                        for x, lg, s in zip(ex.X, ex.lang, sides, strict=True)
                    ]
                ),
            ]
        ),
        "+ language x lexical log-probabilities": np.hstack([base, LX, L1]),
        "+ both of the above": np.hstack([base, GS, LX, L1]),
        "+ mean lexical probabilities of the entity's mentions in the article": np.hstack(
            [base, np.log(np.clip(ent_mean, 1e-4, 1))]
        ),
    }
    for name, F in variants.items():
        show(f"side-aware level {name}", ex.accuracy(ex.stack(F)))
    show("side-aware level, one LR per language", ex.accuracy(ex.stack(base, per_language=True)))
    show("side-aware level, HistGradientBoosting", ex.accuracy(ex.boosted(np.hstack([base, L1]))))
    show(
        "same + entity group, narrative probabilities",
        ex.accuracy(ex.boosted(np.hstack([base, L1, G, side_p]))),
    )
    fine_ovr = ex.fine(Zn)
    fine_main = np.column_stack(
        [fine_ovr[:, [FINE_ORDER.index(f) for f in FINE_ROLES[c]]].sum(1) for c in ex.classes]
    )
    fine_main /= fine_main.sum(1, keepdims=True)
    show(
        "side-aware level + main role from the summed fine-role probabilities",
        ex.accuracy(ex.stack(np.hstack([base, np.log(np.clip(fine_main, 1e-4, 1))]))),
    )
    show("main role from the summed fine-role probabilities alone", ex.accuracy(fine_main))
    chosen = ex.stack(base)
    print("\n| fine roles: exact match, out-of-fold | " + " | ".join(LANGS) + " | mean |")
    print("|---|" + "---|" * (len(LANGS) + 1))
    show("one-vs-rest on all mentions, best role (shipped; no VADER)", ex.emr(chosen, fine_ovr))
    fp = ex.fine_priors(keys)
    for w in (0.3, 1.0):
        show(f"same + {w} x the name's fine-role prior", ex.emr(chosen, fine_ovr, fp, w))
    show("one-vs-rest within the main role's mentions", ex.emr(chosen, ex.fine(Zn, True)))
    for block in ("no dense", "all"):
        own = ex.stack(_stack_matrix(lexical[block], priors))
        show(
            f"one-vs-rest, dense block: {block} (and its main role)",
            ex.emr(own, ex.fine(ex.columns(block))),
        )
    print(f"done in {time.time() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
