"""Added time per article and model size of the ``techniques`` stage (a benchmark, never a test).

Tokens and sentences are prepared first (the ``nlp`` stage provides them in the pipeline), so the
timing is what the ``techniques`` stage alone adds, split into tagger, decoder and classifier.
Sentence vectors are given too unless ``--no-vectors`` (the ``embeddings`` stage runs before
``techniques`` in the pipeline and the span refiner reuses them). Articles are the English
SemEval-2025 test documents (unlabelled) by default; ``--data`` takes any
folder of ``.txt`` files. ``--compare OTHER.joblib`` times a second artefact (e.g. the previous
model, from ``git show``) in alternating rounds of the same run, so that on a shared machine both
see the same load; each figure is the best of ``--rounds``. Usage::

    OMP_NUM_THREADS=1 .venv/bin/python bench/techniques_speed.py [--data DIR] [--limit 100]
    git show HEAD~1:src/narrascope/techniques/models/techniques.joblib > /tmp/old.joblib
    OMP_NUM_THREADS=1 .venv/bin/python bench/techniques_speed.py --compare /tmp/old.joblib
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _corpus import TEST_DATA

from narrascope.document import Document
from narrascope.techniques import MODEL_PATH, TechniqueStage, load_models
from narrascope.techniques._features import prepare_document

DEFAULT_DATA = TEST_DATA / "raw-documents" / "EN"


def _round(path: Path, docs: list[Document]) -> dict[str, float]:
    """One timed pass of the stage's three steps over ``docs`` (ms per article)."""
    bundle = load_models(path)
    detector, classifier = bundle["detector"], bundle["classifier"]
    t0 = time.perf_counter()
    probs = [detector.token_proba(doc) for doc in docs]
    t1 = time.perf_counter()
    spans = [detector.decode(doc, *p) for doc, p in zip(docs, probs, strict=True)]
    t2 = time.perf_counter()
    for doc, found in zip(docs, spans, strict=True):
        if found:
            classifier.predict_proba([(doc.text, s, e) for s, e, _ in found])
    t3 = time.perf_counter()
    n = len(docs)
    return {
        "tagger": 1000 * (t1 - t0) / n,
        "decoder": 1000 * (t2 - t1) / n,
        "classifier": 1000 * (t3 - t2) / n,
        "total": 1000 * (t3 - t0) / n,
        "spans": sum(len(s) for s in spans),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--compare", type=Path, default=None, help="a second artefact to time")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-vectors",
        action="store_true",
        help="leave out the sentence vectors the embeddings stage gives (the refiner embeds)",
    )
    args = parser.parse_args()
    paths = sorted(args.data.glob("*.txt"))[: args.limit]
    docs = [prepare_document(p.read_text(encoding="utf-8"), p.stem) for p in paths]
    if not args.no_vectors:  # in the pipeline the embeddings stage runs before techniques
        from narrascope.nlp import EmbeddingStage

        for doc, vecs in zip(docs, EmbeddingStage().predict(docs), strict=True):
            doc.sentence_vectors = vecs
    words = sum(d.word_count for d in docs)
    models = {"model": args.model} | ({"compare": args.compare} if args.compare else {})
    result: dict[str, dict[str, float | str]] = {}
    for name, path in models.items():
        t0 = time.perf_counter()
        load_models(path)
        TechniqueStage(model_path=path)(docs[0])  # warm-up (and the embedder, if used)
        result[name] = {
            "path": str(path),
            "model_load_s": round(time.perf_counter() - t0, 2),
            "model_mb": round(path.stat().st_size / 1e6, 1),
        }
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):
        for name, path in models.items():
            timing = _round(path, docs)
            prev = best.get(name)
            if prev is None or timing["total"] < prev["total"]:
                best[name] = timing
    for name, timing in best.items():
        result[name].update(
            {
                "articles": len(docs),
                "mean_words": round(words / len(docs)),
                **{f"ms_{k}": round(v, 1) for k, v in timing.items() if k != "spans"},
                "spans_per_1000_words": round(1000 * timing["spans"] / words, 1),
            }
        )
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
