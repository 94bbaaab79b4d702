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
from datetime import date
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


def _to_document(item: str | Mapping[str, Any], index: int) -> Document:
    from narrascope.ingest import content_id, detect_language

    if isinstance(item, str):
        lines = item.strip().split("\n", 1)
        title = lines[0].strip() if len(lines) > 1 else ""
        data: dict[str, Any] = {"text": item, "title": title}
    else:
        data = dict(item)
        if "text" not in data:
            raise ValueError(f"item {index}: a mapping needs a 'text' key")
        if data.get("title") and not str(data["text"]).startswith(str(data["title"])):
            data["text"] = f"{data['title']}\n\n{data['text']}"
    text = str(data["text"])
    published = data.get("published")
    if isinstance(published, str) and published:
        published = date.fromisoformat(published[:10])
    return Document(
        id=str(data.get("id") or content_id(str(data.get("title", "")), text)),
        text=text,
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        outlet=str(data.get("outlet", "")),
        published=published or None,
        language=str(data.get("language") or detect_language(text)),
        source=str(data.get("source", f"<item {index}>")),
    )


def analyze(
    texts: Iterable[str | Mapping[str, Any]],
    *,
    stages: list[str] | None = None,
    disable: list[str] | None = None,
    db: str | Path | None = None,
    config: Config | None = None,
) -> Corpus:
    """Analyse texts with the default (or given) pipeline and return a :class:`Corpus`.

    ``texts`` are article strings (first line = title) or dicts. ``db`` also
    stores the results (SQLite path or PostgreSQL URL).
    """
    cfg = (config or Config()).with_stages(stages, disable)
    docs = [_to_document(item, i) for i, item in enumerate(texts)]
    if db is not None:
        from narrascope.app import Narrascope

        app = Narrascope(db, cfg)
        pipeline = app.pipeline
        analysed = list(pipeline.pipe(docs, batch_size=cfg.batch_size))
        app.db.save_documents(analysed, {n: s.assigns for n, s in pipeline.stages})
        app.close()
        return Corpus(analysed)
    pipeline = Pipeline.from_config(cfg.stage_infos())
    return Corpus(list(pipeline.pipe(docs, batch_size=cfg.batch_size)))
