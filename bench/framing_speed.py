"""Added time per article of the ``framing`` stage, and its model size.

Runs the ``nlp`` stage (not timed) over the unlabeled SemEval-2025 test articles
(English by default), then times model loading and ``FramingStage.pipe`` alone,
single-threaded; ``--backend probe`` times the local-LLM probe instead (needs the
``local-llm`` extra; ``--threads`` llama.cpp threads, default 2, as on the laptop
this targets)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/framing_speed.py [--lang EN] [--limit 100]
    .venv/bin/python bench/framing_speed.py --backend probe --limit 10 --threads 2

``--versus OLD.joblib`` compares, in one process and in alternating rounds (best of
``--rounds``, caches cleared before each), the stage as it is against the same stage
with another artefact, and against that artefact scoring *every* mention as the stage
did before salience was decided first: on a shared machine only a comparison inside
one run is fair (``git show REV:src/narrascope/framing/models/framing-v1.joblib``
gives an older artefact)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/framing_speed.py --versus /tmp/old.joblib
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _corpus import peak_rss_mb, prepared

from narrascope.document import Document
from narrascope.framing import (
    MODEL_PATH,
    PROBE_PATH,
    FramingStage,
    MentionScores,
    ProbeFramingStage,
    load_model,
    mention_features,
)
from narrascope.framing import _features as features_module
from narrascope.framing import _model as model_module


class EveryMentionStage(FramingStage):
    """The stage as it was before salience was decided first: every mention of every
    entity is featurised and scored, the merely mentioned ones too."""

    def predict(self, docs: list[Document]) -> list[MentionScores]:
        feats: list[dict[str, str]] = []
        owners: list[tuple[int, int]] = []
        for d, doc in enumerate(docs):
            for i, m in enumerate(doc.mentions):
                if m.entity:
                    feats.append(mention_features(doc, m.start, m.end).as_dict())
                    owners.append((d, i))
        preds = self.model.predict_roles(feats) if feats else []
        out = [MentionScores([], []) for _ in docs]
        for (d, i), p in zip(owners, preds, strict=True):
            out[d].mentions.append(i)
            out[d].predictions.append(p)
        return out


def clear_caches() -> None:
    """Forget the per-string caches, so that no round reuses another's work."""
    model_module._valence.cache_clear()
    features_module._key_windows.cache_clear()
    features_module.document_side.cache_clear()


def compare(docs: list[Document], old: Path, rounds: int) -> None:
    """Best-of-``rounds`` wall and CPU ms per article of three set-ups, alternating."""
    stages = {
        "before: old artefact, every mention": EveryMentionStage(old),
        "old artefact, salience first": FramingStage(old),
        "now: shipped artefact, salience first": FramingStage(),
    }
    best: dict[str, list[float]] = {name: [1e9, 1e9] for name in stages}
    roles: dict[str, int] = {}
    for stage in stages.values():
        list(stage.pipe(copy.deepcopy(docs[:5])))  # load models and lexicons
    for _ in range(rounds):
        for name, stage in stages.items():
            batch = copy.deepcopy(docs)
            clear_caches()
            t0, c0 = time.perf_counter(), time.process_time()
            out = list(stage.pipe(batch))
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            best[name] = [min(best[name][0], wall), min(best[name][1], cpu)]
            roles[name] = sum(1 for d in out for f in d.framings if f.mention == -1 and f.main_role)
    for name, (wall, cpu) in best.items():
        print(
            json.dumps(
                {
                    "setup": name,
                    "articles": len(docs),
                    "ms_per_article": round(1000 * wall / len(docs), 1),
                    "cpu_ms_per_article": round(1000 * cpu / len(docs), 1),
                    "entities_with_role": roles[name],
                    "load_average": round(os.getloadavg()[0], 1),
                }
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="EN")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--backend", choices=("lexical", "probe"), default="lexical")
    ap.add_argument("--threads", type=int, default=2, help="llama.cpp threads (probe)")
    ap.add_argument("--versus", type=Path, help="an older artefact to compare with (lexical)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of --versus (best kept)")
    args = ap.parse_args()
    docs = prepared(args.lang, args.limit, embeddings=False)
    if args.versus:
        compare(docs, args.versus, args.rounds)
        return
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
