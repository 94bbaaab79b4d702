"""Hostile file systems: odd names, special files, symlink loops, very deep trees.

Each case costs one Rejected (or nothing) and every ordinary file next to it
is still read; none may hang, crash the run or yield text SQLite cannot store.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from narrascope.document import Document
from narrascope.ingest import IngestOptions, Rejected, iter_inputs

GOOD = "Ferry strike ends\n\nFerry crews returned to work on Friday after a week of talks.\n"
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")


def good_pair(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a_good.txt").write_text(GOOD, "utf-8")
    (folder / "z_good.txt").write_text(GOOD.replace("Friday", "Monday"), "utf-8")


def ingest(
    inputs: list[str], seconds: float = 20, outlet_from: str = "auto"
) -> list[Document | Rejected]:
    """``iter_inputs`` in a thread, so that a hang fails the test instead of the suite."""
    items: list[Document | Rejected] = []
    options = IngestOptions(outlet_from=outlet_from)
    worker = threading.Thread(
        target=lambda: items.extend(iter_inputs(inputs, options)), daemon=True
    )
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"ingesting {inputs} did not finish in {seconds} s"
    return items


def names(items: list[Document | Rejected]) -> list[str]:
    return [Path(item.source).name for item in items]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs non-UTF-8 file names")
def test_non_utf8_file_name_gives_storable_source(tmp_path: Path) -> None:
    folder = tmp_path / os.fsdecode(b"outl\xe9t")  # Latin-1 folder name: the outlet
    good_pair(folder)
    (folder / os.fsdecode(b"bad\xff\xfename.txt")).write_text(GOOD.replace("week", "month"))
    (folder / os.fsdecode(b"empty\xff.txt")).write_bytes(b"")
    items = ingest(
        [str(folder), str(tmp_path / os.fsdecode(b"gone\xff.txt"))], outlet_from="folder"
    )
    _, bad, empty, _, gone = items
    assert isinstance(bad, Document) and "a month of talks" in bad.text  # read via the real path
    assert bad.source.endswith("bad\\xff\\xfename.txt") and bad.outlet == "outl\\xe9t"
    assert isinstance(empty, Rejected) and empty.source.endswith("empty\\xff.txt")
    assert isinstance(gone, Rejected) and gone.source.endswith("gone\\xff.txt")
    db = sqlite3.connect(":memory:")  # what crashed `narrascope analyze`
    for item in items:
        db.execute("SELECT ?, ?", (item.source, getattr(item, "outlet", "")))


@POSIX
def test_fifo_is_rejected_without_opening_it(tmp_path: Path) -> None:
    good_pair(tmp_path)
    fifo = tmp_path / "m_fifo.txt"
    os.mkfifo(fifo)
    try:
        items = ingest([str(tmp_path)], seconds=10)
    finally:  # if a reader is stuck in open(), let it go
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert names(items) == ["a_good.txt", "m_fifo.txt", "z_good.txt"]
    assert items[1] == Rejected(str(fifo), "not a regular file (FIFO)")
    assert isinstance(items[0], Document) and isinstance(items[2], Document)


@POSIX
def test_symlink_loop_rejects_that_file_only(tmp_path: Path) -> None:
    good_pair(tmp_path)
    loop = tmp_path / "m_loop.txt"
    loop.symlink_to("m_loop.txt")
    dangling = tmp_path / "n_dangling.txt"
    dangling.symlink_to("nowhere.txt")
    items = ingest([str(tmp_path)])
    assert names(items) == ["a_good.txt", "m_loop.txt", "n_dangling.txt", "z_good.txt"]
    assert isinstance(items[0], Document) and isinstance(items[-1], Document)
    assert items[1].source == str(loop) and items[1].reason.startswith("cannot read")
    assert items[2].source == str(dangling) and items[2].reason.startswith("cannot read")
    (named,) = ingest([str(loop)])  # named on its own: its reason, not "no such file"
    assert isinstance(named, Rejected) and named.reason.startswith("cannot read")


@POSIX
def test_recursive_glob_does_not_follow_directory_links(tmp_path: Path) -> None:
    good_pair(tmp_path / "d")
    good_pair(tmp_path / "d" / "sub")
    (tmp_path / "d" / "self").symlink_to(".")
    (tmp_path / "d" / "up").symlink_to("..")
    (tmp_path / "d" / "sub" / "back").symlink_to("../..")
    pattern = str(tmp_path / "**" / "*.txt")
    found = ingest([pattern])
    assert all(isinstance(item, Document) for item in found)
    assert [Path(item.source).relative_to(tmp_path).as_posix() for item in found] == [
        "d/a_good.txt",
        "d/sub/a_good.txt",
        "d/sub/z_good.txt",
        "d/z_good.txt",
    ]
    # a matched directory is walked, and what its links lead back to is read once
    everything = ingest([str(tmp_path / "**")])
    assert len(everything) == 4 and len({item.source for item in everything}) == 4


def test_glob_matches_like_the_glob_module(tmp_path: Path) -> None:
    """Without directory links, the walk-and-match glob finds what glob.glob finds."""
    from narrascope.ingest._sources import _glob

    for rel in ["a.txt", "b.csv", "x/a.txt", "x/y/z/a.txt", "x/.h/a.txt", ".hidden/a.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(GOOD, "utf-8")
    for pattern in [
        "**/*.txt",
        "*.txt",
        "*/*.txt",
        "x/**/a.txt",
        "x*/**",
        "**/",
        "*/",
        "**/.h/*.txt",
        ".*/*.txt",
        "?.[tc]*",
        "x/**/z",
    ]:
        full = str(tmp_path / pattern)
        # glob also gives the top directory itself for a leading "**": walked anyway
        expected = sorted({p.rstrip("/") for p in glob.glob(full, recursive=True)})
        assert [str(p) for p in _glob(full)] == [p for p in expected if p != str(tmp_path)], pattern


def test_very_deep_tree_keeps_its_siblings(tmp_path: Path) -> None:
    depth = 1100  # deeper than Python's recursion limit
    (tmp_path / "a_top.txt").write_text(GOOD, "utf-8")
    (tmp_path / "z_after").mkdir()
    (tmp_path / "z_after" / "sibling.txt").write_text(GOOD.replace("week", "month"), "utf-8")
    deep = tmp_path
    for _ in range(depth):  # not os.makedirs: it recurses too
        deep = deep / "d"
        deep.mkdir()
    (deep / "bottom.txt").write_text(GOOD.replace("week", "year"), "utf-8")
    try:
        items = ingest([str(tmp_path)])
    finally:  # shutil.rmtree (pytest's cleanup) recurses as well
        (deep / "bottom.txt").unlink()
        for _ in range(depth):
            deep.rmdir()
            deep = deep.parent
    assert names(items) == ["a_top.txt", "bottom.txt", "sibling.txt"]
    assert all(isinstance(item, Document) for item in items)
