"""Calibration and abstention of main-role probabilities.

Why: a reader acts on "Antagonist 0.94" only if 0.94 means right 94 times in
100. The model's raw scores are over-confident (boosted trees and stacked
logistic regressions both are), so one temperature ``T`` is fitted on
out-of-fold predictions of the training part (it rescales the log-probabilities,
never changes the ranking or the predicted role), the expected calibration error
(ECE) says how far the result is from the diagonal, and an abstention threshold
chosen for precision on the same out-of-fold predictions lets the stage say
"unclear" instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = [
    "ReliabilityBin",
    "abstention_curve",
    "choose_threshold",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_table",
    "temper",
]


def temper(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities ``softmax(log(proba) / temperature)``, row-wise (T > 1 softens)."""
    logp = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, 1.0)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return out / out.sum(axis=1, keepdims=True)


def fit_temperature(proba: np.ndarray, y: Sequence[int] | np.ndarray) -> float:
    """The temperature minimising the log-loss of ``proba`` (rows) against class indices ``y``.

    Searched in [0.05, 20] (bounded, deterministic); 1.0 when there is nothing to fit.
    """
    y = np.asarray(y, dtype=int)
    if len(y) == 0:
        return 1.0
    rows = np.arange(len(y))

    def loss(t: float) -> float:
        return float(-np.mean(np.log(np.clip(temper(proba, t)[rows, y], 1e-12, 1.0))))

    res = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded", options={"xatol": 1e-4})
    return float(res.x)


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One bin of a reliability diagram: confidence range, mean confidence, accuracy, count."""

    low: float
    high: float
    confidence: float
    accuracy: float
    count: int


def reliability_table(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    bins: int = 10,
) -> list[ReliabilityBin]:
    """Equal-width bins of the predicted role's probability; empty bins are left out.

    A bin holds confidences in ``(low, high]`` (the first also holds 0).
    """
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if conf.shape != ok.shape:
        raise ValueError("confidence and correct must have the same length")
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        mask = idx == b
        if mask.any():
            out.append(
                ReliabilityBin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    float(conf[mask].mean()),
                    float(ok[mask].mean()),
                    int(mask.sum()),
                )
            )
    return out


def expected_calibration_error(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    bins: int = 10,
) -> float:
    """ECE: the count-weighted mean gap between confidence and accuracy over the bins."""
    table = reliability_table(confidence, correct, bins)
    n = sum(b.count for b in table)
    if n == 0:
        return 0.0
    return float(sum(b.count * abs(b.confidence - b.accuracy) for b in table) / n)


def abstention_curve(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    thresholds: Sequence[float],
) -> list[tuple[float, float, float]]:
    """``(threshold, coverage, accuracy of the answered)`` for each threshold.

    A row is answered when its confidence reaches the threshold; accuracy is
    NaN when nothing is answered.
    """
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    out = []
    for t in thresholds:
        kept = conf >= t
        cov = float(kept.mean()) if len(conf) else 0.0
        acc = float(ok[kept].mean()) if kept.any() else float("nan")
        out.append((float(t), cov, acc))
    return out


def choose_threshold(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    precision: float,
    min_coverage: float = 0.5,
) -> float:
    """The lowest confidence threshold whose answered rows reach ``precision``.

    Thresholds are the observed confidences; the threshold is capped so that at
    least ``min_coverage`` of the rows stay answered (a model that abstains on
    most entities is not useful, and the precision target is then out of reach
    anyway). 0.0 when every row already meets the target.
    """
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if len(conf) == 0 or ok.mean() >= precision:
        return 0.0
    order = np.argsort(-conf, kind="stable")
    sorted_conf, hits = conf[order], np.cumsum(ok[order])
    n_kept = np.arange(1, len(conf) + 1)
    prec = hits / n_kept
    # the largest answered set (lowest threshold) that still reaches the precision
    best = 0.0
    floor = int(np.ceil(min_coverage * len(conf)))
    for k in range(len(conf) - 1, -1, -1):
        # a threshold can only cut between distinct confidences
        if k + 1 < len(conf) and sorted_conf[k + 1] == sorted_conf[k]:
            continue
        if prec[k] >= precision or k + 1 <= floor:
            best = float(sorted_conf[k])
            break
    return best
