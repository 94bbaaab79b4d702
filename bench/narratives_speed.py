"""Added time per article of the ``narratives`` stage, and its model size.

Runs ``nlp`` + ``embeddings`` (not timed) over the unlabeled SemEval-2025 test
articles (English by default), then times model loading and
``NarrativeStage.pipe`` alone (template explanations), single-threaded::

    OMP_NUM_THREADS=1 .venv/bin/python bench/narratives_speed.py [--lang EN] [--limit 100]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _corpus import prepared

from narrascope.narratives import MODEL_PATH, NarrativeStage, load_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="EN")
    ap.add_argument("--limit", type=int, default=100)
    args = ap.parse_args()
    docs = prepared(args.lang, args.limit)
    t0 = time.perf_counter()
    load_model()
    stage = NarrativeStage()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    docs = list(stage.pipe(docs))
    run_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for doc in docs[:20]:
        stage(doc)
    single_s = (time.perf_counter() - t0) / max(min(len(docs), 20), 1)
    n_other = sum(1 for d in docs if d.narratives and d.narratives.dominant == "Other")
    print(
        json.dumps(
            {
                "articles": len(docs),
                "predicted_other": n_other,
                "model_load_s": round(load_s, 2),
                "ms_per_article_batched": round(1000 * run_s / max(len(docs), 1), 1),
                "ms_per_article_single": round(1000 * single_s, 1),
                "model_mb": round(MODEL_PATH.stat().st_size / 1e6, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
