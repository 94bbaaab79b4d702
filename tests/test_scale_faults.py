"""Faults at scale (issue 19): a killed Ray driver, a PostgreSQL server that goes away
mid-run, and two `analyze` processes at once, on SQLite and on PostgreSQL.

Every case ends the same way: a re-run completes the corpus, no article is lost or
stored twice, and the database is consistent. The PostgreSQL cases start a
throwaway cluster on 127.0.0.1 (as tests/test_store_postgres.py does) and are
skipped only where no server binaries exist; `.ci/run` installs them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

import ray_stages  # noqa: F401 - registers the test stage ("test.mark.v1") here
from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.errors import StoreError
from narrascope.store import Database
from test_store_postgres import _free_port, _pg_bin

TESTS = Path(__file__).parent
WORDS = [
    "crews",
    "district",
    "repaired",
    "line",
    "grid",
    "council",
    "ferry",
    "harbour",
    "strike",
    "wages",
    "talks",
    "union",
    "port",
    "minister",
    "budget",
    "grain",
    "bridge",
    "river",
    "flood",
    "rescue",
    "mayor",
    "vote",
    "court",
    "judge",
    "appeal",
    "railway",
    "station",
    "hospital",
    "nurses",
    "clinic",
    "school",
    "teachers",
    "market",
    "prices",
    "bread",
    "fuel",
    "border",
    "trucks",
]
SRC = TESTS.parent / "src"

#: runs the `mark` stage over a corpus, as `narrascope analyze` would, in its own process
DRIVER = """
import json, sys
import ray_stages
from narrascope.app import Narrascope
from narrascope.config import Config
from narrascope.errors import StoreError
corpus, db, engine = sys.argv[1:4]
app = Narrascope(db, Config(stages=["mark"], factories={"mark": "test.mark.v1"}, batch_size=4))
app.stories = False
app.engine = engine
if engine == "ray":
    import ray  # the test stage registered in Ray's workers too
    ray.init(address="local", num_cpus=1, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, runtime_env={"worker_process_setup_hook": "ray_stages.register"})
    app.ray_workers = 1
try:
    summary = app.analyze([corpus])
except StoreError as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(1)
print(json.dumps(summary.as_dict()))
"""


def _corpus(root: Path, n: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    for i in range(n):
        # word salads of one vocabulary: no two share enough bigrams to be near-duplicates
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        (root / f"a{i:03d}.txt").write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")
    return root


def _env(delay: float) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(TESTS), str(SRC), os.environ.get("PYTHONPATH")) if p)
    return {
        **os.environ,
        "PYTHONPATH": path,
        "PYTHONUNBUFFERED": "1",
        "NARRASCOPE_TEST_DELAY": str(delay),
        "RAY_USAGE_STATS_ENABLED": "0",  # nothing leaves 127.0.0.1
    }


def _stored(db: str) -> int:
    if "://" not in db and not Path(db).exists():
        return 0
    try:
        database = Database(db, migrate=False)
    except StoreError:
        return 0
    try:
        with database.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM stage_results")).scalar() or 0)
    except Exception:  # a database mid-write or not created yet: nothing to count
        return 0
    finally:
        database.close()


def _check_complete(db: str, n: int) -> None:
    """Every article stored once, with one result, and nothing inconsistent."""
    database = Database(db)
    assert database.check_integrity() == []
    with database.engine.connect() as conn:
        results = conn.execute(
            text("SELECT count(*), count(DISTINCT article_id) FROM stage_results")
        ).one()
    assert database.count() == n
    assert tuple(results) == (n, n)
    assert all(v == {"mark": "1"} for v in database.stage_versions().values())
    database.close()


def _rerun(db: str, corpus: Path) -> dict[str, int]:
    app = Narrascope(db, Config(stages=["mark"], factories={"mark": "test.mark.v1"}))
    app.stories = False
    try:
        return app.analyze([str(corpus)]).as_dict()
    finally:
        app.close()


# -------------------------------------------------------------- Ray driver
def test_killed_ray_driver_loses_nothing_stored_and_the_rerun_completes(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    corpus, db = _corpus(tmp_path / "corpus", 80), str(tmp_path / "k.db")
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(corpus), db, "ray"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(0.05),
        start_new_session=True,  # the kill takes Ray's processes with the driver
    )
    deadline = time.monotonic() + 120
    while _stored(db) < 8 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _stored(db)
    assert 8 <= before < 80
    assert Database(db).check_integrity() == []
    summary = _rerun(db, corpus)
    assert summary["unchanged"] == before and summary["analysed"] == 80 - before
    _check_complete(db, 80)


# ---------------------------------------------------------------- PostgreSQL
class _Server:
    """A throwaway PostgreSQL cluster that a test can stop and start again."""

    def __init__(self) -> None:
        bindir = _pg_bin()
        if bindir is None:
            pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix="narrascope-pg-"))
        self.data = self.tmp / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.tmp, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = _free_port()
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / tool), *args], check=True, capture_output=True
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1"
        log = str(self.tmp / "log")
        self._pg("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def fresh_database(self, name: str) -> str:
        """An empty database on the server (each test its own)."""
        database = Database(self.url, migrate=False)
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        database.close()
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def close(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    if os.environ.get("NARRASCOPE_TEST_POSTGRES_URL"):
        pytest.skip("these tests stop and start their own server")
    pg = _Server()
    try:
        yield pg
    finally:
        pg.close()


def test_postgres_going_away_mid_run_is_a_clear_error_and_resumable(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.fresh_database("away")
    corpus = _corpus(tmp_path / "corpus", 60)
    monkeypatch.setenv("NARRASCOPE_TEST_DELAY", "0.03")

    def pull_the_plug() -> None:
        deadline = time.monotonic() + 60
        while _stored(url) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.stop()

    plug = threading.Thread(target=pull_the_plug)
    app = Narrascope(url, Config(stages=["mark"], factories={"mark": "test.mark.v1"}, batch_size=4))
    app.stories = False
    plug.start()
    try:
        with pytest.raises(StoreError) as failure:
            app.analyze([str(corpus)])
    finally:
        plug.join()
        server.start()
    message = str(failure.value)
    assert "127.0.0.1" in message and "the run stopped" in message
    assert "Traceback" not in message
    app.close()
    before = _stored(url)
    assert 8 <= before < 60
    monkeypatch.setenv("NARRASCOPE_TEST_DELAY", "0")
    summary = _rerun(url, corpus)
    assert summary["unchanged"] == before and summary["analysed"] == 60 - before
    _check_complete(url, 60)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_two_analyze_processes_at_once_are_safe(
    store: str, server: _Server, tmp_path: Path
) -> None:
    """Both start together. On SQLite one writes and the other is refused with a reason
    (or runs after it); on PostgreSQL both write (the article both analysed is stored
    once, replaced by the later). Either way every article is stored once and a re-run
    finds nothing to do (tests/test_pg_writers.py has the PostgreSQL cases in full)."""
    db = server.fresh_database("twice") if store == "postgresql" else str(tmp_path / "t.db")
    corpus = _corpus(tmp_path / "corpus", 30)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(corpus), db, "local"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(0.02),
        )
        for _ in range(2)
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert out.strip(), err[-3000:]
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    analysed = sum(o.get("analysed", 0) for o in outcomes)
    refused = [o["error"] for o in outcomes if "error" in o]
    if store == "postgresql":
        assert not refused and 30 <= analysed <= 60
    else:
        assert analysed == 30
        assert all("another narrascope run is writing" in e for e in refused)
    _check_complete(db, 30)
    assert _rerun(db, corpus)["unchanged"] == 30
