"""Loading the project's own trained artefacts (joblib files written by ``training/``).

Only files this project trained and ships are ever unpickled: a missing or
mistyped artefact is a :class:`~narrascope.errors.ModelNotFoundError` that says
how to rebuild it, never a download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import joblib

from narrascope.errors import ModelNotFoundError

__all__ = ["load_artefact"]

T = TypeVar("T")


def load_artefact(path: Path, kind: type[T] | None, stage: str) -> Any:
    """Load ``path`` and check it holds a ``kind`` (any object when ``kind`` is None)."""
    if not Path(path).exists():
        raise ModelNotFoundError(
            f"{stage} model not found at {path}; run `python training/{stage}.py` to train it"
        )
    obj = joblib.load(path)
    if kind is not None and not isinstance(obj, kind):
        raise ModelNotFoundError(f"{path} does not hold a {kind.__name__}")
    return obj
