"""Official metrics for the techniques task (see ../shared/DATA.md for their definitions).

Span identification (SemEval-2020 Task 11, SI) gives partial credit: a predicted span ``s`` earns
``|s ∩ t| / |s|`` towards precision for every gold span ``t`` it overlaps, and a gold span earns
``|s ∩ t| / |t|`` towards recall; both are averaged over the spans of the whole collection.
SI is binary, so overlapping spans on either side are merged first (as the official scorer
requires of submissions). Technique classification (TC) is micro F1 over gold spans: each gold
instance gets one predicted label, and a span annotated with several techniques counts as many
instances matched as a multiset.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["merge_char_spans", "span_prf", "technique_micro_f1"]

Span = tuple[int, int]


def merge_char_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans (overlapping or touching spans become one)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def span_prf(
    predicted: Mapping[str, Sequence[Span]], gold: Mapping[str, Sequence[Span]]
) -> dict[str, float]:
    """Span precision, recall and F1 with partial-overlap credit, over all articles.

    ``predicted`` and ``gold`` map article ids to ``(start, end)`` spans (end exclusive); an
    article missing from ``predicted`` simply has no predicted spans.
    """
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for art in set(gold) | set(predicted):
        preds = merge_char_spans(predicted.get(art, ()))
        golds = merge_char_spans(gold.get(art, ()))
        n_pred += len(preds)
        n_gold += len(golds)
        for s in preds:
            for t in golds:
                inter = _overlap(s, t)
                if inter:
                    p_sum += inter / (s[1] - s[0])
                    r_sum += inter / (t[1] - t[0])
    precision = p_sum / n_pred if n_pred else 0.0
    recall = r_sum / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def technique_micro_f1(
    predicted: Iterable[tuple[str, int, int, str]], gold: Iterable[tuple[str, int, int, str]]
) -> float:
    """Micro F1 of technique labels on gold spans, rows ``(article, start, end, technique)``.

    Labels are matched per exact span as multisets, so predicting the techniques of a
    multi-labelled span in any order scores them all; a predicted row on a span that is not gold
    counts as a false positive.
    """
    pred_by: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    gold_by: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    for art, start, end, tech in predicted:
        pred_by[(art, start, end)][tech] += 1
    for art, start, end, tech in gold:
        gold_by[(art, start, end)][tech] += 1
    n_pred = sum(sum(c.values()) for c in pred_by.values())
    n_gold = sum(sum(c.values()) for c in gold_by.values())
    correct = sum(sum((pred_by[k] & g).values()) for k, g in gold_by.items() if k in pred_by)
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_gold if n_gold else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
