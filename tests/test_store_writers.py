"""Concurrent writers, read-only readers, pruning rejects, and passwords kept out of messages."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.document import Document, Sentence
from narrascope.errors import StoreError
from narrascope.pipeline import BaseStage, registry
from narrascope.store import MIGRATIONS, Database, Migration, redact

NLP_ASSIGNS = {"nlp": ("sentences",)}


def _doc(doc_id: str = "d1", source: str = "a.txt") -> Document:
    doc = Document(
        id=doc_id, text=f"Title {doc_id}\n\nBody.", title=f"Title {doc_id}", source=source
    )
    doc.sentences = [Sentence(0, 8, doc.text[:8])]
    doc.stage_versions["nlp"] = "1"
    return doc


def _fts_rows(db_path: Path, article_id: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM articles_fts WHERE article_id = ?", (article_id,)
            ).fetchone()[0]
        )


# ------------------------------------------------------------------ writers
def test_a_write_decides_inside_its_own_lock(db_path: Path) -> None:
    """Another writer stores the same article while this one waits for the write lock:
    this one must then see it and replace its full-text row, not add a second one."""
    db = Database(db_path)
    other = sqlite3.connect(db_path, isolation_level=None, timeout=10)
    other.execute("BEGIN IMMEDIATE")
    errors: list[BaseException] = []

    def save() -> None:
        try:
            db.save_documents([_doc()], NLP_ASSIGNS)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=save)
    writer.start()
    time.sleep(0.5)  # the writer has made its reads and now waits for the lock
    other.execute(
        "INSERT INTO articles (id, text, ingested_at, updated_at) VALUES ('d1', 'x', 't', 't')"
    )
    other.execute("INSERT INTO articles_fts (article_id, title, text) VALUES ('d1', 't', 'x')")
    other.execute("COMMIT")
    writer.join(30)
    assert not writer.is_alive() and not errors
    assert _fts_rows(db_path, "d1") == 1
    assert db.check_integrity() == []


def test_a_second_writer_is_refused_while_a_run_holds_the_lock(db_path: Path) -> None:
    first, second = Database(db_path), Database(db_path)
    run = first.start_run("analyze a")
    with pytest.raises(StoreError, match=r"another narrascope run is writing.*pid \d+"):
        second.start_run("analyze b")
    first.finish_run(run, {})
    second.finish_run(second.start_run("analyze b"), {})  # free again once the run ended
    second.close()
    first.close()


class Slow(BaseStage):
    """Signals when it is busy, so the test knows the first run is mid-analysis."""

    name: ClassVar[str] = "slow"
    version: ClassVar[str] = "1"
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()
    busy: ClassVar[threading.Event] = threading.Event()

    def __call__(self, doc: Document) -> Document:
        Slow.busy.set()
        time.sleep(0.3)
        return doc


@registry.stages.register("test.slow.v1")
def make_slow() -> Slow:
    return Slow()


def test_two_analyze_runs_at_once_never_store_an_article_twice(
    corpus_dir: Path, db_path: Path
) -> None:
    config = Config(stages=["slow"], factories={"slow": "test.slow.v1"})
    outcome: dict[str, object] = {}

    def run(name: str) -> None:
        try:
            outcome[name] = Narrascope(db_path, config).analyze([str(corpus_dir)]).analysed
        except StoreError as exc:
            outcome[name] = exc

    Slow.busy.clear()
    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert Slow.busy.wait(30)
    run("second")  # while the first is analysing
    first.join(60)
    assert outcome["first"] == 3
    assert isinstance(outcome["second"], StoreError)
    assert "another narrascope run is writing" in str(outcome["second"])
    with sqlite3.connect(db_path) as conn:
        fts = conn.execute("SELECT count(*), count(DISTINCT article_id) FROM articles_fts")
        assert fts.fetchone() == (3, 3)
    # and the refused run can simply be repeated
    assert Narrascope(db_path, config).analyze([str(corpus_dir)]).unchanged == 3


# ------------------------------------------------------------------ readers
@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    """A database in a folder nobody may write: chmod, or for root `chattr +i`."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "news.db"
    db = Database(path)
    db.save_documents([_doc()], NLP_ASSIGNS)
    db.close()
    assert not Path(f"{path}-shm").exists()  # a clean close merged and removed the WAL
    targets = [path, folder]
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", *map(str, targets)], capture_output=True).returncode:
            pytest.skip("running as root and cannot make files immutable here")
    else:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    assert not os.access(path, os.W_OK) and not os.access(folder, os.W_OK)
    yield path
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, targets)], check=True)
    else:
        folder.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_readers_open_a_database_they_cannot_write(read_only_db: Path) -> None:
    db = Database(read_only_db, must_exist=True, read_only=True)
    assert db.count() == 1
    assert [hit[0] for hit in db.search("Body")] == ["d1"]
    assert db.load_documents()[0].title == "Title d1"
    db.close()
    assert sorted(p.name for p in read_only_db.parent.iterdir()) == ["news.db"]


def test_readers_say_when_a_database_needs_migrating(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Database(db_path).close()
    newest = max(m.version for m in MIGRATIONS)
    later = Migration(newest + 1, "a later column", ["ALTER TABLE runs ADD x TEXT"])
    monkeypatch.setattr("narrascope.store._database.MIGRATIONS", [*MIGRATIONS, later])
    with pytest.raises(StoreError, match=r"needs migrating.*narrascope migrate --db"):
        Database(db_path, read_only=True)
    assert Database(db_path).schema_version() == later.version  # a writer migrates it
    assert Database(db_path, read_only=True).count() == 0


def test_a_read_only_database_cannot_be_written(db_path: Path) -> None:
    Database(db_path).close()
    reader = Database(db_path, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        reader.migrate()
    with pytest.raises(Exception, match="readonly"):
        reader.save_documents([_doc()], NLP_ASSIGNS)


# ------------------------------------------------------------------ rejects
def test_rejects_are_written_in_batches_and_counted(db_path: Path) -> None:
    db = Database(db_path)
    run = db.start_run("analyze")
    for i in range(2500):
        db.add_reject(run, f"f{i}.txt", "empty")
    db.finish_run(run, {})
    assert db.count_rejects() == 2500 == db.count_rejects(run)
    assert db.rejects(limit=3) == [(f"f{i}.txt", "empty") for i in (2497, 2498, 2499)]
    assert len(db.rejects()) == 2500


def test_prune_deletes_old_runs_rejects_only(db_path: Path) -> None:
    db = Database(db_path)
    db.save_documents([_doc()], NLP_ASSIGNS)
    runs = []
    for n in range(3):
        run = db.start_run(f"analyze {n}")
        db.add_reject(run, f"bad{n}.txt", "empty")
        db.finish_run(run, {})
        runs.append(run)
    with db.engine.begin() as conn:  # the first run was 40 days ago
        conn.exec_driver_sql(
            f"UPDATE runs SET started_at = '2000-01-01T00:00:00+00:00' WHERE id = {runs[0]}"
        )
    assert db.prune(older_than_days=30) == {"runs": 1, "rejects": 1}
    assert db.rejects() == [("bad1.txt", "empty"), ("bad2.txt", "empty")]
    assert db.prune(keep_runs=1) == {"runs": 1, "rejects": 1}
    assert db.rejects() == [("bad2.txt", "empty")]
    assert db.count() == 1  # articles are never pruned
    killed = Database(db_path)  # a run that never finished: its process was killed
    killed.add_reject(killed.start_run("analyze killed"), "bad3.txt", "empty")
    killed.flush_rejects()
    with pytest.raises(StoreError, match="another narrascope run is writing"):
        db.prune(keep_runs=0)  # while it still holds the lock
    killed.close()  # its lock goes with it, as with a killed process
    assert db.prune(keep_runs=0) == {"runs": 2, "rejects": 2}
    assert db.count_rejects() == 0


# ------------------------------------------------------------------ passwords
def test_redact_hides_the_password() -> None:
    assert redact("postgresql://ann:s3cr%40t@db.example/news") == (
        "postgresql://ann:***@db.example/news"
    )
    assert redact("news.db") == "news.db"


def test_a_connection_error_never_shows_the_password() -> None:
    pytest.importorskip("psycopg")
    url = "postgresql://ann:hunter2secret@127.0.0.1:1/news"  # nothing listens on port 1
    with pytest.raises(StoreError) as info:
        Database(url, must_exist=True)
    assert "hunter2secret" not in str(info.value)
    assert "ann:***@127.0.0.1" in str(info.value)


def test_many_rejects_cost_few_transactions(db_path: Path) -> None:
    """A transaction per reject made a million rejected lines take minutes."""
    from sqlalchemy import event

    db = Database(db_path)
    commits: list[int] = []
    event.listen(db.engine, "commit", lambda _conn: commits.append(1))
    run = db.start_run("analyze")
    for i in range(5000):
        db.add_reject(run, f"f{i}.txt", "empty")
    db.finish_run(run, {})
    assert db.count_rejects() == 5000
    assert len(commits) <= 10


def test_a_file_name_with_url_characters_is_the_file_used(tmp_path: Path) -> None:
    folder = tmp_path / "odd?#%dir"
    folder.mkdir()
    path = folder / "news?x=1#%.db"
    Database(path).close()
    assert path.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["odd?#%dir"]
    assert Database(path, read_only=True).count() == 0
