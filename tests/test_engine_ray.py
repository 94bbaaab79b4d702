"""The Ray engine (issue 19): same stored rows as the local engine, and worker crashes
retried without losing or doubling an article. One local Ray instance (127.0.0.1, two
CPUs, no dashboard) serves the module; `.ci/run` installs Ray from requirements.txt."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import narrascope
from narrascope.app import Narrascope
from narrascope.cli._main import app as cli
from narrascope.config import Config
from narrascope.store import Database

ray = pytest.importorskip("ray")  # pinned in requirements.txt: present wherever CI runs

TESTS = Path(__file__).parent
DEMO = Path(narrascope.__file__).parent / "demo" / "corpus"


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The instance, and the file whose absence tells a worker to kill itself once."""
    import ray_stages  # noqa: F401 - registers the test stage in this (the driver) process

    mark = tmp_path_factory.mktemp("ray") / "killed"
    path = os.environ.get("PYTHONPATH", "")
    # what the workers inherit: the test stages' module, and where the kill is marked
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), path) if p)
    os.environ["NARRASCOPE_TEST_KILL_MARK"] = str(mark)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves 127.0.0.1
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"worker_process_setup_hook": "ray_stages.register"},
    )
    try:
        yield mark
    finally:
        ray.shutdown()
        os.environ["PYTHONPATH"] = path
        del os.environ["NARRASCOPE_TEST_KILL_MARK"]


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT a.id, a.duplicate_of, r.stage, r.version, r.data FROM articles a"
            " LEFT JOIN stage_results r ON r.article_id = a.id ORDER BY a.id, r.stage"
        ).fetchall()


def test_cli_ray_engine_exports_what_the_local_engine_exports(
    local_ray: Path, tmp_path: Path
) -> None:
    """The demo corpus through `nlp` on two Ray workers and on the local engine."""
    runner = CliRunner()
    exports = []
    for engine in ("local", "ray"):
        db, out = tmp_path / f"{engine}.db", tmp_path / engine
        extra = ["--engine", "ray", "--workers", "2"] if engine == "ray" else []
        result = runner.invoke(
            cli,
            ["analyze", str(DEMO), "--db", str(db), "--stages", "nlp", "--json", *extra],
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(cli, ["export", "--db", str(db), "--out", str(out)])
        assert result.exit_code == 0, result.output
        exports.append((out / "documents.jsonl").read_text(encoding="utf-8"))
    assert exports[0] == exports[1]
    assert exports[0].count("\n") >= 17
    assert _rows(tmp_path / "local.db") == _rows(tmp_path / "ray.db")


def test_a_killed_worker_is_restarted_and_its_batch_stored_once(
    local_ray: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        title = "KILL-THIS-WORKER" if i == 17 else f"Report {i}"
        body = " ".join(f"Crews in district {i} repaired line {j} of the grid." for j in range(8))
        (corpus / f"a{i:02d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    mark = local_ray
    config = Config(stages=["mark"], factories={"mark": "test.mark.v1"}, batch_size=4)
    app = Narrascope(tmp_path / "k.db", config)
    app.stories = False
    app.engine, app.ray_workers = "ray", 2
    summary = app.analyze([str(corpus)])
    app.close()
    assert mark.exists()  # a worker really died mid-run
    assert summary.analysed == 40 and not summary.rejected
    database = Database(tmp_path / "k.db")
    assert database.check_integrity() == []
    with database.engine.connect() as conn:
        per_article = conn.exec_driver_sql(
            "SELECT count(*), count(DISTINCT article_id) FROM stage_results"
        ).one()
    assert tuple(per_article) == (40, 40)
    assert all(v == {"mark": "1"} for v in database.stage_versions().values())
    database.close()
