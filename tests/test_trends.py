"""Corpus views over time and by outlet (narrascope.trends), on SQLite and PostgreSQL.

The corpus is hand-made: documents whose narratives, framings and techniques are
set by hand, as the stages would leave them (no model runs here). Dates straddle
a year's end on purpose: ISO week 2025-W01 starts on Monday 2024-12-30.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from narrascope.document import (
    Document,
    Entity,
    Evidence,
    Framing,
    Mention,
    NarrativeLabel,
    NarrativeResult,
    RoleScore,
    Sentence,
    TechniqueSpan,
)
from narrascope.ingest._dates import parse_date
from narrascope.store import Database, to_url
from narrascope.trends import (
    bucket_sql,
    emerging,
    emerging_from_counts,
    entity_profile,
    outlet_groups,
    outlet_list,
    outlet_profile,
    period_range,
    period_start,
    trend_series,
    update_outlet_groups,
)
from test_store_postgres import pg_url  # noqa: F401 - the throwaway cluster fixture
from test_store_relational import db_url  # noqa: F401 - both stores

ASSIGNS = {
    "nlp": ("sentences", "tokens", "mentions", "entities"),
    "narratives": ("narratives",),
    "framing": ("framings",),
    "techniques": ("techniques",),
}
BLAME = "URW: Blaming the war on others"
DISCREDIT = "URW: Discrediting Ukraine"
AMPLIFY = "URW: Amplifying war-related fears"
HOSTILE = '<script>alert(1)</script> & "Ledger"'


def make_doc(
    doc_id: str,
    outlet: str,
    published: date | None,
    narratives: list[str],
    role: str = "Antagonist",
    *,
    spans: int = 1,
    entity: str = "Volodymyr Zelensky",
) -> Document:
    body = f"{entity.split()[-1]} said the war goes on. " + "word " * 20
    doc = Document(
        id=doc_id,
        text=body.strip(),
        title=f"Story {doc_id}",
        source=f"{doc_id}.txt",
        outlet=outlet,
        published=published,
        language="en",
    )
    eid = "person:" + entity.lower().replace(" ", "-").replace("<", "").replace(">", "")
    doc.sentences = [Sentence(0, 30, doc.text[:30])]
    doc.mentions = [Mention(0, 8, doc.text[:8], "PERSON", 0, eid)]
    doc.entities = [Entity(eid, entity, "PERSON", [entity.split()[-1], "Зеленский"], [0])]
    labels = [NarrativeLabel(label, "narrative", 0.9) for label in narratives]
    doc.narratives = NarrativeResult(
        domain="URW", labels=labels, dominant=narratives[0], dominant_sub=""
    )
    quote = Evidence(0, 30, f"{doc_id}: " + doc.text[:20], 0.8, 0)
    doc.framings = [
        Framing(eid, entity, role, 0.9, [RoleScore("Deceiver", 1.0)], [quote], salience=0.7)
    ]
    doc.techniques = [TechniqueSpan(0, 8, "Loaded_Language", 0.7) for _ in range(spans)]
    doc.stage_versions = dict.fromkeys(ASSIGNS, "1")
    return doc


def corpus() -> list[Document]:
    """Alpha and Beta blame, Gamma discredits; dates around the 2024/2025 year end."""
    docs = []
    days = [date(2024, 12, 20) + timedelta(days=i) for i in range(0, 21, 2)]
    for i, day in enumerate(days):
        docs.append(make_doc(f"a{i}", "Alpha", day, [BLAME], "Antagonist", spans=2))
        docs.append(make_doc(f"b{i}", "Beta", day, [BLAME], "Antagonist", spans=2))
        docs.append(make_doc(f"g{i}", "Gamma", day, [DISCREDIT], "Protagonist", spans=0))
    docs.append(make_doc("u1", "Alpha", None, [BLAME]))
    docs.append(make_doc("h1", HOSTILE, date(2025, 1, 2), [AMPLIFY], "Innocent"))
    return docs


def summarise(database: Database) -> None:
    """Build the trends summary as analyze does, for results written earlier (a build
    in the same second as the last write is, rightly, not trusted)."""
    from narrascope.trends._summary import is_fresh

    with database.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET updated_at = '2000-01-01T00:00:00+00:00'"))
    update_outlet_groups(database)
    assert is_fresh(database)


@pytest.fixture
def db(db_url: str) -> Database:  # noqa: F811
    """The corpus on each store, read live from the relational tables (the summary
    analyze builds must answer the same: test_summary_answers_like_the_live_queries)."""
    database = Database(db_url)
    database.save_documents(corpus(), ASSIGNS)
    yield database
    database.close()


# ---------------------------------------------------------------- periods
@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_period_start_is_iso_monday_and_month_start(day: date) -> None:
    week = period_start(day, "week")
    assert week.weekday() == 0 and 0 <= (day - week).days < 7
    assert week.isocalendar()[:2] == day.isocalendar()[:2]  # the same ISO week
    assert period_start(day, "month") == day.replace(day=1)
    assert period_start(day, "day") == day


def test_periods_across_the_year_end() -> None:
    assert period_start(date(2025, 1, 1), "week") == date(2024, 12, 30)
    assert period_start(date(2021, 1, 3), "week") == date(2020, 12, 28)  # ISO 2020-W53
    assert period_range(date(2024, 12, 28), date(2025, 1, 6), "week") == [
        "2024-12-23",
        "2024-12-30",
        "2025-01-06",
    ]
    assert period_range(date(2024, 11, 30), date(2025, 2, 1), "month") == [
        "2024-11-01",
        "2024-12-01",
        "2025-01-01",
        "2025-02-01",
    ]
    with pytest.raises(ValueError, match="interval"):
        period_start(date(2024, 1, 1), "year")


def test_sql_buckets_agree_with_python(db_url: str) -> None:  # noqa: F811
    """The store's bucketing (SQLite date arithmetic, PostgreSQL date_trunc) and
    period_start name every day of several year ends alike."""
    database = Database(db_url)
    days = [date(y, 12, 20) + timedelta(days=i) for y in (2020, 2024, 2026) for i in range(20)]
    with database.engine.connect() as conn:
        for interval in ("day", "week", "month"):
            expr = bucket_sql(database.dialect, interval, ":d")
            for day in days:
                got = conn.execute(text(f"SELECT {expr}"), {"d": day.isoformat()}).scalar()
                assert got == period_start(day, interval).isoformat(), (interval, day)
    database.close()


def test_time_stamps_with_offsets_take_their_utc_date() -> None:
    # 23:30 in New York on New Year's Eve is already 2025 in UTC; the rule of docs/trends.md
    assert parse_date("2024-12-31T23:30:00-05:00") == date(2025, 1, 1)
    assert parse_date("Tue, 31 Dec 2024 23:30:00 -0500") == date(2025, 1, 1)
    assert parse_date("2025-01-01T01:00:00+03:00") == date(2024, 12, 31)
    assert parse_date("2024-12-31T23:30:00") == date(2024, 12, 31)  # no offset: as written
    assert parse_date(1735689600) == date(2025, 1, 1)  # epoch seconds are UTC


# ---------------------------------------------------------------- series
def test_trend_series_weeks_across_year_end_and_undated(db: Database) -> None:
    data = trend_series(db, "narrative", "week")
    assert data["interval"] == "week"
    assert data["periods"] == ["2024-12-16", "2024-12-23", "2024-12-30", "2025-01-06"]
    assert data["undated"] == 1  # u1: counted apart, in no period
    blame = next(s for s in data["series"] if s["key"] == BLAME)
    assert blame["outlet"] is None
    # 2024-12-30 week: days 12-30, 01-01, 01-03, 01-05 -> 4 days x (Alpha + Beta)
    point = {p["period"]: p for p in blame["points"]}["2024-12-30"]
    assert point["articles"] == 8
    assert point["share"] == pytest.approx(8 / 13, abs=1e-4)  # 4 x 3 outlets + the hostile one
    assert sum(p["articles"] for p in blame["points"]) == 22  # u1 is not among them
    assert data["articles"] == [2 * 3, 3 * 3, 4 * 3 + 1, 2 * 3]  # 12-20 is a Friday


def test_trend_series_filters_and_per_outlet(db: Database) -> None:
    beta = trend_series(db, "narrative", "month", outlet="beta")
    assert [s["key"] for s in beta["series"]] == [BLAME]
    assert [p["share"] for p in beta["series"][0]["points"]] == [1.0, 1.0]
    assert beta["series"][0]["outlet"] == "beta"
    per = trend_series(db, "narrative", "month", per_outlet=True, since="2025-01-01")
    assert per["periods"] == ["2025-01-01"]
    outlets = {(s["key"], s["outlet"]) for s in per["series"]}
    assert (BLAME, "Alpha") in outlets and (DISCREDIT, "Gamma") in outlets
    tech = trend_series(db, "technique", "day", until="2024-12-22")
    assert tech["periods"] == ["2024-12-20", "2024-12-21", "2024-12-22"]
    assert [p["articles"] for p in tech["series"][0]["points"]] == [2, 0, 2]
    with pytest.raises(ValueError, match="by must be"):
        trend_series(db, "colour", "week")


def test_trend_series_entity_roles(db: Database) -> None:
    roles = trend_series(db, "entity", "month", entity="ЗЕЛЕНСКИЙ")
    assert {s["key"] for s in roles["series"]} == {"Antagonist", "Protagonist", "Innocent"}
    top = trend_series(db, "entity", "month")
    assert top["series"][0]["key"] == "Volodymyr Zelensky"
    with pytest.raises(ValueError, match="no entity"):
        trend_series(db, "entity", "month", entity="nobody at all")


# --------------------------------------------------------------- emerging
def test_emerging_test_on_made_up_counts() -> None:
    periods = [f"p{i}" for i in range(9)]
    totals = [100] * 9
    counts = {
        "rising": [5, 4, 6, 5, 5, 4, 6, 5, 30],  # 5 % baseline, 30 % now
        "steady": [20, 22, 18, 20, 21, 19, 20, 20, 22],
        "small": [0, 0, 0, 0, 0, 0, 0, 0, 2],  # new, but two articles prove nothing
        "falling": [30] * 8 + [5],
    }
    found = emerging_from_counts(counts, totals, periods)
    assert [e["key"] for e in found] == ["rising"]
    top = found[0]
    assert top["period"] == "p8" and top["articles"] == 30 and top["share"] == 0.3
    assert top["baseline_share"] == pytest.approx(40 / 800)
    # one-sided binomial tail, checked against a direct sum
    p0 = (40 + 0.5) / 801
    tail = sum(math.comb(100, k) * p0**k * (1 - p0) ** (100 - k) for k in range(30, 101))
    assert top["p_value"] == pytest.approx(tail, rel=1e-6)
    assert top["p_adjusted"] == pytest.approx(min(1.0, tail * 4), rel=1e-6)
    # no history, or nothing in the latest period: nothing emerges
    assert emerging_from_counts({"a": [3]}, [10], ["p0"]) == []
    assert emerging_from_counts({"a": [0, 0]}, [0, 10], ["p0", "p1"]) == []


def test_emerging_on_the_store(db_url: str) -> None:  # noqa: F811
    database = Database(db_url)
    docs = []
    for w in range(6):
        for i in range(10):
            day = date(2024, 12, 2) + timedelta(days=7 * w + i % 5)
            label = AMPLIFY if w == 5 and i < 6 else BLAME
            docs.append(make_doc(f"w{w}-{i}", "Alpha", day, [label]))
    database.save_documents(docs, ASSIGNS)
    found = emerging(database, "week")
    assert [e["key"] for e in found] == [AMPLIFY]
    assert found[0]["period"] == "2025-01-06" and found[0]["articles"] == 6
    database.close()


# ---------------------------------------------------------------- outlets
def test_outlet_groups_are_learnt_and_stored(db: Database) -> None:
    groups = outlet_groups(db)
    # Alpha and Beta push the same narrative and cast Zelensky alike; Gamma differs;
    # the hostile outlet has one article: too few for a group
    assert groups["Alpha"] == groups["Beta"] != groups["Gamma"]
    assert HOSTILE not in groups
    assert outlet_groups(db) == groups  # deterministic
    assert update_outlet_groups(db) == groups
    with db.engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT name, learnt_group FROM outlets")).all())
    assert stored["Alpha"] == groups["Alpha"] and stored[HOSTILE] is None


def test_outlet_list_and_profile(db: Database) -> None:
    listed = outlet_list(db)
    alpha = next(o for o in listed if o["name"] == "Alpha")
    assert alpha["articles"] == 12 and alpha["undated"] == 1
    assert alpha["languages"] == {"en": 12}
    assert alpha["first_published"] == "2024-12-20" and alpha["last_published"] == "2025-01-09"
    assert alpha["top_narratives"] == {BLAME: 12}
    profile = outlet_profile(db, "ALPHA")
    assert profile is not None and profile["name"] == "Alpha"
    for key in ("articles", "languages", "narratives", "techniques_per_1000_words", "framing"):
        assert key in profile
    assert profile["narratives"] == {BLAME: 12}
    assert profile["framing"]["Volodymyr Zelensky"]["Antagonist"] == 12
    assert profile["framing"]["Volodymyr Zelensky"]["Protagonist"] == 0
    assert len(profile["framing"]["Volodymyr Zelensky"]["quotes"]) == 2
    assert profile["nearest_outlets"][0]["name"] == "Beta"
    assert profile["interval"] == "day"  # three weeks of articles
    assert sum(v["articles"] for v in profile["volume"]) == 11
    assert profile["techniques_per_1000_words"] > 0
    assert outlet_profile(db, "nobody") is None


def test_declared_outlets_are_stored(db: Database) -> None:
    from narrascope.ingest import load_outlets
    from narrascope.trends import record_declared_outlets

    path = Path(__file__).parent / "_outlets_declared.csv"
    try:
        path.write_text("name,domains,country,leaning\nAlpha,alpha.example,UA,pro-Ukraine\n")
        assert record_declared_outlets(db, load_outlets(path)) == 1
    finally:
        path.unlink()
    alpha = next(o for o in outlet_list(db) if o["name"] == "Alpha")
    assert alpha["declared_leaning"] == "pro-Ukraine" and alpha["country"] == "UA"
    assert alpha["domains"] == ["alpha.example"]


# --------------------------------------------------------------- entities
def test_entity_profile_by_alias_any_case(db: Database) -> None:
    profile = entity_profile(db, "зеленский")
    assert profile is not None
    assert profile["id"] == "person:volodymyr-zelensky"
    assert profile["name"] == "Volodymyr Zelensky"
    assert "Зеленский" in profile["aliases"]
    assert profile["by_outlet"]["Alpha"]["Antagonist"] == 12
    assert profile["by_outlet"]["Gamma"]["Protagonist"] == 11
    assert len(profile["by_outlet"]["Alpha"]["quotes"]) == 3
    assert profile["undated"] == 1
    assert sum(p["Antagonist"] for p in profile["over_time"]) == 22
    assert {"period", "Protagonist", "Antagonist", "Innocent"} <= set(profile["over_time"][0])
    assert entity_profile(db, "nobody") is None


def test_views_leave_near_duplicates_out(tmp_path: Path) -> None:
    database = Database(to_url(tmp_path / "d.db"))
    database.save_documents(corpus(), ASSIGNS)
    copy = make_doc("dup", "Delta", date(2024, 12, 20), [BLAME])
    copy.duplicate_of = "a0"
    database.save_duplicate(copy)
    assert "Delta" not in {o["name"] for o in outlet_list(database)}
    assert trend_series(database, "narrative", "week")["articles"][0] == 6
    database.close()


def test_summary_answers_like_the_live_queries_and_goes_stale(db_url: str) -> None:  # noqa: F811
    from narrascope.trends._summary import is_fresh

    database = Database(db_url)
    database.save_documents(corpus(), ASSIGNS)

    def views() -> list[object]:
        return [
            trend_series(database, "narrative", "week"),
            trend_series(database, "subnarrative", "day", outlet="alpha"),
            trend_series(database, "technique", "month", per_outlet=True, since="2025-01-01"),
            trend_series(database, "entity", "week", entity="Zelensky", until="2024-12-31"),
            trend_series(database, "entity", "month"),
            outlet_list(database),
            outlet_profile(database, "Gamma"),
            entity_profile(database, "Volodymyr Zelensky"),
            emerging(database, "day"),
        ]

    live = views()
    summarise(database)
    assert views() == live
    # a write after the build: the summary is not trusted, the live answer includes it
    database.save_documents([make_doc("late", "Beta", date(2025, 1, 9), [AMPLIFY])], ASSIGNS)
    assert not is_fresh(database)
    late = trend_series(database, "narrative", "week")
    amplify = next(s for s in late["series"] if s["key"] == AMPLIFY)
    assert sum(p["articles"] for p in amplify["points"]) == 2
    database.close()
