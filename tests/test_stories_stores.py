"""The story views on both stores: the same SQL gives the same answers on SQLite and
PostgreSQL (the list, the side-by-side detail, stored claims and timelines, the CSV
export and the report's pick), on a throwaway PostgreSQL cluster (test_store_postgres)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from narrascope.cli._stories import export_story_csvs, report_stories, story_detail, story_list
from narrascope.document import Document
from narrascope.store import Database
from narrascope.stories._derived import derive_stories
from test_store_postgres import pg_url  # noqa: F401 - the throwaway cluster fixture
from test_store_relational import ASSIGNS, corpus, db_url  # noqa: F401 - fixtures
from test_stories_derived import TEXTS


def _fill(url: str) -> tuple[Database, int, int]:
    """Story "War" (framed articles a2, b1 of test_store_relational) and story "Budget"
    (test_stories_derived's three outlets, ids t1..t3, one undated)."""
    db = Database(url)
    db.save_documents(corpus(), ASSIGNS)
    budget = [
        Document(
            id=f"t{n}",
            text=body,
            title=f"Budget {n}",
            source=f"t{n}.txt",
            outlet=outlet,
            published=None if n == 3 else date(2024, 3, 6),
            language="en",
        )
        for n, (outlet, body) in enumerate(TEXTS.values(), start=1)
    ]
    db.save_documents(budget, {})
    ids = []
    with db._writer.begin() as conn:
        for title, members in (("War", ("a2", "b1")), ("Budget", ("t1", "t2", "t3"))):
            sid = conn.execute(
                text(
                    "INSERT INTO stories (title, first_published, last_published, created_at,"
                    " updated_at) VALUES (:t, '2024-03-03', '2024-03-06', 't', 't') RETURNING id"
                ),
                {"t": title},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO story_articles VALUES (:s, :a, 't')"),
                [{"s": sid, "a": a} for a in members],
            )
            ids.append(int(sid))
    return db, ids[0], ids[1]


def _views(db: Database, war: int, budget: int, out: Path) -> dict[str, Any]:
    assert derive_stories(db, [war, budget]) == 2
    out.mkdir()
    export_story_csvs(db, out)
    csvs = {}
    for name in ("stories.csv", "story_outlets.csv", "claims.csv"):
        with (out / name).open(encoding="utf-8") as fh:
            # ids are the store's own (serial), compared by story title instead
            csvs[name] = [
                {k: v for k, v in row.items() if k not in ("id", "story_id", "claim_id")}
                for row in csv.DictReader(fh)
            ]
    picked, total = report_stories(db, 1)
    return {
        "list": [{k: v for k, v in s.items() if k != "id"} for s in story_list(db, min_outlets=2)],
        "war": {k: v for k, v in story_detail(db, war).items() if k != "id"},  # type: ignore[union-attr]
        "budget": {k: v for k, v in story_detail(db, budget).items() if k != "id"},  # type: ignore[union-attr]
        "csv": csvs,
        "report": ([s["title"] for s in picked], total),
    }


def test_story_views_agree_on_both_stores(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    db, war, budget = _fill(db_url)
    views = _views(db, war, budget, tmp_path / "csv")
    # stored rows read back (not recomputed) give the same detail
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims")).scalar() == len(
            views["war"]["claims"]
        ) + len(views["budget"]["claims"])
    assert story_detail(db, budget) == {"id": budget, **views["budget"]}
    db.close()
    if not db_url.startswith("sqlite"):  # PostgreSQL answers exactly as SQLite does
        reference, _, _ = _fill(f"sqlite:///{tmp_path / 'ref.db'}")
        expected = _views(reference, war, budget, tmp_path / "ref-csv")
        reference.close()
        assert views == expected
    # what the views say, on either store
    assert [s["title"] for s in views["list"]] == ["War", "Budget"]  # same last date: by id
    assert views["war"]["entities"][0]["disagreement"] is True
    assert set(views["budget"]["omissions"]) == {"Gamma"}
    assert views["report"] == (["Budget"], 2)  # three outlets before two
    rows = views["csv"]["claims.csv"]
    assert sum(r["omitted_by"] == "Gamma" for r in rows) == 2
