"""Killing `narrascope analyze` mid-run loses nothing stored and the re-run completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from narrascope.nlp import NlpStage
from narrascope.store import Database

CITIES = ["Lviv", "Odesa", "Kharkiv", "Dnipro", "Poltava", "Sumy", "Chernihiv", "Zhytomyr"]


def _write_many(root: Path, n: int) -> None:
    root.mkdir(parents=True)
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        body = " ".join(
            f"Officials in {city} reported item {i}-{j} about repairs to the grid and water supply."
            for j in range(12)
        )
        (root / f"a{i:04d}.txt").write_text(f"Report {i} from {city}\n\n{body}\n", encoding="utf-8")


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM stage_results").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_mid_run_then_resume(tmp_path: Path) -> None:
    corpus, db = tmp_path / "corpus", tmp_path / "k.db"
    _write_many(corpus, 240)
    cmd = [
        sys.executable,
        "-m",
        "narrascope",
        "analyze",
        str(corpus),
        "--db",
        str(db),
        "--stages",
        "nlp",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # its own process group, so the kill takes the NER worker processes too (as Ctrl-C or a
    # container stop would)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while _count(db) < 16 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; make the corpus larger"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    stored = _count(db)
    assert 16 <= stored < 240
    database = Database(db)
    assert database.check_integrity() == []
    # every stored article is complete: its row, its nlp results and its full-text entry
    versions = database.stage_versions()
    assert all(v == {"nlp": NlpStage.version} for v in versions.values())

    done = subprocess.run([*cmd, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    database = Database(db)
    assert database.count() == 240
    assert all(v == {"nlp": NlpStage.version} for v in database.stage_versions().values())
    assert database.check_integrity() == []
    summary = json.loads(done.stdout)
    assert summary["unchanged"] == len(versions)
    assert summary["analysed"] == 240 - len(versions)
