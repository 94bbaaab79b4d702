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
#: an outlet's quotes come from its most recent articles, this many
QUOTE_ARTICLES = 500
ROLES = ("Protagonist", "Antagonist", "Innocent")


def profile_data(conn: Any, *, summary: bool) -> dict[str, dict[str, Any]]:
    """What each named outlet's profile is built from: ``{outlet: {"analysed", "words",
    "narratives": {label: articles}, "framing": {entity_id: {role: articles}},
    "techniques": {technique: spans}}}``, from ``trend_counts`` (``summary``) or
    from the relational tables (a few joins over the corpus)."""
    if summary:
        sums = "FROM trend_counts t WHERE t.outlet <> ''"
        analysed_sql = (
            f"SELECT t.outlet, sum(t.articles), 0 {sums} AND t.kind = 'analysed'"
            " AND t.key = 'narratives' GROUP BY t.outlet"
        )
        words_sql = (
            f"SELECT t.outlet, sum(t.words) {sums} AND t.kind = 'analysed'"
            " AND t.key = 'techniques' GROUP BY t.outlet"
        )
        narratives_sql = (
            f"SELECT t.outlet, t.key, sum(t.articles) {sums} AND t.kind = 'narrative'"
            " GROUP BY t.outlet, t.key"
        )
        top_sql = (
            "SELECT t.key FROM trend_counts t WHERE t.kind = 'role'"
            " GROUP BY t.key ORDER BY sum(t.articles) DESC, t.key LIMIT :k"
        )
        framing_sql = (
            f"SELECT t.outlet, t.key, t.role, sum(t.articles) {sums} AND t.kind = 'role'"
            " AND t.key IN ({marks}) GROUP BY t.outlet, t.key, t.role"
        )
        techniques_sql = (
            f"SELECT t.outlet, t.key, sum(t.spans) {sums} AND t.kind = 'technique'"
            " GROUP BY t.outlet, t.key"
        )
    else:
        own = "a.duplicate_of IS NULL AND a.outlet <> ''"
        analysed_sql = (
            "SELECT a.outlet, count(*), 0 FROM articles a JOIN stage_results s"
            f" ON s.article_id = a.id AND s.stage = 'narratives' WHERE {own} GROUP BY a.outlet"
        )
        words_sql = (
            "SELECT a.outlet, coalesce(sum(a.word_count), 0) FROM articles a JOIN stage_results"
            f" s ON s.article_id = a.id AND s.stage = 'techniques' WHERE {own} GROUP BY a.outlet"
        )
        narratives_sql = (
            "SELECT a.outlet, n.label, count(*) FROM article_narratives n"
            f" JOIN articles a ON a.id = n.article_id WHERE n.level = 'coarse' AND {own}"
            " GROUP BY a.outlet, n.label"
        )
        top_sql = (
            "SELECT f.entity_id FROM article_framings f JOIN articles a ON a.id = f.article_id"
            " WHERE f.mention = -1 AND f.main_role IS NOT NULL AND a.duplicate_of IS NULL"
            " GROUP BY f.entity_id ORDER BY count(*) DESC, f.entity_id LIMIT :k"
        )
        framing_sql = (
            "SELECT a.outlet, f.entity_id, f.main_role, count(*)"
            " FROM article_framings f JOIN articles a ON a.id = f.article_id"
            f" WHERE f.mention = -1 AND f.main_role IS NOT NULL AND {own}"
            " AND f.entity_id IN ({marks}) GROUP BY a.outlet, f.entity_id, f.main_role"
        )
        techniques_sql = (
            "SELECT a.outlet, t.technique, count(*) FROM technique_spans t"
            f" JOIN articles a ON a.id = t.article_id WHERE {own}"
            " GROUP BY a.outlet, t.technique"
        )
    out: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        return out.setdefault(
            name, {"analysed": 0, "words": 0, "narratives": {}, "framing": {}, "techniques": {}}
        )

    for name, n, _zero in conn.execute(text(analysed_sql)):
        entry(name)["analysed"] = int(n)
    for name, words in conn.execute(text(words_sql)):
        if name in out:
            out[name]["words"] = int(words or 0)
    for name, label, n in conn.execute(text(narratives_sql)):
        if name in out:
            out[name]["narratives"][label] = int(n)
    top = [row[0] for row in conn.execute(text(top_sql), {"k": PROFILE_ENTITIES})]
    if top:
        marks = ", ".join(f":e{i}" for i in range(len(top)))
        for name, eid, role, n in conn.execute(
            text(framing_sql.replace("{marks}", marks)), {f"e{i}": e for i, e in enumerate(top)}
        ):
            if name in out:
                out[name]["framing"].setdefault(eid, {})[role] = int(n)
    for name, kind, n in conn.execute(text(techniques_sql)):
        if name in out:
            out[name]["techniques"][kind] = int(n)
    return out


def stored_profile_data(database: Any) -> dict[str, dict[str, Any]]:
    """:func:`profile_data` as ``analyze`` stored it, or computed where that is stale."""
    from narrascope.trends._summary import is_fresh

    with database.engine.connect() as conn:
        if is_fresh(database):
            return {
                name: json.loads(data)
                for name, data in conn.execute(text("SELECT outlet, data FROM outlet_profiles"))
            }
        return profile_data(conn, summary=False)


def profiles(database: Any) -> tuple[list[str], np.ndarray, dict[str, int], list[str]]:
    """``(outlets, matrix, articles, features)``: one profile row per named outlet
    with an analysed article, sorted by name; ``articles`` counts each outlet's
    articles analysed for narratives (the base of its shares)."""
    data = stored_profile_data(database)
    outlets = sorted(name for name, d in data.items() if d["analysed"])
    analysed = {name: int(data[name]["analysed"]) for name in outlets}
    labels = sorted({label for n in outlets for label in data[n]["narratives"]})
    pairs = sorted(
        {
            (eid, role)
            for n in outlets
            for eid, roles in data[n]["framing"].items()
            for role in roles
            if role in ROLES
        }
    )
    kinds = sorted({kind for n in outlets for kind in data[n]["techniques"]})
    nar = np.array(
        [[data[n]["narratives"].get(label, 0) / analysed[n] for label in labels] for n in outlets]
    ).reshape(len(outlets), len(labels))
    fra = np.zeros((len(outlets), len(pairs)))
    for i, n in enumerate(outlets):
        for j, (eid, role) in enumerate(pairs):
            roles = data[n]["framing"].get(eid, {})
            total = sum(roles.values())
            fra[i, j] = roles.get(role, 0) / total if total else 0.0
    tec = np.array(
        [
            [
                1000.0 * data[n]["techniques"].get(kind, 0) / data[n]["words"]
                if data[n]["words"]
                else 0.0
                for kind in kinds
            ]
            for n in outlets
        ]
    ).reshape(len(outlets), len(kinds))
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
    """Rebuild the trends summary (narrascope.trends._summary), recompute the groups
    and store them in ``outlets.learnt_group`` (NULL for an outlet without one);
    returns them. What ``analyze`` runs last: a few aggregates over the corpus."""
    from narrascope.trends._summary import rebuild

    rebuild(database)
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


def _outlet_rows(conn: Any, name: str | None = None, summary: bool = False) -> list[Any]:
    """(name, articles, first, last, undated, group, leaning, country, domains) per outlet."""
    where = " AND o.name = :n" if name is not None else ""
    if summary:
        sql = (
            "SELECT o.name, sum(t.articles), min(t.day), max(t.day),"
            " sum(CASE WHEN t.day IS NULL THEN t.articles ELSE 0 END), o.learnt_group,"
            " o.declared_leaning, o.country, o.domains FROM outlets o JOIN trend_counts t"
            f" ON t.kind = 'articles' AND t.key = '' AND t.outlet = o.name WHERE 1 = 1{where}"
            " GROUP BY o.id, o.name, o.learnt_group, o.declared_leaning, o.country, o.domains"
            " ORDER BY sum(t.articles) DESC, o.name"
        )
    else:
        sql = (
            "SELECT o.name, count(a.id), min(a.published), max(a.published),"
            " sum(CASE WHEN a.published IS NULL THEN 1 ELSE 0 END), o.learnt_group,"
            " o.declared_leaning, o.country, o.domains"
            " FROM outlets o JOIN articles a ON a.outlet_id = o.id"
            f" WHERE a.duplicate_of IS NULL{where}"
            " GROUP BY o.id, o.name, o.learnt_group, o.declared_leaning, o.country, o.domains"
            " ORDER BY count(a.id) DESC, o.name"
        )
    return conn.execute(text(sql), {"n": name}).all()


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
    from narrascope.trends._summary import is_fresh

    groups = current_groups(database)
    fresh = is_fresh(database)
    if fresh:
        narratives = {
            name: dict(sorted(d["narratives"].items(), key=lambda kv: (-kv[1], kv[0])))
            for name, d in stored_profile_data(database).items()
        }
    else:
        narratives = database.narrative_counts()
    with database.engine.connect() as conn:
        rows = _outlet_rows(conn, summary=fresh)
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
    from narrascope.trends._summary import is_fresh

    found = find_outlet(database, name)
    if found is None:
        return None
    fresh = is_fresh(database)
    with database.engine.connect() as conn:
        rows = _outlet_rows(conn, found, summary=fresh)
        if not rows:
            return None
        _n, articles, first, last, undated, _g, leaning, country, domains = rows[0]
        languages = _languages(conn, found).get(found, {})
        interval = interval or auto_interval(first, last)
        counts = (_summary_counts if fresh else _live_counts)(
            conn, found, bucket_sql(database.dialect, interval, "t.day" if fresh else "a.published")
        )
        totals: Counter[str] = Counter()
        names: dict[str, str] = counts["names"]
        roles: dict[str, Counter[str]] = {}
        for eid, role, n in counts["framed"]:
            totals[eid] += int(n)
            roles.setdefault(eid, Counter())[role] += int(n)
        top = [eid for eid, _n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
        top = top[:entities]
        fine: dict[str, Counter[str]] = {}
        evidence: dict[str, list[str]] = {}
        if top:
            marks = ", ".join(f":e{i}" for i in range(len(top)))
            ids = {f"e{i}": e for i, e in enumerate(top)}
            fine_sql = (
                "SELECT t.key, t.role, sum(t.articles) FROM trend_counts t WHERE t.kind = 'fine'"
                f" AND t.outlet = :n AND t.key IN ({marks}) GROUP BY t.key, t.role"
                if fresh
                else "SELECT r.entity_id, r.role, count(*) FROM framing_roles r"
                " JOIN articles a ON a.id = r.article_id WHERE a.outlet = :n"
                " AND a.duplicate_of IS NULL AND r.mention = -1"
                f" AND r.entity_id IN ({marks}) GROUP BY r.entity_id, r.role"
            )
            for eid, role, n in conn.execute(text(fine_sql), {"n": found, **ids}):
                fine.setdefault(eid, Counter())[role] += int(n)
            for eid, quote in conn.execute(
                text(
                    # from the outlet's most recent articles only (an index range)
                    "SELECT entity_id, quote FROM (SELECT e.entity_id, e.quote, row_number()"
                    " OVER (PARTITION BY e.entity_id ORDER BY e.score DESC, e.article_id,"
                    " e.seq) AS r FROM framing_evidence e WHERE e.mention = -1"
                    f" AND e.entity_id IN ({marks}) AND e.article_id IN (SELECT a.id"
                    " FROM articles a WHERE a.outlet = :n AND a.duplicate_of IS NULL"
                    " ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT :recent)) q"
                    " WHERE r <= :k ORDER BY entity_id, r"
                ),
                {"n": found, "k": quotes * 3, "recent": QUOTE_ARTICLES, **ids},
            ):
                got = evidence.setdefault(eid, [])
                if quote not in got and len(got) < quotes:
                    got.append(quote)
    volume = counts["volume"]
    technique_spans = counts["techniques"]
    narratives = counts["narratives"]
    subnarratives = counts["subnarratives"]
    words, spans = counts["density"]
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
        "techniques_per_1000_words": round(1000 * spans / words, 2) if words else None,
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


def _ranked(rows: Any) -> dict[str, int]:
    """``{key: n}`` most first, ties by key (the order every count list is shown in)."""
    return dict(sorted(((k, int(n)) for k, n in rows), key=lambda kv: (-kv[1], kv[0])))


def _summary_counts(conn: Any, name: str, bucket: str) -> dict[str, Any]:
    """An outlet's counts from ``trend_counts`` (see :func:`_live_counts`)."""
    p = {"n": name}
    mine = "FROM trend_counts t WHERE t.outlet = :n AND t.kind ="

    def rows(sql: str) -> list[Any]:
        return conn.execute(text(sql), p).all()

    words = rows(f"SELECT sum(t.words) {mine} 'analysed' AND t.key = 'techniques'")[0][0]
    techniques = _ranked(rows(f"SELECT t.key, sum(t.spans) {mine} 'technique' GROUP BY t.key"))
    framed = rows(f"SELECT t.key, t.role, sum(t.articles) {mine} 'role' GROUP BY t.key, t.role")
    names: dict[str, str] = {}
    for eid, ename, _n in conn.execute(
        text(
            "SELECT t.key, t.role, t.articles FROM trend_counts t WHERE t.kind = 'name'"
            " AND t.key IN (SELECT DISTINCT x.key FROM trend_counts x WHERE x.outlet = :n"
            " AND x.kind = 'role') ORDER BY t.key, t.articles DESC, t.role"
        ),
        p,
    ):
        names.setdefault(eid, ename)
    return {
        "volume": [
            {"period": period, "articles": int(n)}
            for period, n in rows(
                f"SELECT {bucket}, sum(t.articles) {mine} 'articles' AND t.day IS NOT NULL"
                f" GROUP BY {bucket} ORDER BY {bucket}"
            )
        ],
        "framed": framed,
        "names": names,
        "techniques": techniques,
        "narratives": _ranked(
            rows(f"SELECT t.key, sum(t.articles) {mine} 'narrative' GROUP BY t.key")
        ),
        "subnarratives": _ranked(
            rows(f"SELECT t.key, sum(t.articles) {mine} 'subnarrative' GROUP BY t.key")
        ),
        "density": (int(words or 0), sum(techniques.values())),
    }


def _live_counts(conn: Any, name: str, bucket: str) -> dict[str, Any]:
    """An outlet's volume per period, framings ``(entity, role, articles)`` and entity
    names, technique spans, narratives, sub-narratives and ``(words, spans)`` of its
    articles analysed for techniques, from the relational tables."""
    p = {"n": name}
    own = "a.outlet = :n AND a.duplicate_of IS NULL"
    framed = conn.execute(
        text(
            "SELECT f.entity_id, min(f.name), f.main_role, count(*)"
            " FROM article_framings f JOIN articles a ON a.id = f.article_id"
            f" WHERE {own} AND f.mention = -1 AND f.main_role IS NOT NULL"
            " GROUP BY f.entity_id, f.main_role"
        ),
        p,
    ).all()
    narratives: dict[str, dict[str, int]] = {}
    for level, label, n in conn.execute(
        text(
            "SELECT n.level, n.label, count(*) FROM article_narratives n"
            f" JOIN articles a ON a.id = n.article_id WHERE {own} GROUP BY n.level, n.label"
        ),
        p,
    ):
        narratives.setdefault(level, {})[label] = int(n)
    words, spans = conn.execute(
        text(
            "SELECT coalesce(sum(a.word_count), 0), coalesce(sum(t.n), 0) FROM articles a"
            " JOIN stage_results s ON s.article_id = a.id AND s.stage = 'techniques'"
            " LEFT JOIN (SELECT article_id, count(*) AS n FROM technique_spans"
            f" GROUP BY article_id) t ON t.article_id = a.id WHERE {own}"
        ),
        p,
    ).one()
    return {
        "volume": [
            {"period": period, "articles": int(n)}
            for period, n in conn.execute(
                text(
                    f"SELECT {bucket}, count(*) FROM articles a WHERE {own}"
                    f" AND a.published IS NOT NULL GROUP BY {bucket} ORDER BY {bucket}"
                ),
                p,
            )
        ],
        "framed": [(eid, role, n) for eid, _name, role, n in framed],
        "names": {eid: ename for eid, ename, _role, _n in framed},
        "techniques": _ranked(
            conn.execute(
                text(
                    "SELECT t.technique, count(*) FROM technique_spans t"
                    f" JOIN articles a ON a.id = t.article_id WHERE {own} GROUP BY t.technique"
                ),
                p,
            ).all()
        ),
        "narratives": _ranked(narratives.get("coarse", {}).items()),
        "subnarratives": _ranked(narratives.get("fine", {}).items()),
        "density": (int(words or 0), int(spans or 0)),
    }
