"""``analyze`` assigns stored articles to stories, with ids stable across runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from narrascope.app import Narrascope
from narrascope.config import Config

QUAKE = [
    (
        "Wire Daily",
        "Earthquake kills 20 in Izmir",
        "A strong earthquake struck the Turkish city of Izmir on Friday, killing 20 people and "
        "injuring hundreds. Rescue teams from AFAD searched the rubble of collapsed apartment "
        "blocks overnight, and the governor of Izmir said more survivors could be found.",
    ),
    (
        "Coast Herald",
        "Izmir earthquake: rescuers search rubble",
        "Rescue teams from AFAD searched the rubble of collapsed apartment blocks in Izmir after "
        "a strong earthquake struck the Turkish city on Friday. The quake killed 20 people, the "
        "governor of Izmir said, and more survivors could still be found.",
    ),
    (
        "Aegean Post",
        "Izmir earthquake death toll reaches 20",
        "The death toll of the strong earthquake that struck Izmir on Friday reached 20 people, "
        "the governor of Izmir said. Rescue teams from AFAD searched the rubble of collapsed "
        "apartment blocks in the Turkish city overnight for survivors.",
    ),
]
BUDGET = (
    "Capital News",
    "Ottawa approves budget",
    "Lawmakers in Ottawa approved the federal budget late on Tuesday after a long debate on "
    "spending for hospitals, schools and pensions. The finance minister called the vote a "
    "turning point for the provinces.",
)
LATER = (
    "Evening Star",
    "Izmir earthquake: survivors found in rubble",
    "Rescue teams from AFAD found two survivors in the rubble of collapsed apartment blocks in "
    "Izmir on Saturday, a day after the strong earthquake struck the Turkish city and killed "
    "20 people, the governor of Izmir said.",
)


def _write(folder: Path, items: list[tuple[str, str, str]], day: str) -> Path:
    folder.mkdir(parents=True)
    for i, (outlet, title, body) in enumerate(items):
        (folder / f"a{i}.txt").write_text(
            f"date: {day}\noutlet: {outlet}\n\n{title}\n\n{body}\n", encoding="utf-8"
        )
    return folder


def _run(db: Path, folder: Path) -> None:
    app = Narrascope(db, Config(stages=[]))
    app.story_encoder = False  # lexical features only: no encoder to load in a test
    app.analyze([str(folder)])
    app.close()


def _stories(db: Path) -> dict[int, set[str]]:
    app = Narrascope(db, must_exist=True, read_only=True)
    with app.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT sa.story_id, a.outlet FROM story_articles sa"
                " JOIN articles a ON a.id = sa.article_id"
            )
        ).all()
    app.close()
    out: dict[int, set[str]] = {}
    for sid, outlet in rows:
        out.setdefault(int(sid), set()).add(outlet)
    return out


def test_two_runs_keep_story_ids_and_join_the_later_article(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    _run(db, _write(tmp_path / "one", [*QUAKE, BUDGET], "2024-11-01"))
    first = _stories(db)
    quake_id = next(s for s, outlets in first.items() if "Wire Daily" in outlets)
    assert first[quake_id] == {"Wire Daily", "Coast Herald", "Aegean Post"}
    assert sorted(map(sorted, first.values())) == sorted(
        [sorted(first[quake_id]), ["Capital News"]]
    )

    two = _write(tmp_path / "two", [LATER], "2024-11-02")
    # an exact copy of a first-run article under another file name: joins its story
    (two / "copy.txt").write_bytes((tmp_path / "one" / "a0.txt").read_bytes())
    _run(db, two)
    second = _stories(db)
    assert second[quake_id] == {"Wire Daily", "Coast Herald", "Aegean Post", "Evening Star"}
    assert len(second) == 2
    app = Narrascope(db, must_exist=True, read_only=True)
    with app.db.engine.connect() as conn:
        title, first_pub, last_pub = conn.execute(
            text("SELECT title, first_published, last_published FROM stories WHERE id = :s"),
            {"s": quake_id},
        ).one()
        copies = (
            conn.execute(
                text(
                    "SELECT sa.story_id FROM articles a JOIN story_articles sa"
                    " ON sa.article_id = a.id WHERE a.duplicate_of IS NOT NULL"
                )
            )
            .scalars()
            .all()
        )
    app.close()
    assert copies == [quake_id]
    assert title in {t for _, t, _ in QUAKE}
    assert (first_pub[:10], last_pub[:10]) == ("2024-11-01", "2024-11-02")
