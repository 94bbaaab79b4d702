"""Train and cross-validate the ``techniques`` stage on the PTC training split.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python training/techniques.py --cv --ablate  # CV + ablations
    OMP_NUM_THREADS=1 .venv/bin/python training/techniques.py --save  # fit on all, save

CV is article-level (KFold over articles, seed 0), so no article contributes to both the training
and the scored side. Span figures use the official partial-overlap SI metric; technique figures
are micro F1 on the gold spans (a span with k gold techniques gets the model's top k).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import joblib
import numpy as np
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from narrascope.scoring import span_prf, technique_micro_f1  # noqa: E402
from narrascope.techniques._features import prepare_document  # noqa: E402
from narrascope.techniques._model import SpanDetector, TechniqueClassifier  # noqa: E402
from narrascope.techniques._ptc import load_ptc  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ptc-semeval2020-task11"
MODEL_DIR = ROOT / "src" / "narrascope" / "techniques" / "models"
SEED = 0


def _tc_rows(arts, classifier, indices):
    """Predicted and gold TC rows for the articles at ``indices`` (top-k for k gold labels)."""
    items, keys, gold = [], [], []
    for i in indices:
        art = arts[i]
        per_span = defaultdict(list)
        for g in art.techniques:
            per_span[(g.start, g.end)].append(g.technique)
            gold.append((art.id, g.start, g.end, g.technique))
        for (s, e), techs in per_span.items():
            items.append((art.text, s, e))
            keys.append((art.id, s, e, len(techs)))
    proba = classifier.predict_proba(items)
    pred = []
    for (aid, s, e, k), row in zip(keys, proba, strict=True):
        for j in np.argsort(-row)[:k]:
            pred.append((aid, s, e, str(classifier.classes_[j])))
    return pred, gold


def _tc_fit(arts, indices, **params):
    items, labels = [], []
    for i in indices:
        for g in arts[i].techniques:
            items.append((arts[i].text, g.start, g.end))
            labels.append(g.technique)
    return TechniqueClassifier(random_state=SEED, **params).fit(items, labels)


def cross_validate(arts, docs, det_params, tc_params, grid, do_si=True, do_tc=True):
    """5-fold article-level CV; returns SI scores per threshold pair and the TC micro F1."""
    folds = list(KFold(5, shuffle=True, random_state=SEED).split(arts))
    probs = {}
    pred_rows, gold_rows = [], []
    for train, test in folds:
        if do_si:
            det = SpanDetector(random_state=SEED, **det_params).fit(
                [docs[i] for i in train], [[(s.start, s.end) for s in arts[i].spans] for i in train]
            )
            for i in test:
                probs[i] = det.token_proba(docs[i])
        if do_tc:
            clf = _tc_fit(arts, train, **tc_params)
            p, g = _tc_rows(arts, clf, test)
            pred_rows += p
            gold_rows += g
    result = {}
    if do_si:
        gold = {a.id: [(s.start, s.end) for s in a.spans] for a in arts}
        for hi, lo in grid:
            pred = {
                arts[i].id: [(s, e) for s, e, _ in det.decode(docs[i], *probs[i], hi, lo)]
                for i in probs
            }
            result[f"si@{hi:.2f}/{lo:.2f}"] = span_prf(pred, gold)
    if do_tc:
        result["technique_micro_f1"] = technique_micro_f1(pred_rows, gold_rows)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cv", action="store_true", help="5-fold CV of the default configuration")
    parser.add_argument("--ablate", action="store_true", help="CV of the ablations too")
    parser.add_argument("--si-only", action="store_true", help="CV of the span detector only")
    parser.add_argument("--save", action="store_true", help="fit on all articles, write the model")
    parser.add_argument("--threshold", type=float, default=0.35)
    parser.add_argument("--extend", type=float, default=0.1)
    parser.add_argument("--C-det", dest="c_det", type=float, default=0.3)
    parser.add_argument("--stack", type=int, default=0, help="second-pass folds (0: one pass)")
    parser.add_argument("--C-tc", dest="c_tc", type=float, default=4.0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    arts = load_ptc(args.data)
    docs = [prepare_document(a.text, a.id) for a in arts]
    print(f"{len(arts)} articles prepared in {time.perf_counter() - t0:.1f}s", flush=True)
    det_params = {
        "C": args.c_det,
        "threshold": args.threshold,
        "extend_threshold": args.extend,
        "stack_folds": args.stack,
    }
    tc_params = {"C": args.c_tc}
    grid = [
        (0.4, 0.3),
        (0.35, 0.2),
        (0.3, 0.2),
        (0.4, 0.15),
        (0.3, 0.15),
        (0.25, 0.15),
        (0.35, 0.1),
        (0.25, 0.1),
    ]
    results = {}
    if args.cv:
        results["default"] = cross_validate(
            arts, docs, det_params, tc_params, grid, do_tc=not args.si_only
        )
        print(json.dumps(results["default"], indent=1), flush=True)
    if args.ablate:
        variants = {
            "tc_no_context": ({}, {"use_context": False}, False, True),
            "tc_no_chars": ({}, {"use_chars": False}, False, True),
            "tc_no_cues": ({}, {"use_cues": False}, False, True),
            "si_no_trim": ({"trim_punct": False}, {}, True, False),
            "si_no_stack": ({"stack_folds": 0}, {}, True, False),
        }
        for name, (dp, tp, do_si, do_tc) in variants.items():
            results[name] = cross_validate(
                arts, docs, {**det_params, **dp}, {**tc_params, **tp}, grid, do_si, do_tc
            )
            print(name, json.dumps(results[name]), flush=True)
    if results:
        (MODEL_DIR / "cv_scores.json").write_text(json.dumps(results, indent=1) + "\n")
    if args.save:
        det = SpanDetector(random_state=SEED, **det_params).fit(
            docs, [[(s.start, s.end) for s in a.spans] for a in arts]
        )
        clf = _tc_fit(arts, range(len(arts)), **tc_params)
        MODEL_DIR.mkdir(parents=True, exist_ok=True)
        path = MODEL_DIR / "techniques.joblib"
        joblib.dump({"detector": det, "classifier": clf, "version": "1"}, path, compress=3)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"done in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
