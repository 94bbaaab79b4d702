"""Outlets: what each one pushes (its profile), the groups they fall into, their pages.

Why learnt groups: a coverage split ("covered only by group X") needs groups of
outlets, and a hand-made bias list is the researcher's prior, not the data.
Outlets are grouped by what they publish instead (docs/trends.md):

* an outlet's **profile** is three blocks, each scaled to unit length so none
  outweighs the others by its size: the share of its articles carrying each
  narrative; for each of the corpus's most framed entities, the mix of main roles
  it casts the entity in; and its technique spans per 1,000 words per technique
  (weighted by half: techniques are found in English articles only, and an outlet
  publishing in another language must not be set apart for that alone);
* outlets with fewer than :data:`MIN_ARTICLES` analysed articles get no group (one
  article says little about an outlet);
* the others are clustered agglomeratively (Ward linkage on the profiles); the
  number of groups ``k`` is the one, between 2 and 8, with the best mean silhouette;
  when even that is below :data:`MIN_SILHOUETTE` (Kaufman and Rousseeuw's "no
  substantial structure") or there are fewer than 3 outlets, all form one group.
  Groups are named ``G1``, ``G2``... by size (largest first), ties by their first
  outlet's name, so the same data always gives the same names.

``analyze`` stores the groups in ``outlets.learnt_group`` after each run
(:func:`update_outlet_groups`); the read views use the stored groups, and compute
them (without storing: readers open the database read-only) where a database was
analysed before groups existed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import text

from narrascope.store._relational import name_key

__all__ = [
    "MIN_ARTICLES",
    "current_groups",
    "outlet_groups",
    "outlet_list",
    "outlet_profile",
    "profiles",
    "record_declared_outlets",
    "update_outlet_groups",
]

#: analysed articles an outlet needs before it is grouped
MIN_ARTICLES = 2
#: below this best silhouette, the outlets show no grouping: one group
MIN_SILHOUETTE = 0.25
#: most framed entities whose role mix is part of a profile
PROFILE_ENTITIES = 20
#: the technique block's weight (see the module's docstring)
TECHNIQUE_WEIGHT = 0.5
MAX_GROUPS = 8
ROLES = ("Protagonist", "Antagonist", "Innocent")


def profiles(database: Any) -> tuple[list[str], np.ndarray, dict[str, int], list[str]]:
    """``(outlets, matrix, articles, features)``: one profile row per named outlet
    with an analysed article, sorted by name; ``articles`` counts each outlet's
    articles analysed for narratives (the base of its shares)."""
    with database.engine.connect() as conn:
        analysed = {
            name: int(n)
            for name, n in conn.execute(
                text(
                    "SELECT a.outlet, count(*) FROM articles a"
                    " JOIN stage_results s ON s.article_id = a.id AND s.stage = 'narratives'"
                    " WHERE a.duplicate_of IS NULL AND a.outlet <> '' GROUP BY a.outlet"
                )
            )
        }
        narratives = conn.execute(
            text(
                "SELECT a.outlet, n.label, count(*) FROM article_narratives n"
                " JOIN articles a ON a.id = n.article_id"
                " WHERE n.level = 'coarse' AND a.duplicate_of IS NULL AND a.outlet <> ''"
                " GROUP BY a.outlet, n.label"
            )
        ).all()
        top = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT f.entity_id FROM article_framings f"
                    " JOIN articles a ON a.id = f.article_id"
                    " WHERE f.mention = -1 AND f.main_role IS NOT NULL"
                    " AND a.duplicate_of IS NULL"
                    " GROUP BY f.entity_id ORDER BY count(*) DESC, f.entity_id LIMIT :k"
                ),
                {"k": PROFILE_ENTITIES},
            )
        ]
        framing: list[Any] = []
        if top:
            marks = ", ".join(f":e{i}" for i in range(len(top)))
            framing = conn.execute(
                text(
                    "SELECT a.outlet, f.entity_id, f.main_role, count(*)"
                    " FROM article_framings f JOIN articles a ON a.id = f.article_id"
                    " WHERE f.mention = -1 AND f.main_role IS NOT NULL"
                    f" AND a.duplicate_of IS NULL AND a.outlet <> '' AND f.entity_id IN ({marks})"
                    " GROUP BY a.outlet, f.entity_id, f.main_role"
                ),
                {f"e{i}": e for i, e in enumerate(top)},
            ).all()
        techniques = conn.execute(
            text(
                "SELECT a.outlet, t.technique, count(*) FROM technique_spans t"
                " JOIN articles a ON a.id = t.article_id"
                " WHERE a.duplicate_of IS NULL AND a.outlet <> ''"
                " GROUP BY a.outlet, t.technique"
            )
        ).all()
    words = {name: d.words for name, d in database.technique_density().items() if name and d.words}
    outlets = sorted(analysed)
    index = {name: i for i, name in enumerate(outlets)}
    labels = sorted({row[1] for row in narratives})
    pairs = sorted({(row[1], row[2]) for row in framing if row[2] in ROLES})
    kinds = sorted({row[1] for row in techniques})
    nar = np.zeros((len(outlets), len(labels)))
    lab_i = {label: i for i, label in enumerate(labels)}
    for name, label, n in narratives:
        if name in index:
            nar[index[name], lab_i[label]] = int(n) / max(analysed[name], 1)
    fra = np.zeros((len(outlets), len(pairs)))
    pair_i = {pair: i for i, pair in enumerate(pairs)}
    per_entity: Counter[tuple[str, str]] = Counter()
    for name, eid, _role, n in framing:
        per_entity[(name, eid)] += int(n)
    for name, eid, role, n in framing:
        if name in index and (eid, role) in pair_i:
            fra[index[name], pair_i[(eid, role)]] = int(n) / per_entity[(name, eid)]
    tec = np.zeros((len(outlets), len(kinds)))
    kind_i = {k: i for i, k in enumerate(kinds)}
    for name, kind, n in techniques:
        if name in index and words.get(name):
            tec[index[name], kind_i[kind]] = 1000.0 * int(n) / words[name]
    blocks = [_unit_rows(nar), _unit_rows(fra), TECHNIQUE_WEIGHT * _unit_rows(tec)]
    matrix = np.hstack(blocks) if outlets else np.zeros((0, 0))
    features = (
        [f"narrative:{label}" for label in labels]
        + [f"framing:{eid}:{role}" for eid, role in pairs]
        + [f"technique:{kind}" for kind in kinds]
    )
    return outlets, matrix, analysed, features


def _unit_rows(block: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(block, axis=1, keepdims=True) if block.size else None
    if norms is None:
        return block
    return np.divide(block, norms, out=np.zeros_like(block), where=norms > 0)


def cluster(matrix: np.ndarray) -> list[int]:
    """Group labels (0-based, not yet ordered) of the rows of ``matrix``: see the module."""
    n = len(matrix)
    if n < 3 or not np.any(matrix):
        return [0] * n
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    best: tuple[float, list[int]] = (-1.0, [0] * n)
    for k in range(2, min(MAX_GROUPS, n - 1) + 1):
        labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(matrix)
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(matrix, labels))
        if score > best[0] + 1e-9:
            best = (score, [int(x) for x in labels])
    if best[0] < MIN_SILHOUETTE:
        return [0] * n
    return best[1]


def outlet_groups(database: Any) -> dict[str, str]:
    """``{outlet: group}`` learnt from the outlets' profiles (module docstring); an
    outlet with fewer than :data:`MIN_ARTICLES` analysed articles has no entry."""
    outlets, matrix, analysed, _features = profiles(database)
    keep = [i for i, name in enumerate(outlets) if analysed[name] >= MIN_ARTICLES]
    if not keep:
        return {}
    labels = cluster(matrix[keep])
    members: dict[int, list[str]] = {}
    for i, label in zip(keep, labels, strict=True):
        members.setdefault(label, []).append(outlets[i])
    order = sorted(members.values(), key=lambda names: (-len(names), names[0]))
    return {name: f"G{rank}" for rank, names in enumerate(order, 1) for name in names}


def update_outlet_groups(database: Any) -> dict[str, str]:
    """Recompute the groups and store them in ``outlets.learnt_group`` (NULL for an
    outlet without one); returns them. Cheap: a few aggregates and ~50 rows."""
    groups = outlet_groups(database)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE outlets SET learnt_group = NULL"))
        for name, group in groups.items():
            conn.execute(
                text("UPDATE outlets SET learnt_group = :g WHERE name = :n"),
                {"g": group, "n": name},
            )
    return groups


def current_groups(database: Any) -> dict[str, str]:
    """The stored groups, or (for a database analysed before they existed) computed."""
    with database.engine.connect() as conn:
        stored = {
            name: group
            for name, group in conn.execute(
                text("SELECT name, learnt_group FROM outlets WHERE learnt_group IS NOT NULL")
            )
        }
    return stored or outlet_groups(database)


def record_declared_outlets(database: Any, directory: Any) -> int:
    """Store what a user's outlets file declares (domains, country, leaning) in ``outlets``.

    Every outlet of the file gets a row, whether or not this run met an article
    of it: a later run without ``--outlets`` keeps what was declared. Returns the
    number of outlets recorded.
    """
    outlets = list(getattr(directory, "outlets", ()) or ())
    if not outlets:
        return 0
    with database.engine.begin() as conn:
        for outlet in outlets:
            conn.execute(
                text(
                    "INSERT INTO outlets (name, domains, country, declared_leaning)"
                    " VALUES (:n, :d, :c, :l) ON CONFLICT (name) DO UPDATE SET"
                    " domains = excluded.domains, country = excluded.country,"
                    " declared_leaning = excluded.declared_leaning"
                ),
                {
                    "n": outlet.name,
                    "d": json.dumps(list(outlet.domains), ensure_ascii=False),
                    "c": outlet.country or None,
                    "l": outlet.leaning or None,
                },
            )
    return len(outlets)


def _outlet_rows(conn: Any, name: str | None = None) -> list[Any]:
    where = " AND o.name = :n" if name is not None else ""
    return conn.execute(
        text(
            "SELECT o.name, count(a.id), min(a.published), max(a.published),"
            " sum(CASE WHEN a.published IS NULL THEN 1 ELSE 0 END), o.learnt_group,"
            " o.declared_leaning, o.country, o.domains"
            " FROM outlets o JOIN articles a ON a.outlet_id = o.id"
            f" WHERE a.duplicate_of IS NULL{where}"
            " GROUP BY o.id, o.name, o.learnt_group, o.declared_leaning, o.country, o.domains"
            " ORDER BY count(a.id) DESC, o.name"
        ),
        {"n": name},
    ).all()


def _languages(conn: Any, name: str | None = None) -> dict[str, dict[str, int]]:
    where = " AND a.outlet = :n" if name is not None else ""
    out: dict[str, dict[str, int]] = {}
    for outlet, language, n in conn.execute(
        text(
            "SELECT a.outlet, a.language, count(*) FROM articles a"
            f" WHERE a.duplicate_of IS NULL AND a.outlet <> ''{where}"
            " GROUP BY a.outlet, a.language ORDER BY a.outlet, count(*) DESC, a.language"
        ),
        {"n": name},
    ):
        out.setdefault(outlet, {})[language or "und"] = int(n)
    return out


def outlet_list(database: Any) -> list[dict[str, Any]]:
    """Every named outlet with an article, most articles first: the ``outlets --json``
    list (``name``, ``articles``, ``languages``, ``group``, ``declared_leaning``,
    ``country``, ``domains``, ``first_published``, ``last_published``, ``undated``,
    ``top_narratives``)."""
    groups = current_groups(database)
    narratives = database.narrative_counts()
    with database.engine.connect() as conn:
        rows = _outlet_rows(conn)
        languages = _languages(conn)
    return [
        {
            "name": name,
            "articles": int(n),
            "languages": languages.get(name, {}),
            "group": groups.get(name),
            "declared_leaning": leaning,
            "country": country,
            "domains": json.loads(domains or "[]"),
            "first_published": first,
            "last_published": last,
            "undated": int(undated or 0),
            "top_narratives": dict(list(narratives.get(name, {}).items())[:3]),
        }
        for name, n, first, last, undated, _g, leaning, country, domains in rows
    ]


def find_outlet(database: Any, name: str) -> str | None:
    """The stored outlet name ``name`` designates: exact, else case-insensitive."""
    with database.engine.connect() as conn:
        exact = conn.execute(text("SELECT name FROM outlets WHERE name = :n"), {"n": name}).first()
        if exact is not None:
            return str(exact[0])
        key = name_key(name)
        for (stored,) in conn.execute(text("SELECT name FROM outlets ORDER BY name")):
            if name_key(stored) == key:
                return str(stored)
    return None


def nearest_outlets(database: Any, name: str, top: int = 5) -> list[dict[str, Any]]:
    """The outlets whose profiles are most alike ``name``'s (cosine similarity)."""
    outlets, matrix, _analysed, _features = profiles(database)
    if name not in outlets or len(outlets) < 2:
        return []
    norms = np.linalg.norm(matrix, axis=1)
    me = outlets.index(name)
    if norms[me] == 0:
        return []
    sims = matrix @ matrix[me] / np.where(norms > 0, norms, 1) / norms[me]
    ranked = sorted(
        (i for i in range(len(outlets)) if i != me and norms[i] > 0),
        key=lambda i: (-sims[i], outlets[i]),
    )
    return [{"name": outlets[i], "similarity": round(float(sims[i]), 3)} for i in ranked[:top]]


def auto_interval(first: str | None, last: str | None) -> str:
    """Months over more than four months, weeks over more than three weeks, else days."""
    from datetime import date

    if not first or not last:
        return "month"
    span = (date.fromisoformat(last[:10]) - date.fromisoformat(first[:10])).days
    return "month" if span > 120 else "week" if span > 21 else "day"


def outlet_profile(
    database: Any, name: str, *, interval: str | None = None, entities: int = 10, quotes: int = 2
) -> dict[str, Any] | None:
    """One outlet's page (``outlet NAME --json``); None if no outlet is called so."""
    from narrascope.trends._periods import bucket_sql

    found = find_outlet(database, name)
    if found is None:
        return None
    with database.engine.connect() as conn:
        rows = _outlet_rows(conn, found)
        if not rows:
            return None
        _n, articles, first, last, undated, _g, leaning, country, domains = rows[0]
        languages = _languages(conn, found).get(found, {})
        interval = interval or auto_interval(first, last)
        bucket = bucket_sql(database.dialect, interval)
        volume = [
            {"period": period, "articles": int(n)}
            for period, n in conn.execute(
                text(
                    f"SELECT {bucket}, count(*) FROM articles a WHERE a.outlet = :n"
                    " AND a.duplicate_of IS NULL AND a.published IS NOT NULL"
                    f" GROUP BY {bucket} ORDER BY {bucket}"
                ),
                {"n": found},
            )
        ]
        framed = conn.execute(
            text(
                "SELECT f.entity_id, min(f.name), f.main_role, count(*)"
                " FROM article_framings f JOIN articles a ON a.id = f.article_id"
                " WHERE a.outlet = :n AND a.duplicate_of IS NULL AND f.mention = -1"
                " AND f.main_role IS NOT NULL GROUP BY f.entity_id, f.main_role"
            ),
            {"n": found},
        ).all()
        technique_spans = {
            kind: int(n)
            for kind, n in conn.execute(
                text(
                    "SELECT t.technique, count(*) FROM technique_spans t"
                    " JOIN articles a ON a.id = t.article_id WHERE a.outlet = :n"
                    " AND a.duplicate_of IS NULL GROUP BY t.technique"
                    " ORDER BY count(*) DESC, t.technique"
                ),
                {"n": found},
            )
        }
        totals: Counter[str] = Counter()
        names: dict[str, str] = {}
        roles: dict[str, Counter[str]] = {}
        for eid, ename, role, n in framed:
            totals[eid] += int(n)
            names[eid] = ename
            roles.setdefault(eid, Counter())[role] += int(n)
        top = [eid for eid, _n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
        top = top[:entities]
        fine: dict[str, Counter[str]] = {}
        evidence: dict[str, list[str]] = {}
        if top:
            marks = ", ".join(f":e{i}" for i in range(len(top)))
            ids = {f"e{i}": e for i, e in enumerate(top)}
            for eid, role, n in conn.execute(
                text(
                    "SELECT r.entity_id, r.role, count(*) FROM framing_roles r"
                    " JOIN articles a ON a.id = r.article_id WHERE a.outlet = :n"
                    " AND a.duplicate_of IS NULL AND r.mention = -1"
                    f" AND r.entity_id IN ({marks}) GROUP BY r.entity_id, r.role"
                ),
                {"n": found, **ids},
            ):
                fine.setdefault(eid, Counter())[role] += int(n)
            for eid, quote in conn.execute(
                text(
                    "SELECT entity_id, quote FROM (SELECT e.entity_id, e.quote, row_number()"
                    " OVER (PARTITION BY e.entity_id ORDER BY e.score DESC, e.article_id,"
                    " e.seq) AS r FROM framing_evidence e JOIN articles a"
                    " ON a.id = e.article_id WHERE a.outlet = :n AND a.duplicate_of IS NULL"
                    f" AND e.mention = -1 AND e.entity_id IN ({marks})) q WHERE r <= :k"
                    " ORDER BY entity_id, r"
                ),
                {"n": found, "k": quotes * 3, **ids},
            ):
                got = evidence.setdefault(eid, [])
                if quote not in got and len(got) < quotes:
                    got.append(quote)
    narratives = database.narrative_counts(outlet=found).get(found, {})
    subnarratives = database.narrative_counts(outlet=found, level="fine").get(found, {})
    density = database.technique_density(outlet=found).get(found)
    framing = {}
    for eid in top:
        entry: dict[str, Any] = {role: roles[eid].get(role, 0) for role in ROLES}
        entry["id"] = eid
        entry["fine_roles"] = dict(fine.get(eid, Counter()).most_common(3))
        entry["quotes"] = evidence.get(eid, [])
        framing[names[eid]] = entry
    groups = current_groups(database)
    return {
        "name": found,
        "articles": int(articles),
        "languages": languages,
        "first_published": first,
        "last_published": last,
        "undated": int(undated or 0),
        "interval": interval,
        "volume": volume,
        "narratives": narratives,
        "subnarratives": dict(list(subnarratives.items())[:10]),
        "techniques_per_1000_words": round(density.per_1000_words, 2) if density else None,
        "techniques": technique_spans,
        "framing": framing,
        "group": groups.get(found),
        "group_members": sorted(n for n, g in groups.items() if g == groups.get(found))
        if found in groups
        else [],
        "declared_leaning": leaning,
        "country": country,
        "domains": json.loads(domains or "[]"),
        "nearest_outlets": nearest_outlets(database, found),
    }
