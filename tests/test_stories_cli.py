"""``narrascope stories`` / ``story ID`` print the issue's JSON shapes (item 8).

The database is hand-made: analysed documents as a stage would leave them
(test_store_relational's corpus) and stories inserted by hand, so no model runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from narrascope.cli._main import app
from narrascope.store import Database
from test_store_relational import ASSIGNS, BLAME, DISCREDIT, corpus

ARTICLE_KEYS = {"id", "title", "outlet", "url", "published", "language"}


def _db(tmp_path: Path) -> tuple[Path, int, int]:
    path = tmp_path / "s.db"
    db = Database(path)
    docs = corpus()
    docs[1].title = "Story a2 \x1b[2J\u202e"  # hostile title: escaped in JSON
    db.save_documents(docs, ASSIGNS)
    with db._writer.begin() as conn:
        ids = []
        for title, first, last, members in (
            ("War", "2024-03-03", "2024-03-05", ("a2", "b1")),
            ("Other", None, None, ("c1",)),
            ("Emptied", "2024-03-04", "2024-03-04", ()),  # its article replaced by an edit
        ):
            sid = conn.execute(
                text(
                    "INSERT INTO stories (title, first_published, last_published, created_at,"
                    " updated_at) VALUES (:t, :f, :l, 't', 't') RETURNING id"
                ),
                {"t": title, "f": first, "l": last},
            ).scalar_one()
            if members:
                conn.execute(
                    text("INSERT INTO story_articles VALUES (:s, :a, 't')"),
                    [{"s": sid, "a": a} for a in members],
                )
            ids.append(int(sid))
    db.close()
    return path, ids[0], ids[1]


def _json(*args: str) -> object:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    return json.loads(result.output)


def test_stories_json_lists_each_story_with_its_articles(tmp_path: Path) -> None:
    db, war, other = _db(tmp_path)
    found = _json("stories", "--db", str(db), "--json")
    assert [s["id"] for s in found] == [war, other]  # not the story left without articles
    first = found[0]
    assert set(first) == {
        "id",
        "title",
        "first_published",
        "last_published",
        "outlets",
        "languages",
        "articles",
        "article_count",
        "key_entities",
    }
    assert first["outlets"] == ["Alpha", "Beta"] and first["languages"] == ["en"]
    assert first["article_count"] == 2
    # both members name Zelensky: the story's key entity, counted per article
    assert first["key_entities"] == [
        {"id": "person:volodymyr-zelensky", "name": "Volodymyr Zelensky", "articles": 2}
    ]
    assert all(set(a) == ARTICLE_KEYS for a in first["articles"])
    assert first["articles"][1]["title"] == "Story a2 \x1b[2J\u202e"  # exact after decoding
    assert [s["id"] for s in _json("stories", "--db", str(db), "--json", "--min-outlets", "2")] == [
        war
    ]
    assert [s["id"] for s in _json("stories", "--db", str(db), "--json", "--outlet", "Gamma")] == [
        other
    ]
    assert _json("stories", "--db", str(db), "--json", "--since", "2024-03-06") == [
        s for s in found if s["id"] == other
    ]


def test_story_json_has_the_issue_keys_aggregated_per_outlet(tmp_path: Path) -> None:
    db, war, _ = _db(tmp_path)
    detail = _json("story", str(war), "--db", str(db), "--json")
    issue_keys = {"id", "title", "articles", "outlets", "entities", "claims", "timeline"}
    assert set(detail) == issue_keys | {"omissions"}
    assert detail["id"] == war and detail["title"] == "War"
    assert set(detail["outlets"]) == {"Alpha", "Beta"}
    alpha = detail["outlets"]["Alpha"]
    assert set(alpha) == {"articles", "narratives", "techniques_per_1000_words", "top_techniques"}
    assert alpha["articles"] == ["a2"] and alpha["narratives"] == {DISCREDIT: 1}
    assert detail["outlets"]["Beta"]["narratives"] == {BLAME: 1}
    assert alpha["techniques_per_1000_words"] == round(1000 * 1 / 50, 2)
    # a2 has one span (Loaded_Language) over 50 words; Beta's article has none
    assert alpha["top_techniques"] == [
        {"technique": "Loaded_Language", "spans": 1, "per_1000_words": 20.0}
    ]
    assert detail["outlets"]["Beta"]["top_techniques"] == []
    (zelensky,) = detail["entities"]
    assert set(zelensky) == {"id", "name", "by_outlet", "disagreement", "roles"}
    assert zelensky["by_outlet"]["Alpha"] == {
        "main_role": "Antagonist",
        "fine_roles": ["Deceiver"],
        "quotes": ["Zelensky said the war goes on."],
    }
    assert zelensky["by_outlet"]["Beta"]["main_role"] == "Protagonist"
    # Antagonist in Alpha, Protagonist in Beta: the view says so
    assert zelensky["disagreement"] is True
    assert zelensky["roles"] == {"Antagonist": ["Alpha"], "Protagonist": ["Beta"]}
    (claim,) = detail["claims"]  # both outlets report the same attributed sentence
    assert {"text", "outlets", "articles", "quotes", "one_sided"} <= set(claim)
    assert claim["outlets"] == ["Alpha", "Beta"] and claim["one_sided"] is False
    assert detail["omissions"] == {}  # each outlet carries the one claim
    assert isinstance(detail["timeline"], list)  # no dated event in these texts
    for event in detail["timeline"]:
        assert {"date", "event", "outlets", "quotes"} <= set(event)


def test_story_terminal_view_flags_the_disagreement(tmp_path: Path) -> None:
    db, war, _ = _db(tmp_path)
    result = CliRunner().invoke(app, ["story", str(war), "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "DISAGREEMENT: Antagonist in Alpha; Protagonist in Beta" in out
    assert "Loaded_Language (1)" in out and "Zelensky said the war goes on." in out
    assert "\x1b" not in result.output


def test_story_unknown_id_fails_clearly(tmp_path: Path) -> None:
    db, _, _ = _db(tmp_path)
    result = CliRunner().invoke(app, ["story", "999", "--db", str(db)])
    assert result.exit_code == 1 and "no story with id 999" in result.output
    result = CliRunner().invoke(app, ["story", "1", "--db", str(db)])
    assert result.exit_code == 0 and "War" in result.output
