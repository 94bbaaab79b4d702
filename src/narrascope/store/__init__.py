"""Storage: SQLite by default (one file, WAL, FTS5), PostgreSQL by URL, with migrations."""

from narrascope.store._database import (
    ArticleRow,
    Database,
    TechniqueDensity,
    quote,
    redact,
    to_url,
)
from narrascope.store._migrations import MIGRATIONS, Migration

__all__ = [
    "MIGRATIONS",
    "ArticleRow",
    "Database",
    "Migration",
    "TechniqueDensity",
    "quote",
    "redact",
    "to_url",
]
