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

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from narrascope.api._jobs import Job, JobStopped
from narrascope.api._settings import ServeSettings
from narrascope.errors import StoreError

__all__ = ["Analyser"]


class Analyser:
    """The worker's runner: one :class:`~narrascope.app.Narrascope` (built on first use,
    in the worker thread, so its SQLite connections stay in that thread)."""

    def __init__(self, settings: ServeSettings, stopping: Callable[[], bool]) -> None:
        self.settings = settings
        self.stopping = stopping
        self._app: Any = None
        self._lock = threading.Lock()

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
        """Wait for the writer lock (a CLI ``analyze`` may hold it), unless the server stops."""
        while True:
            try:
                app.db.lock_writer()
                return
            except StoreError as exc:
                if self.stopping():
                    raise JobStopped() from exc
                job.progress = {"phase": "waiting", "done": 0, "total": None, "reason": str(exc)}
                time.sleep(1.0)

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
