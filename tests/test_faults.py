"""Faults while NER workers run: errors stop the run with a reason, workers never outlive it.

Issue 21: a failure in the main process (disk full, ``database is locked``) used to
leave it joining NER workers blocked on a pipe (a silent hang), and a ``kill -9`` of
the main process left the workers running for ever. The subprocess tests here run
the real CLI under a deadline, so a hang fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import DataError

from narrascope.app import Narrascope
from narrascope.config import load_config
from narrascope.store import Database

CITIES = ["Lviv", "Odesa", "Kharkiv", "Dnipro", "Poltava", "Sumy", "Chernihiv", "Zhytomyr"]
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _write_many(root: Path, n: int, sentences: int = 12) -> Path:
    root.mkdir(parents=True)
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        body = " ".join(
            f"Mayor Ihor Terekhov of {city} reported item {i}-{j} on repairs to the grid."
            for j in range(sentences)
        )
        (root / f"a{i:04d}.txt").write_text(f"Report {i} from {city}\n\n{body}\n", encoding="utf-8")
    return root


def _config(tmp_path: Path, n_process: int) -> Path:
    """A pipeline of the ``nlp`` stage alone, with ``n_process`` NER workers."""
    path = tmp_path / "pipeline.toml"
    path.write_text(
        '[pipeline]\nstages = ["nlp"]\n\n'
        f'[stages.nlp]\nfactory = "narrascope.nlp.v1"\nn_process = {n_process}\n',
        encoding="utf-8",
    )
    return path


def _group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still running (zombies do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                return True
    return False


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# A real "database or disk is full": SQLite refuses to grow the file past max_page_count,
# which the wrapper sets on every connection of the CLI run (the database exists already).
_DISK_FULL = """
from narrascope.store import _database
plain = _database._sqlite_pragmas
def pragmas(conn, record):
    plain(conn, record)
    conn.execute("PRAGMA max_page_count = 1")
_database._sqlite_pragmas = pragmas
"""
# Another writer holds the database for longer than the busy timeout
_LOCKED = """
import sqlite3
from sqlalchemy.exc import OperationalError
from narrascope.store import _database
def save(self, docs, stages, signatures=None):
    raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
_database.Database.save_documents = save
"""
# An error of the main process that is no database error (spaCy's E088 was one)
_CRASH = """
from narrascope.store import _database
def save(self, docs, stages, signatures=None):
    raise ValueError("[E088] Text of length 6000000 exceeds maximum of 5000000")
_database.Database.save_documents = save
"""


@linux_only
@pytest.mark.parametrize(
    ("inject", "message"),
    [
        (_DISK_FULL, "database or disk is full; the run stopped"),
        (_LOCKED, "database is locked; the run stopped"),
        (_CRASH, "the run stopped: ValueError: [E088]"),
    ],
    ids=["disk-full", "locked", "error"],
)
def test_error_in_main_process_stops_workers_and_exits(
    tmp_path: Path, inject: str, message: str
) -> None:
    corpus = _write_many(tmp_path / "corpus", 96)
    db = tmp_path / "f.db"
    Database(db).close()
    before = db.read_bytes()
    script = textwrap.dedent(inject) + textwrap.dedent(
        f"""
        import sys
        from narrascope.cli import main
        sys.argv = ["narrascope", "analyze", {str(corpus)!r}, "--db", {str(db)!r},
                    "--config", {str(_config(tmp_path, 2))!r}]
        main()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("analyze hung after an error in the main process")
    finally:
        deadline = time.monotonic() + 5
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _group_alive(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert not left, "a NER worker outlived the run"
    assert proc.returncode == 1, err
    flat = " ".join(err.split())  # Rich wraps long lines
    assert message in flat and "error:" in flat and "Traceback" not in flat
    # nothing half-written: the database is what it was (disk full) or holds whole batches
    database = Database(db)
    assert database.check_integrity() == []
    if inject is _DISK_FULL:
        assert database.count() == 0
    assert before  # the file existed before the run and was opened, not replaced


@linux_only
def test_workers_exit_when_main_process_is_killed(tmp_path: Path) -> None:
    corpus = _write_many(tmp_path / "corpus", 400, sentences=30)
    db = tmp_path / "k.db"
    cmd = [sys.executable, "-m", "narrascope", "analyze", str(corpus), "--db", str(db)]
    cmd += ["--config", str(_config(tmp_path, 2))]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and proc.poll() is None:
            workers = [p for p in _children(proc.pid) if _running(p)]
            if len(workers) >= 2 and _stored(db) >= 16:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed"
        assert len(workers) >= 2, "no NER worker processes found"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
        proc.wait()
        deadline = time.monotonic() + 5
        while any(_running(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        alive = [w for w in workers if _running(w)]
        assert alive == [], f"NER workers {alive} outlived their parent"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM stage_results").fetchone()[0])
    except sqlite3.Error:
        return 0


# ------------------------------------------------------------------ in process
def test_an_article_the_database_refuses_is_rejected_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _write_many(tmp_path / "corpus", 5)
    (corpus / "a0002.txt").write_text("POISON report\n\nThe mayor of Sumy spoke.\n")
    plain = Database.save_documents

    def picky(self: Database, docs, stages, signatures=None):  # type: ignore[no-untyped-def]
        if any("POISON" in d.text for d in docs):
            raise DataError("INSERT ...", {}, ValueError("invalid byte sequence for encoding"))
        return plain(self, docs, stages, signatures)

    monkeypatch.setattr(Database, "save_documents", picky)
    app = Narrascope(tmp_path / "p.db", load_config(_config(tmp_path, 1)))
    summary = app.analyze([str(corpus)])
    assert summary.analysed == 4
    assert [(Path(s).name, r) for s, r in summary.rejected] == [
        ("a0002.txt", "cannot be stored: invalid byte sequence for encoding")
    ]
    assert app.db.count() == 4
    assert app.db.rejects()[0][1] == "cannot be stored: invalid byte sequence for encoding"
