"""Added time per article and model size of the ``techniques`` stage (a benchmark, never a test).

Tokens and sentences are prepared first (the ``nlp`` stage provides them in the pipeline), so the
timing is what the ``techniques`` stage alone adds. Articles are the English SemEval-2025 test
documents (unlabelled) by default; ``--data`` takes any folder of ``.txt`` files. Usage::

    OMP_NUM_THREADS=1 .venv/bin/python bench/techniques_speed.py [--data DIR] [--limit 100]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _corpus import TEST_DATA

from narrascope.techniques import MODEL_PATH, TechniqueStage, load_models
from narrascope.techniques._features import prepare_document

DEFAULT_DATA = TEST_DATA / "raw-documents" / "EN"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    paths = sorted(args.data.glob("*.txt"))[: args.limit]
    docs = [prepare_document(p.read_text(encoding="utf-8"), p.stem) for p in paths]
    t0 = time.perf_counter()
    load_models()
    load_s = time.perf_counter() - t0
    stage = TechniqueStage()
    stage(docs[0])  # warm-up
    t0 = time.perf_counter()
    n_spans = sum(len(stage(doc).techniques) for doc in docs)
    elapsed = time.perf_counter() - t0
    words = sum(d.word_count for d in docs)
    result = {
        "articles": len(docs),
        "mean_words": round(words / len(docs)),
        "ms_per_article": round(1000 * elapsed / len(docs), 1),
        "ms_per_600_words": round(1000 * elapsed / words * 600, 1),
        "spans_per_1000_words": round(1000 * n_spans / words, 1),
        "model_load_s": round(load_s, 2),
        "model_mb": round(MODEL_PATH.stat().st_size / 1e6, 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
