"""The Python API: ``narrascope.analyze(texts) -> Corpus``, in memory or into a database.

For notebooks and scripts: strings (or dicts with ``text``/``title``/``outlet``
/``published``/``url``) go through the same pipeline as the CLI. With ``db=``
the documents are also stored, exactly as ``narrascope analyze`` would.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrascope.config import Config
from narrascope.document import Document
from narrascope.pipeline import Pipeline

__all__ = ["Corpus", "analyze"]


@dataclass
class Corpus:
    """Analysed documents with a few corpus-level views."""

    documents: list[Document] = field(default_factory=list)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    def __getitem__(self, index: int) -> Document:
        return self.documents[index]

    def entities(self) -> Counter[str]:
        """Canonical entity name → number of articles mentioning it."""
        counts: Counter[str] = Counter()
        for doc in self.documents:
            counts.update({ent.name for ent in doc.entities})
        return counts

    def narratives(self, level: str = "narrative") -> Counter[str]:
        """Narrative (or sub-narrative) label → number of articles carrying it."""
        counts: Counter[str] = Counter()
        for doc in self.documents:
            if doc.narratives:
                counts.update({lab.label for lab in doc.narratives.labels if lab.level == level})
        return counts

    def techniques(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for doc in self.documents:
            counts.update(span.technique for span in doc.techniques)
        return counts

    def to_jsonl(self, path: str | Path) -> None:
        """One JSON document a line, as ``narrascope export --format jsonl`` writes it."""
        from narrascope.techniques import named_techniques

        with Path(path).open("w", encoding="utf-8") as fh:
            for doc in self.documents:
                data = named_techniques(doc.to_dict())
                fh.write(json.dumps(data, ensure_ascii=False) + "\n")


def _to_documents(texts: Iterable[str | Mapping[str, Any]]) -> list[Document]:
    """Texts and dicts as Documents, by the CLI's rules (``narrascope.ingest.iter_texts``);
    ValueError names the first item that cannot be read."""
    from narrascope.ingest import Rejected, iter_texts

    docs: list[Document] = []
    for item in iter_texts(texts):
        if isinstance(item, Rejected):
            raise ValueError(f"{item.source}: {item.reason}")
        docs.append(item)
    return docs


def analyze(
    texts: Iterable[str | Mapping[str, Any]],
    *,
    stages: list[str] | None = None,
    disable: list[str] | None = None,
    db: str | Path | None = None,
    config: Config | None = None,
) -> Corpus:
    """Analyse texts with the default (or given) pipeline and return a :class:`Corpus`.

    ``texts`` are article strings, read exactly as a ``.txt`` file with that
    content (optional header lines such as ``date: 2024-11-20``, then the title
    line, a blank line and the body), or dicts, read as a JSONL record (``text``,
    ``title``, ``outlet``, ``published``, ``url``, ``language``, ``author``; an
    ``id`` is kept as ``meta["record_id"]``). So a text gets the same id, title
    and date here as from ``narrascope analyze file.txt``. ``db`` also stores the
    results (SQLite path or PostgreSQL URL) through the same triage as the CLI:
    an article already stored, from a file or an earlier call, is not analysed
    or stored again, and the corpus returned holds the stored documents.
    """
    cfg = (config or Config()).with_stages(stages, disable)
    docs = _to_documents(texts)
    if db is not None:
        from narrascope.app import Narrascope

        app = Narrascope(db, cfg)
        try:
            app.analyze([], documents=docs, command="narrascope.analyze (Python API)")
            ids = list(dict.fromkeys(doc.id for doc in docs))
            return Corpus(app.documents(ids))
        finally:
            app.close()
    pipeline = Pipeline.from_config(cfg.stage_infos())
    return Corpus(list(pipeline.pipe(docs, batch_size=cfg.batch_size)))
