"""Pipeline core: registered stages that each take and return one Document.

Why this shape (after spaCy's ``Language``): every analysis step is a *stage*
registered under a versioned factory name (``narrascope.narratives.v1``). A
stage declares the document attributes it ``requires`` and ``assigns``; the
:class:`Pipeline` checks at construction that every requirement is assigned by
an earlier stage, so a mis-configured pipeline fails before touching any data,
and at run time that each stage hands back a :class:`Document`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import catalogue

from narrascope.document import Document
from narrascope.errors import ConfigError, StageError

__all__ = [
    "INGEST_ATTRIBUTES",
    "BaseStage",
    "Pipeline",
    "Stage",
    "StageInfo",
    "minibatch",
    "registry",
]

#: Attributes every ingested document already has.
INGEST_ATTRIBUTES: frozenset[str] = frozenset(
    {"text", "title", "url", "outlet", "published", "language", "source", "authors", "meta"}
)


class _Registry:
    """Named catalogue tables (as ``spacy.util.registry``).

    ``stages`` maps a versioned factory name to anything that builds a stage from
    keyword arguments. The built-in stages register their classes themselves, so a
    stage's constructor parameters are exactly the keys its ``[stages.<name>]``
    config table accepts, written down once.
    """

    stages = catalogue.create("narrascope", "stages", entry_points=True)


registry = _Registry()


@runtime_checkable
class Stage(Protocol):
    """What the pipeline needs from a stage.

    ``pipe`` exists so stages can batch (spaCy's ``nlp.pipe``, matrix
    predictions); the default loop in :class:`BaseStage` calls ``__call__``.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    requires: ClassVar[tuple[str, ...]]
    assigns: ClassVar[tuple[str, ...]]

    def __call__(self, doc: Document) -> Document: ...

    def pipe(self, docs: Iterable[Document], batch_size: int = 32) -> Iterator[Document]: ...


class BaseStage:
    """Convenience base: a per-document ``__call__`` and a looping ``pipe``."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, doc: Document) -> Document:  # pragma: no cover - abstract
        raise NotImplementedError

    def pipe(self, docs: Iterable[Document], batch_size: int = 32) -> Iterator[Document]:
        for doc in docs:
            yield self(doc)


@dataclass(frozen=True)
class StageInfo:
    """A stage as configured: its pipeline name, factory and parameters."""

    name: str
    factory: str
    params: dict[str, Any] = field(default_factory=dict)


class Pipeline:
    """An ordered list of stages, validated once, run over many documents."""

    def __init__(self, stages: Sequence[tuple[str, Stage]]) -> None:
        self.stages: list[tuple[str, Stage]] = list(stages)
        #: seconds spent in each stage since construction (where the time goes)
        self.timings: dict[str, float] = dict.fromkeys(self.names, 0.0)
        self._validate()

    # ----------------------------------------------------------------- build
    @classmethod
    def from_config(cls, infos: Sequence[StageInfo]) -> Pipeline:
        """Build stages from registered factories (unknown names fail early)."""
        built: list[tuple[str, Stage]] = []
        for info in infos:
            try:
                factory: Callable[..., Stage] = registry.stages.get(info.factory)
            except catalogue.RegistryError as exc:
                known = ", ".join(sorted(registry.stages.get_all()))
                raise ConfigError(
                    f"stage {info.name!r}: unknown factory {info.factory!r} (known: {known})"
                ) from exc
            built.append((info.name, factory(**info.params)))
        return cls(built)

    def _validate(self) -> None:
        available = set(INGEST_ATTRIBUTES)
        seen: set[str] = set()
        for name, stage in self.stages:
            if name in seen:
                raise ConfigError(f"stage {name!r} appears twice in the pipeline")
            seen.add(name)
            missing = [req for req in stage.requires if req not in available]
            if missing:
                raise ConfigError(
                    f"stage {name!r} requires {', '.join(missing)}, which no earlier stage "
                    f"assigns; enable the stage that provides it before {name!r}"
                )
            available.update(stage.assigns)

    # ----------------------------------------------------------------- query
    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.stages]

    @property
    def versions(self) -> dict[str, str]:
        return {name: stage.version for name, stage in self.stages}

    def get(self, name: str) -> Stage:
        for stage_name, stage in self.stages:
            if stage_name == name:
                return stage
        raise KeyError(name)

    def subset(self, names: Iterable[str]) -> Pipeline:
        """The pipeline restricted to ``names`` plus everything they depend on.

        Used for incremental re-runs: when only ``framing`` is stale, ``nlp``
        (which provides the in-memory tokens it needs) runs again too.
        """
        wanted = set(names)
        keep: list[tuple[str, Stage]] = []
        needed: set[str] = set()
        for name, stage in reversed(self.stages):
            if name in wanted or needed.intersection(stage.assigns):
                keep.append((name, stage))
                needed.update(stage.requires)
        return Pipeline(list(reversed(keep)))

    # ------------------------------------------------------------------- run
    def __call__(self, doc: Document) -> Document:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Document], batch_size: int = 16) -> Iterator[Document]:
        """Stream ``docs`` through every stage, yielding finished documents in order.

        Stages are chained generators (as spaCy chains component ``pipe``
        methods), so a stage that keeps worker processes busy (``nlp`` with
        ``n_process=2``) overlaps with the stages after it, and memory holds
        only the documents in flight.
        """
        stream: Iterator[Document] = iter(docs)
        clock = _Clock()
        chain: list[Iterator[Document]] = []
        for name, stage in self.stages:
            stream = self._checked(name, stage, stage.pipe(stream, batch_size), clock)
            chain.append(stream)
        try:
            yield from stream
        finally:
            # Closing every stage now, last first (not whenever the garbage collector gets
            # to it), is what stops a stage's worker processes when the consumer fails: an
            # exception's traceback can keep these generators alive, and the workers too.
            for link in reversed(chain):
                _close(link)

    def _checked(
        self, name: str, stage: Stage, produced: Iterable[Document], clock: _Clock
    ) -> Iterator[Document]:
        """Enforce the Document contract and account the time spent in ``name`` alone."""
        iterator = iter(produced)
        try:
            while True:
                started = time.perf_counter()
                upstream_before = clock.total
                try:
                    doc = next(iterator)
                except StopIteration:
                    self._account(name, started, upstream_before, clock)
                    return
                self._account(name, started, upstream_before, clock)
                if not isinstance(doc, Document):
                    raise StageError(
                        f"stage {name!r} returned {type(doc).__name__}, expected a Document"
                    )
                doc.stage_versions[name] = stage.version
                yield doc
        finally:
            _close(iterator)  # the stage's generator, then (through it) the ones upstream

    def _account(self, name: str, started: float, upstream_before: float, clock: _Clock) -> None:
        elapsed = time.perf_counter() - started
        upstream = clock.total - upstream_before  # time the upstream stages took meanwhile
        self.timings[name] += elapsed - upstream
        clock.total += elapsed - upstream


def _close(iterator: Iterator[Any]) -> None:
    """Close a generator (runs its ``finally`` blocks now); other iterators are left alone."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


class _Clock:
    """Total exclusive seconds accounted so far (shared by one ``pipe`` call's stages)."""

    def __init__(self) -> None:
        self.total = 0.0


def minibatch(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """Lists of up to ``size`` documents, consumed lazily (for batching stages)."""
    batch: list[Document] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
