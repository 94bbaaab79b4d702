"""Schema migrations: numbered, applied once each, inside one transaction.

Why raw DDL rather than ``metadata.create_all``: the schema of an existing
database must never depend on today's Python table definitions. Each migration
is a list of statements with three dialect-specific placeholders (``{blob}``,
``{serial}``, ``{real}``); SQLite-only (FTS5) and PostgreSQL-only (tsvector)
statements are listed separately. A migration that derives rows from data already
stored names a ``backfill`` that runs after its statements, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from narrascope.store._bands import backfill_bands
from narrascope.store._relational import backfill as relational_backfill

__all__ = ["MIGRATIONS", "Migration"]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    common: list[str]
    sqlite: list[str] = field(default_factory=list)
    postgresql: list[str] = field(default_factory=list)
    #: fills what the statements created from what earlier schemas stored
    backfill: Callable[[Connection, str], None] | None = None

    def statements(self, dialect: str) -> list[str]:
        # REAL is 8 bytes in SQLite but 4 in PostgreSQL: probabilities must read back
        # the same from both stores
        blob, serial, real = (
            ("BYTEA", "SERIAL PRIMARY KEY", "DOUBLE PRECISION")
            if dialect == "postgresql"
            else ("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT", "REAL")
        )
        extra = self.postgresql if dialect == "postgresql" else self.sqlite
        return [s.format(blob=blob, serial=serial, real=real) for s in [*self.common, *extra]]


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
    Migration(
        3,
        "relational results: outlets, narratives, entities and aliases, mentions, framings"
        " with fine roles and evidence, technique spans; stories, claims, timelines",
        common=[
            """CREATE TABLE outlets (
                id {serial},
                name TEXT NOT NULL UNIQUE,
                domains TEXT NOT NULL DEFAULT '[]',
                country TEXT,
                declared_leaning TEXT,
                learnt_group TEXT
            )""",
            "ALTER TABLE articles ADD COLUMN outlet_id INTEGER REFERENCES outlets (id)",
            "CREATE INDEX ix_articles_outlet_id ON articles (outlet_id)",
            "ALTER TABLE entities ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX ix_entities_name_key ON entities (name_key)",
            """CREATE TABLE entity_aliases (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                entity_id TEXT NOT NULL,
                alias TEXT NOT NULL,
                alias_key TEXT NOT NULL,
                PRIMARY KEY (article_id, entity_id, alias)
            )""",
            "CREATE INDEX ix_entity_aliases_key ON entity_aliases (alias_key)",
            """CREATE TABLE mentions (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                entity_id TEXT NOT NULL DEFAULT '',
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL,
                text TEXT NOT NULL,
                label TEXT NOT NULL,
                sentence INTEGER NOT NULL DEFAULT -1,
                PRIMARY KEY (article_id, seq)
            )""",
            "CREATE INDEX ix_mentions_entity ON mentions (entity_id)",
            """CREATE TABLE article_narratives (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                label TEXT NOT NULL,
                parent TEXT,
                domain TEXT NOT NULL DEFAULT '',
                level TEXT NOT NULL CHECK (level IN ('coarse', 'fine')),
                probability {real} NOT NULL,
                is_dominant INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (article_id, label)
            )""",
            "CREATE INDEX ix_article_narratives_label ON article_narratives (label)",
            "CREATE INDEX ix_article_narratives_parent ON article_narratives (parent)",
            """CREATE TABLE article_framings (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                entity_id TEXT NOT NULL,
                mention INTEGER NOT NULL,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                main_role TEXT,
                main_probability {real} NOT NULL,
                salience {real} NOT NULL DEFAULT 0,
                abstained INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (article_id, entity_id, mention)
            )""",
            "CREATE INDEX ix_article_framings_name_key ON article_framings (name_key)",
            "CREATE INDEX ix_article_framings_entity ON article_framings (entity_id)",
            "CREATE INDEX ix_article_framings_role ON article_framings (main_role)",
            """CREATE TABLE framing_roles (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                entity_id TEXT NOT NULL,
                mention INTEGER NOT NULL,
                role TEXT NOT NULL,
                probability {real} NOT NULL,
                PRIMARY KEY (article_id, entity_id, mention, role)
            )""",
            """CREATE TABLE framing_evidence (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                entity_id TEXT NOT NULL,
                mention INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL,
                quote TEXT NOT NULL,
                score {real} NOT NULL DEFAULT 0,
                PRIMARY KEY (article_id, entity_id, mention, seq)
            )""",
            """CREATE TABLE technique_spans (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                technique TEXT NOT NULL,
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL,
                probability {real} NOT NULL,
                quote TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (article_id, seq)
            )""",
            "CREATE INDEX ix_technique_spans_technique ON technique_spans (technique)",
            """CREATE TABLE stories (
                id {serial},
                title TEXT NOT NULL DEFAULT '',
                first_published TEXT,
                last_published TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX ix_stories_first ON stories (first_published)",
            "CREATE INDEX ix_stories_last ON stories (last_published)",
            """CREATE TABLE story_articles (
                story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                article_id TEXT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
                added_at TEXT NOT NULL,
                PRIMARY KEY (story_id, article_id)
            )""",
            """CREATE TABLE story_merges (
                from_story INTEGER NOT NULL,
                into_story INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                at TEXT NOT NULL,
                PRIMARY KEY (from_story, into_story)
            )""",
            "CREATE INDEX ix_story_merges_into ON story_merges (into_story)",
            """CREATE TABLE claims (
                id {serial},
                story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                text TEXT NOT NULL,
                kind TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX ix_claims_story ON claims (story_id)",
            """CREATE TABLE claim_articles (
                claim_id INTEGER NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL,
                quote TEXT NOT NULL,
                PRIMARY KEY (claim_id, article_id, start_char)
            )""",
            "CREATE INDEX ix_claim_articles_article ON claim_articles (article_id)",
            """CREATE TABLE timeline_events (
                id {serial},
                story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                event_date TEXT NOT NULL,
                event TEXT NOT NULL
            )""",
            "CREATE INDEX ix_timeline_events_story ON timeline_events (story_id, event_date)",
            """CREATE TABLE timeline_quotes (
                event_id INTEGER NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL,
                quote TEXT NOT NULL,
                PRIMARY KEY (event_id, article_id, start_char)
            )""",
            "CREATE INDEX ix_timeline_quotes_article ON timeline_quotes (article_id)",
        ],
        backfill=relational_backfill,
    ),
    Migration(
        4,
        "story assignment: each story's founding article (the clusterer's stable key) and"
        " each clustered article's compact signature, so a later run matches new articles"
        " against stored ones without reading their texts",
        common=[
            "ALTER TABLE stories ADD COLUMN founder TEXT",
            "CREATE UNIQUE INDEX ix_stories_founder ON stories (founder)",
            """CREATE TABLE story_signatures (
                article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                signature {blob} NOT NULL
            )""",
            "CREATE INDEX ix_story_signatures_seq ON story_signatures (seq)",
        ],
    ),
    Migration(
        5,
        "stored claims and timelines: their order, the one-sided flag, the date's precision,"
        " the quote's source and date phrase, and which state of a story's members they were"
        " derived from (a story whose members changed since is recomputed)",
        common=[
            "ALTER TABLE stories ADD COLUMN derived_key TEXT",
            "ALTER TABLE claims ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE claims ADD COLUMN one_sided INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE claim_articles ADD COLUMN source TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE timeline_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE timeline_events ADD COLUMN granularity TEXT NOT NULL DEFAULT 'day'",
            "ALTER TABLE timeline_quotes ADD COLUMN date_text TEXT NOT NULL DEFAULT ''",
        ],
    ),
    Migration(
        6,
        "trends (issue 17): covering indexes for the corpus views; trend_counts, a summary"
        " of the relational results per outlet and day that analyze rebuilds, so trends and"
        " profiles read thousands of rows instead of joining the corpus; outlet_profiles",
        common=[
            "CREATE INDEX ix_articles_corpus ON articles"
            " (outlet, duplicate_of, published, id, language, word_count)",
            "CREATE INDEX ix_articles_updated ON articles (updated_at)",
            "CREATE INDEX ix_article_narratives_cover ON article_narratives"
            " (article_id, level, label)",
            "CREATE INDEX ix_technique_spans_cover ON technique_spans (article_id, technique)",
            "CREATE INDEX ix_article_framings_cover ON article_framings"
            " (entity_id, mention, main_role, article_id)",
            "CREATE INDEX ix_article_framings_article ON article_framings"
            " (article_id, mention, entity_id, main_role)",
            "CREATE INDEX ix_entity_aliases_entity ON entity_aliases (entity_id, alias)",
            "CREATE INDEX ix_entity_aliases_key_entity ON entity_aliases (alias_key, entity_id)",
            "CREATE INDEX ix_entities_key_entity ON entities (name_key, entity_id)",
            "CREATE INDEX ix_article_framings_key_entity ON article_framings (name_key, entity_id)",
            "CREATE INDEX ix_framing_evidence_entity ON framing_evidence"
            " (entity_id, mention, article_id)",
            "CREATE INDEX ix_framing_evidence_score ON framing_evidence"
            " (entity_id, mention, score)",
            """CREATE TABLE trend_counts (
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                role TEXT NOT NULL DEFAULT '',
                outlet TEXT NOT NULL,
                day TEXT,
                articles INTEGER NOT NULL,
                spans INTEGER NOT NULL DEFAULT 0,
                words INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX ix_trend_counts_key ON trend_counts (kind, key, outlet, day)",
            "CREATE INDEX ix_trend_counts_outlet ON trend_counts (outlet, kind, key)",
            """CREATE TABLE outlet_profiles (
                outlet TEXT PRIMARY KEY,
                data TEXT NOT NULL
            )""",
            """CREATE TABLE trend_state (
                id INTEGER PRIMARY KEY,
                articles INTEGER NOT NULL,
                last_update TEXT,
                built_at TEXT NOT NULL
            )""",
        ],
    ),
    Migration(
        7,
        "near-duplicate index in the store: each stored signature's LSH band keys, so a"
        " run looks up a batch's candidates by key instead of loading every signature",
        common=[
            """CREATE TABLE minhash_bands (
                key BIGINT NOT NULL,
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                PRIMARY KEY (key, article_id)
            )""",
            "CREATE INDEX ix_minhash_bands_article ON minhash_bands (article_id)",
            "CREATE INDEX ix_minhash_bands_seq ON minhash_bands (seq)",
        ],
        backfill=backfill_bands,
    ),
]
