"""What the stage benchmarks share: the articles they time and how memory is read.

The benchmarks run on the *unlabeled* SemEval-2025 test documents (../shared/data,
never copied into the project): real news of the length users analyse, and no
gold labels anywhere near a timing run.
"""

from __future__ import annotations

import resource
from pathlib import Path

from narrascope.document import Document
from narrascope.nlp import process_many

TEST_DATA = Path(__file__).resolve().parents[2] / "shared/data/semeval2025-task10/unlabeled-test"


def test_texts(lang: str, limit: int, data: Path = TEST_DATA) -> list[str]:
    """The first ``limit`` test articles of ``lang`` (file-name order, so runs compare)."""
    paths = sorted((data / "raw-documents" / lang).glob("*.txt"))[:limit]
    if not paths:
        raise SystemExit(f"no test articles for {lang!r} under {data / 'raw-documents'}")
    return [p.read_text(encoding="utf-8") for p in paths]


def prepared(lang: str, limit: int, embeddings: bool = True) -> list[Document]:
    """Test articles after the (untimed) ``nlp`` stage, and ``embeddings`` if asked."""
    texts = test_texts(lang, limit)
    return process_many(texts, [lang.lower()] * len(texts), embeddings=embeddings)


def peak_rss_mb() -> float:
    """Peak resident memory of this process or its largest child (NER workers), in MB."""
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(self_kb, children_kb) / 1024
