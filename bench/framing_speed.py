"""Added time per article of the ``framing`` stage, and its model size.

Runs the ``nlp`` stage (not timed) over the unlabeled SemEval-2025 test articles
(English by default), then times model loading and ``FramingStage.pipe`` alone,
single-threaded; ``--backend probe`` times the local-LLM probe instead (needs the
``local-llm`` extra; ``--threads`` llama.cpp threads, default 2, as on the laptop
this targets)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/framing_speed.py [--lang EN] [--limit 100]
    .venv/bin/python bench/framing_speed.py --backend probe --limit 10 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _corpus import peak_rss_mb, prepared

from narrascope.framing import MODEL_PATH, PROBE_PATH, FramingStage, ProbeFramingStage, load_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="EN")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--backend", choices=("lexical", "probe"), default="lexical")
    ap.add_argument("--threads", type=int, default=2, help="llama.cpp threads (probe)")
    args = ap.parse_args()
    docs = prepared(args.lang, args.limit, embeddings=False)
    t0 = time.perf_counter()
    if args.backend == "probe":
        from narrascope.framing._probe import LlamaRoleProbe

        stage: FramingStage = ProbeFramingStage(probe=LlamaRoleProbe(n_threads=args.threads))
        model_path = PROBE_PATH
    else:
        load_model()
        stage = FramingStage()
        model_path = MODEL_PATH
    load_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    docs = list(stage.pipe(docs))
    run_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    n_mentions = sum(len(d.mentions) for d in docs)
    n_framed = sum(1 for d in docs for f in d.framings if f.mention == -1 and f.main_role)
    print(
        json.dumps(
            {
                "backend": args.backend,
                "articles": len(docs),
                "mentions": n_mentions,
                "entities_with_role": n_framed,
                "model_load_s": round(load_s, 2),
                "ms_per_article": round(1000 * run_s / max(len(docs), 1), 1),
                # CPU time of this process: steadier than wall time on a shared machine
                "cpu_ms_per_article": round(1000 * cpu_s / max(len(docs), 1), 1),
                "load_average": round(os.getloadavg()[0], 1),
                "model_mb": round(model_path.stat().st_size / 1e6, 3),
                "salience_mb": round(stage.salience_path.stat().st_size / 1e6, 3),
                "max_rss_mb": round(peak_rss_mb()),
            }
        )
    )


if __name__ == "__main__":
    main()
