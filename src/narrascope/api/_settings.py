"""How ``narrascope serve`` is configured (one object, built by the CLI or by tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrascope.config import Config

__all__ = ["ServeSettings", "read_token"]


@dataclass
class ServeSettings:
    """Everything the app needs besides the request.

    ``token`` guards every write (``Authorization: Bearer <token>``); None refuses
    all writes. ``spool`` holds accepted jobs until they ran (default: beside a
    SQLite database as ``<file>.jobs/``, else ``./narrascope-jobs``).
    """

    db: str
    read_only: bool = False
    token: str | None = None
    #: the largest request body accepted (bytes); also the largest text or file
    max_body: int = 10_000_000
    #: jobs allowed to wait; one more is answered 503
    max_queued: int = 16
    spool: Path | None = None
    config: Config | None = None
    allow_private_urls: bool = False
    fetch_timeout: float = 10.0
    #: assign stored articles to stories after each job (as `analyze` does)
    stories: bool = True
    #: the clusterer's encoder (None: the default one; False: none, for tests)
    story_encoder: Any = None
    #: start the analysis worker (tests of the read side may leave it off)
    worker: bool = True

    def spool_dir(self) -> Path:
        if self.spool is not None:
            return Path(self.spool)
        if "://" not in self.db:
            return Path(f"{Path(self.db).expanduser()}.jobs")
        return Path("narrascope-jobs")


def read_token(token_file: Path | None) -> str | None:
    """The write token: ``--token-file``'s first line, else ``NARRASCOPE_TOKEN``, else None.

    ValueError names the file when it cannot be read or holds no token.
    """
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"{token_file}: cannot read the token ({exc.strerror})") from exc
        token = lines[0].strip() if lines else ""
        if not token:
            raise ValueError(f"{token_file}: holds no token (expected it on the first line)")
        return token
    token = os.environ.get("NARRASCOPE_TOKEN", "").strip()
    return token or None
