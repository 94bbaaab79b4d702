"""The optional local explainer: model assembly is checked, and absence is a clear error."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from narrascope.narratives import LLMError, LocalLLMClient, NarrativeStage, assemble_gguf


def test_assemble_concatenates_in_order_and_checks_the_hash(tmp_path: Path) -> None:
    parts = []
    for i, chunk in enumerate([b"GGUF", b"-part-two", b"-three"]):
        part = tmp_path / f"part{i + 1:02d}.bin"
        part.write_bytes(chunk)
        parts.append(part)
    expected = hashlib.sha256(b"GGUF-part-two-three").hexdigest()
    target = assemble_gguf(parts, tmp_path / "cache" / "m.gguf", expected)
    assert target.read_bytes() == b"GGUF-part-two-three"


def test_a_wrong_hash_leaves_no_model_behind(tmp_path: Path) -> None:
    part = tmp_path / "part01.bin"
    part.write_bytes(b"corrupt")
    target = tmp_path / "m.gguf"
    with pytest.raises(LLMError, match="sha256"):
        assemble_gguf([part], target, "0" * 64)
    assert not target.exists()
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is not None, reason="llama-cpp-python is installed"
)
def test_local_explainer_without_the_extra_says_how_to_install_it() -> None:
    with pytest.raises(LLMError, match=r"narrascope\[local-llm\]"):
        LocalLLMClient()
    with pytest.raises(LLMError, match=r"narrascope\[local-llm\]"):
        NarrativeStage(explainer="local")


def test_unknown_explainer_is_rejected() -> None:
    with pytest.raises(ValueError, match="'template', 'llm' or 'local'"):
        NarrativeStage(explainer="oracle")
