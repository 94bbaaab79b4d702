"""Train and evaluate the ``techniques`` stage on the PTC training split, honestly.

Protocol (issue 15, item 1). The 371 PTC training articles are split once into a *train part*
and a frozen *test part*: the sorted article ids are shuffled with ``random.Random(2025)`` and the
first 20% (74 articles) are the test part. Everything that is chosen (the tagger, its decoding
thresholds and rules, the classifier's features and C) is chosen by inner 3-fold article-level
cross-validation on the train part (KFold, shuffle, seed 0; 3 folds to fit the
shared 2-core machine); the chosen configuration is then
fitted on the whole train part and scored once on the test part. Every variant is reported with
both figures, but only the inner-CV figure chooses. The shipped model is the chosen
configuration refitted on all 371 articles.

References, computed the same way: the *current tagger* (the logistic-regression tagger and
classifier exactly as shipped before this protocol: C=0.3, thresholds 0.35/0.10, no sentence or
boilerplate rules; classifier C=4) and a *lexicon rule* (every sentence containing a word of the
loaded-language/name-calling cue lexicons is one span).

Usage (from the repository root; OMP_NUM_THREADS=1, ``--cache`` keeps prepared documents)::

    OMP_NUM_THREADS=1 .venv/bin/python training/techniques.py --eval --cache /tmp/ptc-cache
    OMP_NUM_THREADS=1 .venv/bin/python training/techniques.py --save  # uses scores.json's choice

Span figures use the official partial-overlap SI metric; technique figures are micro F1 on the
gold spans (a span with k gold techniques gets the model's top k).
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from narrascope.document import Document  # noqa: E402
from narrascope.scoring import span_prf, technique_micro_f1  # noqa: E402
from narrascope.techniques._features import (  # noqa: E402
    _CUES,
    prepare_document,
    sentence_of,
    word_tokens,
)
from narrascope.techniques._model import (  # noqa: E402
    CrfSpanDetector,
    SpanDetector,
    TechniqueClassifier,
    _mask_boilerplate,
    fit_refiner,
)
from narrascope.techniques._ptc import PtcArticle, load_ptc  # noqa: E402
from narrascope.techniques._refine import SpanRefiner  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ptc-semeval2020-task11"
MODEL_DIR = ROOT / "src" / "narrascope" / "techniques" / "models"
SCORES = MODEL_DIR / "scores.json"
SPLIT_SEED = 2025
TEST_SHARE = 0.2
SEED = 0
INNER_FOLDS = 3

#: the configuration shipped before this protocol (the reference "current tagger")
CURRENT_DET = {"C": 0.3}
CURRENT_THRESHOLDS = (0.35, 0.10)
CURRENT_TC: dict[str, Any] = {"C": 4.0}
#: decoding thresholds searched on inner CV: (start, extend)
GRID = [
    (hi, lo)
    for hi in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
    for lo in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
    if lo < hi
]
LEXICON = _CUES["intens"] | _CUES["label"]

Spans = dict[str, list[tuple[int, int]]]


def frozen_split(ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """(train ids, test ids): sorted ids shuffled with seed 2025, the first 20% are the test."""
    order = sorted(ids)
    random.Random(SPLIT_SEED).shuffle(order)
    n_test = round(TEST_SHARE * len(order))
    return sorted(order[n_test:]), sorted(order[:n_test])


def prepare(arts: list[PtcArticle], cache: Path | None) -> list[Document]:
    """Documents with the nlp stage's tokens and sentences (pickled in ``cache`` if given)."""
    path = cache / "docs.pkl" if cache else None
    if path and path.exists():
        docs: list[Document] = pickle.loads(path.read_bytes())
        if [d.id for d in docs] == [a.id for a in arts]:
            return docs
    docs = [prepare_document(a.text, a.id) for a in arts]
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(docs))
    return docs


def crossing_rate(arts: list[PtcArticle], docs: list[Document]) -> dict[str, float]:
    """How often gold SI spans cross a sentence boundary / start or end off a token boundary."""
    cross = off = total = 0
    for art, doc in zip(arts, docs, strict=True):
        starts = {t.start for t in doc.tokens}
        ends = {t.end for t in doc.tokens}
        for s in art.spans:
            total += 1
            n_sent = sum(1 for x in doc.sentences if x.start < s.end and x.end > s.start)
            cross += n_sent > 1
            off += s.start not in starts or s.end not in ends
    return {
        "gold_spans": total,
        "cross_sentence": round(cross / total, 4),
        "off_token_boundary": round(off / total, 4),
    }


def _prf(pred: Spans, gold: Spans) -> dict[str, float]:
    return {k: round(v, 4) for k, v in span_prf(pred, gold).items()}


def lexicon_spans(doc: Document) -> list[tuple[int, int]]:
    """Reference: every sentence with a loaded-language/name-calling cue word is a span."""
    idx = word_tokens(doc)
    toks = [doc.tokens[i] for i in idx]
    sid = sentence_of(doc.sentences, toks)
    hits = {s for s, t in zip(sid, toks, strict=True) if t.text.lower() in LEXICON and s >= 0}
    out = []
    for s in sorted(hits):
        sent = doc.sentences[s]
        text = doc.text[sent.start : sent.end]
        start = sent.start + len(text) - len(text.lstrip())
        end = sent.start + len(text.rstrip())
        if end > start:
            out.append((start, end))
    return out


# --------------------------------------------------------------------------- span detection
def _gold(arts: list[PtcArticle], ids: Sequence[int]) -> Spans:
    return {arts[i].id: [(s.start, s.end) for s in arts[i].spans] for i in ids}


def _decode_all(
    det: Any, docs: list[Document], probs: dict[int, Any], hi: float, lo: float
) -> Spans:
    return {
        docs[i].id: [(s, e) for s, e, _ in det.decode(docs[i], *probs[i], hi, lo)] for i in probs
    }


REUSE_PROBA = False  # --reuse-proba: token probabilities cached by an earlier run


def _fit_probs(
    make: Callable[..., Any],
    params: dict[str, Any],
    arts: list[PtcArticle],
    docs: list[Document],
    train: list[int],
    test: list[int],
    cache: Path | None,
    name: str,
) -> tuple[Any, Any, dict[int, Any], dict[int, Any], float | None, float | None]:
    """Out-of-fold token probabilities on the train part and the train-part tagger's on test."""
    t0 = time.perf_counter()
    oof: dict[int, Any] = {}
    det = None
    for tr, va in KFold(INNER_FOLDS, shuffle=True, random_state=SEED).split(train):
        tr_i, va_i = [train[k] for k in tr], [train[k] for k in va]
        det = make(**params).fit(
            [docs[i] for i in tr_i], [[(s.start, s.end) for s in arts[i].spans] for i in tr_i]
        )
        for i in va_i:
            oof[i] = det.token_proba(docs[i])
    fit_s = (time.perf_counter() - t0) / INNER_FOLDS
    final = make(**params).fit(
        [docs[i] for i in train], [[(s.start, s.end) for s in arts[i].spans] for i in train]
    )
    t1 = time.perf_counter()
    test_probs = {i: final.token_proba(docs[i]) for i in test}
    proba_ms = 1000 * (time.perf_counter() - t1) / len(test)
    if cache:  # for decoding experiments without refitting
        cache.mkdir(parents=True, exist_ok=True)
        (cache / f"proba-{name}.pkl").write_bytes(pickle.dumps((oof, test_probs)))
    return det, final, oof, test_probs, fit_s, proba_ms


def si_protocol(
    name: str,
    make: Callable[..., Any],
    params: dict[str, Any],
    arts: list[PtcArticle],
    docs: list[Document],
    train: list[int],
    test: list[int],
    decodings: dict[str, tuple[dict[str, bool], tuple[float, float] | None]],
    cache: Path | None = None,
) -> dict[str, Any]:
    """Inner-CV choice of thresholds (per decoding variant), then one test score each.

    ``make(**params)`` builds an unfitted detector. The token probabilities do not depend on
    the decoding, so one inner CV serves every entry of ``decodings``: name suffix ->
    (decoding rules, fixed (start, extend) thresholds or None to choose them on inner CV).
    """
    cached = cache / f"proba-{name}.pkl" if cache and REUSE_PROBA else None
    if cached is not None and cached.exists():
        # the same fits (same seeds), cached by an earlier run: only the decoding is redone
        oof, test_probs = pickle.loads(cached.read_bytes())
        det, final = make(**params), make(**params)
        fit_s = proba_ms = None  # not timed in this run
    else:
        det, final, oof, test_probs, fit_s, proba_ms = _fit_probs(
            make, params, arts, docs, train, test, cache, name
        )
    gold_train, gold_test = _gold(arts, train), _gold(arts, test)
    out: dict[str, Any] = {}
    for rname, (flags, fixed) in decodings.items():
        assert det is not None
        det.set_params(**flags)
        final.set_params(**flags)
        grid = [fixed] if fixed else GRID
        scored = [(pair, _prf(_decode_all(det, docs, oof, *pair), gold_train)) for pair in grid]
        pair, inner = max(scored, key=lambda x: x[1]["f1"])
        t2 = time.perf_counter()
        pred = _decode_all(final, docs, test_probs, *pair)
        dec_ms = 1000 * (time.perf_counter() - t2) / len(test)
        key = rname if rname.startswith("current") else f"{name}{rname}"
        out[key] = {
            "params": {**params, **flags},
            "thresholds": list(pair),
            "inner_cv": inner,
            "test": _prf(pred, gold_test),
            "fit_s": None if fit_s is None else round(fit_s, 1),
            "ms_per_article": None if proba_ms is None else round(proba_ms + dec_ms, 1),
        }
        print(key, json.dumps(out[key]), flush=True)
    if name.startswith("logistic"):
        _LAST_PROBS[name] = (det, final, oof, test_probs)
    return out


#: per logistic tagger: (last inner-fold detector, train-part detector, out-of-fold and test
#: token probabilities), for the refiner protocol that builds on them without refitting
_LAST_PROBS: dict[str, tuple[Any, Any, dict[int, Any], dict[int, Any]]] = {}
#: the refiner's grids: hysteresis (start, extend) for its candidate spans, then its thresholds
REFINE_PAIRS = [(0.3, 0.15), (0.3, 0.2), (0.35, 0.2)]
SENTENCE_GRID = [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 1.01]
FILTER_GRID = [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]


def refine_protocol(
    name: str,
    arts: list[PtcArticle],
    docs: list[Document],
    train: list[int],
    test: list[int],
) -> dict[str, Any]:
    """The tagger plus the refiner (sentence spans + span filter), chosen on inner CV only.

    For each inner fold, a refiner is fitted on the *other* folds' out-of-fold token
    probabilities (the same cross-fitting the shipped ``SpanDetector(refine=True)`` does on all
    articles) and scores the fold; the candidate thresholds and the refiner's two thresholds that
    maximise the pooled inner-CV F1 are then fitted on the whole train part (its out-of-fold
    probabilities) on top of the train-part tagger, and scored once on the test part.
    """
    det, final, oof, test_probs = _LAST_PROBS[name]
    flags = {"split_sentences": True, "skip_boilerplate": True}
    det.set_params(**flags)
    final.set_params(**flags)
    gold = {i: [(s.start, s.end) for s in arts[i].spans] for i in train + test}
    gold_train = _gold(arts, train)
    folds = list(KFold(INNER_FOLDS, shuffle=True, random_state=SEED).split(train))
    t0 = time.perf_counter()
    best: tuple[dict[str, float], tuple[float, float, float, float]] | None = None
    cache: dict[tuple[str, ...], tuple] = {}  # sentence models per fold, shared by the pairs
    for hi, lo in REFINE_PAIRS:
        scored = []
        for tr, va in folds:
            tr_i, va_i = [train[k] for k in tr], [train[k] for k in va]
            ref = fit_refiner(
                det,
                [docs[i] for i in tr_i],
                [oof[i] for i in tr_i],
                [gold[i] for i in tr_i],
                hi,
                lo,
                cache=cache,
            )
            for i in va_i:
                idx, proba = oof[i]
                masked = _mask_boilerplate(docs[i], idx, proba)
                cands = det.hysteresis(docs[i], idx, masked, hi, lo)
                scored.append((i, cands, *ref.scores(docs[i], idx, masked, cands)))
        for ts in SENTENCE_GRID:
            for tf in FILTER_GRID:
                pred = {
                    docs[i].id: [
                        (s, e) for s, e, _ in SpanRefiner.combine(docs[i], rows, pl, c, pk, ts, tf)
                    ]
                    for i, c, rows, pl, pk in scored
                }
                f = _prf(pred, gold_train)
                if best is None or f["f1"] > best[0]["f1"]:
                    best = (f, (hi, lo, ts, tf))
        print(f"refiner {hi}/{lo}: best so far {best}", flush=True)
    assert best is not None
    inner, (hi, lo, ts, tf) = best
    fit_s = time.perf_counter() - t0
    final.refiner_ = fit_refiner(
        final,
        [docs[i] for i in train],
        [oof[i] for i in train],
        [gold[i] for i in train],
        hi,
        lo,
        cache=cache,
        sentence_threshold=ts,
        filter_threshold=tf,
    )
    t1 = time.perf_counter()
    pred = {
        docs[i].id: [(s, e) for s, e, _ in final.decode(docs[i], *test_probs[i], hi, lo)]
        for i in test
    }
    ms = 1000 * (time.perf_counter() - t1) / len(test)
    final.refiner_ = None
    key = f"{name}+split+boilerplate+refine"
    out = {
        key: {
            "params": {
                **final.get_params(),
                **flags,
                "refine": True,
                "sentence_threshold": ts,
                "filter_threshold": tf,
            },
            "thresholds": [hi, lo],
            "inner_cv": inner,
            "test": _prf(pred, _gold(arts, test)),
            "fit_s": round(fit_s, 1),
            "ms_per_article_decode_and_refine": round(ms, 1),
        }
    }
    for k in ("threshold", "extend_threshold"):
        out[key]["params"].pop(k, None)
    print(key, json.dumps(out[key]), flush=True)
    return out


# ------------------------------------------------------------------ technique classification
def _tc_items(arts: list[PtcArticle], indices: Sequence[int]) -> tuple[list, list, list]:
    items, keys, gold = [], [], []
    for i in indices:
        art = arts[i]
        per_span: dict[tuple[int, int], int] = defaultdict(int)
        for g in art.techniques:
            per_span[(g.start, g.end)] += 1
            gold.append((art.id, g.start, g.end, g.technique))
        for (s, e), k in per_span.items():
            items.append((art.text, s, e))
            keys.append((art.id, s, e, k))
    return items, keys, gold


def _tc_fit(arts: list[PtcArticle], indices: Sequence[int], **params: Any) -> TechniqueClassifier:
    items, labels = [], []
    for i in indices:
        for g in arts[i].techniques:
            items.append((arts[i].text, g.start, g.end))
            labels.append(g.technique)
    return TechniqueClassifier(random_state=SEED, **params).fit(items, labels)


def _tc_score(clf: TechniqueClassifier, arts: list[PtcArticle], indices: Sequence[int]) -> float:
    items, keys, gold = _tc_items(arts, indices)
    proba = clf.predict_proba(items)
    pred = []
    for (aid, s, e, k), row in zip(keys, proba, strict=True):
        for j in np.argsort(-row)[:k]:
            pred.append((aid, s, e, str(clf.classes_[j])))
    return technique_micro_f1(pred, gold)


def tc_protocol(
    name: str, params: dict[str, Any], arts: list[PtcArticle], train: list[int], test: list[int]
) -> dict[str, Any]:
    """Inner-CV micro-F1 (pooled out-of-fold predictions) and the one test figure."""
    t0 = time.perf_counter()
    pred_rows: list = []
    gold_rows: list = []
    for tr, va in KFold(INNER_FOLDS, shuffle=True, random_state=SEED).split(train):
        clf = _tc_fit(arts, [train[k] for k in tr], **params)
        items, keys, gold = _tc_items(arts, [train[k] for k in va])
        proba = clf.predict_proba(items)
        for (aid, s, e, k), row in zip(keys, proba, strict=True):
            for j in np.argsort(-row)[:k]:
                pred_rows.append((aid, s, e, str(clf.classes_[j])))
        gold_rows += gold
    inner = technique_micro_f1(pred_rows, gold_rows)
    final = _tc_fit(arts, train, **params)
    out = {
        "params": params,
        "inner_cv": round(inner, 4),
        "test": round(_tc_score(final, arts, test), 4),
        "fit_s": round((time.perf_counter() - t0) / (INNER_FOLDS + 1), 1),
    }
    print(f"tc:{name}", json.dumps(out), flush=True)
    return out


TC_VARIANTS: dict[str, dict[str, Any]] = {
    "current": CURRENT_TC,
    "window+vectors": {"C": 4.0, "use_window": True, "use_vectors": True},
    "window+vectors C=2": {"C": 2.0, "use_window": True, "use_vectors": True},
    "window+vectors x2": {"C": 4.0, "use_window": True, "use_vectors": True, "vector_weight": 2.0},
    "window+vectors x2 + shape": {
        "C": 4.0,
        "use_window": True,
        "use_vectors": True,
        "vector_weight": 2.0,
        "use_shape": True,
    },
    "window+vectors balanced": {
        "C": 4.0,
        "use_window": True,
        "use_vectors": True,
        "class_weight": "balanced",
    },
}
SI_RULES: dict[str, tuple[dict[str, bool], tuple[float, float] | None]] = {
    "": ({"split_sentences": False, "skip_boilerplate": False}, None),
    "+split": ({"split_sentences": True, "skip_boilerplate": False}, None),
    "+split+boilerplate": ({"split_sentences": True, "skip_boilerplate": True}, None),
}
CURRENT_NAME = "current tagger (reference)"
CURRENT_RULES = {"split_sentences": False, "skip_boilerplate": False}


def evaluate(args: argparse.Namespace, arts: list[PtcArticle], docs: list[Document]) -> None:
    """Run the protocol, print every figure and write scores.json with the choice."""
    train_ids, test_ids = frozen_split([a.id for a in arts])
    pos = {a.id: i for i, a in enumerate(arts)}
    train, test = [pos[i] for i in train_ids], [pos[i] for i in test_ids]
    print(f"frozen split: {len(train)} train / {len(test)} test articles", flush=True)
    results: dict[str, Any] = {"gold": crossing_rate(arts, docs)}
    print("gold spans:", json.dumps(results["gold"]), flush=True)
    lex = {
        "inner_cv": _prf({docs[i].id: lexicon_spans(docs[i]) for i in train}, _gold(arts, train)),
        "test": _prf({docs[i].id: lexicon_spans(docs[i]) for i in test}, _gold(arts, test)),
    }
    results["si"] = {"lexicon rule (reference)": lex}
    print("lexicon rule", json.dumps(lex), flush=True)
    if not args.skip_si:
        for c in args.lr_c:
            decodings = dict(SI_RULES)
            if c == CURRENT_DET["C"]:  # the same model: the reference is one more decoding
                decodings[CURRENT_NAME] = (CURRENT_RULES, CURRENT_THRESHOLDS)
            results["si"].update(
                si_protocol(
                    f"logistic C={c}",
                    SpanDetector,
                    {"random_state": SEED, "C": c},
                    arts,
                    docs,
                    train,
                    test,
                    decodings,
                    args.cache,
                )
            )
            if args.refine:
                results["si"].update(refine_protocol(f"logistic C={c}", arts, docs, train, test))
        for c1 in args.crf_c1:
            results["si"].update(
                si_protocol(
                    f"crf c1={c1}",
                    CrfSpanDetector,
                    {"c1": c1, "c2": 0.01, "max_iterations": args.crf_iter},
                    arts,
                    docs,
                    train,
                    test,
                    dict(SI_RULES),
                    args.cache,
                )
            )
    if not args.skip_tc:
        names = args.tc or list(TC_VARIANTS)
        results["tc"] = {
            name: tc_protocol(name, TC_VARIANTS[name], arts, train, test) for name in names
        }
    out = Path(args.scores)
    old = json.loads(out.read_text()) if out.exists() and args.merge else {}
    if args.skip_si and "si" in old:
        results["si"] = {**old["si"], **results["si"]}
    if args.skip_tc and "tc" in old:
        results["tc"] = old["tc"]
    # the choice: best inner-CV F1 among the candidates (references excluded)
    chosen: dict[str, Any] = {}
    si_cands = {k: v for k, v in results["si"].items() if "reference" not in k}
    if si_cands:
        k = max(si_cands, key=lambda n: si_cands[n]["inner_cv"]["f1"])
        chosen["si"] = {"name": k, **si_cands[k]}
    tc_cands = results.get("tc", {})
    if tc_cands:
        k = max(tc_cands, key=lambda n: tc_cands[n]["inner_cv"])
        chosen["tc"] = {"name": k, **tc_cands[k]}
    results["chosen"] = chosen
    results["protocol"] = (
        f"frozen test part: sorted PTC train ids shuffled with random.Random({SPLIT_SEED}), first "
        f"{TEST_SHARE:.0%} ({len(test)} articles); choices by inner {INNER_FOLDS}-fold "
        f"article-level CV (KFold shuffle seed {SEED}) on the other {len(train)}; each variant "
        "fitted on the train part and scored once on the test part; shipped model = chosen "
        "configuration refitted on all articles"
    )
    results["command"] = "OMP_NUM_THREADS=1 .venv/bin/python training/techniques.py --eval"
    print("chosen:", json.dumps(chosen), flush=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


def save(args: argparse.Namespace, arts: list[PtcArticle], docs: list[Document]) -> None:
    """Fit the chosen configuration (from scores.json) on all articles and write the model."""
    chosen = json.loads(Path(args.scores).read_text())["chosen"]
    si, tc = chosen["si"], chosen["tc"]
    params = dict(si["params"])
    hi, lo = si["thresholds"]
    make = CrfSpanDetector if si["name"].startswith("crf") else SpanDetector
    gold = [[(s.start, s.end) for s in a.spans] for a in arts]
    if params.get("refine") and args.prefit:
        # the tagger and its cross-fitted probabilities from `--prefit` (they do not depend on
        # the refiner's choice); the refiner on top, exactly as SpanDetector(refine=True).fit
        det, probs = pickle.loads(Path(args.prefit).read_bytes())
        det.set_params(**params, threshold=hi, extend_threshold=lo)
        det.refiner_ = fit_refiner(det, docs, probs, gold)
    else:
        det = make(**params, threshold=hi, extend_threshold=lo).fit(docs, gold)
    clf = _tc_fit(arts, range(len(arts)), **tc["params"])
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    path = MODEL_DIR / "techniques.joblib"
    joblib.dump({"detector": det, "classifier": clf, "version": "2"}, path, compress=3)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): {si['name']} + tc {tc['name']}")


def prefit(args: argparse.Namespace, docs: list[Document], arts: list[PtcArticle]) -> None:
    """The C=0.3 tagger on all articles and its cross-fitted probabilities, for ``--save``."""
    det = SpanDetector(random_state=SEED, C=CURRENT_DET["C"])
    gold = [[(s.start, s.end) for s in a.spans] for a in arts]
    probs = det.cross_fitted_proba(docs, gold)
    det.fit(docs, gold)
    Path(args.prefit).write_bytes(pickle.dumps((det, probs)))
    print(f"wrote {args.prefit}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=None, help="folder for prepared documents")
    parser.add_argument("--eval", action="store_true", help="the frozen-split protocol")
    parser.add_argument("--skip-si", action="store_true")
    parser.add_argument("--skip-tc", action="store_true")
    parser.add_argument("--merge", action="store_true", help="keep skipped parts of scores.json")
    parser.add_argument("--lr-c", type=float, nargs="*", default=[0.3], help="[] for none")
    parser.add_argument("--crf-c1", type=float, nargs="*", default=[0.05])
    parser.add_argument("--tc", nargs="*", choices=list(TC_VARIANTS), help="classifier variants")
    parser.add_argument("--crf-iter", type=int, default=100)
    parser.add_argument(
        "--prefit", type=Path, default=None, help="tagger + cross-fitted probabilities file"
    )
    parser.add_argument(
        "--make-prefit", action="store_true", help="write --prefit (then --save uses it)"
    )
    parser.add_argument(
        "--reuse-proba", action="store_true", help="token probabilities from --cache if there"
    )
    parser.add_argument(
        "--refine", action="store_true", help="also the tagger + sentence spans + span filter"
    )
    parser.add_argument("--scores", type=Path, default=SCORES)
    parser.add_argument("--save", action="store_true", help="fit the choice on all, save it")
    args = parser.parse_args()

    global REUSE_PROBA
    REUSE_PROBA = args.reuse_proba
    t0 = time.perf_counter()
    arts = load_ptc(args.data)
    docs = prepare(arts, args.cache)
    print(f"{len(arts)} articles prepared in {time.perf_counter() - t0:.1f}s", flush=True)
    if args.make_prefit:
        prefit(args, docs, arts)
    if args.eval:
        evaluate(args, arts, docs)
    if args.save:
        save(args, arts, docs)
    print(f"done in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
