"""The Ray engine: the same stages, run by Ray actors on one machine or a cluster.

Why actors over batches (and not one Ray task per document): each stage loads its
model once (spaCy, the encoders, the classifiers: seconds and hundreds of MB), so
a worker must keep it between batches. Each :class:`_StageWorker` actor builds
the configured pipeline once, from the same :class:`~narrascope.config.Config`
and the same registered factories, hence the same stage versions; the driver
sends it batches of documents and gets them back analysed.

What stays on the driver, and why: ingestion, triage and every write. Workers
never open the database, so SQLite (one writer) and PostgreSQL behave alike, a
write is the local engine's transaction per batch, and a retried task cannot
store anything twice. Results come back in the order batches were sent (at most
:data:`IN_FLIGHT` per worker outstanding, so memory stays flat whatever the
corpus), which keeps the stored rows identical to the local engine's.

Faults: a worker process that dies is restarted by Ray and its batch re-sent
(``max_restarts``/``max_task_retries``); the driver stores a batch only once it
came back whole. A driver that dies loses the batches in flight and nothing
stored: the next run triages them as new.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterator
from typing import Any

from narrascope.config import Config
from narrascope.document import Document
from narrascope.errors import ConfigError
from narrascope.pipeline._core import Pipeline, minibatch

__all__ = ["RayEngine"]

#: batches outstanding per worker: one being analysed, one waiting (no idle worker)
IN_FLIGHT = 2


class _StageWorker:
    """One Ray actor: the pipeline built once, run over the batches it is sent."""

    def __init__(self, config: Config) -> None:
        infos = config.stage_infos()
        for info in infos:
            if info.name == "nlp" and "n_process" not in info.params:
                # one actor is one CPU: Ray runs the actors in parallel, and NER worker
                # processes of its own (started per batch) would only compete with them
                info.params["n_process"] = 1
        # no vector cache: only the driver touches the database (it is an optimisation,
        # the vectors are the same either way)
        self.pipeline = Pipeline.from_config(infos)
        self._subsets: dict[tuple[str, ...], Pipeline] = {}

    def run(
        self, names: tuple[str, ...], docs: list[Document], batch_size: int
    ) -> tuple[list[Document], dict[str, float]]:
        """``docs`` through the stages ``names`` (a subset for stale re-runs), and the
        seconds each stage took on them."""
        pipeline = self.pipeline
        if tuple(pipeline.names) != names:
            if names not in self._subsets:
                self._subsets[names] = self.pipeline.subset(names)
            pipeline = self._subsets[names]
        before = dict(pipeline.timings)
        out = list(pipeline.pipe(docs, batch_size=batch_size))
        return out, {k: v - before.get(k, 0.0) for k, v in pipeline.timings.items()}

    def pid(self) -> int:
        return os.getpid()


class RayEngine:
    """Runs pipelines on a pool of Ray actors; joins ``address`` or starts Ray locally."""

    def __init__(self, config: Config, address: str | None = None, workers: int | None = None):
        try:
            import ray
        except ImportError as exc:
            raise ConfigError(
                "--engine ray needs Ray: pip install ray (see docs/scaling.md)"
            ) from exc
        self._ray = ray
        self.config = config
        self.started = False
        if not ray.is_initialized():
            # Ray reports usage statistics over the network unless told not to; narrascope
            # never sends anything anywhere on its own
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            if address is None:
                # a private instance on this machine: loopback only, no dashboard, as many
                # CPUs as workers (Ray would otherwise claim every core of the host)
                cpus = workers or max(1, min(os.cpu_count() or 1, 8))
                ray.init(
                    address="local",
                    num_cpus=cpus,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    log_to_driver=False,
                    configure_logging=False,
                )
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            self.started = True
        available = int(ray.cluster_resources().get("CPU", 1))
        self.workers = workers or max(1, available)
        remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(_StageWorker)
        self.actors = [remote.remote(config) for _ in range(self.workers)]

    def pipe(
        self, pipeline: Pipeline, docs: Iterator[Document], batch_size: int
    ) -> Iterator[Document]:
        """``docs`` through ``pipeline``'s stages on the actors, in order.

        ``pipeline`` is the driver's copy (it names the stages and receives their
        timings); the actors run their own, built from the same configuration.
        """
        ray = self._ray
        names = tuple(pipeline.names)
        pending: deque[Any] = deque()
        limit = IN_FLIGHT * len(self.actors)

        def collect() -> list[Document]:
            out, timings = ray.get(pending.popleft())
            for name, seconds in timings.items():
                if name in pipeline.timings:
                    pipeline.timings[name] += seconds
            return out

        try:
            for n, batch in enumerate(minibatch(docs, batch_size)):
                actor = self.actors[n % len(self.actors)]
                pending.append(actor.run.remote(names, batch, batch_size))
                if len(pending) >= limit:
                    yield from collect()
            while pending:
                yield from collect()
        finally:
            for ref in pending:  # a consumer that stopped (a failed write): drop the rest
                with contextlib.suppress(Exception):  # finished or gone: nothing to drop
                    ray.cancel(ref, force=False)

    def worker_pids(self) -> list[int]:
        """The actors' process ids (the fault tests kill one)."""
        return [int(pid) for pid in self._ray.get([a.pid.remote() for a in self.actors])]

    def close(self) -> None:
        ray = self._ray
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
        if self.started:
            ray.shutdown()
            self.started = False
