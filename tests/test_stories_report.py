"""The report's story list and side-by-side pages: bounded, and hostile text stays text."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import text

from narrascope.cli._stories import report_stories
from narrascope.store import Database
from narrascope.web import render_report
from test_stories_cli import _db

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _hostile_story() -> dict:
    return {
        "id": 7,
        "title": EVIL,
        "first_published": "2024-03-01",
        "last_published": None,
        "languages": ["en", EVIL],
        "articles": [
            {
                "id": "x1",
                "title": EVIL,
                "outlet": EVIL,
                "url": "javascript:alert(3)",
                "published": None,
                "language": "en",
            },
            {
                "id": "x2",
                "title": "ok",
                "outlet": "Beta",
                "url": "",
                "published": None,
                "language": "ru",
            },
        ],
        "outlets": {
            EVIL: {
                "articles": ["x1"],
                "narratives": {EVIL: 1},
                "techniques_per_1000_words": 2.5,
                "top_techniques": [{"technique": EVIL, "spans": 1, "per_1000_words": 2.5}],
            },
            "Beta": {
                "articles": ["x2"],
                "narratives": {},
                "techniques_per_1000_words": None,
                "top_techniques": [],
            },
        },
        "entities": [
            {
                "id": "e",
                "name": EVIL,
                "by_outlet": {
                    EVIL: {"main_role": "Antagonist", "fine_roles": [EVIL], "quotes": [EVIL]},
                    "Beta": {"main_role": "Protagonist", "fine_roles": [], "quotes": []},
                },
                "disagreement": True,
                "roles": {"Antagonist": [EVIL], "Protagonist": ["Beta"]},
            }
        ],
        "claims": [
            {"text": EVIL, "outlets": [EVIL], "articles": ["x1"], "quotes": [], "one_sided": True}
        ],
        "omissions": {"Beta": [{"claim": 0, "text": EVIL, "outlets": [EVIL]}]},
        "timeline": [{"date": "2024-03-01", "event": EVIL, "outlets": [EVIL], "quotes": []}],
    }


def test_hostile_story_text_is_escaped_everywhere() -> None:
    html = render_report([], stories=[_hostile_story()], stories_total=1)
    parser = _Tags()
    parser.feed(html)
    # the only script is the report's own; no image or handler came from the data
    assert [t for t, _ in parser.tags if t == "script"] == ["script"]
    assert not [t for t, _ in parser.tags if t == "img"]
    assert not any(k.startswith("on") for _, attrs in parser.tags for k in attrs)
    assert "javascript:" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert 'id="s-7"' in html and 'href="#s-7"' in html
    assert "outlets disagree" in html and "one-sided" in html and "Omissions" in html


def test_report_stories_are_capped_and_say_how_many_are_left_out(tmp_path: Path) -> None:
    path, war, other = _db(tmp_path)
    db = Database(path)
    with db._writer.begin() as conn:  # a hostile outlet name reaches the story page
        conn.execute(text("UPDATE articles SET outlet = :o WHERE id = 'b1'"), {"o": EVIL})
    stories, total = report_stories(db, 1)
    assert total == 2 and [s["id"] for s in stories] == [war]  # most outlets first
    assert {"first_published", "last_published", "languages"} <= set(stories[0])
    html = render_report(db.load_documents(), stories=stories, stories_total=total)
    assert report_stories(db, 0) == ([], 2)
    db.close()
    assert "The 1 stories told by the most outlets are shown of 2; 1 more are left out" in html
    assert f'id="s-{war}"' in html and f'id="s-{other}"' not in html
    assert EVIL not in html and "&lt;img src=x onerror=" in html
    assert "outlets disagree" in html  # Zelensky: Antagonist in Alpha, Protagonist in EVIL
