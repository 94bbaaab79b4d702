"""The relational result tables (migration 3): written with the JSON, backfilled from it,
aggregated in SQL, documented in docs/schema.md, the same on SQLite and PostgreSQL.

The corpus is hand-made: documents with narratives, framings and techniques set by
hand, as a stage would leave them (no model runs here).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import IntegrityError

import narrascope.store._database as database_module
from narrascope.document import (
    Document,
    Entity,
    Evidence,
    Framing,
    Mention,
    NarrativeLabel,
    NarrativeResult,
    RoleScore,
    Sentence,
    TechniqueSpan,
)
from narrascope.store import MIGRATIONS, Database, to_url
from test_store_postgres import pg_url  # noqa: F401 - the throwaway cluster fixture

ASSIGNS = {
    "nlp": ("sentences", "tokens", "mentions", "entities"),
    "narratives": ("narratives",),
    "framing": ("framings",),
    "techniques": ("techniques",),
}
BLAME = "URW: Blaming the war on others"
AGGRESSORS = "URW: Blaming the war on others: The West are the aggressors"
DISCREDIT = "URW: Discrediting Ukraine"
SCHEMA_MD = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
RELATIONAL_TABLES = (
    "outlets",
    "entities",
    "entity_aliases",
    "mentions",
    "article_narratives",
    "article_framings",
    "framing_roles",
    "framing_evidence",
    "technique_spans",
)


def _article(
    doc_id: str,
    outlet: str,
    published: date | None,
    filler: int,
    *,
    narratives: list[tuple[str, float]],
    role: str,
    fines: list[tuple[str, float]] = (),  # type: ignore[assignment]
    spans: int | None = 0,
) -> Document:
    """An analysed article: 6 words about Zelensky plus ``filler`` words.

    ``narratives`` are (label, probability), the first coarse one dominant; ``role``
    is Zelensky's main role ('' = abstained); ``spans`` technique spans (None: the
    techniques stage did not run).
    """
    body = "Zelensky said the war goes on. " + "word " * filler
    doc = Document(
        id=doc_id,
        text=body.strip(),
        title=f"Story {doc_id}",
        source=f"{doc_id}.txt",
        outlet=outlet,
        published=published,
        language="en",
    )
    doc.sentences = [Sentence(0, 30, doc.text[:30])]
    doc.mentions = [Mention(0, 8, "Zelensky", "PERSON", 0, "person:volodymyr-zelensky")]
    doc.entities = [
        Entity(
            "person:volodymyr-zelensky",
            "Volodymyr Zelensky",
            "PERSON",
            ["Zelensky", "Зеленский"],
            [0],
        )
    ]
    labels = [
        NarrativeLabel(label, "narrative" if label.count(": ") <= 1 else "subnarrative", p)
        for label, p in narratives
    ]
    coarse = [lab for lab in labels if lab.level == "narrative"]
    fine = [lab for lab in labels if lab.level == "subnarrative"]
    doc.narratives = NarrativeResult(
        domain="URW",
        labels=labels,
        dominant=coarse[0].label,
        dominant_sub=fine[0].label if fine else "",
    )
    quote = Evidence(0, 30, doc.text[:30], 0.8, 0)
    doc.framings = [
        Framing(
            "person:volodymyr-zelensky",
            "Volodymyr Zelensky",
            role,
            0.9 if role else 0.2,
            [RoleScore(r, p) for r, p in fines],
            [quote] if role else [],
            salience=0.7,
        ),
        Framing(
            "person:volodymyr-zelensky",
            "Volodymyr Zelensky",
            role,
            0.85,
            [RoleScore(r, p) for r, p in fines],
            [quote] if role else [],
            mention=0,
        ),
    ]
    doc.techniques = [
        TechniqueSpan(0, 8, "Name_Calling,Labeling", 0.7, "Zelensky")
        if i % 2
        else TechniqueSpan(18, 21, "Loaded_Language", 0.6)
        for i in range(spans or 0)
    ]
    doc.stage_versions = {"nlp": "1", "narratives": "1", "framing": "1"}
    if spans is not None:
        doc.stage_versions["techniques"] = "1"
    return doc


def corpus() -> list[Document]:
    """Alpha: 2 articles (20 + 50 words, 3 spans); Beta: 1 (100 words, no span);
    Gamma: 1 undated, abstaining, not analysed for techniques."""
    return [
        _article(
            "a1",
            "Alpha",
            date(2024, 3, 1),
            14,
            narratives=[(BLAME, 0.9), (DISCREDIT, 0.6), (AGGRESSORS, 0.8)],
            role="Antagonist",
            fines=[("Deceiver", 0.7), ("Incompetent", 0.3)],
            spans=2,
        ),
        _article(
            "a2",
            "Alpha",
            date(2024, 3, 5),
            44,
            narratives=[(DISCREDIT, 0.7)],
            role="Antagonist",
            fines=[("Deceiver", 1.0)],
            spans=1,
        ),
        _article(
            "b1",
            "Beta",
            date(2024, 3, 3),
            94,
            narratives=[(BLAME, 0.8)],
            role="Protagonist",
            fines=[("Guardian", 1.0)],
            spans=0,
        ),
        _article("c1", "Gamma", None, 10, narratives=[("Other", 0.9)], role="", spans=None),
    ]


def _copy_of_a1() -> Document:
    return Document(
        id="dup",
        text=corpus()[0].text,
        title="Copy",
        source="dup.txt",
        outlet="Delta",
        published=date(2024, 3, 2),
        duplicate_of="a1",
    )


def _store(db: Database) -> Database:
    db.save_documents(corpus(), ASSIGNS)
    db.save_duplicate(_copy_of_a1())
    return db


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each store."""
    if request.param == "sqlite":
        yield to_url(tmp_path / "rel.db")
        return
    server = to_url(request.getfixturevalue("pg_url"))
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every relational table's rows, sorted (outlet ids replaced by names)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in RELATIONAL_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            cleaned = [tuple(v for k, v in r._mapping.items() if k != "id") for r in rows]
            out[table] = sorted(cleaned, key=repr)
        out["articles"] = sorted(
            conn.execute(
                text(
                    "SELECT a.id, a.outlet, o.name FROM articles a"
                    " LEFT JOIN outlets o ON o.id = a.outlet_id"
                )
            ).all()
        )
    return out


def test_stage_results_fill_the_relational_tables(db_url: str) -> None:
    db = _store(Database(db_url))
    with db.engine.connect() as conn:
        narratives = conn.execute(
            text(
                "SELECT label, parent, level, probability, is_dominant FROM article_narratives"
                " WHERE article_id = 'a1' ORDER BY label"
            )
        ).all()
        assert [tuple(r) for r in narratives] == [
            (BLAME, None, "coarse", 0.9, 1),
            (AGGRESSORS, BLAME, "fine", 0.8, 1),
            (DISCREDIT, None, "coarse", 0.6, 0),
        ]
        framing = conn.execute(
            text(
                "SELECT mention, main_role, abstained, salience FROM article_framings"
                " WHERE article_id = 'a1' ORDER BY mention"
            )
        ).all()
        assert [tuple(r) for r in framing] == [
            (-1, "Antagonist", 0, 0.7),
            (0, "Antagonist", 0, 0.0),
        ]
        assert conn.execute(
            text(
                "SELECT main_role, abstained FROM article_framings"
                " WHERE article_id = 'c1' AND mention = -1"
            )
        ).one() == (None, 1)
        roles = conn.execute(
            text(
                "SELECT role, probability FROM framing_roles"
                " WHERE article_id = 'a1' AND mention = -1 ORDER BY role"
            )
        ).all()
        assert [tuple(r) for r in roles] == [("Deceiver", 0.7), ("Incompetent", 0.3)]
        assert conn.execute(
            text("SELECT quote FROM framing_evidence WHERE article_id = 'b1' AND mention = -1")
        ).scalar_one() == ("Zelensky said the war goes on.")
        spans = conn.execute(
            text(
                "SELECT technique, start_char, end_char, quote FROM technique_spans"
                " WHERE article_id = 'a1' ORDER BY seq"
            )
        ).all()
        # a span stored without its text gets it from the article (offsets index it)
        assert [tuple(r) for r in spans] == [
            ("Loaded_Language", 18, 21, "war"),
            ("Name_Calling,Labeling", 0, 8, "Zelensky"),
        ]
        assert conn.execute(
            text("SELECT name_key, label, mentions FROM entities WHERE article_id = 'b1'")
        ).one() == ("volodymyr zelensky", "PERSON", 1)
        aliases = conn.execute(
            text("SELECT alias_key FROM entity_aliases WHERE article_id = 'b1' ORDER BY alias_key")
        ).scalars()
        assert list(aliases) == ["zelensky", "зеленский"]
        assert conn.execute(
            text("SELECT start_char, end_char, text FROM mentions WHERE article_id = 'c1'")
        ).one() == (0, 8, "Zelensky")
    # every outlet, the copy's too, has its row and its articles link to it
    assert {a: o for a, outlet, o in _dump(db)["articles"] if outlet == o} == {
        "a1": "Alpha",
        "a2": "Alpha",
        "b1": "Beta",
        "c1": "Gamma",
        "dup": "Delta",
    }
    db.close()


def test_a_rerun_replaces_the_rows_of_its_stage_only(db_url: str) -> None:
    db = _store(Database(db_url))
    newer = corpus()[0]
    newer.narratives = NarrativeResult("URW", [NarrativeLabel(DISCREDIT, "narrative", 0.95)])
    newer.narratives.dominant = DISCREDIT
    newer.techniques = [TechniqueSpan(0, 8, "Doubt", 0.5, "Zelensky")]
    newer.stage_versions = {"narratives": "2", "techniques": "2"}
    db.save_documents([newer], {k: ASSIGNS[k] for k in ("narratives", "techniques")})
    with db.engine.connect() as conn:
        labels = conn.execute(
            text("SELECT label, is_dominant FROM article_narratives WHERE article_id = 'a1'")
        ).all()
        assert [tuple(r) for r in labels] == [(DISCREDIT, 1)]
        techniques = conn.execute(
            text("SELECT technique FROM technique_spans WHERE article_id = 'a1'")
        ).scalars()
        assert list(techniques) == ["Doubt"]
        # the framing stage did not run again: its rows stay
        assert (
            conn.execute(
                text("SELECT count(*) FROM article_framings WHERE article_id = 'a1'")
            ).scalar()
            == 2
        )
    # an edited file replaces its article: the old article's rows go with it
    edited = corpus()[2]
    edited.id, edited.text = "b1-edited", edited.text + " more"
    db.save_documents([edited], ASSIGNS)
    with db.engine.connect() as conn:
        for table in RELATIONAL_TABLES[1:]:
            left = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE article_id = 'b1'")
            ).scalar()
            assert left == 0, table
    db.close()


def test_corpus_reads_aggregate_in_sql(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store(Database(db_url))

    def no_loading(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a corpus read loaded documents")

    monkeypatch.setattr(Database, "load_documents", no_loading)
    assert db.narrative_counts() == {
        "Alpha": {DISCREDIT: 2, BLAME: 1},
        "Beta": {BLAME: 1},
        "Gamma": {"Other": 1},
    }
    assert db.narrative_counts(dominant_only=True) == {
        "Alpha": {BLAME: 1, DISCREDIT: 1},
        "Beta": {BLAME: 1},
        "Gamma": {"Other": 1},
    }
    assert db.narrative_counts(level="fine") == {"Alpha": {AGGRESSORS: 1}}
    # undated articles never match a date filter; the copy (Delta) is never counted
    assert db.narrative_counts(since="2024-03-02", until="2024-03-04") == {"Beta": {BLAME: 1}}
    assert db.narrative_counts(outlet="alpha") == {"Alpha": {DISCREDIT: 2, BLAME: 1}}
    with pytest.raises(ValueError, match="coarse"):
        db.narrative_counts(level="sub")

    expected = {"Alpha": {"Antagonist": 2}, "Beta": {"Protagonist": 1}}
    for name in ("Volodymyr Zelensky", "zelensky", "ЗЕЛЕНСКИЙ", "person:volodymyr-zelensky"):
        assert db.entity_framing(name) == expected, name
    assert db.entity_framing("zelensky", since="2024-03-04") == {"Alpha": {"Antagonist": 1}}
    assert db.entity_framing("Putin") == {}

    density = db.technique_density()
    assert {k: (v.articles, v.words, v.spans) for k, v in density.items()} == {
        "Alpha": (2, 70, 3),
        "Beta": (1, 100, 0),
    }
    assert density["Alpha"].per_1000_words == pytest.approx(3000 / 70)
    assert density["Beta"].per_1000_words == 0.0
    assert db.technique_density(technique="Loaded_Language")["Alpha"].spans == 2
    db.close()


def test_corpus_reads_can_keep_one_story(db_url: str) -> None:
    db = _store(Database(db_url))
    with db._writer.begin() as conn:
        story = conn.execute(
            text(
                "INSERT INTO stories (title, created_at, updated_at)"
                " VALUES ('War', 't', 't') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text("INSERT INTO story_articles VALUES (:s, :a, 't')"),
            [{"s": story, "a": "a2"}, {"s": story, "a": "b1"}],
        )
    assert db.narrative_counts(story=story) == {"Alpha": {DISCREDIT: 1}, "Beta": {BLAME: 1}}
    assert db.entity_framing("zelensky", story=story) == {
        "Alpha": {"Antagonist": 1},
        "Beta": {"Protagonist": 1},
    }
    assert set(db.technique_density(story=story)) == {"Alpha", "Beta"}
    # an article belongs to one story only
    with pytest.raises(IntegrityError), db._writer.begin() as conn:
        conn.execute(text("INSERT INTO story_articles VALUES (:s, 'a2', 't')"), {"s": story})
    db.close()


def _doc_queries() -> dict[str, str]:
    blocks = re.findall(r"```sql\n(.*?)```", SCHEMA_MD.read_text("utf-8"), re.S)
    out = {}
    for block in blocks:
        name = re.match(r"-- name: (\w+)\n", block)
        assert name, block
        out[name.group(1)] = block
    return out


def test_the_documented_queries_run_on_both_stores(db_url: str) -> None:
    db = _store(Database(db_url))
    queries = _doc_queries()
    assert set(queries) == {
        "narratives_per_outlet",
        "entity_framing",
        "technique_density",
        "disputed_entities",
    }
    with db.engine.connect() as conn:

        def run(name: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.exec_driver_sql(queries[name].rstrip().rstrip(";"))]

        assert run("narratives_per_outlet") == [
            ("Alpha", DISCREDIT, 2),
            ("Alpha", BLAME, 1),
            ("Beta", BLAME, 1),
            ("Gamma", "Other", 1),
        ]
        assert run("entity_framing") == [("Alpha", "Antagonist", 2), ("Beta", "Protagonist", 1)]
        density = [(o, n, int(w), int(s), float(d)) for o, n, w, s, d in run("technique_density")]
        assert density == [("Alpha", 2, 70, 3, 42.86), ("Beta", 1, 100, 0, 0.0)]
        assert run("disputed_entities") == [
            ("person:volodymyr-zelensky", "Volodymyr Zelensky", 2, 2)
        ]
    db.close()


def test_every_table_and_column_is_documented(tmp_path: Path) -> None:
    db = Database(tmp_path / "doc.db")
    documented = SCHEMA_MD.read_text("utf-8")
    with db.engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'articles_fts_%'"
        ).scalars()
        for table in tables:
            assert f"`{table}`" in documented, table
            if table == "articles_fts":
                continue
            for column in conn.exec_driver_sql(f"PRAGMA table_info({table})"):
                assert f"`{column[1]}`" in documented, f"{table}.{column[1]}"
    db.close()


def test_migration_backfills_a_database_of_the_previous_schema(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Written by schema 2 (JSON only), migrated: the same rows as a fresh write."""
    full = list(MIGRATIONS)
    previous = [m for m in full if m.version < 3]
    with monkeypatch.context() as old:
        old.setattr(database_module, "MIGRATIONS", previous)
        # the write path as it was: article rows and JSON stage results only
        old.setattr(database_module, "write_rows", lambda *_a: None)
        old.setattr(database_module, "link_outlet", lambda *_a: None)
        legacy = _store(Database(db_url))
        assert legacy.schema_version() == 2
        legacy.close()
    migrated = Database(db_url)
    assert migrated.schema_version() == max(m.version for m in full)
    fresh = _store(Database(tmp_path / "fresh.db"))
    assert _dump(migrated) == _dump(fresh)
    assert migrated.narrative_counts() == fresh.narrative_counts()
    assert migrated.entity_framing("zelensky") == fresh.entity_framing("zelensky")
    assert migrated.technique_density() == fresh.technique_density()
    migrated.close()
    fresh.close()


def test_the_backfill_reads_a_bounded_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More articles than one chunk: every one is backfilled (paging is not lossy)."""
    import narrascope.store._relational as relational

    monkeypatch.setattr(relational, "_BACKFILL_CHUNK", 3)
    full = list(MIGRATIONS)
    with monkeypatch.context() as old:
        old.setattr(database_module, "MIGRATIONS", [m for m in full if m.version < 3])
        old.setattr(database_module, "write_rows", lambda *_a: None)
        old.setattr(database_module, "link_outlet", lambda *_a: None)
        docs = []
        for n in range(7):
            doc = corpus()[n % 3]
            doc.id, doc.source, doc.text = f"x{n}", f"x{n}.txt", f"{doc.text} {n}"
            docs.append(doc)
        Database(tmp_path / "old.db").save_documents(docs, ASSIGNS)
    db = Database(tmp_path / "old.db")
    with db.engine.connect() as conn:
        got = conn.execute(text("SELECT count(DISTINCT article_id) FROM article_framings"))
        assert got.scalar() == 7
    db.close()


def test_a_plain_sqlite_client_sees_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    _store(Database(path)).close()
    with sqlite3.connect(path) as conn:  # no narrascope: what any SQL client sees
        rows = conn.execute(
            "SELECT o.name, n.label FROM article_narratives n"
            " JOIN articles a ON a.id = n.article_id JOIN outlets o ON o.id = a.outlet_id"
            " WHERE n.is_dominant = 1 AND n.level = 'coarse' ORDER BY o.name, n.label"
        ).fetchall()
    assert rows == [("Alpha", BLAME), ("Alpha", DISCREDIT), ("Beta", BLAME), ("Gamma", "Other")]
    if shutil.which("sqlite3"):
        tables = subprocess.run(
            ["sqlite3", "-readonly", str(path), ".tables"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert {"article_narratives", "article_framings", "technique_spans", "stories"} <= set(
            tables
        )
