"""The one application object: config + store + pipeline (after Datasette's ``Datasette``).

The CLI, the Python API and the report all go through :class:`Narrascope`, so
that "analyse a corpus" means exactly one thing everywhere:

1. **ingest** every input (rejections are recorded with source and reason);
2. **triage** each document against the store: unchanged articles are skipped,
   exact copies (same content, another file or URL) and near-duplicates are
   stored linked to their original and not analysed, articles whose stored
   results come from an older stage version re-run only the stale stages;
3. **analyse** in batches through the pipeline;
4. **store** each batch in one transaction (so a kill loses at most the batch
   in flight and never leaves half an article).
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from narrascope.config import Config
from narrascope.document import Document
from narrascope.errors import ConfigError, StoreError
from narrascope.pipeline import Pipeline, minibatch
from narrascope.store import Database, to_url
from narrascope.store._clean import storable

__all__ = ["AnalyzeSummary", "Narrascope", "ProgressHook"]

#: called as ``hook(phase, advance, total)``; phase is "ingest" or "analyse"
ProgressHook = Callable[[str, int, int | None], None]


@dataclass
class AnalyzeSummary:
    """What one ``analyze`` run did (printed as the CLI's summary table)."""

    ingested: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    #: ingested articles whose outlet is unknown (the CLI says once how to set it)
    unknown_outlet: int = 0
    rerun: Counter[str] = field(default_factory=Counter)
    analysed: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    seconds_ingest: float = 0.0
    seconds_analyse: float = 0.0
    seconds_total: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    #: articles given a story in this run (new ones, copies, earlier unassigned ones)
    stories_assigned: int = 0

    @property
    def articles_per_second(self) -> float:
        handled = self.analysed + self.unchanged
        return handled / self.seconds_total if self.seconds_total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "exact_duplicates": self.exact_duplicates,
            "near_duplicates": self.near_duplicates,
            "unknown_outlet": self.unknown_outlet,
            "stage_reruns": dict(self.rerun),
            "analysed": self.analysed,
            "rejected": len(self.rejected),
            "seconds": round(self.seconds_total, 3),
        }


class Narrascope:
    """Owns configuration, storage and the pipeline."""

    def __init__(
        self,
        db: str | Path,
        config: Config | None = None,
        *,
        must_exist: bool = False,
        read_only: bool = False,
    ) -> None:
        """``read_only`` opens the store for reading only (``show``): never migrated."""
        self.config = config or Config()
        #: a SQLite file this object creates; `analyze` removes it again when the run
        #: stored nothing (every input rejected), instead of leaving an empty database
        self._created = _new_sqlite_file(db)
        self.db = Database(db, must_exist=must_exist, read_only=read_only)
        self._pipeline: Pipeline | None = None
        #: assign stored articles to stories after `analyze` (narrascope.stories)
        self.stories = True
        #: the clusterer's lead encoder: None loads the multilingual one, False none
        self.story_encoder: Any = None
        #: outlet -> learnt group for one-sided claims (None: ``outlets.learnt_group``)
        self.outlet_groups: dict[str, str] | None = None
        #: told why a run waits (another run's corpus-wide steps on PostgreSQL); the
        #: CLI prints it, a library caller may log it
        self.notice: Callable[[str], None] | None = _to_stderr
        #: where the stages run: "local" (this process) or "ray" (narrascope.pipeline._ray)
        self.engine = "local"
        #: the Ray cluster to join (None: start a local instance) and how many actors
        self.ray_address: str | None = None
        self.ray_workers: int | None = None
        self._ray: Any = None

    @property
    def pipeline(self) -> Pipeline:
        """Built on first use. Building it only checks that every artefact exists and
        computes the stage versions; each stage loads its model when it first analyses
        a document, so a re-run of unchanged articles loads no model at all."""
        if self._pipeline is None:
            infos = self.config.stage_infos()
            for info in infos:
                if info.name == "embeddings" and "cache" not in info.params:
                    info.params["cache"] = self.db
            self._pipeline = Pipeline.from_config(infos)
        return self._pipeline

    # ---------------------------------------------------------------- analyse
    def analyze(
        self,
        inputs: Sequence[str],
        *,
        options: Any = None,
        stdin: TextIO | None = None,
        progress: ProgressHook | None = None,
        command: str = "analyze",
        documents: Iterable[Document | Any] | None = None,
    ) -> AnalyzeSummary:
        """Ingest ``inputs`` (or take ``documents``, already ingested: the Python API's
        texts), triage them against the store, analyse what is new and store it.

        A database that fails (disk full, locked, connection lost) stops the run with a
        :class:`StoreError` that says why; the stages' worker processes are stopped
        first, and every batch stored before the failure is kept.
        """
        try:
            return self._analyze(
                inputs,
                options=options,
                stdin=stdin,
                progress=progress,
                command=command,
                documents=documents,
            )
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{self._db_name()}: {_db_reason(exc)}; the run stopped "
                "(every batch stored before this is kept)"
            ) from exc

    def _db_name(self) -> str:
        return self.db.engine.url.render_as_string(hide_password=True)

    def _save(
        self,
        docs: list[Document],
        stages: dict[str, tuple[str, ...]],
        signatures: dict[str, bytes] | None,
        run_id: int,
        summary: AnalyzeSummary,
    ) -> int:
        """Store one analysed batch; returns how many articles were stored.

        When the database refuses the batch for what is *in* it (a value it cannot
        hold), the articles are stored one by one and each refused one is rejected
        with the reason, so one bad article never stops the run. A database that
        fails as such (disk full, locked) raises: nothing else could be stored either.
        """
        try:
            self.db.save_documents(docs, stages, signatures)
            return len(docs)
        except SQLAlchemyError as exc:
            if _fatal(exc):
                raise
            if len(docs) > 1:
                stored = 0
                for doc in docs:
                    stored += self._save([doc], stages, signatures, run_id, summary)
                return stored
            reason = f"cannot be stored: {_db_reason(exc)}"
            source = storable(docs[0].source or docs[0].id)
            summary.rejected.append((source, reason))
            self.db.add_reject(run_id, source, reason)
            return 0

    def _analyze(
        self,
        inputs: Sequence[str],
        *,
        options: Any = None,
        stdin: TextIO | None = None,
        progress: ProgressHook | None = None,
        command: str = "analyze",
        documents: Iterable[Document | Any] | None = None,
    ) -> AnalyzeSummary:
        from narrascope._triage import Triage, estimate_total
        from narrascope.ingest import IngestOptions, iter_inputs

        summary = AnalyzeSummary()
        started = time.perf_counter()
        # on PostgreSQL several runs write at once (issue 19): the writer lock is shared,
        # the corpus-wide steps below take their own exclusive lock
        run_id = self.db.start_run(command, shared=self.db.concurrent_writers)
        pipeline = self.pipeline
        versions = pipeline.versions
        total: int | None = None
        if documents is None:
            total = estimate_total(inputs)
            # languages are detected in triage, for the articles it stores only
            deferred = dataclasses.replace(options or IngestOptions(), defer_language=True)
            documents = iter_inputs(inputs, deferred, stdin=stdin)
        elif isinstance(documents, Sequence):
            total = len(documents)
        # 1. ingest and triage stream, a chunk at a time, into 2. analysis and 3. storage:
        # memory holds the documents in flight, never the corpus (issue 19)
        triage = Triage(self.db, versions, summary, run_id, progress, total)
        try:
            self._stream(triage, documents, summary, run_id, progress)
        finally:
            triage.close()
            if self._ray is not None:
                self._ray.close()
                self._ray = None
        if summary.ingested:
            # one run at a time from here (stable story ids, one outlet-group summary):
            # a concurrent run's articles stored by now are unassigned, so whichever run
            # takes the lock later assigns them too
            with self.db.corpus_lock(self.notice):
                self._corpus_steps(summary, options)
        summary.seconds_total = time.perf_counter() - started
        self.db.finish_run(run_id, summary.as_dict())
        if summary.ingested == 0 and self._created is not None:
            self._remove_created()
        return summary

    def _corpus_steps(self, summary: AnalyzeSummary, options: Any) -> None:
        """Stories, outlet groups and claims: the steps that read the whole corpus."""
        touched: set[int] = set()
        if self.stories:
            from narrascope.stories._assign import assign_stories

            summary.stories_assigned = assign_stories(
                self.db, encoder=self.story_encoder, touched=touched
            )
        # what a user's outlets file declares, and the outlet groups learnt from what
        # the outlets push (a few SQL aggregates: cheap next to the analysis)
        from narrascope.trends import record_declared_outlets, update_outlet_groups
        from narrascope.trends._summary import is_fresh

        if options is not None and getattr(options, "outlets", None) is not None:
            record_declared_outlets(self.db, options.outlets)
        if not is_fresh(self.db):  # a re-run that changed nothing keeps the summary
            update_outlet_groups(self.db)
        if self.stories:
            from narrascope.stories._derived import derive_stories

            # claims and timelines of the changed stories only (bounded by this run's
            # articles); one-sided claims read the groups just learnt
            encode = None
            if touched and self.story_encoder is not False:
                # the multilingual encoder groups claims across languages ("$6.1 billion"
                # = "6,1 млрд долларов" in other words)
                from narrascope.stories import load_encoder

                encode = self.story_encoder or load_encoder()[1]
            derive_stories(self.db, touched, outlet_groups=self.outlet_groups, encode=encode)

    def _stream(
        self,
        triage: Any,
        documents: Iterable[Document | Any],
        summary: AnalyzeSummary,
        run_id: int,
        progress: ProgressHook | None,
    ) -> None:
        """Analyse and store what triage lets through, then re-run the stale stages."""
        pipeline = self.pipeline
        t0 = time.perf_counter()
        assigns = {name: stage.assigns for name, stage in pipeline.stages}
        batch = self.config.batch_size
        fresh = triage.fresh(documents)
        # the pipeline is not even started without a document to analyse: a stage may
        # load its model as it starts (a re-run of an unchanged corpus loads none)
        first = next(fresh, None)
        if first is not None:
            stream = self._engine_pipe(pipeline, itertools.chain([first], fresh), batch)
            for docs in _closing_batches(stream, batch):
                summary.analysed += self._save(docs, assigns, triage.signatures, run_id, summary)
                triage.stored(docs)
                if progress:
                    progress("analyse", len(docs), None)
        if progress:
            progress("ingest", 0, triage.read)
            if triage.fresh_count + triage.spool.stale_count:  # the time left, from here on
                progress("analyse", 0, triage.fresh_count + triage.spool.stale_count)
        for todo in triage.spool.stale_groups():
            sub = pipeline.subset(todo)
            loaded = (
                doc
                for ids in triage.spool.stale_ids(todo, batch)
                for doc in self.db.load_documents(ids)
            )
            stages = {n: assigns[n] for n in sub.names}
            for docs in _closing_batches(self._engine_pipe(sub, loaded, batch), batch):
                done = self._save(docs, stages, None, run_id, summary)
                summary.analysed += done
                summary.rerun.update({n: done for n in todo if done})
                if progress:
                    progress("analyse", len(docs), None)
        summary.seconds_analyse = time.perf_counter() - t0

    def _engine_pipe(
        self, pipeline: Pipeline, docs: Iterator[Document], batch: int
    ) -> Iterator[Document]:
        """``docs`` through ``pipeline``: on this process's stages (the local engine) or
        on Ray actors that build the same stages (``engine == "ray"``)."""
        if self.engine == "ray":
            if self._ray is None:
                from narrascope.pipeline._ray import RayEngine

                self._ray = RayEngine(self.config, self.ray_address, self.ray_workers)
            return self._ray.pipe(pipeline, docs, batch)
        if self.engine != "local":
            raise ConfigError(f"unknown engine {self.engine!r} (expected local or ray)")
        return pipeline.pipe(docs, batch_size=batch)

    def _remove_created(self) -> None:
        """Delete the SQLite file this object created (with its WAL/SHM side files)."""
        created, self._created = self._created, None
        assert created is not None
        self.db.close()
        for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
            Path(f"{created}{suffix}").unlink(missing_ok=True)

    # ------------------------------------------------------------------ read
    def documents(self, ids: Iterable[str] | None = None) -> list[Document]:
        """Stored documents; for the whole corpus, lone surnames are linked to full names."""
        docs = self.db.load_documents(ids)
        if ids is None:
            from narrascope.nlp import link_corpus_entities

            link_corpus_entities(docs)
        return docs

    def resolve_id(self, prefix: str) -> str:
        """Full article id from a unique prefix (KeyError with a reason otherwise)."""
        ids = self.db.find_ids(prefix)
        if not ids:
            raise KeyError(f"no article with id {prefix!r}")
        if len(ids) > 1 and prefix not in ids:
            shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
            raise KeyError(f"id prefix {prefix!r} is ambiguous ({len(ids)} articles: {shown})")
        return prefix if prefix in ids else ids[0]

    def close(self) -> None:
        self.db.close()


def _new_sqlite_file(db: str | Path) -> Path | None:
    """The SQLite file opening ``db`` would create, or None (it exists, or not SQLite)."""
    url = to_url(db)
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url[len("sqlite:///") :])
    return None if path.exists() or str(path) in ("", ":memory:") else path


def _closing_batches(stream: Iterator[Document], size: int) -> Iterator[list[Document]]:
    """``minibatch(stream, size)`` that closes ``stream`` however the loop over it ends.

    An exception in the loop body (a failed write) would otherwise leave the pipeline
    suspended, its NER worker processes blocked on a pipe nobody reads, and the
    process waiting for them at exit: the silent deadlock of issue 21.
    """
    try:
        yield from minibatch(stream, size)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _to_stderr(message: str) -> None:
    """The default :attr:`Narrascope.notice`: one line on standard error."""
    import sys

    print(f"narrascope: {message}", file=sys.stderr, flush=True)


def _fatal(exc: SQLAlchemyError) -> bool:
    """Whether ``exc`` is the database failing (disk full, locked, gone) rather than one
    value it refuses: the DB-API's OperationalError and InterfaceError, or a lost link."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        names = {cls.__name__ for cls in type(exc.orig).__mro__}
        return bool(names & {"OperationalError", "InterfaceError", "InternalError"})
    return not isinstance(exc, StatementError)


def _db_reason(exc: SQLAlchemyError) -> str:
    """The database's own words, one line, without SQLAlchemy's SQL and parameters."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines() or [type(orig).__name__]
    return storable(lines[0])[:300]
