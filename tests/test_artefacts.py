"""Trained artefacts: versions follow their bytes; missing files are clear errors."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from narrascope.artefacts import artefact_version, load_artefact
from narrascope.errors import ModelNotFoundError


def test_version_changes_with_the_artefact_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "m.joblib"
    path.write_bytes(b"weights v1")
    first = artefact_version("1", path)
    assert first.startswith("1+") and first == artefact_version("1", path)
    assert artefact_version("1", path, threshold=0.5) != first
    assert artefact_version("1", path, threshold=None) == first
    path.write_bytes(b"weights v2, retrained")
    assert artefact_version("1", path) != first


def test_load_checks_presence_and_type(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"training/narratives\.py"):
        load_artefact(tmp_path / "missing.joblib", dict, "narratives")
    path = tmp_path / "a.joblib"
    joblib.dump([1, 2], path)
    with pytest.raises(ModelNotFoundError, match="does not hold a dict"):
        load_artefact(path, dict, "techniques")
    assert load_artefact(path, list, "techniques") == [1, 2]
