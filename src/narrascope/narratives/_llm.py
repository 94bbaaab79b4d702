"""A minimal client for OpenAI-compatible ``/v1/chat/completions`` endpoints.

Why our own few lines instead of an SDK: the only call we need is one chat
completion, ``httpx`` is already a dependency, and any local or hosted server
that speaks the API (vLLM, llama.cpp server, Ollama, OpenAI) works the same.
Configuration comes from arguments or from the environment:
``NARRASCOPE_LLM_BASE_URL`` (e.g. ``http://127.0.0.1:8080/v1``),
``NARRASCOPE_LLM_MODEL`` and ``NARRASCOPE_LLM_API_KEY`` (optional).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

__all__ = ["LLMClient", "LLMConfig", "LLMError"]


class LLMError(RuntimeError):
    """The endpoint could not be reached or answered something unusable."""


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """Where and what to ask. ``base_url`` may end with ``/v1`` or not."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 30.0
    temperature: float = 0.0
    max_tokens: int = 200

    @classmethod
    def from_env(cls, **overrides: object) -> LLMConfig | None:
        """Config from ``NARRASCOPE_LLM_*`` variables (``None`` when no base URL is set)."""
        base = str(overrides.pop("base_url", "") or os.environ.get("NARRASCOPE_LLM_BASE_URL", ""))
        if not base:
            return None
        model = str(overrides.pop("model", "") or os.environ.get("NARRASCOPE_LLM_MODEL", "default"))
        key = str(overrides.pop("api_key", "") or os.environ.get("NARRASCOPE_LLM_API_KEY", ""))
        return cls(base_url=base, model=model, api_key=key, **overrides)  # type: ignore[arg-type]

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        if not base.endswith("/v1"):
            base += "/v1"
        return base + "/chat/completions"


class LLMClient:
    """Sends chat messages and returns the first choice's text."""

    def __init__(self, config: LLMConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        self._client = httpx.Client(timeout=config.timeout, headers=headers, transport=transport)

    def chat(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply to ``messages``; raises :class:`LLMError` on any failure."""
        payload = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        try:
            resp = self._client.post(self.config.endpoint, json=payload)
            resp.raise_for_status()
            data = resp.json()
            content = data["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(f"{self.config.endpoint}: {exc}") from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError(f"{self.config.endpoint}: empty reply")
        return content.strip()

    def close(self) -> None:
        self._client.close()
