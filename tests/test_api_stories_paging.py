"""Story lists page in SQL (``story_page``), and a page is exactly a slice of the full
list: the same stories in the same order, with the same total, on SQLite and PostgreSQL.

The database is tests/api_fixtures.py's plus stories added by hand with tied and
missing dates (so the order's tie-breaks are exercised) and one story left without
articles (which no list or total may count).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from api_fixtures import build_db
from narrascope.api import ServeSettings, create_app
from narrascope.cli._stories import story_detail, story_list, story_page
from narrascope.store import Database
from test_store_postgres import pg_url  # noqa: F401 - the throwaway cluster fixture
from test_store_relational import (
    ASSIGNS,
    BLAME,
    _article,
    db_url,  # noqa: F401 - SQLite and PostgreSQL URLs
)

#: (title, first_published, last_published, members as (article id, outlet)) added to
#: the fixture's three stories; each member is a new article of its own
EXTRA = [
    ("Tie one", "2024-03-02", "2024-03-05", [("t1", "Alpha")]),
    ("Tie two", "2024-03-01", "2024-03-05", [("t2", "Beta"), ("t3", "Gamma")]),
    ("Undated", None, None, [("u1", "Alpha")]),
    ("Early", "2024-01-01", "2024-01-02", [("e1", "Alpha"), ("e2", "Beta")]),
    ("Late", "2024-04-01", "2024-04-09", [("l1", "Beta")]),
    ("Emptied", "2024-05-01", "2024-05-02", []),
    ("Mid", "2024-03-03", "2024-03-03", [("m1", "Alpha"), ("m2", "Beta"), ("m3", "Gamma")]),
]


def _build(url: str) -> None:
    build_db(url)
    db = Database(url)
    try:
        members = [m for *_, ms in EXTRA for m in ms]
        db.save_documents(
            [
                _article(aid, outlet, date(2024, 3, 1), 3 + n, narratives=[(BLAME, 0.6)], role="")
                for n, (aid, outlet) in enumerate(members)
            ],
            ASSIGNS,
        )
        with db._writer.begin() as conn:
            for title, first, last, ms in EXTRA:
                sid = conn.execute(
                    text(
                        "INSERT INTO stories (title, first_published, last_published,"
                        " created_at, updated_at) VALUES (:t, :f, :l, 't', 't') RETURNING id"
                    ),
                    {"t": title, "f": first, "l": last},
                ).scalar_one()
                for aid, _ in ms:
                    conn.execute(
                        text("INSERT INTO story_articles VALUES (:s, :a, 't')"),
                        {"s": sid, "a": aid},
                    )
    finally:
        db.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Database]]:
    path = tmp_path_factory.mktemp("paging") / "news.db"
    _build(str(path))
    app = create_app(ServeSettings(db=str(path), token="t", worker=False))
    db = Database(path, read_only=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, db
    db.close()


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "since": st.sampled_from(["2024-01-02", "2024-03-04", "2024-04-10"]),
        "until": st.sampled_from(["2024-01-01", "2024-03-02", "2024-12-31"]),
        "outlet": st.sampled_from(["Alpha", "Beta", "Nobody"]),
        "min_outlets": st.integers(0, 3),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=FILTERS, limit=st.integers(1, 12), offset=st.integers(0, 12))
def test_an_api_page_is_a_slice_of_the_full_list(
    served: tuple[TestClient, Database], filters: dict[str, Any], limit: int, offset: int
) -> None:
    client, db = served
    full = json.loads(json.dumps(story_list(db, **filters)))
    page = client.get("/api/stories", params={**filters, "limit": limit, "offset": offset})
    assert page.status_code == 200, page.text
    data = page.json()
    assert data["total"] == len(full)
    assert data["items"] == full[offset : offset + limit]
    assert (data["limit"], data["offset"]) == (limit, offset)


def test_the_default_list_is_unchanged(served: tuple[TestClient, Database]) -> None:
    _, db = served
    titles = [s["title"] for s in story_list(db)]
    # newest last publication first, ties by id, undated last; the emptied story nowhere
    assert titles[:4] == ["Late", "War", "Tie one", "Tie two"]
    assert titles[-2:] == ["Other", "Undated"]
    assert "Emptied" not in titles and len(titles) == 9


def test_pages_on_both_stores(db_url: str) -> None:  # noqa: F811
    _build(db_url)
    db = Database(db_url, read_only=True)
    try:
        full = story_list(db)
        assert len(full) == 9
        for limit, offset in [(1, 0), (4, 2), (50, 0), (3, 8), (5, 9), (2, 100)]:
            items, total = story_page(db, limit=limit, offset=offset)
            assert total == len(full)
            assert (
                items == full[offset : offset + limit] == story_list(db, limit=limit, offset=offset)
            )
        assert story_list(db, offset=3) == full[3:]  # an offset without a limit
        items, total = story_page(db, min_outlets=2, limit=2, offset=1)
        wide = story_list(db, min_outlets=2)
        assert total == len(wide) and items == wide[1:3]
    finally:
        db.close()


def test_the_dashboard_pages_with_the_same_total(served: tuple[TestClient, Database]) -> None:
    client, db = served
    full = story_list(db)
    first = client.get("/stories").text
    assert "1–9 of 9" in first and "Emptied" not in first
    assert [s["id"] for s in full] == [
        int(part.split('"', 1)[0]) for part in first.split('href="/stories/')[1:]
    ]
    later = client.get("/stories", params={"offset": 6}).text
    assert "7–9 of 9" in later
    assert [s["id"] for s in full[6:]] == [
        int(part.split('"', 1)[0]) for part in later.split('href="/stories/')[1:]
    ]


def test_a_stale_story_is_read_with_one_connection_at_a_time(
    served: tuple[TestClient, Database],
) -> None:
    """Claims recomputed on read (no stored rows here) load documents through the pool;
    holding a second connection meanwhile let 20 concurrent story pages exhaust it."""
    _, shared = served
    db = Database(shared.url, read_only=True)
    try:
        db.engine = create_engine(db.url, pool_size=1, max_overflow=0, pool_timeout=1)
        sid = next(s["id"] for s in story_list(shared) if s["title"] == "Mid")
        detail = story_detail(db, sid)
        assert detail is not None and len(detail["articles"]) == 3
    finally:
        db.engine.dispose()
        db.close()
