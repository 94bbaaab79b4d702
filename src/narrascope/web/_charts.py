"""Charts of the trends views: hand-written static SVG, no script, no CDN.

Why by hand: the report is one self-contained file that must open offline with a
Content-Security-Policy allowing no remote load; a plotting library would bring a
script or a bitmap. Each chart is a pair:

* a ``*_data`` function that asks the database (through :mod:`narrascope.trends`)
  and returns JSON-ready data, which the dashboard serves as is, and
* a ``*_svg`` function drawing that data.

Outlet, narrative and entity names are hostile: every text node goes through
:class:`markupsafe.Markup` formatting, which escapes it, and a long name is cut
(:func:`~narrascope.quotes.shorten`) with the whole name in a ``<title>`` (shown
on hover). Numbers are formatted by Python, never taken from the data as text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from markupsafe import Markup

from narrascope.quotes import shorten

__all__ = [
    "entity_roles_data",
    "entity_roles_svg",
    "narratives_over_time_data",
    "narratives_over_time_svg",
    "outlet_heatmap_data",
    "outlet_heatmap_svg",
    "outlet_map_data",
    "outlet_map_svg",
]

#: categorical colours (Tableau 10), distinguishable and colour-blind tolerable
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
ROLE_COLOURS = {"Protagonist": "#1f7a4d", "Antagonist": "#b3261e", "Innocent": "#e0a800"}
_FONT = 'font-family="system-ui,sans-serif"'
_REST = "(all other labels)"


def _label(
    value: str, x: float, y: float, width: int, *, anchor: str = "start", css: str = "", extra=""
) -> Markup:
    """An escaped ``<text>`` cut to ``width`` characters, the full text in ``<title>``."""
    short = shorten(value, width)
    title = Markup("<title>{}</title>").format(value) if short != value else Markup("")
    return Markup(
        '<text x="{x:.1f}" y="{y:.1f}" text-anchor="{a}" class="{c}"{e}>{t}{s}</text>'
    ).format(x=x, y=y, a=anchor, c=css, e=Markup(extra), t=title, s=short)


def _svg(width: int, height: int, body: list[Markup], label: str) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="tchart" viewBox="0 0 {w} {h}"'
        ' width="100%" style="max-width:{w}px" role="img" aria-label="{l}" {f}'
        ' font-size="12">{b}</svg>'
    ).format(w=width, h=height, l=label, f=Markup(_FONT), b=Markup("").join(body))


def _empty(message: str) -> Markup:
    return Markup('<p class="muted small">{}</p>').format(message)


def _period_ticks(periods: list[str], most: int = 12) -> list[int]:
    if not periods:
        return []
    step = max(1, math.ceil(len(periods) / most))
    return list(range(0, len(periods), step))


# ------------------------------------------------------ narratives over time
def narratives_over_time_data(
    database: Any, interval: str = "week", *, top: int = 8, **scope: Any
) -> dict[str, Any]:
    """``{"interval", "periods", "articles", "layers": [{"key", "values"}], "undated"}``:
    articles per period carrying each of the ``top`` narratives (the rest summed in
    one layer), for a stacked area. An article may carry several narratives."""
    from narrascope.trends import trend_series

    data = trend_series(database, "narrative", interval, **scope)
    layers = [
        {"key": s["key"], "values": [p["articles"] for p in s["points"]]} for s in data["series"]
    ]
    if len(layers) > top:
        rest = [sum(v) for v in zip(*(la["values"] for la in layers[top:]), strict=True)]
        layers = [*layers[:top], {"key": _REST, "values": rest}]
    return {
        "interval": interval,
        "periods": data["periods"],
        "articles": data["articles"],
        "layers": layers,
        "undated": data["undated"],
    }


def narratives_over_time_svg(data: dict[str, Any], width: int = 960) -> Markup:
    """Stacked area: one band per narrative, periods along x, articles up y."""
    periods, layers = data["periods"], data["layers"]
    if not periods or not layers:
        return _empty("No dated article carries a narrative yet.")
    legend_w, left, top, bottom = 300, 64, 30, 84
    plot_w, plot_h = width - legend_w - left - 16, 260
    height = max(top + plot_h + bottom, top + 22 * len(layers) + 20)
    stacks = np.cumsum(np.array([la["values"] for la in layers], dtype=float), axis=0)
    peak = float(stacks[-1].max()) or 1.0
    band = plot_w / len(periods)

    def xs() -> list[float]:
        # each period a band: a value holds across it, so one period still has an area
        inner = [left + (i + 0.5) * band for i in range(len(periods))]
        return [left, *inner, left + plot_w]

    def ys(values: np.ndarray) -> list[float]:
        v = [top + plot_h - plot_h * float(x) / peak for x in values]
        return [v[0], *v, v[-1]]

    body: list[Markup] = []
    step = max(1, math.ceil(peak / 4))
    for tick in range(0, int(peak) + 1, step):
        frac = tick / peak
        y = top + plot_h - plot_h * frac
        body.append(
            Markup(
                '<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde2ea"/>'
                '<text x="{tx}" y="{ty:.1f}" text-anchor="end" fill="#5d6777">{v}</text>'
            ).format(l=left, r=left + plot_w, y=y, tx=left - 6, ty=y + 4, v=tick)
        )
    below = np.zeros(len(periods))
    for i, layer in enumerate(layers):
        upper = stacks[i]
        x = xs()
        points = [f"{a:.1f},{b:.1f}" for a, b in zip(x, ys(upper), strict=True)]
        points += [f"{a:.1f},{b:.1f}" for a, b in reversed(list(zip(x, ys(below), strict=True)))]
        body.append(
            Markup(
                '<polygon points="{p}" fill="{c}" fill-opacity="0.85"><title>{k}</title></polygon>'
            ).format(p=" ".join(points), c=PALETTE[i % len(PALETTE)], k=layer["key"])
        )
        below = upper
    for i in _period_ticks(periods):
        x = left + (i + 0.5) * band
        body.append(
            Markup(
                '<text x="{x:.1f}" y="{y}" text-anchor="end" fill="#5d6777"'
                ' transform="rotate(-40 {x:.1f} {y})">{p}</text>'
            ).format(x=x, y=top + plot_h + 14, p=periods[i])
        )
    lx = width - legend_w + 8
    for i, layer in enumerate(reversed(layers)):
        colour = PALETTE[(len(layers) - 1 - i) % len(PALETTE)]
        y = top + 22 * i
        body.append(
            Markup('<rect x="{x}" y="{y}" width="12" height="12" fill="{c}"/>').format(
                x=lx, y=y, c=colour
            )
        )
        body.append(_label(layer["key"], lx + 18, y + 10, 42))
    caption = f"articles per {data['interval']}"
    body.append(
        Markup('<text x="{x}" y="14" fill="#5d6777">{c}</text>').format(x=left - 40, c=caption)
    )
    return _svg(width, height, body, "Narratives over time")


# ------------------------------------------------------------- heatmap
def outlet_heatmap_data(database: Any, *, outlets: int = 30, labels: int = 14) -> dict[str, Any]:
    """``{"outlets", "labels", "shares", "articles"}``: the share of each outlet's
    analysed articles carrying each narrative (outlets with most articles first,
    narratives most frequent first)."""
    from narrascope.trends._outlets import profiles

    names, _matrix, analysed, _features = profiles(database)
    counts = database.narrative_counts()
    totals: dict[str, int] = {}
    for name in names:
        for label, n in counts.get(name, {}).items():
            totals[label] = totals.get(label, 0) + n
    keep_labels = sorted(totals, key=lambda k: (-totals[k], k))[:labels]
    keep_outlets = sorted(names, key=lambda n: (-analysed[n], n))[:outlets]
    return {
        "outlets": keep_outlets,
        "labels": keep_labels,
        "articles": [analysed[n] for n in keep_outlets],
        "shares": [
            [
                round(counts.get(n, {}).get(label, 0) / max(analysed[n], 1), 4)
                for label in keep_labels
            ]
            for n in keep_outlets
        ],
    }


def _heat(value: float) -> str:
    """White to the report's accent blue."""
    v = max(0.0, min(1.0, value))
    r, g, b = (int(255 + (c - 255) * v) for c in (45, 95, 184))
    return f"#{r:02x}{g:02x}{b:02x}"


def outlet_heatmap_svg(data: dict[str, Any], cell: int = 34) -> Markup:
    """Outlets (rows) × narratives (columns), each cell the share of the outlet's articles."""
    outlets, labels = data["outlets"], data["labels"]
    if not outlets or not labels:
        return _empty("No outlet has narrative results yet.")
    left, top = 190, 170
    width = left + cell * len(labels) + 190  # the last column's slanted name
    height = top + cell * len(outlets) + 10
    body: list[Markup] = []
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2
        body.append(
            _label(
                label,
                x,
                top - 8,
                30,
                extra=Markup(' transform="rotate(-45 {x:.1f} {y})"').format(x=x, y=top - 8),
            )
        )
    for i, outlet in enumerate(outlets):
        y = top + i * cell
        body.append(_label(outlet, left - 8, y + cell / 2 + 4, 26, anchor="end"))
        for j, share in enumerate(data["shares"][i]):
            body.append(
                Markup(
                    '<rect x="{x}" y="{y}" width="{c}" height="{c}" fill="{f}" stroke="#fff">'
                    "<title>{o} — {lab}: {p}% of {n} articles</title></rect>"
                ).format(
                    x=left + j * cell,
                    y=y,
                    c=cell,
                    f=_heat(share),
                    o=outlet,
                    lab=labels[j],
                    p=round(100 * share),
                    n=data["articles"][i],
                )
            )
            if share > 0:
                body.append(
                    Markup(
                        '<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="10"'
                        ' fill="{c}">{p}</text>'
                    ).format(
                        x=left + j * cell + cell / 2,
                        y=y + cell / 2 + 3,
                        c="#fff" if share > 0.55 else "#1d2330",
                        p=round(100 * share),
                    )
                )
    return _svg(width, height, body, "Outlets by narrative")


# ---------------------------------------------------------------- map
def outlet_map_data(database: Any) -> dict[str, Any]:
    """``{"points": [{"name", "x", "y", "group", "leaning", "articles"}], "explained"}``:
    the outlets' profiles projected on their first two principal components (PCA),
    with their learnt group and declared leaning."""
    from sqlalchemy import text

    from narrascope.trends._outlets import current_groups, profiles

    names, matrix, analysed, _features = profiles(database)
    groups = current_groups(database)
    with database.engine.connect() as conn:
        leaning = dict(
            conn.execute(
                text(
                    "SELECT name, declared_leaning FROM outlets WHERE declared_leaning IS NOT NULL"
                )
            ).all()
        )
    coords = np.zeros((len(names), 2))
    explained: list[float] = []
    if len(names) >= 3 and np.linalg.matrix_rank(matrix) >= 1:
        from sklearn.decomposition import PCA

        components = min(2, matrix.shape[1], len(names))
        pca = PCA(n_components=components, svd_solver="full")
        coords[:, :components] = pca.fit_transform(matrix)
        explained = [round(float(v), 3) for v in pca.explained_variance_ratio_]
    elif len(names) == 2:
        coords[:, 0] = [-1.0, 1.0]
    return {
        "points": [
            {
                "name": name,
                "x": round(float(coords[i, 0]), 4),
                "y": round(float(coords[i, 1]), 4),
                "group": groups.get(name),
                "leaning": leaning.get(name),
                "articles": analysed[name],
            }
            for i, name in enumerate(names)
        ],
        "explained": explained,
    }


def outlet_map_svg(data: dict[str, Any], width: int = 760, height: int = 480) -> Markup:
    """Outlets placed by their profiles: colour is the learnt group, the small line
    under a name its declared leaning; nearby outlets push similar things."""
    points = data["points"]
    if not points:
        return _empty("No outlet has analysed articles yet.")
    pad, legend_h = 100, 28
    xs = [p["x"] for p in points]
    ys = [p["y"] for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    sx = (width - 2 * pad) / (x1 - x0) if x1 > x0 else 0.0
    sy = (height - legend_h - 2 * pad) / (y1 - y0) if y1 > y0 else 0.0
    groups = sorted({p["group"] for p in points if p["group"]}, key=lambda g: (len(g), g))
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    top_n = max(p["articles"] for p in points) or 1
    body: list[Markup] = [
        Markup(
            '<rect x="0" y="{y}" width="{w}" height="{h}" fill="#fafbfd" stroke="#dde2ea"/>'
        ).format(y=legend_h, w=width, h=height - legend_h)
    ]
    for p in points:
        x = pad + (p["x"] - x0) * sx if sx else width / 2
        y = legend_h + pad + (y1 - p["y"]) * sy if sy else (height + legend_h) / 2
        r = 5 + 9 * math.sqrt(p["articles"] / top_n)
        fill = colour.get(p["group"], "#bab0ac")
        tip = f"{p['name']} — group {p['group'] or 'none'}"
        tip += f", declared leaning {p['leaning']}" if p["leaning"] else ""
        tip += f", {p['articles']} articles"
        body.append(
            Markup(
                '<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{f}" fill-opacity="0.85"'
                ' stroke="#1d2330" stroke-width="{sw}"><title>{t}</title></circle>'
            ).format(x=x, y=y, r=r, f=fill, sw=1.5 if p["leaning"] else 0.5, t=tip)
        )
        body.append(_label(p["name"], x, y - r - 4, 22, anchor="middle"))
        if p["leaning"]:
            body.append(
                _label(
                    p["leaning"],
                    x,
                    y + r + 12,
                    22,
                    anchor="middle",
                    extra=' font-style="italic" fill="#5d6777" font-size="11"',
                )
            )
    x = 8
    for g in groups:
        body.append(
            Markup(
                '<circle cx="{x}" cy="14" r="6" fill="{c}"/><text x="{tx}" y="18">group {g}</text>'
            ).format(x=x + 6, c=colour[g], tx=x + 16, g=g)
        )
        x += 90
    body.append(
        Markup(
            '<text x="{x}" y="18" fill="#5d6777">italic: declared leaning · size: articles</text>'
        ).format(x=x + 4)
    )
    return _svg(width, height, body, "Map of outlets by what they push")


# ------------------------------------------------------- entity roles
def entity_roles_data(
    database: Any, name: str, *, interval: str | None = None, outlets: int = 8
) -> dict[str, Any] | None:
    """``{"id", "name", "interval", "periods", "outlets": [{"name", "points": [{"period",
    "Protagonist", "Antagonist", "Innocent"}]}]}`` for the ``outlets`` outlets framing
    the entity most; None if no entity answers to ``name``."""
    from datetime import date

    from narrascope.trends import entity_profile, period_range

    profile = entity_profile(database, name, interval=interval)
    if profile is None:
        return None
    per = profile["over_time_by_outlet"]
    ranked = sorted(
        per,
        key=lambda o: (-sum(p[r] for p in per[o] for r in ROLE_COLOURS), o),
    )[:outlets]
    seen = sorted({p["period"] for o in ranked for p in per[o]})
    periods = (
        period_range(date.fromisoformat(seen[0]), date.fromisoformat(seen[-1]), profile["interval"])
        if seen
        else []
    )
    return {
        "id": profile["id"],
        "name": profile["name"],
        "interval": profile["interval"],
        "periods": periods,
        "outlets": [{"name": o, "points": per[o]} for o in ranked],
        "undated": profile["undated"],
    }


def entity_roles_svg(data: dict[str, Any] | None, width: int = 900) -> Markup:
    """One row per outlet: a stacked bar per period (protagonist, antagonist, innocent)."""
    if not data or not data["periods"] or not data["outlets"]:
        return _empty("No dated framing of this entity.")
    periods = data["periods"]
    left, top, row_h, gap = 170, 30, 46, 10
    plot_w = width - left - 20
    band = plot_w / len(periods)
    bar_w = max(2.0, min(24.0, band * 0.7))
    height = top + len(data["outlets"]) * (row_h + gap) + 60
    peak = (
        max(
            (sum(p[r] for r in ROLE_COLOURS) for o in data["outlets"] for p in o["points"]),
            default=1,
        )
        or 1
    )
    body: list[Markup] = []
    x = left
    for role, colour in ROLE_COLOURS.items():
        body.append(
            Markup(
                '<rect x="{x}" y="6" width="12" height="12" fill="{c}"/>'
                '<text x="{tx}" y="16">{r}</text>'
            ).format(x=x, c=colour, tx=x + 16, r=role)
        )
        x += 110
    for i, outlet in enumerate(data["outlets"]):
        y0 = top + i * (row_h + gap)
        body.append(
            _label(outlet["name"] or "(unknown)", left - 8, y0 + row_h / 2 + 4, 24, anchor="end")
        )
        body.append(
            Markup('<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="#dde2ea"/>').format(
                l=left, r=left + plot_w, y=y0 + row_h
            )
        )
        by_period = {p["period"]: p for p in outlet["points"]}
        for j, period in enumerate(periods):
            point = by_period.get(period)
            if point is None:
                continue
            base = y0 + row_h
            cx = left + (j + 0.5) * band - bar_w / 2
            for role, colour in ROLE_COLOURS.items():
                n = point[role]
                if not n:
                    continue
                h = row_h * n / peak
                base -= h
                body.append(
                    Markup(
                        '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                        "<title>{o}, {p}: {r} in {n} articles</title></rect>"
                    ).format(
                        x=cx,
                        y=base,
                        w=bar_w,
                        h=h,
                        c=colour,
                        o=outlet["name"],
                        p=period,
                        r=role,
                        n=n,
                    )
                )
    axis_y = top + len(data["outlets"]) * (row_h + gap)
    for j in _period_ticks(periods):
        x = left + (j + 0.5) * band
        body.append(
            Markup(
                '<text x="{x:.1f}" y="{y}" text-anchor="end" fill="#5d6777"'
                ' transform="rotate(-40 {x:.1f} {y})">{p}</text>'
            ).format(x=x, y=axis_y + 12, p=periods[j])
        )
    return _svg(width, height, body, f"Roles of {data['name']} over time")


# ------------------------------------------------------------- the report
def report_trends(
    database: Any, *, outlets: int = 20, entities: int = 8, interval: str | None = None
) -> dict[str, Any]:
    """What the report's trends, outlets and entities sections show (all from SQL):
    the charts as SVG, emerging narratives, and the profiles of the ``outlets``
    outlets and ``entities`` entities with most articles."""
    from sqlalchemy import text

    from narrascope.trends import emerging, entity_profile, outlet_list, outlet_profile
    from narrascope.trends._outlets import auto_interval

    listed = outlet_list(database)
    with database.engine.connect() as conn:
        first, last = conn.execute(
            text(
                "SELECT min(published), max(published) FROM articles"
                " WHERE duplicate_of IS NULL AND published IS NOT NULL"
            )
        ).one()
        top_entities = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT f.entity_id FROM article_framings f"
                    " JOIN articles a ON a.id = f.article_id"
                    " WHERE f.mention = -1 AND f.main_role IS NOT NULL"
                    " AND a.duplicate_of IS NULL"
                    " GROUP BY f.entity_id ORDER BY count(*) DESC, f.entity_id LIMIT :k"
                ),
                {"k": entities},
            )
        ]
    interval = interval or auto_interval(first, last)
    area = narratives_over_time_data(database, interval)
    heat = outlet_heatmap_data(database)
    points = outlet_map_data(database)
    entity_pages = []
    for eid in top_entities:
        profile = entity_profile(database, eid, interval=interval)
        if profile is None:
            continue
        roles = entity_roles_data(database, eid, interval=interval)
        entity_pages.append({**profile, "chart": entity_roles_svg(roles)})
    return {
        "interval": interval,
        "undated": area["undated"],
        "area_chart": narratives_over_time_svg(area),
        "heatmap": outlet_heatmap_svg(heat),
        "map": outlet_map_svg(points),
        "explained": points["explained"],
        "emerging": emerging(database, interval),
        "outlets": listed,
        "outlet_pages": [
            page
            for o in listed[:outlets]
            if (page := outlet_profile(database, o["name"], interval=interval)) is not None
        ],
        "entity_pages": entity_pages,
    }
