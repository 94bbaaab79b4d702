"""spaCy in bounded pieces, in worker processes that narrascope owns.

Why not spaCy's own ``nlp.pipe(n_process=...)``: its workers are plain children
that nothing stops when the main process fails. An exception while they run
(disk full, ``database is locked``) left the main process joining workers that
were blocked writing to a pipe nobody read (a silent deadlock, issue 21), and a
``kill -9`` of the main process left them running for ever. Here:

* every worker is a daemon that dies with its parent: ``PR_SET_PDEATHSIG`` on
  Linux, and on every platform a thread that exits when ``os.getppid()``
  changes (the parent is gone and the worker was re-parented);
* :meth:`NerWorkers.close` terminates the workers, and runs whenever the stream
  of results stops: exhausted, closed, or abandoned by an exception;
* the main process waits for a worker's result *or its death*, so a worker
  killed for memory is an error with its exit status, not a hang;
* tasks go through queues whose feeder threads never block the main process,
  so a large task and a large result can never wait for each other.

Work per article is bounded: a text longer than :data:`CHUNK_CHARS` is parsed
in pieces cut at line breaks (where the ``nlp`` stage splits sentences
anyway), so memory stays flat however long the article is, and spaCy's
``max_length`` (E088) is never reached. A 4.9 MB article used to take 17 GB in
one worker. Texts up to :data:`CHUNK_CHARS` (every news article) are parsed
whole, exactly as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np
from spacy.attrs import IDX, IS_SPACE, LENGTH

from narrascope.errors import StageError

__all__ = [
    "CHUNK_CHARS",
    "NerWorkers",
    "Parsed",
    "WorkerError",
    "chunk_spans",
    "merge_parsed",
    "parse_doc",
    "parse_texts",
    "text_batches",
]

#: longest text that spaCy gets in one piece (characters); longer ones are cut at line breaks
CHUNK_CHARS = 50_000
#: characters per task sent to a worker (several short articles, or one piece of a long one)
TASK_CHARS = 2 * CHUNK_CHARS
#: seconds between checks that the parent process is alive (the fallback to PDEATHSIG)
PARENT_POLL_S = 0.5
_PR_SET_PDEATHSIG = 1


class WorkerError(StageError):
    """A worker process ended without delivering its results."""


#: the entity-ruler id of demonym patterns ("Ukrainian" for Ukraine), set by the nlp stage
DEMONYM_ID = "narrascope-demonym"


@dataclass(slots=True)
class Parsed:
    """What the ``nlp`` stage needs from spaCy for one text, as plain character offsets.

    Plain arrays instead of spaCy ``Doc`` bytes: pieces of one article are merged by
    shifting offsets, and nothing model-specific crosses the process boundary.
    ``error`` is set (and the rest empty) when spaCy failed on this text.
    """

    sentences: np.ndarray  # (n, 2) start, end of spaCy's sentences
    tokens: np.ndarray  # (n, 3) start, end, is_space
    ents: list[tuple[int, int, str]]
    error: str = ""

    @classmethod
    def empty(cls, error: str = "") -> Parsed:
        return cls(np.zeros((0, 2), np.int64), np.zeros((0, 3), np.int64), [], error)


def parse_doc(sdoc: Any, offset: int = 0) -> Parsed:
    """A spaCy ``Doc`` as offsets into the text it came from (shifted by ``offset``)."""
    arr = sdoc.to_array([IDX, LENGTH, IS_SPACE]).astype(np.int64).reshape(-1, 3)
    tokens = np.empty_like(arr)
    tokens[:, 0] = arr[:, 0] + offset
    tokens[:, 1] = arr[:, 0] + arr[:, 1] + offset
    tokens[:, 2] = arr[:, 2]
    sents = np.array(
        [(s.start_char + offset, s.end_char + offset) for s in sdoc.sents], np.int64
    ).reshape(-1, 2)
    ents = [
        (e.start_char + offset, e.end_char + offset, e.label_)
        for e in sdoc.ents
        # a demonym the entity ruler matched right before a capitalised word is part of
        # a name the model missed ("Western Antarctica"), not the actor it stands for;
        # decided here, where the tokens are, since only offsets cross to the stage
        if not (e.ent_id_ == DEMONYM_ID and e.end < len(sdoc) and sdoc[e.end].is_title)
    ]
    return Parsed(sents, tokens, ents)


def merge_parsed(parts: list[Parsed], offsets: list[int]) -> Parsed:
    """One :class:`Parsed` for a text from those of its pieces (starting at ``offsets``)."""
    failed = next((p.error for p in parts if p.error), "")
    if failed:
        return Parsed.empty(failed)
    if len(parts) == 1 and offsets[0] == 0:
        return parts[0]
    sents, tokens = [], []
    ents: list[tuple[int, int, str]] = []
    for part, off in zip(parts, offsets, strict=True):
        sents.append(part.sentences + off)
        shifted = part.tokens.copy()
        shifted[:, :2] += off
        tokens.append(shifted)
        ents.extend((s + off, e + off, label) for s, e, label in part.ents)
    return Parsed(np.concatenate(sents), np.concatenate(tokens), ents)


def chunk_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """Cut ``text`` into consecutive ``(start, end)`` pieces of at most ``limit`` characters.

    A piece ends after the last line break in its second half, else after the last
    space there, else (one giant word) at ``limit``: sentences are split at line
    breaks anyway, so cutting there changes nothing but spaCy's memory.
    """
    limit = limit or CHUNK_CHARS
    spans: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > limit:
        low, high = start + limit // 2, start + limit
        cut = text.rfind("\n", low, high)
        if cut < 0:
            cut = text.rfind(" ", low, high)
        end = cut + 1 if cut >= 0 else high
        spans.append((start, end))
        start = end
    spans.append((start, n))
    return spans


def parse_texts(nlp: Any, texts: list[str]) -> list[Parsed]:
    """Parse ``texts`` with ``nlp``; a text spaCy fails on gets a :class:`Parsed` with its error.

    One bad text must not lose the others: on an error, the batch is parsed again
    text by text so that only the culprit carries the error.
    """
    try:
        return [parse_doc(d) for d in nlp.pipe(texts, batch_size=max(1, len(texts)))]
    except Exception:  # retried one by one below, to name the culprit
        pass
    out: list[Parsed] = []
    for text in texts:
        try:
            out.append(parse_doc(nlp(text)))
        except Exception as exc:  # reported with the article; the run goes on
            out.append(Parsed.empty(f"{type(exc).__name__}: {exc}"[:300]))
    return out


def text_batches(texts: Iterable[str], size: int, budget: int) -> Iterator[list[str]]:
    """Lists of at most ``size`` texts and (unless one text alone is longer) ``budget`` chars."""
    batch: list[str] = []
    chars = 0
    for text in texts:
        if batch and (len(batch) >= size or chars + len(text) > budget):
            yield batch
            batch, chars = [], 0
        batch.append(text)
        chars += len(text)
    if batch:
        yield batch


# ------------------------------------------------------------------ the workers
def _die_with_parent(parent_pid: int) -> None:
    """Make this process exit when its parent, the main process ``parent_pid``, is gone.

    Under the ``forkserver`` start method the parent is the fork server, which exits
    with the main process: the worker then follows the fork server.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = os.getppid()
    if parent != parent_pid and not _alive(parent_pid):  # died before the prctl above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:  # re-parented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="narrascope-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_main(
    parent_pid: int, loader: Callable[[], Any], tasks: Any, results: Connection
) -> None:
    """Parse the tasks from ``tasks`` until ``None`` arrives; send results to ``results``."""
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the main process decides, and stops us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    nlp = loader()
    while True:
        texts = tasks.get()
        if texts is None:
            break
        results.send(parse_texts(nlp, texts))
    results.close()


class NerWorkers:
    """``n_process`` worker processes that parse texts with the pipeline ``loader()`` builds.

    ``loader`` must be picklable (a module-level function) where processes are
    spawned rather than forked. Use :meth:`imap`, which closes the workers when
    its iterator ends for any reason.
    """

    def __init__(self, n_process: int, loader: Callable[[], Any]) -> None:
        ctx = multiprocessing.get_context()
        self._procs: list[Any] = []
        self._tasks: list[Any] = []
        self._results: list[Connection] = []
        parent = os.getpid()
        try:
            for _ in range(n_process):
                recv, send = ctx.Pipe(duplex=False)
                queue = ctx.Queue()
                proc = ctx.Process(
                    target=_worker_main,
                    args=(parent, loader, queue, send),
                    name="narrascope-ner",
                    daemon=True,  # also terminated by multiprocessing at interpreter exit
                )
                proc.start()
                send.close()  # ours: a worker's death must not be hidden by our copy
                self._procs.append(proc)
                self._tasks.append(queue)
                self._results.append(recv)
        except BaseException:
            self.close()
            raise

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.pid is not None]

    def imap(
        self, texts: Iterable[str], batch_size: int = 8, budget: int = TASK_CHARS
    ) -> Iterator[Parsed]:
        """One :class:`Parsed` per text, in order; at most two tasks in flight per worker."""
        n = len(self._procs)
        batches = text_batches(texts, batch_size, budget)
        sent = received = 0
        try:
            for batch in batches:
                self._tasks[sent % n].put(batch)
                sent += 1
                if sent >= 2 * n:
                    break
            while received < sent:
                out = self._receive(received % n)
                received += 1
                batch = next(batches, None)
                if batch is not None:
                    self._tasks[sent % n].put(batch)
                    sent += 1
                yield from out
        finally:
            self.close()

    def _receive(self, i: int) -> list[Parsed]:
        conn, proc = self._results[i], self._procs[i]
        ready = wait([conn, proc.sentinel])
        if conn in ready or conn.poll():
            try:
                result: list[Parsed] = conn.recv()
                return result
            except (EOFError, OSError):
                pass
        proc.join(5)
        raise WorkerError(f"named-entity worker process {proc.pid} {_ended(proc.exitcode)}")

    def close(self) -> None:
        """Stop every worker now (idempotent); never waits on a worker that does not stop."""
        for queue in self._tasks:
            with contextlib.suppress(Exception):
                queue.cancel_join_thread()  # exiting must not wait to flush unread tasks
                queue.close()
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + 3.0
        for proc in self._procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)
        for conn in self._results:
            conn.close()
        self._procs, self._tasks, self._results = [], [], []


def _ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else ""
        hint = " (out of memory?)" if exitcode == -signal.SIGKILL else ""
        return f"was killed by signal {-exitcode} {name}{hint}".replace("  ", " ")
    return f"exited with status {exitcode}"
