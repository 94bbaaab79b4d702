"""Time and memory of `narrascope analyze` on one generated, very long article.

Issue 21: a 4.9 MB article took 14 minutes and 17.2 GB RSS in one NER worker, and
one over 5,000,000 characters crashed the run (spaCy E088). The ``nlp`` stage now
parses long texts in pieces of at most ``CHUNK_CHARS`` characters. This script
writes an article of ``--chars`` characters (news-like paragraphs with names),
runs the CLI on it and samples the RSS of the CLI and each of its child
processes from /proc (Linux) every 0.2 s::

    python bench/long_article.py --chars 4900000 --stages nlp
    python bench/long_article.py --chars 1000000
    python bench/long_article.py --ner-only --chars 500000 --chunk 0   # whole, as before
    python bench/long_article.py --ner-only --chars 500000              # in pieces

Measured 2026-11-30 on a shared 2-core machine (``--ner-only``, CPU seconds are the robust
figure there): 250,000 chars whole 1,026 MB peak RSS / 14.7 CPU s, in pieces 515 MB / 12.7 s;
1,000,000 chars whole 3,383 MB / 92.0 s, in pieces 523 MB / 77.4 s; the same sentences and
mentions either way. Figures are quoted in README/issues, never asserted in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMES = ["Joe Biden", "Volodymyr Zelensky", "Ursula von der Leyen", "Olaf Scholz", "Iryna Sava"]
PLACES = ["Kyiv", "Odesa", "Brussels", "Washington", "Kharkiv", "Berlin"]


def article(chars: int) -> str:
    paragraphs: list[str] = []
    size, i = 0, 0
    while size < chars:
        name, place = NAMES[i % len(NAMES)], PLACES[i % len(PLACES)]
        para = (
            f"{name} arrived in {place} on day {i} to meet officials from NATO and the Pentagon. "
            f"The visit, the {i}th this year, was described by the ministry as routine. "
            f"Critics in {PLACES[(i + 1) % len(PLACES)]} said the aid would not arrive in time."
        )
        paragraphs.append(para)
        size += len(para) + 2
        i += 1
    return "Long report\n\n" + "\n\n".join(paragraphs)


def _rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    out, todo = [root], [root]
    while todo:
        pid = todo.pop()
        kids = [c for c, p in parents.items() if p == pid]
        out += kids
        todo += kids
    return out


def ner_only(chars: int, chunk: int) -> None:
    """The ``nlp`` stage alone, in this process: CPU seconds and peak RSS (no load noise from
    other processes in the CPU figure). ``--chunk 0`` parses the text whole, as before."""
    import resource

    from narrascope.document import Document
    from narrascope.nlp import NlpStage, _workers, load_spacy

    text = article(chars)
    load_spacy("en")
    if chunk == 0:
        _workers.CHUNK_CHARS = len(text) + 1  # one piece: the old behaviour
    else:
        _workers.CHUNK_CHARS = chunk
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = time.process_time()
    wall = time.perf_counter()
    doc = next(NlpStage(n_process=1).pipe([Document(id="x", text=text, language="en")]))
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"ner-only {len(text):,} chars, chunk {chunk or 'whole'}: {cpu:.1f} CPU s "
        f"({wall:.1f} s wall), peak RSS {peak / 1024:.0f} MB (after loading {before / 1024:.0f} "
        f"MB), {len(doc.sentences):,} sentences, {len(doc.mentions):,} mentions"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=4_900_000)
    ap.add_argument("--stages", default=None, help="comma-separated stages (default: all)")
    ap.add_argument("--max-mb", type=float, default=10.0)
    ap.add_argument("--ner-only", action="store_true", help="the nlp stage in this process")
    ap.add_argument("--chunk", type=int, default=50_000, help="with --ner-only; 0: whole text")
    args = ap.parse_args()
    if args.ner_only:
        ner_only(args.chars, args.chunk)
        return
    with tempfile.TemporaryDirectory(prefix="narrascope-long-") as tmp:
        path = Path(tmp) / "long.txt"
        text = article(args.chars)
        path.write_text(text, encoding="utf-8")
        cmd = [sys.executable, "-m", "narrascope", "analyze", str(path), "--db", f"{tmp}/l.db"]
        cmd += ["--max-mb", str(args.max_mb), "--json"]
        if args.stages:
            cmd += ["--stages", args.stages]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        peak_main = peak_child = peak_total = 0
        while proc.poll() is None:
            pids = _tree(proc.pid)
            sizes = {pid: _rss_kb(pid) for pid in pids}
            peak_main = max(peak_main, sizes.get(proc.pid, 0))
            peak_child = max([peak_child, *(v for k, v in sizes.items() if k != proc.pid)])
            peak_total = max(peak_total, sum(sizes.values()))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        out = proc.stdout.read() if proc.stdout else ""
    print(
        f"{len(text):,} chars, stages "
        f"{args.stages or 'all'}: exit {proc.returncode}, {seconds:.1f} s, peak RSS main "
        f"{peak_main / 1024:.0f} MB, largest child {peak_child / 1024:.0f} MB, "
        f"tree {peak_total / 1024:.0f} MB"
    )
    print(out.strip()[-400:])


if __name__ == "__main__":
    main()
