"""``evaluate``: the two official PTC metrics for the shipped models on any PTC-layout folder.

Span identification runs the full stage (detector + decoder) on each article; technique
classification asks the classifier for the gold spans only, as the TC task defines it (a span
carrying k gold techniques gets the classifier's top k).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.scoring import span_prf, technique_micro_f1
from narrascope.techniques._features import prepare_document
from narrascope.techniques._ptc import load_ptc
from narrascope.techniques._stage import MODEL_PATH, load_models

__all__ = ["evaluate"]


def evaluate(gold: Path, model_path: Path = MODEL_PATH) -> dict[str, Any]:
    """Span P/R/F1 (partial-overlap credit) and technique micro-F1 on the folder ``gold``."""
    articles = load_ptc(Path(gold))
    bundle = load_models(Path(model_path))
    detector, classifier = bundle["detector"], bundle["classifier"]
    predicted: dict[str, list[tuple[int, int]]] = {}
    gold_spans: dict[str, list[tuple[int, int]]] = {}
    pred_rows: list[tuple[str, int, int, str]] = []
    gold_rows: list[tuple[str, int, int, str]] = []
    for art in articles:
        doc = prepare_document(art.text, art.id)
        predicted[art.id] = [(s, e) for s, e, _ in detector.predict([doc])[0]]
        gold_spans[art.id] = [(s.start, s.end) for s in art.spans]
        per_span: dict[tuple[int, int], int] = defaultdict(int)
        for g in art.techniques:
            per_span[(g.start, g.end)] += 1
            gold_rows.append((art.id, g.start, g.end, g.technique))
        if per_span:
            keys = list(per_span)
            proba = classifier.predict_proba([(art.text, s, e) for s, e in keys])
            for (s, e), row in zip(keys, proba, strict=True):
                for j in np.argsort(-row)[: per_span[(s, e)]]:
                    pred_rows.append((art.id, s, e, str(classifier.classes_[j])))
    si = span_prf(predicted, gold_spans)
    return {
        "span_precision": si["precision"],
        "span_recall": si["recall"],
        "span_f1": si["f1"],
        "technique_micro_f1": technique_micro_f1(pred_rows, gold_rows),
        "n_articles": len(articles),
        # label lines that could not be used, so that no figure is read as covering them
        "skipped_gold_lines": len(articles.skipped),
        "skipped_gold_examples": articles.skipped[:5],
    }
