"""Claims and timelines stored per story (migration 5), read back, and recomputed when stale.

Hand-written articles of one local story told by three outlets: two report the
detentions and the budget figure, the third leaves both out (its omissions) and adds
a claim nobody else makes (one-sided). No model runs: sentences are split on the fly.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from narrascope.document import Document
from narrascope.store import Database
from narrascope.stories import flag_sides
from narrascope.stories._derived import derive_stories, story_claims_timeline

TEXTS = {
    "a1": (
        "Alpha",
        "The council approved a budget of 12 million euros on Tuesday, the mayor said. "
        "Protesters gathered outside the town hall in the rain. "
        "Police said 40 people were detained.",
    ),
    "b1": (
        "Beta",
        "The city council approved a 12 million euro budget on Tuesday, according to the mayor. "
        "Police said 40 people were detained after the vote.",
    ),
    "c1": (
        "Gamma",
        "The council adopted its budget after a long debate. "
        "Opposition leader Anna Berg said the plan would raise rents by 15 percent.",
    ),
}


def _doc(aid: str, outlet: str, body: str, day: int = 6) -> Document:
    return Document(
        id=aid,
        text=body,
        title=f"Budget {aid}",
        source=f"{aid}.txt",
        outlet=outlet,
        published=date(2024, 3, day),
        language="en",
    )


def _db(tmp_path: Path, members: tuple[str, ...] = ("a1", "b1", "c1")) -> tuple[Database, int]:
    db = Database(tmp_path / "d.db")
    db.save_documents([_doc(a, o, t) for a, (o, t) in TEXTS.items()], {})
    with db._writer.begin() as conn:
        sid = conn.execute(
            text(
                "INSERT INTO stories (title, created_at, updated_at)"
                " VALUES ('Budget', 't', 't') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text("INSERT INTO story_articles VALUES (:s, :a, 't')"),
            [{"s": sid, "a": a} for a in members],
        )
    return db, int(sid)


def _by_outlets(claims: list[dict]) -> dict[tuple[str, ...], list[dict]]:
    out: dict[tuple[str, ...], list[dict]] = {}
    for c in claims:
        out.setdefault(tuple(c["outlets"]), []).append(c)
    return out


def test_claims_grouped_one_sided_and_omitted(tmp_path: Path) -> None:
    db, sid = _db(tmp_path)
    claims, omissions, timeline = story_claims_timeline(db, sid)
    shared = _by_outlets(claims)[("Alpha", "Beta")]
    # the budget figure and the detentions, each made by Alpha and Beta in their own words
    assert len(shared) == 2 and not any(c["one_sided"] for c in shared)
    assert any("40 people" in c["text"] for c in shared)
    rents = next(c for c in claims if "15 percent" in c["text"])
    assert rents["outlets"] == ["Gamma"] and rents["one_sided"] is True
    # carried by 2 of 3 outlets: Gamma's omissions, nobody else's
    assert set(omissions) == {"Gamma"}
    assert {m["text"] for m in omissions["Gamma"]} == {c["text"] for c in shared}
    assert all(claims[m["claim"]]["text"] == m["text"] for m in omissions["Gamma"])
    # "on Tuesday" in articles of Wednesday 6 March: the day before
    assert any(e["date"] == "2024-03-05" for e in timeline)
    db.close()


def test_stored_rows_are_read_back_until_the_members_change(tmp_path: Path) -> None:
    db, sid = _db(tmp_path, ("a1", "b1"))
    first = story_claims_timeline(db, sid)
    with db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM claims WHERE story_id = :s"), {"s": sid}
        ).scalar()
        quotes = conn.execute(
            text(
                "SELECT count(*) FROM claim_articles ca JOIN claims c ON c.id = ca.claim_id"
                " WHERE c.story_id = :s"
            ),
            {"s": sid},
        ).scalar()
    assert stored == len(first[0]) and quotes == sum(len(c["quotes"]) for c in first[0])
    again = story_claims_timeline(db, sid)
    assert again == first  # the stored rows give back what was computed
    with db._writer.begin() as conn:  # proof that the second read came from the table
        conn.execute(text("UPDATE claims SET text = 'MARKED' WHERE story_id = :s"), {"s": sid})
    assert all(c["text"] == "MARKED" for c in story_claims_timeline(db, sid)[0])
    assert derive_stories(db, [sid]) == 0  # current: nothing to do
    with db._writer.begin() as conn:  # a new member makes the stored rows stale
        conn.execute(text("INSERT INTO story_articles VALUES (:s, 'c1', 't')"), {"s": sid})
    assert derive_stories(db, [sid, 999]) == 1  # an unknown (merged) story is skipped
    claims, omissions, _ = story_claims_timeline(db, sid)
    assert not any(c["text"] == "MARKED" for c in claims) and set(omissions) == {"Gamma"}
    db.close()


def test_outlet_groups_decide_what_is_one_sided(tmp_path: Path) -> None:
    db, sid = _db(tmp_path)
    groups = {"Alpha": "g1", "Beta": "g1", "Gamma": "g2"}
    claims, _, _ = story_claims_timeline(db, sid, outlet_groups=groups)
    shared = _by_outlets(claims)[("Alpha", "Beta")]
    assert all(c["one_sided"] for c in shared)  # both outlets of one group only
    with db._writer.begin() as conn:  # learnt groups stored on the outlets are read too
        conn.execute(text("UPDATE outlets SET learnt_group = 'g1' WHERE name <> 'Gamma'"))
        conn.execute(text("UPDATE outlets SET learnt_group = 'g2' WHERE name = 'Gamma'"))
    claims, _, _ = story_claims_timeline(db, sid)
    assert all(c["one_sided"] for c in _by_outlets(claims)[("Alpha", "Beta")])
    claims, _, _ = story_claims_timeline(db, sid, outlet_groups={})
    assert not any(c["one_sided"] for c in _by_outlets(claims)[("Alpha", "Beta")])
    db.close()


def test_a_read_only_database_computes_without_writing(tmp_path: Path) -> None:
    db, sid = _db(tmp_path)
    db.close()
    reader = Database(tmp_path / "d.db", read_only=True)
    claims, omissions, _ = story_claims_timeline(reader, sid)
    assert claims and set(omissions) == {"Gamma"}
    with reader.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims")).scalar() == 0
    reader.close()


def test_csv_export_of_stories_outlets_and_claims(tmp_path: Path) -> None:
    import csv

    from narrascope.cli._stories import export_story_csvs

    db, sid = _db(tmp_path)
    derive_stories(db, [sid])
    with db._writer.begin() as conn:  # a hostile title must not run in a spreadsheet
        conn.execute(
            text("UPDATE stories SET title = '=HYPERLINK(\"x\")' WHERE id = :s"), {"s": sid}
        )
    out = tmp_path / "csv"
    out.mkdir()
    paths = export_story_csvs(db, out)
    assert [p.name for p in paths] == ["stories.csv", "story_outlets.csv", "claims.csv"]

    def rows(name: str) -> list[dict[str, str]]:
        with (out / name).open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    (story,) = rows("stories.csv")
    assert story["title"] == '\'=HYPERLINK("x")'
    assert (story["articles"], story["outlets"], story["claims_stored"]) == ("3", "3", "1")
    outlets = {r["outlet"]: r for r in rows("story_outlets.csv")}
    assert set(outlets) == {"Alpha", "Beta", "Gamma"}
    assert (
        outlets["Alpha"]["articles"] == "1" and outlets["Alpha"]["techniques_per_1000_words"] == ""
    )
    claims = rows("claims.csv")
    assert int(story["claims"]) == len(claims)
    shared = [c for c in claims if c["outlets"] == "Alpha|Beta"]
    assert len(shared) == 2 and all(
        c["omitted_by"] == "Gamma" and c["one_sided"] == "0" for c in shared
    )
    (rents,) = [c for c in claims if "15 percent" in c["text"]]
    assert rents["one_sided"] == "1" and rents["omitted_by"] == "" and rents["sources"]
    db.close()


OUTLETS = ["A", "B", "C", "D", "E"]


@given(
    claims=st.lists(st.sets(st.sampled_from(OUTLETS), min_size=1), max_size=8),
    groups=st.dictionaries(st.sampled_from(OUTLETS), st.sampled_from(["g1", "g2"])),
)
def test_flag_sides_properties(claims: list[set[str]], groups: dict[str, str]) -> None:
    """One-sided: every outlet of the claim on one side, in a story of two sides or more
    (learnt groups are the sides only where the story's outlets span two of them, else
    each outlet is its own side); an omission: an outlet without the claim, which more
    than half carry (two at least)."""
    story = sorted(set().union(*claims)) if claims else []
    flags, omitted = flag_sides([sorted(c) for c in claims], story, groups)
    split = len({groups[o] for o in story if o in groups}) >= 2
    side = {o: groups.get(o, o) if split else o for o in story}
    for claim, flag in zip(claims, flags, strict=True):
        assert flag == (len(set(side.values())) >= 2 and len({side[o] for o in claim}) == 1)
    for outlet in story:
        expect = [
            i
            for i, claim in enumerate(claims)
            if outlet not in claim and len(claim) >= 2 and len(claim) > len(story) / 2
        ]
        assert omitted.get(outlet, []) == expect


def test_one_learnt_group_is_no_side() -> None:
    """Five outlets of one learnt group beside one ungrouped outlet: a claim three of the
    group make is not one-sided (the group splits nothing); one outlet's claim still is."""
    story = ["A", "B", "C", "D", "E", "F"]
    groups = {o: "G1" for o in "ABCDE"}
    flags, _ = flag_sides([["A", "B", "C"], ["F"], ["A"]], story, groups)
    assert flags == [False, True, True]
    flags, _ = flag_sides([["A", "B", "C"]], story, {**groups, "D": "G2"})
    assert flags == [True]
