"""Time and peak memory of story clustering at 10k / 100k articles, from scratch and incrementally.

    PYTHONPATH=src:/tmp/sim16-pkgs OMP_NUM_THREADS=1 nice -n 10 \\
        python bench/stories_scale.py --n 10000 --add 1000

Synthetic corpus: every article is a perturbed copy of one of the 460 unlabeled
SemEval-2025 test documents (../shared/data, read by path): a random third of its
sentences dropped, numbers changed, a word of the title dropped, a publication
date within 4 days of its base's (one in ten undated). Articles of one base are
one "true" story; the bench reports how many stories came out and their purity.

Embeddings: the 460 base leads are encoded once with the multilingual encoder
(its rate is printed); a synthetic article gets its base's vector plus Gaussian
noise (cosine ~0.9 to it), so the timed part is the clustering itself (USE runs
at ~190 leads/s on two idle cores: add ~5 s per 1,000 articles for real leads).
Articles are generated batch by batch, so no text of the corpus is held: the peak
RSS is the index (signatures + postings + document frequencies).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import TEST_DATA, peak_rss_mb

from narrascope.stories import MemoryCandidateIndex, StoryClusterer
from narrascope.stories._similarity import StoryArticle, lead_of, load_encoder

_SENT = re.compile(r"(?<=[.!?])\s+")
_NUM = re.compile(r"\d+")


def bases() -> list[StoryArticle]:
    """The unlabeled test documents, first line as title."""
    out = []
    for path in sorted((TEST_DATA / "raw-documents").glob("*/*.txt")):
        title, _, body = path.read_text(encoding="utf-8").strip().partition("\n")
        out.append(StoryArticle(path.stem, title.strip(), body.strip(), None, path.parent.name))
    return out


def perturb(base: StoryArticle, aid: str, day: date, rng: random.Random) -> StoryArticle:
    """A rewritten report of the same event (see the module docstring)."""
    sents = _SENT.split(base.text)
    kept = [s for s in sents if rng.random() > 0.33] or sents[:1]
    text = _NUM.sub(lambda m: str(int(m.group()) + rng.randint(0, 3)), " ".join(kept))
    words = base.title.split()
    if len(words) > 3:
        del words[rng.randrange(len(words))]
    published = None if rng.random() < 0.1 else day + timedelta(days=rng.randint(0, 4))
    return StoryArticle(aid, " ".join(words), text, published, base.language)


def corpus(
    n: int, start: int, base: list[StoryArticle], days: list[date], batch: int, seed: int
) -> Iterator[tuple[list[StoryArticle], list[int]]]:
    """Batches of synthetic articles ``start..start+n`` with the index of their base."""
    for lo in range(start, start + n, batch):
        arts, truth = [], []
        for i in range(lo, min(lo + batch, start + n)):
            rng = random.Random(seed * 1_000_003 + i)
            b = rng.randrange(len(base))
            arts.append(perturb(base[b], f"s{i}", days[b], rng))
            truth.append(b)
        yield arts, truth


def main() -> None:
    """Build from scratch, then add more to the built index; print time and peak RSS."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--add", type=int, default=1_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--no-cross", action="store_true", help="one model for every pair")
    ap.add_argument("--vectors", type=Path, help=".npy keeping the base lead embeddings")
    args = ap.parse_args()
    base = bases()
    rng = np.random.default_rng(5)
    days = [date(2024, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 730, len(base))]
    name, encode = load_encoder()
    if args.vectors and args.vectors.exists():
        base_vecs = np.load(args.vectors)
    else:
        t0 = time.perf_counter()
        base_vecs = encode([lead_of(b) for b in base])
        enc_s = time.perf_counter() - t0
        print(f"encoder {name}: {len(base)} leads in {enc_s:.1f}s ({len(base) / enc_s:.0f}/s)")
        if args.vectors:
            np.save(args.vectors, base_vecs)
    vec_of: dict[str, np.ndarray] = {}
    noise = np.random.default_rng(6)

    def lookup(leads: list[str]) -> np.ndarray:
        rows = np.array([vec_of[lead] for lead in leads], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    cl = StoryClusterer.shipped(MemoryCandidateIndex(), encoder=lookup)
    if args.no_cross:
        cl.cross_model = None
    truth_of: dict[str, int] = {}
    rss0 = peak_rss_mb()

    def feed(n: int, start: int, label: str) -> None:
        t = time.perf_counter()
        for arts, truth in corpus(n, start, base, days, args.batch, seed=1):
            for a, b in zip(arts, truth, strict=True):
                v = base_vecs[b] + noise.normal(0, 0.0214, base_vecs.shape[1])
                vec_of[lead_of(a)] = v
                truth_of[a.id] = b
            cl.add(arts)
            vec_of.clear()
            done = len(truth_of) - start
            if done % (5 * args.batch) == 0 or done == n:
                print(f"  {label}: {done} in {time.perf_counter() - t:.0f}s", flush=True)
        secs = time.perf_counter() - t
        print(
            f"{label}: {n} articles in {secs:.1f}s ({n / secs:.0f}/s), "
            f"peak RSS {peak_rss_mb():.0f} MB (before: {rss0:.0f} MB)",
            flush=True,
        )

    feed(args.n, 0, f"from scratch ({args.n})")
    feed(args.add, args.n, f"add {args.add} to {args.n}")
    stories = cl.stories()
    pure = sum(
        Counter(truth_of[a] for a in members).most_common(1)[0][1] for members in stories.values()
    )
    found = len({truth_of[a] for a in truth_of})
    print(
        f"{len(stories)} stories for {found} true stories; purity {pure / len(truth_of):.3f}; "
        f"merges {len(cl.merges)}"
    )


if __name__ == "__main__":
    main()
