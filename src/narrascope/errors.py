"""Exceptions raised by narrascope.

::

    NarrascopeError
     ├── ConfigError        bad configuration (unknown stage, missing requirement)
     ├── StageError         a stage broke the pipeline contract
     ├── IngestError        one input could not be read; carries ``source`` and ``reason``
     ├── StoreError         the database could not be opened or migrated
     └── ModelNotFoundError a trained artefact is missing from the package
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "IngestError",
    "ModelNotFoundError",
    "NarrascopeError",
    "StageError",
    "StoreError",
]


class NarrascopeError(Exception):
    """Base class of every error narrascope raises on purpose."""


class ConfigError(NarrascopeError):
    pass


class StageError(NarrascopeError):
    pass


class StoreError(NarrascopeError):
    pass


class ModelNotFoundError(NarrascopeError):
    pass


class IngestError(NarrascopeError):
    """An input was rejected. ``source`` names the file/URL (and line), ``reason`` why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
