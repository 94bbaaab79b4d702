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

from narrascope.document import Document, Entity, Sentence
from narrascope.errors import StoreError
from narrascope.store import Database
from test_scale_faults import WORDS, _env, _Server

#: `narrascope analyze` of the cheap `mark` stage over the inputs given, stories on
DRIVER = """
import json, sys
import ray_stages
from narrascope.app import Narrascope
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


@pytest.mark.parametrize("overlap", [False, True])
def test_two_runs_at_once_equal_the_same_runs_one_after_the_other(
    overlap: bool, pg: _Server, tmp_path: Path
) -> None:
    """Different corpora, and corpora sharing files (which both runs may analyse):
    both runs succeed, every article is stored once and in one story, and the database
    holds what running them one after the other leaves."""
    a, b = _texts(tmp_path / "a", "a", 10), _texts(tmp_path / "b", "b", 10)
    runs = [[a], [b]]
    if overlap:
        shared = _texts(tmp_path / "shared", "s", 8)
        runs = [[a, shared], [b, shared]]
    name = "overlap" if overlap else "apart"
    together = pg.fresh_database(f"{name}_together")
    outcomes = _analyze_at_once(together, runs, delay=0.05)
    total = 28 if overlap else 20
    assert sum(o["new"] for o in outcomes) >= total
    assert sum(o["analysed"] for o in outcomes) <= total + (8 if overlap else 0)
    apart = pg.fresh_database(f"{name}_apart")
    for inputs in runs:
        _analyze_at_once(apart, [inputs], delay=0)
    state = _state(together)
    assert len(state["articles"]) == total
    assert state == _state(apart)
    # and a re-run of both finds nothing to do
    again = _analyze_at_once(together, runs, delay=0)
    assert sum(o["analysed"] for o in again) == 0


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


def test_a_batch_storing_an_article_another_is_storing_waits_and_replaces_it(
    pg: _Server,
) -> None:
    """Two runs store the same article at once: without the per-article lock the later
    transaction would not see the earlier's uncommitted entity rows and add its own."""
    db = pg.fresh_database("same_article")
    first, second = Database(db), Database(db)

    def doc() -> Document:
        d = Document(id="p1", text="Title\n\nThe Kremlin said no.", title="Title", source="p.txt")
        d.sentences = [Sentence(0, 5, "Title")]
        d.entities = [Entity("org:kremlin", "Kremlin", "ORG", ["Kremlin"], [])]
        d.stage_versions["nlp"] = "1"
        return d

    errors: list[BaseException] = []
    done = threading.Event()

    def save() -> None:
        try:
            second.save_documents([doc()], NLP)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        done.set()

    with first._writer.begin() as conn:
        first._lock_rows(conn, [doc()])
        first._save_batch(conn, [doc()], NLP, {}, "t")
        writer = threading.Thread(target=save)
        writer.start()
        time.sleep(0.5)
        assert not done.is_set()  # waits for this transaction
    writer.join(30)
    assert done.is_set() and not errors
    with first.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM entities")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM stage_results")).scalar() == 1
    for database in (first, second):
        database.close()
