"""The Ray engine with 1 and 2 workers against the local engine, in one run (a benchmark).

Each engine analyses the same SemEval-2025 Task 10 test articles (unlabelled;
../shared/data, never copied into the project) into a fresh SQLite file with the
configured stages; story assignment is off for all three (it runs on the driver,
after the stages, whatever the engine). One local Ray instance (127.0.0.1, as
many CPUs as the machine has, no dashboard) serves both Ray runs; its start-up
is timed apart. A Ray run's time includes its actors loading their models (once
per worker), as the local run's includes the local models loading; the steady rate
counts from the first quarter of stored batches on, when every model is loaded. Stored rows
are compared between engines: the figures are only quoted when they are equal.

    .venv/bin/python bench/ray_scaling.py [--langs EN] [--limit 60] [--stages ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from _corpus import TEST_DATA

from narrascope.app import Narrascope
from narrascope.config import Config


def _corpus(data: Path, langs: list[str], limit: int, into: Path) -> Path:
    """The first ``limit`` articles of each language, copied (file-name order)."""
    for lang in langs:
        folder = into / lang
        folder.mkdir(parents=True)
        for path in sorted((data / "raw-documents" / lang).glob("*.txt"))[:limit]:
            (folder / path.name).write_bytes(path.read_bytes())
    return into


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT article_id, stage, version, data FROM stage_results ORDER BY 1, 2"
        ).fetchall()


def _run(
    corpus: Path, db: Path, stages: list[str] | None, engine: str, workers: int | None
) -> dict[str, object]:
    app = Narrascope(db, Config().with_stages(stages))
    app.stories = False
    app.engine, app.ray_workers = engine, workers
    stored: list[tuple[float, int]] = []  # (when, how many) per stored batch

    def hook(phase: str, advance: int, _total: int | None) -> None:
        if phase == "analyse" and advance:
            stored.append((time.perf_counter(), advance))

    started = time.perf_counter()
    summary = app.analyze([str(corpus)], progress=hook)
    seconds = time.perf_counter() - started
    app.close()
    # after the first stored batch every model is loaded (in each worker: batches go
    # round-robin, and the first comes back after its worker loaded them)
    warm = stored[len(stored) // 4 :] if len(stored) >= 4 else stored
    span = stored[-1][0] - warm[0][0]
    steady = sum(n for _, n in warm[1:]) / span if span > 0 else 0.0
    return {
        "engine": engine if engine == "local" else f"ray, {workers} worker(s)",
        "analysed": summary.analysed,
        "seconds": round(seconds, 1),
        "articles_per_s": round(summary.analysed / seconds, 2),
        "steady_articles_per_s": round(steady, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=TEST_DATA)
    parser.add_argument("--langs", default="EN")
    parser.add_argument("--limit", type=int, default=60, help="articles per language")
    parser.add_argument("--stages", default=None, help="comma-separated stages (default: all)")
    args = parser.parse_args()
    if not (args.data / "raw-documents").is_dir():
        sys.exit(f"{args.data}: no raw-documents folder (pass --data)")
    import ray

    stages = args.stages.split(",") if args.stages else None
    with tempfile.TemporaryDirectory() as tmp:
        corpus = _corpus(args.data, args.langs.split(","), args.limit, Path(tmp) / "corpus")
        results = [_run(corpus, Path(tmp) / "local.db", stages, "local", None)]
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        t0 = time.perf_counter()
        ray.init(
            address="local",
            num_cpus=os.cpu_count() or 1,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            configure_logging=False,
        )
        ray_start = time.perf_counter() - t0
        for workers in (1, 2):
            db = Path(tmp) / f"ray{workers}.db"
            results.append(_run(corpus, db, stages, "ray", workers))
            if _rows(db) != _rows(Path(tmp) / "local.db"):
                sys.exit(f"ray with {workers} worker(s) stored other rows than the local engine")
        ray.shutdown()
    for key in ("articles_per_s", "steady_articles_per_s"):
        local = float(results[0][key])  # type: ignore[arg-type]
        for result in results:
            ratio = float(result[key]) / local if local else 0.0  # type: ignore[arg-type]
            result[f"{key}_ratio_to_local"] = round(ratio, 2)
    print(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "stages": stages or "all",
                "ray_start_s": round(ray_start, 1),
                "same_rows": True,
                "runs": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
