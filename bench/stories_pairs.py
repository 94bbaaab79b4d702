"""Cross-validated same-story figures on the SemEval-2022 Task 8 pairs, model vs reference.

    PYTHONPATH=src:/tmp/sim16-pkgs OMP_NUM_THREADS=1 nice -n 10 \\
        python bench/stories_pairs.py [--cache /tmp/sim16-emb.npz]

The same grouped, nested cross-validation as ``training/stories.py`` (which also
writes the model): pairwise F1 (Overall <= 1.5 same, >= 3.5 different, middle
left out) and Pearson with -Overall, overall and per language pair, of the
learnt model and of the character 3-5-gram TF-IDF cosine. Nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

from stories import run, table


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="npz file keeping the lead embeddings")
    args = ap.parse_args()
    results, *_ = run(args.cache)
    print(table(results))


if __name__ == "__main__":
    main()
