"""The API answers the same on SQLite and PostgreSQL (a throwaway cluster, as in
tests/test_store_postgres.py; skipped without the server binaries)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from api_fixtures import build_db
from narrascope.api import ServeSettings, create_app
from test_store_postgres import pg_url  # noqa: F401 - the throwaway cluster fixture
from test_store_relational import db_url  # noqa: F401 - SQLite and PostgreSQL URLs

QUERIES = [
    {},
    {"limit": 2, "offset": 1},
    {"q": "war"},
    {"q": "goes on", "outlet": "alpha"},
    {"technique": "Loaded_Language"},
    {"entity": "зеленский"},
    {"narrative": "blaming", "since": "2024-03-02"},
]


def test_reads_are_the_same_on_both_stores(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    stories = build_db(db_url)
    settings = ServeSettings(db=db_url, token="t", worker=False, spool=tmp_path / "jobs")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for params in QUERIES:
            data = client.get("/api/articles", params=params).json()
            expected = {
                "{}": ["a2", "h1", "b1", "a1", "c1"],
                "{'limit': 2, 'offset': 1}": ["h1", "b1"],
                "{'q': 'war'}": ["a2", "h1", "b1", "a1", "c1"],
                "{'q': 'goes on', 'outlet': 'alpha'}": ["a2", "a1"],
                "{'technique': 'Loaded_Language'}": ["a2", "a1"],
                "{'entity': 'зеленский'}": ["a2", "b1", "a1", "c1"],
                "{'narrative': 'blaming', 'since': '2024-03-02'}": ["h1", "b1"],
            }[str(params)]
            assert [i["id"] for i in data["items"]] == expected, params
            if "q" in params:
                assert all("[" in i["snippet"] for i in data["items"])
        article = client.get("/api/articles/a1").json()
        assert article["story"] == stories["hostile"] and article["techniques"]
        story = client.get(f"/api/stories/{stories['War']}").json()
        assert sorted(story["outlets"]) == ["Alpha", "Beta"]
        assert client.get("/api/stories").json()["total"] == 3
        lines = client.get("/api/export.jsonl", params={"outlet": "Beta"}).text.splitlines()
        assert len(lines) == 1
        for url in ("/", "/articles?q=war", "/articles/h1", f"/stories/{stories['War']}"):
            assert client.get(url).status_code == 200, url
