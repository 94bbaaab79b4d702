"""Official metrics for the narratives task (see ../shared/DATA.md for their definitions).

SemEval-2025 Task 10 subtask 2 scores each document by the F1 between its
predicted and gold label sets and averages over documents ("samples" F1), once
on narratives (coarse) and once on sub-narratives (fine). Labels outside the
taxonomy are ignored. Per-label precision/recall/F1 are reported as diagnostics.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["narrative_label_prf", "samples_f1"]


def _clean(labels: Collection[str], allowed: Collection[str] | None) -> set[str]:
    return {lab for lab in labels if allowed is None or lab in allowed}


def samples_f1(
    predicted: Sequence[Collection[str]],
    gold: Sequence[Collection[str]],
    allowed: Collection[str] | None = None,
) -> float:
    """Mean over documents of the set F1 between predicted and gold labels.

    A document whose two sets are both empty (after dropping labels outside
    ``allowed``) scores 1: nothing was to be found and nothing was claimed.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predictions for {len(gold)} gold documents")
    if not gold:
        return 0.0
    total = 0.0
    for p_raw, g_raw in zip(predicted, gold, strict=True):
        p, g = _clean(p_raw, allowed), _clean(g_raw, allowed)
        if not p and not g:
            total += 1.0
            continue
        total += 2 * len(p & g) / (len(p) + len(g))
    return total / len(gold)


def narrative_label_prf(
    predicted: Sequence[Collection[str]],
    gold: Sequence[Collection[str]],
    allowed: Collection[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Per-label precision, recall, F1 and support (gold count) over documents."""
    stats: dict[str, list[int]] = {}
    for p_raw, g_raw in zip(predicted, gold, strict=True):
        p, g = _clean(p_raw, allowed), _clean(g_raw, allowed)
        for lab in p | g:
            tp_fp_fn = stats.setdefault(lab, [0, 0, 0])
            tp_fp_fn[0] += lab in p and lab in g
            tp_fp_fn[1] += lab in p and lab not in g
            tp_fp_fn[2] += lab in g and lab not in p
    out: dict[str, dict[str, float]] = {}
    for lab in sorted(stats):
        tp, fp, fn = stats[lab]
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": float(tp + fn)}
    return out
