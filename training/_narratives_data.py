"""The narrative training corpus, featurised once and cached: text, language, labels, vectors.

Why a cache: sentence splitting and embedding the 1,781 training articles (and the
460 unlabeled test articles used for self-training) takes minutes on the shared
2-core machine, and every experiment of ``training/narratives.py`` needs the same
inputs. The cache lives under /tmp and is keyed by nothing but its file name:
delete it after changing the splitter or the embedder.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from narrascope.datasets import load_semeval2025  # noqa: E402
from narrascope.nlp import load_embedder, split_sentences  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "semeval2025-task10"
LANGS = ["EN", "BG", "HI", "PT", "RU"]
CACHE = Path("/tmp/narr15-corpus.joblib")


@dataclass(slots=True)
class Article:
    """One article as the experiments see it (``labels`` empty for unlabeled ones)."""

    id: str
    lang: str
    text: str
    labels: list[str]  # narratives + sub-narratives, taxonomy strings, "Other" dropped
    narratives: list[str]  # gold, as in the file ("Other" kept): for the frozen split
    vectors: np.ndarray  # (n_sentences, d) float16, unit rows


def _vectors(emb: object, text: str, lang: str) -> np.ndarray:
    sents = [s.text for s in split_sentences(text, lang.lower())]
    if not sents:
        return np.zeros((0, emb.dim), np.float16)  # type: ignore[attr-defined]
    return emb.encode(sents).astype(np.float16)  # type: ignore[attr-defined]


def load_corpus() -> tuple[list[Article], list[Article]]:
    """(labelled training articles, unlabeled test articles) of all five languages."""
    if CACHE.exists():
        tr, un = joblib.load(CACHE)
        return [Article(*t) for t in tr], [Article(*t) for t in un]
    emb = load_embedder()
    train: list[Article] = []
    for lang in LANGS:
        for d in load_semeval2025(DATA / "train", lang):
            if not d.has_narrative_gold:
                continue
            labels = [lab for lab in d.narratives + d.subnarratives if lab != "Other"]
            train.append(
                Article(d.id, lang, d.text, labels, list(d.narratives), _vectors(emb, d.text, lang))
            )
    unlabeled: list[Article] = []
    for lang in LANGS:
        for path in sorted((DATA / "unlabeled-test" / "raw-documents" / lang).glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            unlabeled.append(Article(path.name, lang, text, [], [], _vectors(emb, text, lang)))
    # plain tuples: a pickled dataclass would be tied to the module that wrote it
    rows = ([_row(a) for a in train], [_row(a) for a in unlabeled])
    joblib.dump(rows, CACHE)
    return train, unlabeled


def _row(a: Article) -> tuple:
    return (a.id, a.lang, a.text, a.labels, a.narratives, a.vectors)


if __name__ == "__main__":
    tr, un = load_corpus()
    print(len(tr), "training articles,", len(un), "unlabeled")
