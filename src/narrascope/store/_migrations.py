"""Schema migrations: numbered, applied once each, inside one transaction.

Why raw DDL rather than ``metadata.create_all``: the schema of an existing
database must never depend on today's Python table definitions. Each migration
is a list of statements with two dialect-specific placeholders (``{blob}``,
``{serial}``); SQLite-only (FTS5) and PostgreSQL-only (tsvector) statements are
listed separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MIGRATIONS", "Migration"]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    common: list[str]
    sqlite: list[str] = field(default_factory=list)
    postgresql: list[str] = field(default_factory=list)

    def statements(self, dialect: str) -> list[str]:
        blob, serial = (
            ("BYTEA", "SERIAL PRIMARY KEY")
            if dialect == "postgresql"
            else ("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT")
        )
        extra = self.postgresql if dialect == "postgresql" else self.sqlite
        return [s.format(blob=blob, serial=serial) for s in [*self.common, *extra]]


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "articles, stage results, entities, runs, rejects, vector cache, full-text search",
        common=[
            """CREATE TABLE articles (
                id TEXT PRIMARY KEY,
                source TEXT NOT NULL DEFAULT '',
                url TEXT NOT NULL DEFAULT '',
                outlet TEXT NOT NULL DEFAULT '',
                title TEXT NOT NULL DEFAULT '',
                published TEXT,
                language TEXT NOT NULL DEFAULT '',
                authors TEXT NOT NULL DEFAULT '[]',
                meta TEXT NOT NULL DEFAULT '{{}}',
                notes TEXT NOT NULL DEFAULT '[]',
                text TEXT NOT NULL,
                word_count INTEGER NOT NULL DEFAULT 0,
                duplicate_of TEXT,
                minhash {blob},
                ingested_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX ix_articles_source ON articles (source)",
            "CREATE INDEX ix_articles_outlet ON articles (outlet)",
            "CREATE INDEX ix_articles_published ON articles (published)",
            """CREATE TABLE stage_results (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                stage TEXT NOT NULL,
                version TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (article_id, stage)
            )""",
            """CREATE TABLE entities (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                entity_id TEXT NOT NULL,
                name TEXT NOT NULL,
                label TEXT NOT NULL,
                mentions INTEGER NOT NULL,
                PRIMARY KEY (article_id, entity_id)
            )""",
            "CREATE INDEX ix_entities_entity ON entities (entity_id)",
            """CREATE TABLE runs (
                id {serial},
                command TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                counts TEXT NOT NULL DEFAULT '{{}}'
            )""",
            """CREATE TABLE rejects (
                id {serial},
                run_id INTEGER,
                source TEXT NOT NULL,
                reason TEXT NOT NULL,
                at TEXT NOT NULL
            )""",
            """CREATE TABLE sentence_vectors (
                key TEXT NOT NULL,
                model TEXT NOT NULL,
                vector {blob} NOT NULL,
                PRIMARY KEY (key, model)
            )""",
        ],
        sqlite=[
            "CREATE VIRTUAL TABLE articles_fts USING fts5("
            "article_id UNINDEXED, title, text, tokenize='unicode61 remove_diacritics 2')",
        ],
        postgresql=[
            "ALTER TABLE articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED",
            "CREATE INDEX ix_articles_tsv ON articles USING GIN (tsv)",
        ],
    ),
    Migration(
        2,
        "articles.source_prefix: what the source file holds before the stored text (header"
        " lines), so exported offsets can index the file itself",
        common=["ALTER TABLE articles ADD COLUMN source_prefix TEXT NOT NULL DEFAULT ''"],
    ),
]
