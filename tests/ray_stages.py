"""Stages for the Ray engine's tests, importable by Ray's worker processes.

The test module's own registrations happen in the driver only; a Ray worker
registers these through ``worker_process_setup_hook="ray_stages.register"``
(the tests folder is on the workers' PYTHONPATH).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import ClassVar

from narrascope.document import Document
from narrascope.pipeline import BaseStage, registry


class Mark(BaseStage):
    """Writes which process analysed each document, so a test can tell the workers
    apart; kills its own process once at a document whose title holds ``KILL-THIS-WORKER`` (a
    worker crash) when ``NARRASCOPE_TEST_KILL_MARK`` names a file not there yet."""

    name: ClassVar[str] = "mark"
    version: ClassVar[str] = "1"
    assigns: ClassVar[tuple[str, ...]] = ("meta",)
    delay: ClassVar[float] = 0.0

    def __call__(self, doc: Document) -> Document:
        mark = os.environ.get("NARRASCOPE_TEST_KILL_MARK")
        if mark and "KILL-THIS-WORKER" in doc.title and not Path(mark).exists():
            Path(mark).write_text(str(os.getpid()), encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
        delay = float(os.environ.get("NARRASCOPE_TEST_DELAY", "0"))
        if delay:
            time.sleep(delay)
        doc.meta = {**doc.meta, "words": len(doc.text.split())}
        return doc


def register() -> None:
    if "test.mark.v1" not in registry.stages.get_all():
        registry.stages.register("test.mark.v1", func=Mark)


register()
