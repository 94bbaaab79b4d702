"""Every package's ``__all__`` names exactly what it exports (as httpx checks its own)."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "narrascope",
    "narrascope.pipeline",
    "narrascope.ingest",
    "narrascope.nlp",
    "narrascope.narratives",
    "narrascope.framing",
    "narrascope.techniques",
    "narrascope.store",
    "narrascope.web",
    "narrascope.datasets",
    "narrascope.scoring",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_accurate(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), "duplicates in __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item!r}"
    public = {
        k
        for k, v in vars(module).items()
        if not k.startswith("_")
        and not isinstance(v, type(importlib))  # submodules are not API
        and getattr(v, "__module__", name).startswith("narrascope")
    }
    assert public <= exported | {"annotations", "TYPE_CHECKING", "Any"}, public - exported


def test_eval_has_a_command_per_stage() -> None:
    from typer.testing import CliRunner

    from narrascope.cli import app

    result = CliRunner().invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    for stage in ("narratives", "framing", "techniques"):
        assert stage in result.output
