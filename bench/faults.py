"""Scale benchmark of the whole command line on generated articles (a benchmark, never a test).

Why generated text: the fault review timed 500 / 1,000 / 2,000 articles it made up
itself, and this keeps those figures reproducible without any research data. Each
phase runs as its own ``narrascope`` process (as a user runs it) and is measured
by wall time and peak RSS (the process or its largest NER worker, from
``wait4``):

1. ``analyze`` of N new articles (every stage of the default pipeline);
2. ``analyze`` again, unchanged (triage only: everything must be skipped);
   ``*_work_s`` is the run's own figure (without start-up and model loading);
3. ``report`` of the whole database (its size is bounded by ``--full-articles``).

Figures go to stdout as JSON. Usage::

    nice -n 10 .venv/bin/python bench/faults.py --n 500 [--n 1000 ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUTLETS = ["kyiv-ledger", "moscow-courier", "green-times", "atlantic-wire", "baku-post"]
PEOPLE = [
    "Volodymyr Zelensky",
    "Vladimir Putin",
    "Joe Biden",
    "Emmanuel Macron",
    "Ursula von der Leyen",
    "Olaf Scholz",
    "Antonio Guterres",
    "Greta Thunberg",
]
PLACES = ["Kyiv", "Moscow", "Washington", "Brussels", "Baku", "Berlin", "Paris", "Odesa"]
ORGS = ["NATO", "the European Union", "the United Nations", "the Kremlin", "the IMF"]
TOPICS = [
    "sanctions on energy exports",
    "long-range missiles for the front",
    "a climate finance deal",
    "grain shipments through the Black Sea",
    "the reconstruction fund",
    "emission targets for 2040",
]
FRAMES = [
    "{p} accused {o} of pushing the world to the brink over {t}.",
    "Officials in {c} said {t} would be discussed again next week.",
    "{p} praised the courage of volunteers in {c} who kept working despite the shelling.",
    "Critics warned that {t} is a reckless gamble paid for by ordinary families.",
    "{o} denied reports that {p} had blocked {t} behind closed doors.",
    "Analysts in {c} expect {t} to cost at least {n} billion euros.",
    "{p} called the plan a betrayal and said {o} had lied for years.",
    "Residents of {c} queued for water after the latest strike on the grid.",
    "According to {o}, {n} people were evacuated from {c} overnight.",
    "{p} met {q} in {c} to discuss {t}.",
]


def article(i: int, words: int) -> tuple[str, str]:
    """(outlet, text) of generated article ``i``: a date header, a headline, paragraphs."""
    rng = random.Random(i)
    outlet = OUTLETS[i % len(OUTLETS)]
    topic = rng.choice(TOPICS)
    headline = f"{rng.choice(PEOPLE)} on {topic} ({i})"
    dateline = f"date: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
    body: list[str] = []
    count = 0
    while count < words:
        sentence = rng.choice(FRAMES).format(
            p=rng.choice(PEOPLE),
            q=rng.choice(PEOPLE),
            o=rng.choice(ORGS),
            c=rng.choice(PLACES),
            t=rng.choice(TOPICS),
            n=rng.randint(2, 900),
        )
        body.append(sentence)
        count += len(sentence.split())
    paragraphs = [" ".join(body[k : k + 4]) for k in range(0, len(body), 4)]
    return outlet, f"{dateline}\n\n{headline}\n\n" + "\n\n".join(paragraphs) + "\n"


def write_corpus(root: Path, n: int, words: int) -> None:
    for i in range(n):
        outlet, text = article(i, words)
        folder = root / outlet
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"article-{i:05d}.txt").write_text(text, encoding="utf-8")


def timed(args: list[str], work: Path) -> dict[str, object]:
    """Run ``narrascope ARGS``: wall seconds, peak RSS (MB) of it and its workers, and
    its JSON output if it printed any."""
    cmd = [sys.executable, "-m", "narrascope", *args]
    out_file, err_file = work / "stdout.txt", work / "stderr.txt"
    with out_file.open("w") as out, err_file.open("w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = err_file.read_text(errors="replace")[-2000:]
        sys.exit(f"{' '.join(args)}: exit {proc.returncode}\n{tail}")
    text = out_file.read_text(encoding="utf-8")
    return {
        "s": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "json": json.loads(text) if text.lstrip().startswith("{") else {},
    }


def run(n: int, words: int, work: Path) -> dict[str, object]:
    corpus, db, out = work / f"corpus-{n}", work / f"bench-{n}.db", work / f"report-{n}.html"
    write_corpus(corpus, n, words)
    first = timed(["analyze", str(corpus), "--db", str(db), "--json"], work)
    rerun = timed(["analyze", str(corpus), "--db", str(db), "--json"], work)
    report = timed(["report", "--db", str(db), "--out", str(out)], work)
    summary, again = first["json"], rerun["json"]
    assert isinstance(summary, dict) and isinstance(again, dict)
    if summary.get("analysed") != n or again.get("unchanged") != n:
        sys.exit(f"unexpected counts: first run {summary}, re-run {again}")
    return {
        "articles": n,
        "words_per_article": words,
        "analyze_s": first["s"],
        "analyze_work_s": summary["seconds"],
        "analyze_articles_per_s": round(n / float(summary["seconds"]), 2),
        "analyze_peak_rss_mb": first["peak_rss_mb"],
        "rerun_unchanged_s": rerun["s"],
        "rerun_work_s": again["seconds"],
        "rerun_peak_rss_mb": rerun["peak_rss_mb"],
        "report_s": report["s"],
        "report_peak_rss_mb": report["peak_rss_mb"],
        "report_mb": round(out.stat().st_size / 1e6, 2),
        "db_mb": round(db.stat().st_size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, action="append", help="articles (repeatable)")
    parser.add_argument("--words", type=int, default=300, help="words per article")
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the files")
    args = parser.parse_args()
    sizes = args.n or [500]
    work = args.keep or Path(tempfile.mkdtemp(prefix="narrascope-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            print(json.dumps(run(n, args.words, work)), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
