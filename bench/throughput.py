"""Throughput and memory of the whole pipeline (a benchmark, never a test).

Runs ``Narrascope.analyze`` over the official SemEval-2025 Task 10 test
documents (unlabelled; ../shared/data/semeval2025-task10/unlabeled-test) into a
fresh SQLite file and reports articles/s for ingestion alone, for the NLP
stages alone, for the whole pipeline, where the time goes per stage, peak RSS,
and the re-run of the unchanged corpus. Usage::

    .venv/bin/python bench/throughput.py [--data PATH] [--langs EN] [--stages ...] [--n-process 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _corpus import TEST_DATA, peak_rss_mb

from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.ingest import IngestOptions, iter_inputs


def run(
    data: Path, langs: list[str], stages: list[str] | None, n_process: int | None
) -> dict[str, object]:
    inputs = [str(data / "raw-documents" / lang) for lang in langs]
    options = IngestOptions(outlet_from="folder")
    t0 = time.perf_counter()
    docs = [d for d in iter_inputs(inputs, options) if not hasattr(d, "reason")]
    ingest_s = time.perf_counter() - t0
    words = sum(len(d.text.split()) for d in docs)

    config = Config().with_stages(stages)
    if n_process is not None:
        config.params.setdefault("nlp", {})["n_process"] = n_process
    with tempfile.TemporaryDirectory() as tmp:
        app = Narrascope(Path(tmp) / "bench.db", config)
        t_load = time.perf_counter()
        pipeline = app.pipeline
        load_s = time.perf_counter() - t_load
        first = app.analyze(inputs, options=options)
        timings = dict(pipeline.timings)
        second = app.analyze(inputs, options=options)
        db_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
    n = first.analysed
    return {
        "languages": langs,
        "stages": app.config.stages,
        "articles": n,
        "mean_words": round(words / max(len(docs), 1)),
        "ingest_articles_per_s": round(len(docs) / ingest_s, 1),
        "model_load_s": round(load_s, 2),
        "whole_run_s": round(first.seconds_total, 1),
        "whole_run_articles_per_s": round(n / first.seconds_total, 2),
        "stage_seconds": {k: round(v, 2) for k, v in timings.items()},
        "stage_ms_per_article": {k: round(1000 * v / max(n, 1), 1) for k, v in timings.items()},
        "store_and_triage_s": round(first.seconds_total - sum(timings.values()), 2),
        "rerun_unchanged_s": round(second.seconds_total, 2),
        "rerun_articles_per_s": round(second.unchanged / max(second.seconds_total, 1e-9), 1),
        "rerun_analysed": second.analysed,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "db_mb": round(db_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=TEST_DATA)
    parser.add_argument("--langs", default="EN", help="comma-separated, e.g. EN or BG,EN,HI,PT,RU")
    parser.add_argument("--stages", default=None, help="comma-separated stages (default: all)")
    parser.add_argument("--n-process", type=int, default=None, help="NER worker processes")
    args = parser.parse_args()
    if not (args.data / "raw-documents").is_dir():
        sys.exit(f"{args.data}: no raw-documents folder (pass --data)")
    stages = args.stages.split(",") if args.stages else None
    result = run(args.data, args.langs.split(","), stages, args.n_process)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
