"""Peak memory of ``analyze`` (the local engine) against corpus size (a benchmark, never a test).

Issue 19: memory must not grow with the corpus. The corpus is the bundled demo
corpus (hand-written, src/narrascope/demo/corpus) replicated with perturbations:
every copy has about a third of its words replaced and a sentence of its own, so
no two are near-duplicates and triage sends each one to analysis and storage.
The replicas are written to one JSONL file (a hundred thousand small files would
time the file system). Each size runs in a fresh process (``ru_maxrss`` is a
high-water mark), on a fresh SQLite file.

By default the stages are one no-op stage (``--stages noop``), registered here:
what the issue measures is what grows with the corpus (ingestion, triage, the
near-duplicate index, storage), and the real stages' memory is per batch; the full
pipeline analyses ~4 articles/s on 2 cores, a day for 100k articles. ``--stages
nlp`` runs spaCy as well (slower; use it for the small sizes). Story assignment is
off (``app.stories = False``): it keeps a bounded window of its own.

    .venv/bin/python bench/stream_memory.py [--sizes 1000,10000,100000] [--stages noop]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "src/narrascope/demo/corpus"


def _demo_texts() -> list[str]:
    """The demo corpus's articles (text only), read as ``analyze`` would."""
    from narrascope.document import Document
    from narrascope.ingest import iter_inputs

    return [d.text for d in iter_inputs([str(DEMO)]) if isinstance(d, Document)]


def write_corpus(path: Path, n: int, seed: int = 19) -> None:
    """``n`` perturbed replicas of the demo articles as JSONL records."""
    texts = _demo_texts()
    vocabulary = sorted({w for t in texts for w in re.findall(r"[A-Za-z]{4,}", t)})
    rng = random.Random(seed)
    outlets = [f"Outlet {i}" for i in range(40)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words = texts[i % len(texts)].split()
            for j in range(len(words)):
                if rng.random() < 0.33:
                    words[j] = rng.choice(vocabulary)
            body = " ".join(words) + f" Record {i} was filed by desk {rng.randrange(10**6)}."
            record = {
                "title": f"Replica {i}",
                "text": body,
                "outlet": outlets[i % len(outlets)],
                "published": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "language": "en",
            }
            fh.write(json.dumps(record) + "\n")


CHILD = """
import json, resource, sys, time
from typing import ClassVar
from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.pipeline import BaseStage, registry

class Noop(BaseStage):
    name: ClassVar[str] = "noop"
    version: ClassVar[str] = "1"
    def __call__(self, doc):
        return doc

registry.stages.register("bench.noop.v1", func=lambda: Noop())
corpus, db, stages = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
if stages == ["noop"]:
    config = Config(stages=["noop"], factories={"noop": "bench.noop.v1"})
else:
    config = Config().with_stages(stages)
app = Narrascope(db, config)
app.stories = False
t = time.perf_counter()
summary = app.analyze([corpus])
first = time.perf_counter() - t
t = time.perf_counter()
again = app.analyze([corpus])
rerun = time.perf_counter() - t
print(json.dumps({
    "analysed": summary.analysed, "near_duplicates": summary.near_duplicates,
    "seconds": round(first, 1), "articles_per_s": round(summary.analysed / first, 1),
    "rerun_unchanged": again.unchanged, "rerun_articles_per_s": round(again.unchanged / rerun, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def run(n: int, stages: str, workdir: Path) -> dict[str, object]:
    corpus = workdir / f"corpus-{n}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, n)
    db = workdir / f"bench-{n}.db"
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(corpus), str(db), stages],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "articles": n,
        "stages": stages,
        **result,
        "wall_s": round(time.perf_counter() - started, 1),
        "db_mb": round(db.stat().st_size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--stages", default="noop", help="noop, or real stages such as nlp")
    parser.add_argument("--workdir", type=Path, default=None, help="keep corpora and databases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in (int(s) for s in args.sizes.split(",")):
            print(json.dumps(run(size, args.stages, workdir)), flush=True)


if __name__ == "__main__":
    main()
