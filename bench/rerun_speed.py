"""Re-run speed: ``analyze`` over an unchanged corpus (a benchmark, never a test).

Issue 15 asks for ≥ 1,000 articles/s. A re-run reads and hashes every input, triages
it against the store and skips it, so the stages do not matter: one no-op stage
(registered here) fills the database first. Runs ``--repeat`` re-runs in one
process over the SemEval-2025 Task 10 English test files (unlabelled; ../shared/data)
and prints each rate. To compare two versions of narrascope on the same machine at
the same time, run it alternately with each on ``PYTHONPATH``::

    .venv/bin/python bench/rerun_speed.py [--data PATH] [--langs EN] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

from _corpus import TEST_DATA

from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.document import Document
from narrascope.pipeline import BaseStage, registry


class Noop(BaseStage):
    name: ClassVar[str] = "noop"
    version: ClassVar[str] = "1"

    def __call__(self, doc: Document) -> Document:
        return doc


registry.stages.register("bench.noop.v1", func=Noop)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=TEST_DATA)
    parser.add_argument("--langs", default="EN")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.data / "raw-documents").is_dir():
        sys.exit(f"{args.data}: no raw-documents folder (pass --data)")
    inputs = [str(args.data / "raw-documents" / lang) for lang in args.langs.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        app = Narrascope(
            Path(tmp) / "rerun.db", Config(stages=["noop"], factories={"noop": "bench.noop.v1"})
        )
        first = app.analyze(inputs)
        rates = []
        for _ in range(args.repeat):
            again = app.analyze(inputs)
            rates.append(round(again.unchanged / again.seconds_total, 1))
        app.close()
    print(json.dumps({"articles": first.analysed, "rerun_articles_per_s": rates}))


if __name__ == "__main__":
    main()
