"""The corpus views of ``narrascope.trends`` over HTTP: the CLI's ``--json`` shapes,
404s with a reason, and their dashboard pages with hostile outlet and entity names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

import narrascope.trends as trends
from api_fixtures import HOSTILE, build_db
from narrascope.api import ServeSettings, create_app
from narrascope.store import Database


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    path = tmp_path_factory.mktemp("trends") / "news.db"
    build_db(path)
    with TestClient(
        create_app(ServeSettings(db=str(path), worker=False)), raise_server_exceptions=False
    ) as client:
        yield client, path


def _same(value: object) -> object:
    return json.loads(json.dumps(value))


def test_outlets_entities_and_trends_have_the_cli_shapes(
    served: tuple[TestClient, Path],
) -> None:
    client, path = served
    db = Database(path, read_only=True)
    try:
        assert client.get("/api/outlets").json() == _same(trends.outlet_list(db))
        assert client.get("/api/outlets/Alpha").json() == _same(trends.outlet_profile(db, "Alpha"))
        assert client.get("/api/entities/зеленский").json() == _same(
            trends.entity_profile(db, "зеленский")
        )
        got = client.get("/api/trends", params={"by": "narrative", "interval": "day"}).json()
        assert got == _same(trends.trend_series(db, "narrative", "day"))
    finally:
        db.close()
    assert client.get("/api/outlets/Nobody").status_code == 404
    assert "Nobody" in client.get("/api/entities/Nobody").json()["error"]
    bad = client.get("/api/trends", params={"by": "colour"})
    assert bad.status_code == 422 and "colour" in bad.json()["error"]


def test_trend_pages_render_and_escape(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    for url in (
        "/outlets",
        "/outlets/Alpha",
        "/entities/person:volodymyr-zelensky",
        "/trends",
        "/trends?by=technique&interval=day",
        "/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<b onmouseover" not in response.text and "<script>window" not in response.text
    page = client.get("/outlets").text
    assert "&lt;b onmouseover=" in page  # the hostile outlet is listed, as text
    assert client.get("/outlets/Nobody").status_code == 404
    assert HOSTILE["entity"] not in client.get(f"/entities/{HOSTILE['entity_id']}").text
