"""The job queue of ``narrascope serve``: one worker, a bounded queue, and no accepted
article lost on shutdown (jobs are spooled to disk before they are acknowledged)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from narrascope.api._jobs import Job, JobQueue, QueueFull

Progress = Callable[[str, int, int | None], None]


def _spooled(spool: Path) -> dict[str, str]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))["state"] for p in spool.glob("*.json")
    }


def test_stop_finishes_the_running_job_and_keeps_the_waiting_ones(tmp_path: Path) -> None:
    release = threading.Event()
    ran: list[str] = []

    def blocking(job: Job, progress: Progress) -> None:
        ran.append(job.id)
        progress("analyse", 1, 1)
        release.wait(10)

    queue = JobQueue(tmp_path, blocking, max_queued=5)
    queue.start()
    ids = [queue.submit("texts", [{"text": f"article {n}"}]).id for n in range(3)]
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ran == [ids[0]] and queue.get(ids[0])["state"] == "running"
    stopper = threading.Thread(target=queue.stop)
    stopper.start()
    time.sleep(0.1)
    with pytest.raises(QueueFull, match="shutting down"):
        queue.submit("texts", [{"text": "too late"}])
    release.set()
    stopper.join(5)
    assert not stopper.is_alive()
    assert _spooled(tmp_path) == {ids[0]: "done", ids[1]: "queued", ids[2]: "queued"}

    # the next server picks up what the last one accepted, in order
    seen: list[tuple[str, str]] = []
    queue2 = JobQueue(tmp_path, lambda job, _p: seen.append((job.id, job.items[0]["text"])))
    queue2.start()
    for job_id in ids[1:]:
        assert queue2.wait(job_id, 5)["state"] == "done"
    queue2.stop()
    assert seen == [(ids[1], "article 1"), (ids[2], "article 2")]
    assert set(_spooled(tmp_path).values()) == {"done"}


def test_a_job_cut_off_while_running_is_run_again(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, lambda job, _p: None)
    job = queue.submit("texts", [{"text": "x"}])
    data = json.loads((tmp_path / f"{job.id}.json").read_text(encoding="utf-8"))
    data.update(state="running", attempts=1)  # as a killed server leaves it
    (tmp_path / f"{job.id}.json").write_text(json.dumps(data), encoding="utf-8")
    queue2 = JobQueue(tmp_path, lambda job, _p: None)
    queue2.start()
    state = queue2.wait(job.id, 5)
    queue2.stop()
    assert state["state"] == "done" and state["attempts"] == 2


def test_a_failing_job_reports_why_and_the_worker_goes_on(tmp_path: Path) -> None:
    def runner(job: Job, _p: Progress) -> None:
        if job.items[0] == "bad":
            raise ValueError("cannot read <item 0>")

    queue = JobQueue(tmp_path, runner)
    queue.start()
    bad = queue.submit("urls", ["bad"]).id
    good = queue.submit("urls", ["good"]).id
    assert queue.wait(good, 5)["state"] == "done"
    failed = queue.get(bad)
    queue.stop()
    assert failed["state"] == "failed" and "cannot read <item 0>" in failed["error"]


def test_the_queue_is_bounded(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, lambda job, _p: None, max_queued=2)  # never started
    queue.submit("texts", [])
    queue.submit("texts", [])
    with pytest.raises(QueueFull, match="full"):
        queue.submit("texts", [])
    assert len(_spooled(tmp_path)) == 2  # the refused one left nothing behind


def test_unknown_or_malformed_job_ids_read_nothing(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, lambda job, _p: None)
    (tmp_path.parent / "secret.json").write_text("{}", encoding="utf-8")
    assert queue.get("../secret") is None
    assert queue.get("0" * 32) is None


# ------------------------------------------------------------ the real server
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NARRASCOPE_TOKEN": "s3cret", "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "narrascope",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--stages",
            "nlp",
            "--no-stories",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_up(httpx: object, base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:  # type: ignore[attr-defined]
                return
        except Exception:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_sigterm_loses_no_accepted_article(tmp_path: Path) -> None:
    """SIGTERM while jobs wait: the server exits cleanly, the next one analyses them all."""
    pytest.importorskip("fastapi")
    import httpx

    db = tmp_path / "news.db"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(db, port)
    try:
        _wait_up(httpx, base, proc)
        jobs = []
        for n in range(3):
            body = {"title": f"Ferry {n}", "text": f"Ferry {n}\n\nThe ferry number {n} sailed."}
            response = httpx.post(
                f"{base}/api/articles", json=body, headers={"Authorization": "Bearer s3cret"}
            )
            assert response.status_code == 202
            jobs.append(response.json()["job"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(180) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    states = _spooled(tmp_path / "news.db.jobs")
    assert set(states) == set(jobs) and set(states.values()) <= {"done", "queued"}

    proc = _start(db, port)
    try:
        _wait_up(httpx, base, proc)
        deadline = time.monotonic() + 180
        articles: list[str] = []
        for job in jobs:
            while True:
                state = httpx.get(f"{base}/api/jobs/{job}").json()
                if state["state"] in ("done", "failed") or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert state["state"] == "done", state
            articles += state["articles"]
        listed = httpx.get(f"{base}/api/articles").json()
        assert listed["total"] == 3
        assert sorted(i["title"] for i in listed["items"]) == ["Ferry 0", "Ferry 1", "Ferry 2"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
