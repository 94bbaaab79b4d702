"""Writes through the API: the bearer token, size limits, input checks, the bounded
queue, and one article analysed end to end by the server's worker (issue 18)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from api_fixtures import build_db
from narrascope.api import ServeSettings, create_app
from narrascope.config import Config

AUTH = {"Authorization": "Bearer s3cret"}
ARTICLE = {
    "title": "Harbour reopens after storm",
    "text": "Harbour reopens after storm\n\nThe harbour of Port Ellis reopened on Monday after"
    " the storm. Officials said ferries would run again on Tuesday.",
    "outlet": "Harbour Times",
    "published": "2024-05-06",
}


def _client(tmp_path: Path, **settings: object) -> TestClient:
    path = tmp_path / "news.db"
    if not path.exists():
        build_db(path)
    options: dict[str, object] = {"db": str(path), "token": "s3cret", "worker": False}
    options.update(settings)
    return TestClient(create_app(ServeSettings(**options)), raise_server_exceptions=False)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as c:
        yield c


def test_writes_without_a_configured_token_are_refused(tmp_path: Path) -> None:
    with _client(tmp_path, token=None) as c:
        response = c.post("/api/articles", json=ARTICLE, headers=AUTH)
        assert response.status_code == 403
        assert "NARRASCOPE_TOKEN" in response.json()["error"]
        assert c.get("/api/health").json()["writes"].startswith("refused")


def test_read_only_server_refuses_writes(tmp_path: Path) -> None:
    build_db(tmp_path / "news.db")
    with _client(tmp_path, read_only=True) as c:
        response = c.post("/api/articles", json=ARTICLE, headers=AUTH)
        assert response.status_code == 403 and "--read-only" in response.json()["error"]
        assert c.get("/api/articles").json()["total"] == 5


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic czNjcmV0"},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_wrong_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/api/articles", json=ARTICLE, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]
    assert client.get("/api/health").json()["queue"]["queued"] == 0


def test_accepted_article_is_spooled_before_the_answer(client: TestClient, tmp_path: Path) -> None:
    response = client.post("/api/articles", json=ARTICLE, headers=AUTH)
    assert response.status_code == 202
    job = response.json()["job"]
    assert response.headers["location"] == f"/api/jobs/{job}"
    assert (tmp_path / "news.db.jobs" / f"{job}.json").exists()
    state = client.get(f"/api/jobs/{job}").json()
    assert state["state"] == "queued" and state["position"] == 0 and state["inputs"] == 1
    assert "items" not in state  # the texts are not echoed back


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "empty"),
        ({"text": "x", "published": "not a date"}, "published"),
        ({"text": "x", "colour": "red"}, "colour"),
        ({"url": "javascript:alert(1)"}, "http(s)"),
        ({"url": "file:///etc/passwd"}, "http(s)"),
        ({"urls": []}, "url"),
        ({"articles": []}, "articles"),
        ({"nothing": 1}, "expected"),
        ([1, 2], "object"),
    ],
)
def test_bad_bodies_are_422_with_the_reason(client: TestClient, body: object, words: str) -> None:
    response = client.post("/api/articles", json=body, headers=AUTH)
    assert response.status_code == 422
    assert words in response.json()["error"]


def test_bad_json_and_content_types(client: TestClient) -> None:
    bad = client.post(
        "/api/articles", content=b"{nope", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert bad.status_code == 422 and "JSON" in bad.json()["error"]
    plain = client.post(
        "/api/articles", content=b"hi", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert plain.status_code == 415


def test_bodies_over_the_limit_are_413(tmp_path: Path) -> None:
    with _client(tmp_path, max_body=1000) as c:
        big = c.post("/api/articles", json={"text": "word " * 50_000}, headers=AUTH)
        assert big.status_code == 413 and "larger" in big.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"text": "'
            for _ in range(200):
                yield b"word " * 100
            yield b'"}'

        streamed = c.post(
            "/api/articles",
            content=chunks(),
            headers={**AUTH, "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
        assert c.get("/api/health").json()["queue"]["queued"] == 0


def test_uploads_check_the_format(client: TestClient, tmp_path: Path) -> None:
    bad = client.post("/api/articles", files={"file": ("x.exe", b"MZ")}, headers=AUTH)
    assert bad.status_code == 422 and "x.exe" in bad.json()["error"]
    empty = client.post("/api/articles", files={"file": ("x.txt", b"  ")}, headers=AUTH)
    assert empty.status_code == 422
    good = client.post(
        "/api/articles",
        files=[("file", ("a.txt", b"Title\n\nBody text.")), ("file", ("../../b.txt", b"T\n\nB."))],
        data={"outlet": "Uploads"},
        headers=AUTH,
    )
    assert good.status_code == 202
    spooled = sorted(p.name for p in (tmp_path / "news.db.jobs").iterdir())
    assert len(spooled) == 3 and all("/" not in name for name in spooled)


def test_full_queue_is_503_with_the_reason(tmp_path: Path) -> None:
    with _client(tmp_path, max_queued=2) as c:
        for _ in range(2):
            assert c.post("/api/articles", json=ARTICLE, headers=AUTH).status_code == 202
        full = c.post("/api/articles", json=ARTICLE, headers=AUTH)
        assert full.status_code == 503 and "queue is full" in full.json()["error"]
        assert full.headers["retry-after"]


def test_worker_analyses_and_stores_a_submitted_article(tmp_path: Path) -> None:
    """End to end with the real pipeline (NLP stage only, to stay fast): the job goes
    queued → running → done and the article is then listed, while reads keep answering."""
    with _client(
        tmp_path,
        worker=True,
        config=Config().with_stages(["nlp"]),
        stories=False,
    ) as c:
        job = c.post("/api/articles", json=ARTICLE, headers=AUTH).json()["job"]
        deadline = time.monotonic() + 180
        state = c.get(f"/api/jobs/{job}").json()
        while state["state"] not in ("done", "failed") and time.monotonic() < deadline:
            assert c.get("/api/articles").status_code == 200  # reads never wait
            time.sleep(0.1)
            state = c.get(f"/api/jobs/{job}").json()
        assert state["state"] == "done", state["error"]
        assert state["summary"]["analysed"] == 1 and len(state["articles"]) == 1
        stored = c.get(f"/api/articles/{state['articles'][0]}").json()
        assert stored["title"] == ARTICLE["title"] and stored["outlet"] == "Harbour Times"
        assert stored["published"] == "2024-05-06" and stored["entities"]
        assert c.get("/api/articles", params={"outlet": "Harbour Times"}).json()["total"] == 1


def test_worker_waits_for_the_writer_lock_and_refuses_private_urls(tmp_path: Path) -> None:
    """A CLI ``analyze`` holding the writer lock makes the job wait (saying why), not
    interleave; a URL into a loopback address is refused by the ingest fetcher."""
    from narrascope.store import Database

    with _client(tmp_path, worker=True, config=Config().with_stages(["nlp"]), stories=False) as c:
        other = Database(tmp_path / "news.db")
        other.lock_writer()  # as `narrascope analyze` on the same database would
        try:
            job = c.post("/api/articles", json={"url": "http://127.0.0.1:9/x"}, headers=AUTH)
            job_id = job.json()["job"]
            deadline = time.monotonic() + 120
            while (state := c.get(f"/api/jobs/{job_id}").json())["progress"].get(
                "phase"
            ) != "waiting":
                assert time.monotonic() < deadline, state
                time.sleep(0.05)
            assert "another narrascope run is writing" in state["progress"]["reason"]
            assert state["state"] == "running"
        finally:
            other.close()
        deadline = time.monotonic() + 120
        while (state := c.get(f"/api/jobs/{job_id}").json())["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert state["state"] == "done" and state["articles"] == []
        [[source, reason]] = state["rejected"]
        assert source == "http://127.0.0.1:9/x" and "loopback" in reason
