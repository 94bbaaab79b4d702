"""Shared fixtures: the test corpus on disk and a fresh database per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import write_corpus


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"
