"""The cross-validation folds every training script uses: grouped by article, seeded.

Why one helper: the framing, probe and salience figures are compared with each
other in the model cards, which is only fair when they come from the same
folds. Articles are shuffled with the seed and never split across folds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import GroupKFold

SEED = 13


def grouped_folds(groups: Sequence[str], k: int = 5, seed: int = SEED) -> np.ndarray:
    """The fold (0..k-1) of every row, from the article (group) each row belongs to."""
    order = np.random.default_rng(seed).permutation(sorted(set(groups)))
    perm = {g: i for i, g in enumerate(order)}
    out = np.zeros(len(groups), dtype=int)
    splits = GroupKFold(k).split(np.zeros(len(groups)), groups=[perm[g] for g in groups])
    for n, (_, test) in enumerate(splits):
        out[test] = n
    return out
