"""Analysis jobs of ``narrascope serve``: a bounded queue, one worker, a spool on disk.

Why this shape:

* **One worker.** The pipeline loads its models once and SQLite has one writer
  at a time; a single worker thread hands every job to the runner (in the server,
  :class:`~narrascope.api._analysis.ProcessAnalyser`: one child process), which
  takes the database's writer lock (:meth:`~narrascope.store.Database.lock_writer`)
  for each job, so a ``narrascope analyze`` started beside the server waits its
  turn instead of interleaving with it. Readers never wait on it: they use their
  own read-only connections (SQLite in WAL mode lets them read while it writes).
* **Bounded.** At most ``max_queued`` jobs wait; one more is refused
  (:class:`QueueFull`, answered 503 with the reason) rather than piling up work
  the server cannot finish.
* **Nothing accepted is lost.** A job is written to the spool folder (and
  fsynced) *before* the client is told it was accepted. On SIGTERM the server
  stops accepting, the worker finishes the job it is running, and the jobs
  still waiting stay in the spool as ``queued``; the next server on the same
  database picks them up (a job cut off while running is run again: analysis
  is idempotent, stored articles are skipped by triage).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Job", "JobQueue", "JobStopped", "QueueFull", "Runner"]

#: states a job goes through; "done" and "failed" are final
STATES = ("queued", "running", "done", "failed")
#: jobs kept in memory for GET /api/jobs (older ones are read from the spool)
_MEMORY = 2000


class QueueFull(Exception):
    """The queue holds ``max_queued`` jobs already (or the server is stopping)."""


class JobStopped(Exception):
    """The server stops: the job goes back to the spool unfinished (run again later)."""


@dataclass
class Job:
    """One analysis request: texts, uploaded files or URLs, and what became of them."""

    id: str
    kind: str  # "texts", "files" or "urls"
    #: texts: JSON records; files: {"name", "path"} (path inside the spool); urls: strings
    items: list[Any]
    state: str = "queued"
    created: str = ""
    started: str | None = None
    finished: str | None = None
    #: {"phase": "ingest" | "analyse" | "waiting", "done": int, "total": int | None}
    progress: dict[str, Any] = field(default_factory=dict)
    #: ids of the stored articles this job ingested (analysed, or linked as copies)
    articles: list[str] = field(default_factory=list)
    #: [source, reason] of each input that could not be read
    rejected: list[list[str]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: how many times a server started it (more than 1: it was cut off and re-run)
    attempts: int = 0
    #: when it was accepted, in nanoseconds, strictly increasing: the order jobs run in
    order: int = 0

    def public(self, position: int | None = None) -> dict[str, Any]:
        """What GET /api/jobs/{id} shows (the submitted texts are not echoed back)."""
        data = asdict(self)
        data.pop("items")
        data.pop("order")
        data["inputs"] = len(self.items)
        if position is not None:
            data["position"] = position
        return data


#: runs one job: ``runner(job, progress)``, progress(phase, done, total); raises to fail it
Runner = Callable[[Job, Callable[[str, int, int | None], None]], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JobQueue:
    """The spool, the bounded queue and the one worker thread."""

    def __init__(self, spool: Path, runner: Runner, *, max_queued: int = 16) -> None:
        self.spool = Path(spool)
        self.spool.mkdir(parents=True, exist_ok=True)
        self.runner = runner
        self.max_queued = max(1, max_queued)
        self._lock = threading.Condition()
        self._pending: deque[str] = deque()
        self._jobs: dict[str, Job] = {}
        self._running: str | None = None
        self._stopping = threading.Event()
        self._accepting = True
        self._thread: threading.Thread | None = None
        self._order = 0
        self._recover()

    # ------------------------------------------------------------ spool
    def _path(self, job_id: str) -> Path:
        return self.spool / f"{job_id}.json"

    def _write(self, job: Job) -> None:
        """Write ``job`` atomically and durably (a crash leaves the old or the new file)."""
        path = self._path(job.id)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(asdict(job), fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def _read(self, job_id: str) -> Job | None:
        if not _valid_id(job_id):
            return None
        try:
            data = json.loads(self._path(job_id).read_text(encoding="utf-8"))
            return Job(**data)
        except (OSError, ValueError, TypeError):
            return None

    def _recover(self) -> None:
        """Queue again every job a previous server accepted and did not finish."""
        found = []
        for path in self.spool.glob("*.json"):
            job = self._read(path.stem)
            if job is not None and job.state in ("queued", "running"):
                found.append(job)
        for job in sorted(found, key=lambda j: (j.order, j.created, j.id)):
            job.state = "queued"
            job.progress = {}
            self._jobs[job.id] = job
            self._pending.append(job.id)

    def upload_path(self, job_id: str, index: int, suffix: str) -> Path:
        """Where an uploaded file of job ``job_id`` is kept until the job ran."""
        return self.spool / f"{job_id}-{index}{suffix}"

    # ---------------------------------------------------------- clients
    def new_id(self) -> str:
        return uuid.uuid4().hex

    def submit(self, kind: str, items: list[Any], job_id: str | None = None) -> Job:
        """Accept a job: spooled to disk first, then queued. QueueFull when full or stopping."""
        with self._lock:
            if not self._accepting:
                raise QueueFull("the server is shutting down; submit again to the next one")
            if len(self._pending) >= self.max_queued:
                raise QueueFull(
                    f"the analysis queue is full ({self.max_queued} jobs waiting);"
                    " try again when one has finished"
                )
            self._order = max(self._order + 1, time.time_ns())
            job = Job(
                id=job_id or self.new_id(),
                kind=kind,
                items=items,
                created=_now(),
                order=self._order,
            )
            self._write(job)
            self._jobs[job.id] = job
            self._pending.append(job.id)
            self._trim()
            self._lock.notify_all()
            return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's public state, with its place in the queue while it waits."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                position = None
                if job.state == "queued" and job_id in self._pending:
                    position = list(self._pending).index(job_id)
                return job.public(position)
        job = self._read(job_id)
        return job.public() if job is not None else None

    def counts(self) -> dict[str, Any]:
        with self._lock:
            return {
                "queued": len(self._pending),
                "running": self._running,
                "max_queued": self.max_queued,
                "accepting": self._accepting,
            }

    def _trim(self) -> None:
        """Forget finished jobs beyond the newest ``_MEMORY`` (their spool files stay)."""
        if len(self._jobs) <= _MEMORY:
            return
        for job_id in [j for j, job in self._jobs.items() if job.state in ("done", "failed")]:
            if len(self._jobs) <= _MEMORY:
                break
            del self._jobs[job_id]

    # ----------------------------------------------------------- worker
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="narrascope-worker", daemon=True
            )
            self._thread.start()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self, timeout: float | None = None) -> bool:
        """Stop accepting, let the running job finish, leave the waiting ones spooled.

        Returns whether the worker ended within ``timeout``.
        """
        with self._lock:
            self._accepting = False
            self._stopping.set()
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _next(self) -> Job | None:
        with self._lock:
            while not self._pending and not self._stopping.is_set():
                self._lock.wait(0.5)
            if self._stopping.is_set():
                return None
            job = self._jobs[self._pending.popleft()]
            self._running = job.id
            job.state = "running"
            job.started = _now()
            job.attempts += 1
            job.progress = {"phase": "starting", "done": 0, "total": None}
            self._write(job)
            return job

    def _work(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            done = {"ingest": 0, "analyse": 0}

            def progress(
                phase: str,
                advance: int,
                total: int | None,
                job: Job = job,
                done: dict[str, int] = done,
            ) -> None:
                done[phase] = done.get(phase, 0) + advance
                job.progress = {"phase": phase, "done": done.get(phase, 0), "total": total}

            try:
                self.runner(job, progress)
            except JobStopped:
                with self._lock:
                    job.state = "queued"  # spooled as waiting: the next server runs it
                    job.progress = {}
                    self._write(job)
                    self._running = None
                return
            except Exception as exc:  # the job fails with its reason; the worker goes on
                job.error = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
                job.state = "failed"
            else:
                job.state = "done"
            job.finished = _now()
            job.progress = {**job.progress, "phase": "finished"}
            self._cleanup(job)
            with self._lock:
                self._write(job)
                self._running = None
                self._lock.notify_all()

    def _cleanup(self, job: Job) -> None:
        """Drop what a finished job no longer needs: uploaded files and submitted texts."""
        if job.kind == "files":
            for item in job.items:
                (self.spool / str(item.get("path", ""))).unlink(missing_ok=True)
        job.items = [None] * len(job.items)

    def wait(self, job_id: str, timeout: float = 60.0) -> dict[str, Any] | None:
        """Block until the job is done or failed (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.get(job_id)
            if state is None or state["state"] in ("done", "failed"):
                return state
            time.sleep(0.05)
        return self.get(job_id)


def _valid_id(job_id: str) -> bool:
    """Job ids are 32 hex digits: anything else never names a spool file."""
    return len(job_id) == 32 and all(c in "0123456789abcdef" for c in job_id)
