"""Loading the project's own trained artefacts (joblib files written by ``training/``).

Only files this project trained and ships are ever unpickled: a missing or
mistyped artefact is a :class:`~narrascope.errors.ModelNotFoundError` that says
how to rebuild it, never a download.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import joblib

from narrascope.errors import ModelNotFoundError

__all__ = ["artefact_version", "load_artefact", "require_artefact"]

T = TypeVar("T")


def require_artefact(path: Path, stage: str) -> None:
    """Fail now, with how to rebuild it, when ``path`` is missing.

    Stages call this when they are built and load the artefact itself only when
    they first analyse something: a mistyped path still fails before any data is
    read, while a run with nothing to analyse loads no model at all.
    """
    if not Path(path).exists():
        raise ModelNotFoundError(
            f"{stage} model not found at {path}; run `python training/{stage}.py` to train it"
        )


def load_artefact(path: Path, kind: type[T] | None, stage: str) -> Any:
    """Load ``path`` and check it holds a ``kind`` (any object when ``kind`` is None)."""
    require_artefact(path, stage)
    obj = joblib.load(path)
    if kind is not None and not isinstance(obj, kind):
        raise ModelNotFoundError(f"{path} does not hold a {kind.__name__}")
    return obj


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def artefact_version(base: str, path: Path, **params: object) -> str:
    """A stage version that changes whenever its artefact (or a non-default parameter) does.

    ``"1+3fa9c2d1"``: the code's version, then the first 8 hex digits of the
    artefact's SHA-256. Retraining a model therefore re-runs exactly that stage
    on stored articles, without anyone remembering to bump a number.
    """
    stat = Path(path).stat()
    version = f"{base}+{_digest(str(path), stat.st_size, stat.st_mtime_ns)[:8]}"
    given = {k: v for k, v in sorted(params.items()) if v is not None}
    if given:
        version += "+" + hashlib.sha256(repr(given).encode()).hexdigest()[:6]
    return version
