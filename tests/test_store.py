"""The store: migrations, atomic writes, round trips, full-text search, vector cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from narrascope.document import Document, Entity, Mention, Sentence
from narrascope.store import MIGRATIONS, Database, to_url

NLP_ASSIGNS = {"nlp": ("sentences", "tokens", "mentions", "entities")}


def _doc(
    doc_id: str = "d1", source: str = "a.txt", body: str = "Putin spoke in Moscow."
) -> Document:
    doc = Document(
        id=doc_id,
        text=f"Title {doc_id}\n\n{body}",
        title=f"Title {doc_id}",
        source=source,
        outlet="Wire",
        language="en",
    )
    doc.sentences = [Sentence(0, 8, doc.text[:8])]
    doc.mentions = [Mention(10, 15, "Putin", "PERSON", 1, "person:vladimir-putin")]
    doc.entities = [Entity("person:vladimir-putin", "Vladimir Putin", "PERSON", ["Putin"], [0])]
    doc.stage_versions["nlp"] = "1"
    return doc


def test_migrations_are_applied_once(db_path: Path) -> None:
    db = Database(db_path)
    assert db.schema_version() == max(m.version for m in MIGRATIONS)
    db.close()
    again = Database(db_path)  # re-opening must not re-run DDL
    assert again.schema_version() == max(m.version for m in MIGRATIONS)


def test_a_database_from_a_newer_version_is_refused_untouched(db_path: Path) -> None:
    from narrascope.errors import StoreError

    db = Database(db_path)
    db.save_documents([_doc()], NLP_ASSIGNS)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_migrations VALUES (99, 'future', 'later')"))
    db.close()
    with pytest.raises(StoreError, match="newer narrascope"):
        Database(db_path)
    assert Database(db_path, migrate=False).count() == 1


def test_wal_mode(db_path: Path) -> None:
    db = Database(db_path)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_save_and_load_round_trip(db_path: Path) -> None:
    db = Database(db_path)
    db.save_documents([_doc()], NLP_ASSIGNS, {"d1": b"sig"})
    back = db.load_document("d1")
    assert back is not None
    assert back.entities[0].name == "Vladimir Putin"
    assert back.stage_versions == {"nlp": "1"}
    assert db.stage_versions() == {"d1": {"nlp": "1"}}
    assert list(db.minhashes()) == [("d1", b"sig")]
    assert db.check_integrity() == []


def test_edited_source_replaces_the_old_version(db_path: Path) -> None:
    db = Database(db_path)
    db.save_documents([_doc("old", "a.txt")], NLP_ASSIGNS)
    db.save_documents([_doc("new", "a.txt", body="Zelensky spoke.")], NLP_ASSIGNS)
    assert [r.id for r in db.articles()] == ["new"]
    assert db.check_integrity() == []


def test_an_edited_source_within_one_batch_leaves_no_rows_of_the_old_version(
    db_path: Path,
) -> None:
    # the relational rows of a batch are written together at its end: those of an
    # article that a later one of the same batch replaces must still go with it
    db = Database(db_path)
    db.save_documents(
        [_doc("old", "a.txt"), _doc("new", "a.txt", body="Putin spoke again.")], NLP_ASSIGNS
    )
    assert [r.id for r in db.articles()] == ["new"]
    with db.engine.connect() as conn:
        for table in ("entities", "entity_aliases", "mentions"):
            ids = conn.execute(text(f"SELECT DISTINCT article_id FROM {table}")).scalars()
            assert list(ids) == ["new"], table
    assert db.check_integrity() == []


def test_a_failing_batch_leaves_nothing_half_written(db_path: Path) -> None:
    db = Database(db_path)
    db.save_documents([_doc("keep", "k.txt")], NLP_ASSIGNS)
    good, bad = _doc("g", "g.txt"), _doc("b", "b.txt")
    bad.entities = [
        Entity("x", "X", "PERSON", [], [0]),
        Entity("x", "X", "PERSON", [], [0]),
    ]  # PK clash
    with pytest.raises(Exception):  # noqa: B017 - any database error
        db.save_documents([good, bad], NLP_ASSIGNS)
    assert [r.id for r in db.articles()] == ["keep"]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stage_results")).scalar() == 1
    assert db.check_integrity() == []


def test_full_text_search_survives_hostile_queries(db_path: Path) -> None:
    db = Database(db_path)
    db.save_documents([_doc()], NLP_ASSIGNS)
    assert db.search("moscow")[0][0] == "d1"
    for query in ['"', "AND OR NOT", "x* NEAR(", "'; DROP TABLE articles; --"]:
        db.search(query)  # must not raise
    assert db.count() == 1


def test_vector_cache(db_path: Path) -> None:
    db = Database(db_path)
    vec = np.arange(4, dtype=np.float32)
    db.put_many({"k1": vec}, "m@1")
    db.put_many({"k1": vec}, "m@1")  # idempotent
    got = db.get_many(["k1", "k2"], "m@1")
    assert list(got) == ["k1"]
    np.testing.assert_array_equal(got["k1"], vec)
    assert db.get_many(["k1"], "other-model") == {}


def test_url_mapping() -> None:
    assert to_url("news.db").startswith("sqlite:///")
    assert to_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_reader_never_creates_a_database(tmp_path: Path) -> None:
    from narrascope.errors import StoreError

    with pytest.raises(StoreError, match="no such database"):
        Database(tmp_path / "typo.db", must_exist=True)
    assert not (tmp_path / "typo.db").exists()
