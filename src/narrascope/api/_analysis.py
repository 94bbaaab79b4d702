"""What the server's one worker does with a job: ingest its inputs, analyse, store.

Inputs are read by the CLI's own rules: texts as the Python API's records
(:func:`~narrascope.ingest.iter_texts`), uploaded files and URLs through
:func:`~narrascope.ingest.iter_inputs`, so a URL goes through the SSRF-guarded
fetcher (http(s) only, a total deadline, every redirect hop checked, private
addresses refused unless the server was started with ``--allow-private-urls``).
Storing goes through :meth:`Narrascope.analyze` (triage, batches, stories), the
same code as ``narrascope analyze``.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from narrascope.api._jobs import Job, JobStopped
from narrascope.api._settings import ServeSettings
from narrascope.errors import StoreError

__all__ = ["Analyser", "ProcessAnalyser"]


class Analyser:
    """The worker's runner: one :class:`~narrascope.app.Narrascope` (built on first use,
    in the worker thread, so its SQLite connections stay in that thread)."""

    def __init__(
        self,
        settings: ServeSettings,
        stopping: Callable[[], bool],
        waiting: Callable[[Job, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.stopping = stopping
        #: told why a job waits (the writer lock is held by another run)
        self.waiting = waiting or _note_waiting
        self._app: Any = None

    def app(self) -> Any:
        if self._app is None:
            from narrascope.app import Narrascope

            self._app = Narrascope(self.settings.db, self.settings.config)
            self._app.stories = self.settings.stories
            # the encoder is loaded once for the server's life, not once per job
            encoder = self.settings.story_encoder
            self._app.story_encoder = _LazyEncoder() if encoder is None else encoder
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None

    def __call__(self, job: Job, progress: Callable[[str, int, int | None], None]) -> None:
        app = self.app()
        self._lock_writer(app, job)
        try:
            items = list(self._inputs(job))
            job.articles = list(
                dict.fromkeys(getattr(i, "id", "") for i in items if hasattr(i, "text"))
            )
            job.rejected = [[i.source, i.reason] for i in items if not hasattr(i, "text")]
            summary = app.analyze(
                [], documents=items, progress=progress, command=f"serve job {job.id}"
            )
            job.summary = summary.as_dict()
        finally:
            app.db.unlock_writer()

    def _lock_writer(self, app: Any, job: Job) -> None:
        """Wait for the writer lock (a CLI ``analyze`` may hold it), unless the server stops.

        On PostgreSQL it is taken shared, as ``analyze`` takes it there: jobs and CLI
        runs write at once, their corpus-wide steps one at a time (``corpus_lock``).
        """
        while True:
            try:
                app.db.lock_writer(shared=app.db.concurrent_writers)
                return
            except StoreError as exc:
                if self.stopping():
                    raise JobStopped() from exc
                self.waiting(job, str(exc))
                time.sleep(0.5)

    def _inputs(self, job: Job) -> Iterator[Any]:
        from narrascope.ingest import IngestOptions, Rejected, iter_inputs, iter_texts

        options = IngestOptions(
            max_bytes=self.settings.max_body,
            timeout=self.settings.fetch_timeout,
            retries=1,
            allow_private_urls=self.settings.allow_private_urls,
        )
        if job.kind == "texts":
            yield from iter_texts(job.items, options)
        elif job.kind == "urls":
            yield from iter_inputs([str(u) for u in job.items], options)
        elif job.kind == "files":
            for item in job.items:
                path = str(self.settings.spool_dir() / item["path"])
                shown = f"upload:{item['name']}"
                for found in iter_inputs([path], options):
                    if isinstance(found, Rejected):
                        yield Rejected(found.source.replace(path, shown, 1), found.reason)
                        continue
                    found.source = found.source.replace(path, shown, 1)
                    if item.get("outlet") and not found.outlet:
                        found.outlet = item["outlet"]
                    yield found
        else:  # pragma: no cover - submit() only makes the three kinds
            yield Rejected(job.kind, "unknown job kind")


class _LazyEncoder:
    """The stories' sentence encoder, loaded at its first use and then kept."""

    def __init__(self) -> None:
        self._encode: Any = None

    def __call__(self, texts: Any) -> Any:
        if self._encode is None:
            from narrascope.stories._similarity import load_encoder

            self._encode = load_encoder()[1]
        return self._encode(texts)


def _note_waiting(job: Job, reason: str) -> None:
    job.progress = {"phase": "waiting", "done": 0, "total": None, "reason": reason}


class ProcessAnalyser:
    """Runs every job in one child process (started on first use and kept, so models
    load once): the analysis never holds the server's interpreter lock, so requests are
    answered at their own speed while a job runs. Progress, the lock wait and the
    outcome come back over a pipe; the job's state stays in the server's queue.
    """

    def __init__(self, settings: ServeSettings, stopping: Callable[[], bool]) -> None:
        self.settings = settings
        self.stopping = stopping
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # no copy of the server's threads
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_child, args=(self.settings, child), name="narrascope-analysis"
        )  # not a daemon: the NLP stage starts processes of its own
        self._proc.start()
        atexit.register(self.close)  # before multiprocessing's own exit joins it
        child.close()
        self._conn = parent

    def __call__(self, job: Job, progress: Callable[[str, int, int | None], None]) -> None:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        self._conn.send(("job", asdict(job)))
        told_to_stop = False
        while True:
            if not self._conn.poll(0.2):
                if not self._proc.is_alive():
                    code = self._proc.exitcode
                    self._proc = None
                    raise RuntimeError(f"the analysis process ended (exit code {code})")
                if self.stopping() and not told_to_stop:
                    self._conn.send(("stop",))  # heard only while it waits for the lock
                    told_to_stop = True
                continue
            try:
                message = self._conn.recv()
            except EOFError:
                self._proc = None
                raise RuntimeError("the analysis process ended") from None
            kind = message[0]
            if kind == "progress":
                progress(*message[1:])
            elif kind == "waiting":
                _note_waiting(job, message[1])
            elif kind == "done":
                job.articles, job.rejected, job.summary = message[1:]
                return
            elif kind == "stopped":
                raise JobStopped()
            else:
                raise RuntimeError(message[1])

    def close(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(("exit",))
            self._proc.join(60)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(5)
        self._proc = None


def _child(settings: ServeSettings, conn: Any) -> None:
    """The analysis process: jobs in, progress and outcomes out, until told to exit."""
    # Ctrl-C reaches the whole process group: the server decides when this process ends
    # (after the job it runs), not the terminal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = {"now": False}

    def stopping() -> bool:
        while not stop["now"] and conn.poll():
            stop["now"] = conn.recv()[0] in ("stop", "exit")
        return stop["now"]

    analyser = Analyser(
        settings, stopping, waiting=lambda _job, reason: conn.send(("waiting", reason))
    )
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message[0] != "job":
                return
            stop["now"] = False
            job = Job(**message[1])
            try:
                analyser(job, lambda phase, n, total: conn.send(("progress", phase, n, total)))
            except JobStopped:
                conn.send(("stopped",))
            except Exception as exc:
                conn.send(("error", " ".join(f"{type(exc).__name__}: {exc}".split())[:500]))
            else:
                conn.send(("done", job.articles, job.rejected, job.summary))
    finally:
        analyser.close()
