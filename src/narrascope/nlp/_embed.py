"""Sentence vectors: the bundled static embedder and the ``embeddings`` stage.

Why a static model: the pipeline embeds every sentence of every article
(~30 per article) and must stay above 10 articles/s on two cores *including*
spaCy NER. all-MiniLM-L6-v2 manages ~60 sentences/s there; the model2vec model
distilled from it (``training/embeddings.py``) is a token-vector lookup plus a
mean, thousands of times faster, needs neither torch nor a download, and keeps
most of MiniLM's similarity structure (figures in ``models/MODEL_CARD.md``).
Like MiniLM it finds topics, not stance: "X is safe" and "X is dangerous" are close.

Vectors are cached by sentence text (``sentence_key``) and model version through
any :class:`VectorCache` (the store implements one), so re-analysing a corpus,
or an article that shares boilerplate sentences with others, embeds each
distinct sentence once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import numpy as np

from narrascope.document import Document
from narrascope.errors import ModelNotFoundError
from narrascope.pipeline import BaseStage, registry

if TYPE_CHECKING:
    from model2vec import StaticModel

__all__ = [
    "MODEL_DIR",
    "MODEL_VERSION",
    "Embedder",
    "EmbeddingStage",
    "VectorCache",
    "load_embedder",
    "sentence_key",
]

#: The artefact written by ``training/embeddings.py``.
MODEL_DIR: Path = Path(__file__).resolve().parent / "models" / "m2v-minilm"
#: Bump the number after ``@`` whenever the artefact is re-distilled: the store
#: re-runs the stage and the vector cache is keyed by it.
MODEL_VERSION = "m2v-minilm-256@1"


def sentence_key(text: str) -> str:
    """Cache key of a sentence: sha1 of its exact text (UTF-8)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Encodes texts into L2-normalised float32 vectors with a model2vec model.

    Holds the model in float32 (it is stored as float16 to keep the wheel
    small): numpy's float16 arithmetic is slow and would also round the means.
    """

    def __init__(self, model: StaticModel, version: str) -> None:
        self.version: str = version
        self.dim: int = int(model.dim)
        self._model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32 rows of unit length.

        A text without any known token (e.g. the empty string) gets a zero row,
        which has cosine 0 with everything rather than an arbitrary direction.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts), normalize=False, use_multiprocessing=False, show_progress_bar=False
        )
        vecs = np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        np.divide(vecs, norms, out=vecs, where=norms > 0)
        return vecs

    def __repr__(self) -> str:
        return f"Embedder(version={self.version!r}, dim={self.dim})"


@lru_cache(maxsize=4)
def load_embedder(path: str | None = None) -> Embedder:
    """The bundled embedder (cached: every stage and caller shares one copy).

    ``path`` overrides the folder (tests, experiments); it is only ever read
    locally, so a missing folder is an error instead of a hub download.
    """
    folder = Path(path) if path is not None else MODEL_DIR
    _check_model_dir(folder)
    from model2vec import StaticModel

    model = StaticModel.from_pretrained(str(folder), quantize_to="float32", force_download=False)
    version = MODEL_VERSION if path is None else f"{MODEL_VERSION}+{folder.name}"
    return Embedder(model, version)


def _check_model_dir(folder: Path) -> None:
    """A missing model is an error naming the folder, never a hub download."""
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        raise ModelNotFoundError(
            f"sentence embedding model not found in {folder}; re-install narrascope or run "
            "training/embeddings.py (see narrascope/nlp/models/MODEL_CARD.md)"
        )


@runtime_checkable
class VectorCache(Protocol):
    """Storage for sentence vectors keyed by :func:`sentence_key` and model version."""

    def get_many(self, keys: list[str], model: str) -> dict[str, np.ndarray]: ...

    def put_many(self, vectors: dict[str, np.ndarray], model: str) -> None: ...


@registry.stages.register("narrascope.embeddings.v1")
class EmbeddingStage(BaseStage):
    """Stage ``embeddings``: one unit vector per sentence in ``doc.sentence_vectors``.

    ``pipe`` embeds all sentences of a batch of documents in one ``encode``
    call, skipping those the cache already holds and those repeated in the batch.
    """

    name: ClassVar[str] = "embeddings"
    version: ClassVar[str] = MODEL_VERSION
    requires: ClassVar[tuple[str, ...]] = ("sentences",)
    assigns: ClassVar[tuple[str, ...]] = ("sentence_vectors",)

    def __init__(self, cache: VectorCache | None = None) -> None:
        self.cache = cache
        # checked here, so a missing model fails when the pipeline is built; loaded on
        # first use (see `embedder`), so a run with nothing to analyse loads nothing
        _check_model_dir(MODEL_DIR)

    @property
    def embedder(self) -> Embedder:
        return load_embedder()  # cached: one copy per process

    def __call__(self, doc: Document) -> Document:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Document], batch_size: int = 32) -> Iterator[Document]:
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, batch: list[Document]) -> list[Document]:
        self.set_annotations(batch, self.predict(batch))
        return batch

    def predict(self, docs: Sequence[Document]) -> list[np.ndarray]:
        """``(len(doc.sentences), dim)`` vectors per document (nothing is written)."""
        dim = self.embedder.dim
        texts: dict[str, str] = {}
        for doc in docs:
            for sent in doc.sentences:
                texts.setdefault(sentence_key(sent.text), sent.text)
        known: dict[str, np.ndarray] = {}
        if self.cache is not None and texts:
            cached = self.cache.get_many(list(texts), self.embedder.version)
            known = {k: v for k, v in cached.items() if k in texts and np.shape(v) == (dim,)}
        missing = [key for key in texts if key not in known]
        if missing:
            new = self.embedder.encode([texts[key] for key in missing])
            fresh = dict(zip(missing, new, strict=True))
            known.update(fresh)
            if self.cache is not None:
                self.cache.put_many(fresh, self.embedder.version)
        out: list[np.ndarray] = []
        for doc in docs:
            vecs = np.zeros((len(doc.sentences), dim), dtype=np.float32)
            for i, sent in enumerate(doc.sentences):
                vecs[i] = known[sentence_key(sent.text)]
            out.append(vecs)
        return out

    def set_annotations(self, docs: Sequence[Document], vectors: Sequence[np.ndarray]) -> None:
        for doc, vecs in zip(docs, vectors, strict=True):
            doc.sentence_vectors = vecs
