"""A hand-made database for the server's tests: analysed articles as the stages would
leave them (test_store_relational's corpus) plus one hostile article, and stories
inserted by hand, so no model runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text

from narrascope.document import Document, Entity, Evidence, Framing, TechniqueSpan
from narrascope.store import Database
from test_store_relational import ASSIGNS, BLAME, DISCREDIT, _article, corpus

__all__ = ["BLAME", "DISCREDIT", "HOSTILE", "build_db"]

#: what a hostile article carries in every field that is shown
PWN = "window.__pwned=1"
HOSTILE = {
    "title": f'<script>{PWN}</script><img src=x onerror="{PWN}">',
    "outlet": f'<b onmouseover="{PWN}">Evil</b>',
    "url": f"javascript:{PWN}",
    "entity": f'<svg onload="{PWN}">Mr X',
    "entity_id": "person:<svg-onload>",
}


def hostile_doc() -> Document:
    doc = _article(
        "h1",
        "Alpha",
        date(2024, 3, 4),
        20,
        narratives=[(BLAME, 0.9)],
        role="Antagonist",
        fines=[("Deceiver", 1.0)],
        spans=2,
    )
    doc.title = HOSTILE["title"]
    doc.outlet = HOSTILE["outlet"]
    doc.url = HOSTILE["url"]
    doc.text = f'<script>{PWN}</script> said the war goes on. <a href="javascript:{PWN}">x</a> ' + (
        "word " * 20
    )
    doc.entities = [Entity(HOSTILE["entity_id"], HOSTILE["entity"], "PERSON", ["<i>X</i>"], [0])]
    quote = Evidence(0, 30, doc.text[:30], 0.8, 0)
    doc.framings = [
        Framing(HOSTILE["entity_id"], HOSTILE["entity"], "Antagonist", 0.9, [], [quote])
    ]
    assert doc.narratives is not None
    doc.narratives.labels[0].evidence = [quote]
    doc.narratives.explanation = f"<script>{PWN}</script> explained"
    doc.techniques = [TechniqueSpan(0, 8, 'Loaded_Language" onmouseover="' + PWN, 0.7)]
    doc.notes = [f"<img src=x onerror={PWN}>"]
    return doc


def build_db(path: Path | str) -> dict[str, int]:
    """Write the corpus, the hostile article and three stories; returns the story ids."""
    db = Database(path)
    docs = [*corpus(), hostile_doc()]
    db.save_documents(docs, ASSIGNS)
    ids: dict[str, int] = {}
    with db._writer.begin() as conn:
        for title, first, last, members in (
            ("War", "2024-03-03", "2024-03-05", ("a2", "b1")),
            ("Other", None, None, ("c1",)),
            (HOSTILE["title"], "2024-03-01", "2024-03-04", ("a1", "h1")),
        ):
            sid = conn.execute(
                text(
                    "INSERT INTO stories (title, first_published, last_published, created_at,"
                    " updated_at) VALUES (:t, :f, :l, 't', 't') RETURNING id"
                ),
                {"t": title, "f": first, "l": last},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO story_articles VALUES (:s, :a, 't')"),
                [{"s": sid, "a": a} for a in members],
            )
            ids[title if title != HOSTILE["title"] else "hostile"] = int(sid)
    db.close()
    return ids
