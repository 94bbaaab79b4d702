"""Shared NLP layer: sentences, tokens, entities with merged aliases, sentence vectors.

``process`` / ``process_many`` run the ``nlp`` and ``embeddings`` stages on raw
texts; they are what training scripts and ``eval`` use, so that models see
exactly the features the pipeline gives them at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from narrascope.document import Document as _Document
from narrascope.nlp._actors import ActorMatcher, build_actors, load_actors
from narrascope.nlp._aliases import (
    link_corpus_entities,
    load_gazetteer,
    merge_aliases,
    name_key,
    strip_titles,
)
from narrascope.nlp._stage import ENTITY_LABELS, NlpStage, load_spacy, split_sentences

if TYPE_CHECKING:
    from narrascope.nlp._embed import Embedder, EmbeddingStage, VectorCache, load_embedder

__all__ = [
    "ENTITY_LABELS",
    "ActorMatcher",
    "Embedder",
    "EmbeddingStage",
    "NlpStage",
    "VectorCache",
    "build_actors",
    "link_corpus_entities",
    "load_actors",
    "load_embedder",
    "load_gazetteer",
    "load_spacy",
    "merge_aliases",
    "name_key",
    "process",
    "process_many",
    "split_sentences",
    "strip_titles",
]

_LAZY = {"Embedder", "EmbeddingStage", "VectorCache", "load_embedder"}


def __getattr__(name: str) -> Any:
    # The embedding model pulls in model2vec; import it only when used so that
    # `narrascope --help` and ingestion-only runs start fast.
    if name in _LAZY:
        from narrascope.nlp import _embed

        return getattr(_embed, name)
    raise AttributeError(f"module 'narrascope.nlp' has no attribute {name!r}")


def process_many(
    texts: Sequence[str],
    languages: Sequence[str] | None = None,
    *,
    ids: Sequence[str] | None = None,
    embeddings: bool = True,
) -> list[_Document]:
    """Run the ``nlp`` (and ``embeddings``) stages over raw texts, verbatim."""
    langs = list(languages) if languages is not None else ["en"] * len(texts)
    doc_ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
    docs = [
        _Document(id=doc_id, text=text, language=lang)
        for doc_id, text, lang in zip(doc_ids, texts, langs, strict=True)
    ]
    docs = list(NlpStage(n_process=1 if len(docs) < 16 else None).pipe(docs))
    if embeddings:
        from narrascope.nlp._embed import EmbeddingStage

        docs = list(EmbeddingStage().pipe(docs))
    return docs


def process(text: str, language: str = "en", *, embeddings: bool = True) -> _Document:
    """``process_many`` for one text."""
    return process_many([text], [language], embeddings=embeddings)[0]
