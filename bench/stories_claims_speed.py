"""Time per article of claim extraction and timeline events (``narrascope.stories``).

Runs the ``nlp`` stage (not timed, no embeddings) over the unlabeled SemEval-2025 test
articles, gives each a publication date (the test files have none; relative phrases
need one), then times ``extract_claims`` (which resolves the dates with dateparser),
``extract_events`` (dates then cached), and ``group_claims`` / ``build_timeline`` over
all the articles as if they were one story (a worst case: stories are far smaller)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/stories_claims_speed.py [--lang EN] [--limit 50]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _corpus import peak_rss_mb, prepared

from narrascope.stories import build_timeline, extract_claims, extract_events, group_claims
from narrascope.stories._timeline import resolve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="EN")
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()
    docs = prepared(args.lang, args.limit, embeddings=False)
    for i, doc in enumerate(docs):
        doc.published = date(2024, 1, 1) + timedelta(days=i)  # distinct: no shared cache
        doc.outlet = f"outlet{i % 5}"
    # first use builds dateparser's locale tables and imports scipy/sklearn: not per article
    warm = prepared(args.lang, 1, embeddings=False)[0]
    group_claims([warm])
    build_timeline([warm])
    resolve.cache_clear()

    start = time.perf_counter()
    claims = [c for doc in docs for c in extract_claims(doc)]
    t_claims = time.perf_counter() - start
    start = time.perf_counter()
    events = [e for doc in docs for e in extract_events(doc)]
    t_events = time.perf_counter() - start
    start = time.perf_counter()
    report = group_claims(docs, claims=claims)
    t_group = time.perf_counter() - start
    start = time.perf_counter()
    timeline = build_timeline(docs)
    t_timeline = time.perf_counter() - start

    words = sum(d.word_count for d in docs) / max(1, len(docs))
    print(f"{len(docs)} {args.lang} articles, {words:.0f} words each")
    print(f"extract_claims: {t_claims / len(docs) * 1000:.1f} ms/article, {len(claims)} claims")
    print(
        f"extract_events (dates cached): {t_events / len(docs) * 1000:.1f} ms/article, "
        f"{len(events)} events"
    )
    print(f"group_claims, all as one story: {t_group:.2f} s, {len(report.groups)} groups")
    print(
        f"build_timeline, all as one story (re-extracts): {t_timeline:.2f} s, "
        f"{len(timeline)} entries"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
