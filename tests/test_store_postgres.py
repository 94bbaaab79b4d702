"""The same store against a real PostgreSQL server (a throwaway cluster on 127.0.0.1).

Skipped only where no PostgreSQL server binaries exist; `.ci/run` installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrascope.document import Document, Entity, Sentence
from narrascope.store import Database


def _pg_bin() -> Path | None:
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / "initdb").exists() and (root / "pg_ctl").exists():
            return root
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if url := os.environ.get("NARRASCOPE_TEST_POSTGRES_URL"):
        yield url
        return
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    tmp = Path(tempfile.mkdtemp(prefix="narrascope-pg-"))
    data = tmp / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(tmp, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(tmp / "log"),
            "-o",
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def test_postgres_round_trip_and_search(pg_url: str) -> None:
    db = Database(pg_url)
    assert db.dialect == "postgresql"
    doc = Document(
        id="p1",
        text="Title\n\nThe Kremlin rejected the nuclear doctrine talks.",
        title="Title",
        source="p.txt",
        language="en",
    )
    doc.sentences = [Sentence(0, 5, "Title")]
    doc.entities = [Entity("org:russian-government", "Russian government", "ORG", ["Kremlin"], [])]
    doc.stage_versions["nlp"] = "1"
    db.save_documents([doc], {"nlp": ("sentences", "tokens", "mentions", "entities")}, {"p1": b"s"})
    db.save_documents([doc], {"nlp": ("sentences", "tokens", "mentions", "entities")})
    assert db.stage_versions() == {"p1": {"nlp": "1"}}
    assert db.load_document("p1").entities[0].name == "Russian government"
    assert db.search("doctrine")[0][0] == "p1"
    assert list(db.minhashes()) == [("p1", b"s")]
    assert Database(pg_url).schema_version() == db.schema_version()  # migrations run once
    db.put_many({"k": __import__("numpy").ones(3, dtype="float32")}, "m")
    assert list(db.get_many(["k"], "m")) == ["k"]


def test_postgres_serialises_writers_and_reads_read_only(pg_url: str) -> None:
    from narrascope.errors import StoreError

    first, second = Database(pg_url), Database(pg_url)
    run = first.start_run("analyze a")
    with pytest.raises(StoreError, match="another narrascope run is writing"):
        second.start_run("analyze b")
    first.add_reject(run, "bad.txt", "empty")
    first.finish_run(run, {})
    second.finish_run(second.start_run("analyze b"), {})
    reader = Database(pg_url, read_only=True)
    assert reader.rejects(limit=1) == [("bad.txt", "empty")]
    assert second.prune(keep_runs=0)["rejects"] >= 1
    for db in (first, second, reader):
        db.close()
