"""Time of the trends views (outlets, outlet, entity, trends, emerging) on a large database.

    PYTHONPATH=src nice -n 10 python bench/trends_scale.py --n 100000 --outlets 50
    PYTHONPATH=src python bench/trends_scale.py --n 100000 --db postgresql://user@host/db

The database is filled directly through SQL (no model runs): ``--n`` articles of
``--outlets`` outlets spread over the year 2024 (2 % undated, 3 % near-duplicates),
with the relational rows the stages would leave, in proportions like the
demo corpus': 1 to 3 narrative labels and 1 to 3 sub-narratives (SemEval-2025
taxonomy), 3 framed entities (of 300, Zipf-distributed, each outlet leaning to
one role per entity) with a fine role and an evidence quote, 3 aliases per
entity, 0 to 6 technique spans. Titles are those of the unlabeled SemEval-2025
test documents when ../shared/data holds them (read by path, never copied),
replicated; the text is one short sentence (no view reads it).

Each view runs ``--repeat`` times after one warm-up; the median is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from narrascope.store import Database
from narrascope.store._relational import name_key
from narrascope.trends import (
    emerging,
    entity_profile,
    outlet_groups,
    outlet_list,
    outlet_profile,
    trend_series,
    update_outlet_groups,
)

TAXONOMY = Path(__file__).resolve().parents[1] / "src/narrascope/narratives/taxonomy.tsv"
TITLES = (
    Path(__file__).resolve().parents[2]
    / "shared/data/semeval2025-task10/unlabeled-test/raw-documents"
)
ROLES = ("Protagonist", "Antagonist", "Innocent")
FINE = {
    "Protagonist": ("Guardian", "Virtuous", "Peacemaker"),
    "Antagonist": ("Instigator", "Deceiver", "Corrupt", "Incompetent"),
    "Innocent": ("Victim", "Exploited"),
}
TECHNIQUES = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Doubt",
    "Exaggeration,Minimisation",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
)


def _labels() -> tuple[list[str], list[str]]:
    coarse, fine = [], []
    for line in TAXONOMY.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        level, label = line.split("\t")[:2]
        (coarse if level == "narrative" else fine).append(label)
    return coarse, fine


def _titles() -> list[str]:
    paths = sorted(TITLES.glob("*/*.txt"))[:460] if TITLES.exists() else []
    got = [p.read_text(encoding="utf-8").strip().partition("\n")[0][:200] for p in paths]
    return got or [f"Synthetic headline {i}" for i in range(460)]


def _insert(conn: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
        rows,
    )


def fill(db: Database, n: int, n_outlets: int, seed: int = 7) -> None:
    """Write the synthetic corpus (module docstring) in chunks of 5,000 articles."""
    rng = random.Random(seed)
    coarse, fine = _labels()
    titles = _titles()
    outlets = [f"Outlet {i:02d}" for i in range(n_outlets)]
    entities = [(f"person:entity-{i}", f"Entity {i}") for i in range(300)]
    weights = [1 / (i + 1) for i in range(len(entities))]
    # each outlet prefers some narratives and casts each entity in one role mostly
    taste = {o: rng.sample(coarse, 5) for o in outlets}
    stance = {(o, e): rng.choice(ROLES) for o in outlets for e, _ in entities[:60]}
    now = "2025-01-01T00:00:00+00:00"
    start = date(2024, 1, 1)
    with db.engine.begin() as conn:
        for name in outlets:
            conn.execute(text("INSERT INTO outlets (name) VALUES (:n)"), {"n": name})
        ids = dict(conn.execute(text("SELECT name, id FROM outlets")).all())
    for chunk in range(0, n, 5000):
        rows: dict[str, list[tuple[Any, ...]]] = {}

        def add(table: str, row: tuple[Any, ...], _rows: dict = rows) -> None:
            _rows.setdefault(table, []).append(row)

        for i in range(chunk, min(n, chunk + 5000)):
            aid = f"{i:016x}"
            outlet = outlets[int(rng.paretovariate(1.2)) % n_outlets]
            day = start + timedelta(days=rng.randrange(366))
            published = None if rng.random() < 0.02 else day.isoformat()
            duplicate = f"{i - 1:016x}" if i and rng.random() < 0.03 else None
            add(
                "articles",
                (
                    aid,
                    f"bench:{i}",
                    outlet,
                    ids[outlet],
                    titles[i % len(titles)],
                    published,
                    "en",
                    "Text.",
                    400,
                    duplicate,
                    now,
                    now,
                ),
            )
            if duplicate:
                continue
            for stage in ("nlp", "narratives", "framing", "techniques"):
                add("stage_results", (aid, stage, "1", "{}", now))
            labels = set(rng.sample(taste[outlet], rng.randint(1, 2)))
            labels |= set(rng.sample(coarse, rng.randint(0, 1)))
            for k, label in enumerate(sorted(labels)):
                add("article_narratives", (aid, label, None, "URW", "coarse", 0.8, int(k == 0)))
                subs = [f for f in fine if f.startswith(label + ": ")]
                if subs:
                    sub = rng.choice(subs)
                    add("article_narratives", (aid, sub, label, "URW", "fine", 0.7, int(k == 0)))
            for eid, ename in {e for e in rng.choices(entities, weights, k=3)}:
                role = stance.get((outlet, eid)) or rng.choice(ROLES)
                if rng.random() < 0.2:
                    role = rng.choice(ROLES)
                add("entities", (aid, eid, ename, name_key(ename), "PERSON", 2))
                for alias in (ename, ename.upper(), ename.split()[-1]):
                    add("entity_aliases", (aid, eid, alias, name_key(alias)))
                add("article_framings", (aid, eid, -1, ename, name_key(ename), role, 0.8, 0.6, 0))
                add("framing_roles", (aid, eid, -1, rng.choice(FINE[role]), 1.0))
                add("framing_evidence", (aid, eid, -1, 0, 0, 5, f"{ename} quote {i}", 0.7))
            for s in range(rng.randint(0, 6)):
                add("technique_spans", (aid, s, rng.choice(TECHNIQUES), 0, 4, 0.6, "Text"))
        columns = {
            "articles": [
                "id",
                "source",
                "outlet",
                "outlet_id",
                "title",
                "published",
                "language",
                "text",
                "word_count",
                "duplicate_of",
                "ingested_at",
                "updated_at",
            ],
            "stage_results": ["article_id", "stage", "version", "data", "created_at"],
            "article_narratives": [
                "article_id",
                "label",
                "parent",
                "domain",
                "level",
                "probability",
                "is_dominant",
            ],
            "entities": ["article_id", "entity_id", "name", "name_key", "label", "mentions"],
            "entity_aliases": ["article_id", "entity_id", "alias", "alias_key"],
            "article_framings": [
                "article_id",
                "entity_id",
                "mention",
                "name",
                "name_key",
                "main_role",
                "main_probability",
                "salience",
                "abstained",
            ],
            "framing_roles": ["article_id", "entity_id", "mention", "role", "probability"],
            "framing_evidence": [
                "article_id",
                "entity_id",
                "mention",
                "seq",
                "start_char",
                "end_char",
                "quote",
                "score",
            ],
            "technique_spans": [
                "article_id",
                "seq",
                "technique",
                "start_char",
                "end_char",
                "probability",
                "quote",
            ],
        }
        with db.engine.begin() as conn:
            for table, cols in columns.items():
                _insert(conn, table, cols, rows.get(table, []))
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.exec_driver_sql("ANALYZE")
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # as autovacuum would: the visibility map lets index-only scans skip the heap
            conn.exec_driver_sql("VACUUM ANALYZE")


def timed(label: str, fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up (caches, prepared plans)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"| {label} | {1000 * median:.0f} ms |", flush=True)
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--outlets", type=int, default=50)
    parser.add_argument("--db", default="/tmp/narrascope-trends-bench.db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="Time an existing bench database.")
    args = parser.parse_args()
    if not args.reuse and "://" not in args.db:
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
    db = Database(args.db)
    if not args.reuse:
        t0 = time.perf_counter()
        fill(db, args.n, args.outlets)
        print(f"filled {args.n} articles in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    update_outlet_groups(db)
    if db.dialect == "postgresql":  # autovacuum's part after the rebuild's inserts
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE trend_counts")
            conn.exec_driver_sql("VACUUM ANALYZE outlet_profiles")
    print(
        f"| outlet groups, learnt and stored (end of analyze) | "
        f"{1000 * (time.perf_counter() - t0):.0f} ms |"
    )
    top_outlet = outlet_list(db)[0]["name"]
    load = os.getloadavg()[0]
    print(
        f"\n{db.dialect}, {args.n} articles, {args.outlets} outlets,"
        f" {os.cpu_count()} CPUs, load average {load:.1f} at the start\n"
    )
    print("| view | median time |\n|---|---|")
    timed("`outlets` (outlet_list)", lambda: outlet_list(db), args.repeat)
    timed(
        f"`outlet` (outlet_profile, largest: {top_outlet})",
        lambda: outlet_profile(db, top_outlet),
        args.repeat,
    )
    timed(
        "`outlet` (outlet_profile, smallest)",
        lambda: outlet_profile(db, outlet_list(db)[-1]["name"]),
        args.repeat,
    )
    timed(
        "`entity` (most framed entity, by alias)",
        lambda: entity_profile(db, "ENTITY 0"),
        args.repeat,
    )
    timed("`entity` (a rare entity)", lambda: entity_profile(db, "entity 250"), args.repeat)
    timed(
        "`trends --by narrative --interval week`",
        lambda: trend_series(db, "narrative", "week"),
        args.repeat,
    )
    timed(
        "`trends --by narrative --interval month --csv` (per outlet)",
        lambda: trend_series(db, "narrative", "month", per_outlet=True),
        args.repeat,
    )
    timed(
        "`trends --by subnarrative --interval day --outlet`",
        lambda: trend_series(db, "subnarrative", "day", outlet=top_outlet),
        args.repeat,
    )
    timed(
        "`trends --by technique --interval week`",
        lambda: trend_series(db, "technique", "week"),
        args.repeat,
    )
    timed(
        "`trends --by entity --entity 'Entity 0' --interval week`",
        lambda: trend_series(db, "entity", "week", entity="Entity 0"),
        args.repeat,
    )
    timed("`trends --emerging` (week)", lambda: emerging(db, "week"), args.repeat)
    timed("outlet_groups (recomputed)", lambda: outlet_groups(db), args.repeat)
    db.close()


if __name__ == "__main__":
    main()
