"""The OpenAI-compatible client against a local fake ``/v1/chat/completions`` server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from narrascope.document import Document, Evidence, NarrativeLabel, NarrativeResult
from narrascope.narratives import LLMClient, LLMConfig, LLMError, explain

RECEIVED: list[dict] = []


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        RECEIVED.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            return
        reply = {"choices": [{"message": {"role": "assistant", "content": " Blames NATO. " * 60}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _result() -> tuple[Document, NarrativeResult]:
    text = "NATO provoked the war. Everyone knows it."
    doc = Document(id="t", text=text, language="en")
    nar = "URW: Blaming the war on others rather than the invader"
    ev = Evidence(0, 22, text[:22], 1.0, 0)
    res = NarrativeResult(
        domain="URW",
        labels=[NarrativeLabel(nar, "narrative", 0.9, [ev])],
        dominant=nar,
    )
    return doc, res


def test_chat_posts_openai_payload_and_reads_reply(base_url: str) -> None:
    client = LLMClient(LLMConfig(base_url=base_url, model="tiny", api_key="k123", timeout=5))
    reply = client.chat([{"role": "user", "content": "hi"}])
    assert reply.startswith("Blames NATO.")
    last = RECEIVED[-1]
    assert last["path"] == "/v1/chat/completions"
    assert last["auth"] == "Bearer k123"
    assert last["model"] == "tiny" and last["messages"][0]["content"] == "hi"


def test_explain_uses_llm_and_caps_words(base_url: str) -> None:
    doc, res = _result()
    client = LLMClient(LLMConfig(base_url=base_url + "/v1/", model="tiny", timeout=5))
    text, backend = explain(doc, res, client)
    assert backend == "llm"
    assert len(text.split()) <= 80
    assert "NATO provoked the war" in RECEIVED[-1]["messages"][1]["content"]


def test_server_error_falls_back_to_template(base_url: str) -> None:
    doc, res = _result()
    client = LLMClient(LLMConfig(base_url=base_url, model="broken", timeout=5))
    with pytest.raises(LLMError):
        client.chat([{"role": "user", "content": "hi"}])
    text, backend = explain(doc, res, client)
    assert backend.startswith("template")
    assert "Blaming the war on others" in text and "NATO provoked the war" in text


def test_unreachable_endpoint_raises() -> None:
    client = LLMClient(LLMConfig(base_url="http://127.0.0.1:9", model="m", timeout=0.5))
    with pytest.raises(LLMError):
        client.chat([{"role": "user", "content": "hi"}])


def test_config_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NARRASCOPE_LLM_BASE_URL", raising=False)
    assert LLMConfig.from_env() is None
    monkeypatch.setenv("NARRASCOPE_LLM_BASE_URL", "http://127.0.0.1:1234/v1")
    monkeypatch.setenv("NARRASCOPE_LLM_MODEL", "qwen")
    monkeypatch.setenv("NARRASCOPE_LLM_API_KEY", "secret")
    cfg = LLMConfig.from_env()
    assert cfg is not None and cfg.model == "qwen" and cfg.api_key == "secret"
    assert cfg.endpoint == "http://127.0.0.1:1234/v1/chat/completions"


def test_template_names_framed_entities_and_quotes() -> None:
    from narrascope.document import Framing

    doc, res = _result()
    doc.framings = [
        Framing("nato", "NATO", "Antagonist", 0.9),
        Framing("russia", "Russia", "Protagonist", 0.8),
        Framing("nato", "NATO", "Antagonist", 0.9, mention=0),
    ]
    text, backend = explain(doc, res, None)
    assert backend == "template"
    assert "It blames NATO." in text and "Russia favourably" in text
    assert "“NATO provoked the war.”" in text
    assert len(text.split()) <= 80
