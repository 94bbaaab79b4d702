"""Official metrics for the framing task (SemEval-2025 Task 10 subtask 1).

Definitions (../shared/DATA.md): the exact-match ratio (EMR) is the share of
mentions whose predicted *set* of fine roles equals the gold set; micro
precision/recall/F1 count fine roles over all mentions; main-role accuracy is
the share of mentions whose main role is right. Predictions and gold are paired
by mention beforehand (in the official setting the mentions are the gold ones).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["RolePair", "score_framing"]

#: (main_role, fine_roles) of one mention
RolePair = tuple[str, Sequence[str]]


def score_framing(predicted: Sequence[RolePair], gold: Sequence[RolePair]) -> dict[str, float]:
    """EMR, main-role accuracy and micro P/R/F1 over fine roles of paired mentions.

    ``predicted[i]`` and ``gold[i]`` describe the same mention. An empty input
    scores 0 everywhere (with ``n_mentions`` 0) rather than dividing by zero.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predictions for {len(gold)} gold mentions")
    n = len(gold)
    exact = main_ok = tp = n_pred = n_gold = 0
    for (p_main, p_fine), (g_main, g_fine) in zip(predicted, gold, strict=True):
        p_set, g_set = set(p_fine), set(g_fine)
        exact += p_set == g_set
        main_ok += p_main == g_main
        tp += len(p_set & g_set)
        n_pred += len(p_set)
        n_gold += len(g_set)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "emr": exact / n if n else 0.0,
        "main_role_accuracy": main_ok / n if n else 0.0,
        "micro_precision": precision,
        "micro_recall": recall,
        "micro_f1": f1,
        "n_mentions": float(n),
    }
