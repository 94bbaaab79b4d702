"""The server's read side through the ASGI test client: shapes, filters, pagination,
errors as JSON, security headers, exports and the dashboard's pages (issue 18).

The database is hand-made (tests/api_fixtures.py): no model runs, no worker starts.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from api_fixtures import BLAME, build_db
from narrascope.api import ServeSettings, create_app
from narrascope.cli._stories import story_detail, story_list
from narrascope.store import Database


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, dict]]:
    path = tmp_path_factory.mktemp("read") / "news.db"
    stories = build_db(path)
    app = create_app(ServeSettings(db=str(path), token="s3cret", worker=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, path, stories


def test_health_says_what_is_served(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["articles"] == 5 and data["writes"] == "enabled"
    assert data["queue"]["queued"] == 0


def test_article_list_is_paginated_with_a_total(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    first = client.get("/api/articles", params={"limit": 2}).json()
    second = client.get("/api/articles", params={"limit": 2, "offset": 2}).json()
    rest = client.get("/api/articles", params={"limit": 2, "offset": 4}).json()
    assert first["total"] == second["total"] == rest["total"] == 5
    ids = [i["id"] for page in (first, second, rest) for i in page["items"]]
    assert sorted(ids) == ["a1", "a2", "b1", "c1", "h1"]
    # newest first, undated last
    assert ids[0] == "a2" and ids[-1] == "c1"
    item = first["items"][0]
    assert item["dominant_narrative"] == "URW: Discrediting Ukraine" and item["techniques"] == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"outlet": "alpha"}, {"a1", "a2"}),
        ({"narrative": "blaming"}, {"a1", "b1", "h1"}),
        ({"technique": "Loaded_Language"}, {"a1", "a2"}),
        ({"entity": "зеленский"}, {"a1", "a2", "b1", "c1"}),
        ({"entity": "person:volodymyr-zelensky"}, {"a1", "a2", "b1", "c1"}),
        ({"since": "2024-03-03", "until": "2024-03-04"}, {"b1", "h1"}),
        ({"q": "goes on"}, {"a1", "a2", "b1", "c1", "h1"}),
        ({"q": "nothingmatchesthis"}, set()),
        ({"outlet": "Beta", "narrative": "discrediting"}, set()),
    ],
)
def test_article_filters(
    served: tuple[TestClient, Path, dict], params: dict[str, str], expected: set[str]
) -> None:
    client, _, _ = served
    data = client.get("/api/articles", params=params).json()
    assert {i["id"] for i in data["items"]} == expected
    assert data["total"] == len(expected)


def test_search_items_carry_a_snippet(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    data = client.get("/api/articles", params={"q": "war"}).json()
    assert data["items"] and all("[war]" in i["snippet"] for i in data["items"])


def test_article_detail_has_offsets_quotes_and_story(
    served: tuple[TestClient, Path, dict],
) -> None:
    client, _, stories = served
    data = client.get("/api/articles/a1").json()
    assert data["story"] == stories["hostile"]
    span = data["techniques"][0]
    assert data["text"][span["start"] : span["end"]] and span["name"]
    framing = next(f for f in data["framings"] if f["mention"] == -1)
    quote = framing["evidence"][0]
    assert data["text"][quote["start"] : quote["end"]] == quote["text"]
    assert data["narratives"]["labels"][0]["label"] == BLAME
    # a unique prefix is enough; an unknown id is a JSON 404
    assert client.get("/api/articles/h").json()["id"] == "h1"
    missing = client.get("/api/articles/zzz")
    assert missing.status_code == 404 and "zzz" in missing.json()["error"]


def test_stories_have_the_cli_json_shapes(served: tuple[TestClient, Path, dict]) -> None:
    client, path, stories = served
    listed = client.get("/api/stories").json()
    detail = client.get(f"/api/stories/{stories['War']}").json()
    db = Database(path, read_only=True)
    try:
        assert listed["items"] == json.loads(json.dumps(story_list(db)))
        assert detail == json.loads(json.dumps(story_detail(db, stories["War"])))
    finally:
        db.close()
    assert listed["total"] == 3
    assert client.get("/api/stories", params={"limit": 1, "offset": 1}).json()["items"] == [
        listed["items"][1]
    ]
    assert client.get("/api/stories/9999").status_code == 404


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/articles?limit=0", 422, "limit"),
        ("/api/articles?limit=100000", 422, "limit"),
        ("/api/articles?since=yesterday", 422, "since"),
        ("/api/articles?offset=-1", 422, "offset"),
        ("/api/stories/notanumber", 422, "story_id"),
        ("/api/jobs/nope", 404, "nope"),
        ("/api/nothing-here", 404, "/api/nothing-here"),
    ],
)
def test_errors_are_json_with_a_reason(
    served: tuple[TestClient, Path, dict], url: str, status: int, words: str
) -> None:
    client, _, _ = served
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status and words in body["error"]
    assert "Traceback" not in response.text


def test_unexpected_failure_is_json_without_traceback(
    served: tuple[TestClient, Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, _ = served

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr("narrascope.api._app.article_page", boom)
    response = client.get("/api/articles")
    assert response.status_code == 500
    assert response.json()["error"].startswith("internal error (RuntimeError)")
    assert "secret" not in response.text and "Traceback" not in response.text


def test_security_headers_on_every_answer(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    for url in ("/", "/api/health", "/static/dash.js", "/api/nothing"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_openapi_document_lists_the_endpoints(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    doc = client.get("/openapi.json").json()
    for path in (
        "/api/health",
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/jobs/{job_id}",
        "/api/stories",
        "/api/stories/{story_id}",
        "/api/outlets",
        "/api/trends",
        "/api/export.csv",
    ):
        assert path in doc["paths"], path
    assert "post" in doc["paths"]["/api/articles"]
    # no page of the dashboard is an API endpoint
    assert "/articles" not in doc["paths"]


def test_exports_stream_every_match(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    lines = client.get("/api/export.jsonl").text.splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == ["a1", "a2", "b1", "c1", "h1"]
    response = client.get("/api/export.csv", params={"outlet": "alpha"})
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["id"] for r in rows) == ["a1", "a2"]


def test_export_csv_defuses_formulas(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    build_db(path)
    db = Database(path)
    with db._writer.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE articles SET title = '=HYPERLINK(\"x\")' WHERE id = 'a1'"))
    db.close()
    with TestClient(create_app(ServeSettings(db=str(path), worker=False))) as client:
        rows = list(csv.DictReader(io.StringIO(client.get("/api/export.csv").text)))
    title = next(r["title"] for r in rows if r["id"] == "a1")
    assert not title.startswith("=")


@pytest.mark.parametrize(
    "url",
    ["/", "/articles", "/articles?q=war&outlet=Alpha", "/articles/a1", "/stories", "/submit"],
)
def test_dashboard_pages_render(served: tuple[TestClient, Path, dict], url: str) -> None:
    client, _, _ = served
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="/static/dash.js" defer></script>' in response.text
    assert "<script>" not in response.text  # no inline script, hostile or ours


def test_dashboard_story_page_puts_outlets_side_by_side(
    served: tuple[TestClient, Path, dict],
) -> None:
    client, _, stories = served
    html = client.get(f"/stories/{stories['War']}").text
    assert html.count('class="card outlet-col"') == 2
    assert "Alpha" in html and "Beta" in html


def test_dashboard_article_page_links_evidence_to_the_text(
    served: tuple[TestClient, Path, dict],
) -> None:
    client, _, _ = served
    html = client.get("/articles/a1").text
    assert 'href="#ev-n0-0"' not in html or 'id="ev-n0-0"' in html
    assert 'id="ev-f0-0"' in html and 'href="#ev-f0-0"' in html
    assert 'class="tq-toggle" data-technique="Loaded_Language"' in html
    assert html.count('data-technique="Loaded_Language"') >= 2  # the toggle and a mark


def test_dashboard_escapes_hostile_fields(served: tuple[TestClient, Path, dict]) -> None:
    client, _, stories = served
    for url in ("/articles", "/articles/h1", f"/stories/{stories['hostile']}", "/stories"):
        html = client.get(url).text
        assert "<script>window" not in html and "<img src=x" not in html
        assert "<svg onload" not in html and "<b onmouseover" not in html
        assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in client.get("/articles/h1").text


def test_dashboard_errors_are_pages_with_the_reason(served: tuple[TestClient, Path, dict]) -> None:
    client, _, _ = served
    response = client.get("/articles/<b>nope</b>")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "&lt;b&gt;nope&lt;/b&gt;" in response.text and "<b>nope" not in response.text
    assert client.get("/articles?since=bad").status_code == 422


def test_trend_endpoints_answer_501_without_the_trends_module(
    served: tuple[TestClient, Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, _ = served
    monkeypatch.setitem(sys.modules, "narrascope.trends", None)  # as if not installed
    for url in ("/api/outlets", "/api/outlets/Alpha", "/api/entities/x", "/api/trends"):
        response = client.get(url)
        assert response.status_code == 501 and "trends" in response.json()["error"]
    assert client.get("/outlets").status_code == 501
    assert client.get("/").status_code == 200  # the overview leaves emerging narratives out
