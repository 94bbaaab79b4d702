"""Several `analyze` runs writing to one PostgreSQL database at once (issue 19).

The analysis and storage of concurrent runs interleave (each batch locks its article
ids and sources for its transaction); the corpus-wide steps (stories, outlet groups,
claims) run one run at a time under an advisory lock that a run waits for. These
tests start a throwaway cluster on 127.0.0.1 (as tests/test_scale_faults.py does) and
are skipped only where no server binaries exist.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

import ray_stages  # noqa: F401 - registers the test stage ("test.mark.v1") here
from narrascope.app import AnalyzeSummary, Narrascope
from narrascope.config import Config
from narrascope.document import Document, Entity, Sentence
from narrascope.errors import StoreError
from narrascope.store import Database
from test_scale_faults import WORDS, _env, _Server

#: `narrascope analyze` of the cheap `mark` stage over the inputs given, stories on
DRIVER = """
import json, sys
import ray_stages
from narrascope.app import AnalyzeSummary, Narrascope
from narrascope.config import Config
from narrascope.errors import StoreError
db, inputs = sys.argv[1], json.loads(sys.argv[2])
app = Narrascope(db, Config(stages=["mark"], factories={"mark": "test.mark.v1"}, batch_size=4))
app.story_encoder = False  # lexical features only: no encoder to load in a test
try:
    summary = app.analyze(inputs)
except StoreError as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(1)
print(json.dumps(summary.as_dict()))
"""


@pytest.fixture(scope="module")
def pg() -> Iterator[_Server]:
    """A throwaway PostgreSQL cluster for this module."""
    server = _Server()
    try:
        yield server
    finally:
        server.close()


NLP = {"nlp": ("sentences", "tokens", "mentions", "entities")}


def _texts(root: Path, prefix: str, n: int) -> Path:
    """``n`` hand-made word salads named ``<prefix>NNN.txt``, none near another."""
    root.mkdir(parents=True)
    rng = random.Random(prefix)
    for i in range(n):
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        (root / f"{prefix}{i:03d}.txt").write_text(
            f"Report {prefix}{i}\n\n{body}\n", encoding="utf-8"
        )
    return root


def _analyze_at_once(db: str, runs: list[list[Path]], delay: float) -> list[dict]:
    """Start one `analyze` process per input list together; their summaries."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DRIVER, db, json.dumps([str(p) for p in inputs])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(delay),
        )
        for inputs in runs
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip(), (out + err)[-3000:]
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    return outcomes


def _state(db: str) -> dict[str, object]:
    """What a run leaves, without the ids and times that depend on the order of runs."""
    database = Database(db)
    with database.engine.connect() as conn:
        articles = sorted(
            tuple(r) for r in conn.execute(text("SELECT id, source, duplicate_of FROM articles"))
        )
        results = sorted(
            tuple(r)
            for r in conn.execute(
                text("SELECT article_id, stage, version, data FROM stage_results")
            )
        )
        bands = sorted(
            tuple(r) for r in conn.execute(text("SELECT key, article_id FROM minhash_bands"))
        )
        stories: dict[int, set[str]] = {}
        for story, article in conn.execute(text("SELECT story_id, article_id FROM story_articles")):
            stories.setdefault(story, set()).add(article)
        memberships = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT article_id) FROM story_articles"
                " WHERE article_id IN (SELECT id FROM articles)"
            )
        ).one()
    assert database.check_integrity() == []
    n = database.count()
    database.close()
    # every article in exactly one story
    assert tuple(memberships) == (n, n)
    return {
        "articles": articles,
        "results": results,
        "bands": bands,
        "stories": sorted(sorted(s) for s in stories.values()),
    }


def _analyze_here(db: str, inputs: list[Path]) -> dict:
    """The same run as ``DRIVER``'s, in this process (no interpreter to start)."""
    app = Narrascope(db, Config(stages=["mark"], factories={"mark": "test.mark.v1"}, batch_size=4))
    app.story_encoder = False
    try:
        return app.analyze([str(p) for p in inputs]).as_dict()
    finally:
        app.close()


def test_two_runs_at_once_equal_the_same_runs_one_after_the_other(
    pg: _Server, tmp_path: Path
) -> None:
    """Two corpora, each of its own files and of files both share (which both runs may
    analyse at once): both runs succeed, every article is stored once and in one story,
    and the database holds what running them one after the other leaves."""
    a, b = _texts(tmp_path / "a", "a", 10), _texts(tmp_path / "b", "b", 10)
    shared = _texts(tmp_path / "shared", "s", 8)
    runs = [[a, shared], [b, shared]]
    together = pg.fresh_database("together")
    outcomes = _analyze_at_once(together, runs, delay=0.05)
    assert sum(o["new"] for o in outcomes) >= 28
    assert 28 <= sum(o["analysed"] for o in outcomes) <= 36
    database = Database(together)
    with database.engine.connect() as conn:
        (s1, f1), (s2, f2) = conn.execute(text("SELECT started_at, finished_at FROM runs")).all()
    database.close()
    assert s1 <= f2 and s2 <= f1  # they did run at once (both were let write)
    apart = pg.fresh_database("apart")
    for inputs in runs:
        _analyze_here(apart, inputs)
    state = _state(together)
    assert len(state["articles"]) == 28
    assert state == _state(apart)
    # and a re-run of both finds nothing to do
    assert sum(_analyze_here(together, inputs)["analysed"] for inputs in runs) == 0


def test_analyze_runs_share_the_writer_lock_that_prune_takes_alone(pg: _Server) -> None:
    db = pg.fresh_database("shared_lock")
    first, second, pruner = Database(db), Database(db), Database(db)
    assert first.concurrent_writers
    runs = [first.start_run("analyze a", shared=True), second.start_run("analyze b", shared=True)]
    with pytest.raises(StoreError, match="another narrascope run is writing"):
        pruner.prune(keep_runs=0)
    first.finish_run(runs[0], {})
    second.finish_run(runs[1], {})
    pruner.prune(keep_runs=0)  # alone now
    for database in (first, second, pruner):
        database.close()


def test_the_corpus_steps_wait_for_each_other_with_a_notice(pg: _Server) -> None:
    db = pg.fresh_database("corpus_lock")
    first, second = Database(db), Database(db)
    notices: list[str] = []
    entered = threading.Event()

    def later() -> None:
        with second.corpus_lock(notices.append):
            entered.set()

    with first.corpus_lock(notices.append):
        assert notices == []  # nobody held it: no notice
        waiter = threading.Thread(target=later)
        waiter.start()
        time.sleep(0.5)
        assert not entered.is_set()  # waits, is not refused
        assert len(notices) == 1 and "waiting" in notices[0]
    waiter.join(30)
    assert entered.is_set()
    for database in (first, second):
        database.close()


@pytest.mark.parametrize("edited", [False, True])
def test_a_batch_storing_an_article_another_is_storing_waits_and_replaces_it(
    edited: bool, pg: _Server
) -> None:
    """Two runs store the same file at once, unchanged (one article id) or edited in
    between (two ids, one source). The later transaction waits for the earlier one and
    then replaces what it stored, as a run after it would: one article, its rows once.
    (The same id alone would wait on the article's row; an edited file's earlier
    version is found by its source, which only the per-source lock makes it wait for.)"""
    db = pg.fresh_database(f"same_article_{int(edited)}")
    first, second = Database(db), Database(db)

    def doc(version: int) -> Document:
        body = "The Kremlin said no." if version == 1 else "The Kremlin said yes."
        d = Document(id=f"p{version}", text=f"Title\n\n{body}", title="Title", source="p.txt")
        d.sentences = [Sentence(0, 5, "Title")]
        d.entities = [Entity("org:kremlin", "Kremlin", "ORG", ["Kremlin"], [])]
        d.stage_versions["nlp"] = "1"
        return d

    errors: list[BaseException] = []
    done = threading.Event()

    def save() -> None:
        try:
            second.save_documents([doc(2 if edited else 1)], NLP)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        done.set()

    with first._writer.begin() as conn:
        first._lock_rows(conn, [doc(1)])
        first._save_batch(conn, [doc(1)], NLP, {}, "t")
        writer = threading.Thread(target=save)
        writer.start()
        time.sleep(0.5)
        assert not done.is_set()  # waits for this transaction
    writer.join(30)
    assert done.is_set() and not errors
    with first.engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM articles")).scalars().all()
        assert ids == ["p2" if edited else "p1"]
        assert conn.execute(text("SELECT count(*) FROM entities")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM stage_results")).scalar() == 1
    assert first.check_integrity() == []
    for database in (first, second):
        database.close()


def test_a_run_stores_its_articles_then_waits_for_the_corpus_steps(
    pg: _Server, tmp_path: Path
) -> None:
    """While another run holds the corpus-wide steps, `analyze` stores its articles,
    says that it waits, and assigns their stories once the lock is free."""
    db = pg.fresh_database("waits")
    corpus = _texts(tmp_path / "w", "w", 4)
    holder = Database(db)
    notices: list[str] = []
    summaries: list[AnalyzeSummary] = []

    def run() -> None:
        app = Narrascope(db, Config(stages=["mark"], factories={"mark": "test.mark.v1"}))
        app.story_encoder = False
        app.notice = notices.append
        summaries.append(app.analyze([str(corpus)]))
        app.close()

    with holder.corpus_lock():
        runner = threading.Thread(target=run)
        runner.start()
        deadline = time.monotonic() + 60
        while not notices and time.monotonic() < deadline:
            time.sleep(0.1)
        assert notices and "waiting" in notices[0]
        assert holder.count() == 4  # stored before it waits
        assert runner.is_alive() and not summaries
        with holder.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM story_articles")).scalar() == 0
    runner.join(60)
    assert summaries and summaries[0].stories_assigned == 4
    holder.close()
