"""The dashboard of ``narrascope serve``: server-rendered pages over the same reads as the API.

Why server-rendered Jinja and a small static script: no build step, nothing from a
CDN, and the page works (minus toggles and the submit page) with scripts off.
Templates are autoescaped (the report's environment); article text reaches the
page only through :func:`annotate`, which escapes every piece before wrapping it
in our own elements. The one script (``static/dash.js``) is served from the
package, so the Content-Security-Policy needs no inline script at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException

from narrascope import __version__
from narrascope.techniques._definitions import TECHNIQUES, technique_info

__all__ = ["annotate", "dashboard_router", "error_page", "technique_css"]

#: items per page of the dashboard's lists
PAGE = 25


def annotate(text: str, spans: Sequence[Any], anchors: Sequence[tuple[int, int, str]]) -> Markup:
    """Escaped ``text`` with technique ``spans`` as ``<mark>`` elements and evidence
    ``anchors`` ``(start, end, name)`` as ``<span class="ev" data-ev=name>`` runs, the
    first preceded by an empty element ``id=name`` that links can point at.

    The text is cut at every boundary; each piece is escaped, then wrapped in one
    element per span covering it (shortest innermost), so elements always nest.
    """
    n = len(text)
    marks = [
        (max(0, s.start), min(n, s.end), i, s)
        for i, s in enumerate(spans)
        if min(n, s.end) > max(0, s.start)
    ]
    evs = [(max(0, a), min(n, b), name) for a, b, name in anchors if min(n, b) > max(0, a)]
    cuts = sorted({0, n, *(m[0] for m in marks), *(m[1] for m in marks)} | {e[0] for e in evs})
    cuts = sorted(set(cuts) | {e[1] for e in evs})
    starts: dict[int, list[str]] = {}
    for a, _, name in evs:
        starts.setdefault(a, []).append(name)
    out: list[Markup] = []
    for left, right in pairwise(cuts):
        for name in starts.pop(left, []):
            out.append(Markup('<span class="anchor" id="{0}"></span>').format(name))
        piece = Markup(escape(text[left:right]))
        covering = sorted(
            (m for m in marks if m[0] <= left and right <= m[1]),
            key=lambda m: (m[1] - m[0], m[2]),
        )
        for _, _, i, span in covering:
            info = technique_info(span.technique)
            piece = Markup(
                '<mark class="tq {cls}" data-span="{i}" data-technique="{tech}"'
                ' title="{title}">{inner}</mark>'
            ).format(
                cls=info.css_class,
                i=i,
                tech=span.technique,
                title=f"{info.name} ({span.probability:.2f})",
                inner=piece,
            )
        for a, b, name in evs:
            if a <= left and right <= b:
                piece = Markup('<span class="ev" data-ev="{0}">{1}</span>').format(name, piece)
        out.append(piece)
    return Markup("").join(out)


def technique_css() -> str:
    """The highlight colours (from the technique table: constants, never data)."""
    lines = []
    for info in TECHNIQUES.values():
        colour = info.colour if _is_hex(info.colour) else "#dddddd"
        lines.append(f"mark.{info.css_class} {{ background: {colour}; }}")
        lines.append(f".sw.{info.css_class} {{ background: {colour}; }}")
    return "\n".join(lines) + "\n"


def _is_hex(value: str) -> bool:
    return (
        len(value) == 7
        and value[0] == "#"
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    )


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    from narrascope.web._report import environment

    env = environment()
    if "seg" not in env.filters:
        # one path segment: "/" and everything else special percent-encoded
        env.filters["seg"] = lambda value: quote(str(value), safe="")
    template = env.get_template(f"dash/{name}")
    html = template.render(
        version=__version__,
        path=request.url.path,
        technique_name=lambda code: technique_info(code).name,
        technique_class=lambda code: technique_info(code).css_class,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, reason: str) -> Response:
    return _render(request, "error.html", status=status, status_code=status, reason=reason)


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "", 0)}
    return "?" + urlencode(merged) if merged else ""


def _pager(total: int, offset: int, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "total": total,
        "first": offset + 1 if total else 0,
        "last": min(total, offset + PAGE),
        "prev": _query(params, offset=max(0, offset - PAGE)) if offset > 0 else None,
        "next": _query(params, offset=offset + PAGE) if offset + PAGE < total else None,
    }


def _offset(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 10_000_000))
    except ValueError:
        return 0


def dashboard_router(state: Any) -> APIRouter:
    from narrascope.api._app import article_json, check_date, load_article
    from narrascope.api._queries import ArticleFilters, article_page, corpus_figures, facets

    pages = APIRouter(include_in_schema=False)

    @pages.get("/static/techniques.css")
    def colours() -> Response:
        return Response(
            technique_css(),
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @pages.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @pages.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        from narrascope.web._report import _bar_chart

        figures = corpus_figures(state.db)
        emerging = _optional_trends("emerging", state.db, "week")
        return _render(
            request,
            "overview.html",
            figures=figures,
            outlet_chart=_bar_chart(figures["articles_per_outlet"]),
            narrative_chart=_bar_chart(figures["dominant_narratives"]),
            technique_chart=_bar_chart(
                [(technique_info(t).name, n) for t, n in figures["technique_spans"]]
            ),
            emerging=emerging,
            writes=state.writes(),
        )

    @pages.get("/articles", response_class=HTMLResponse)
    def articles(request: Request) -> HTMLResponse:
        keys = ("q", "outlet", "narrative", "technique", "entity", "since", "until")
        params = {k: (request.query_params.get(k) or "")[:500] for k in keys}
        for name in ("since", "until"):
            check_date(name, params[name] or None)
        offset = _offset(request.query_params.get("offset"))
        page = article_page(state.db, ArticleFilters(**params), limit=PAGE, offset=offset)
        return _render(
            request,
            "articles.html",
            page=page,
            params=params,
            facets=facets(state.db),
            pager=_pager(page["total"], offset, params),
            export=_query(params),
        )

    @pages.get("/articles/{article_id}", response_class=HTMLResponse)
    def article(request: Request, article_id: str) -> HTMLResponse:
        doc = load_article(state, article_id)
        data = article_json(state, doc)
        anchors: list[tuple[int, int, str]] = []
        narratives = []
        labels = sorted(
            doc.narratives.labels if doc.narratives else [], key=lambda lab: -lab.probability
        )
        for n, label in enumerate(labels):
            quotes = []
            for k, ev in enumerate(label.evidence):
                name = f"ev-n{n}-{k}"
                anchors.append((ev.start, ev.end, name))
                quotes.append({"text": ev.text, "anchor": name})
            narratives.append({"label": label, "quotes": quotes})
        framings = []
        framed = [f for f in doc.framings if f.mention == -1]
        framed.sort(key=lambda f: (f.main_role is None or f.main_role == "", -f.salience))
        for n, fr in enumerate(framed):
            quotes = []
            for k, ev in enumerate(fr.evidence):
                name = f"ev-f{n}-{k}"
                anchors.append((ev.start, ev.end, name))
                quotes.append({"text": ev.text, "anchor": name})
            framings.append({"framing": fr, "quotes": quotes})
        counts: dict[str, int] = {}
        for span in doc.techniques:
            counts[span.technique] = counts.get(span.technique, 0) + 1
        techniques = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return _render(
            request,
            "article.html",
            doc=doc,
            story=data["story"],
            body=annotate(doc.text, doc.techniques, anchors),
            narratives=narratives,
            framings=framings,
            techniques=techniques,
            entities=sorted(doc.entities, key=lambda e: (-len(e.mentions), e.name)),
        )

    @pages.get("/stories", response_class=HTMLResponse)
    def stories(request: Request) -> HTMLResponse:
        from narrascope.cli._stories import story_page

        params = {
            k: (request.query_params.get(k) or "")[:500] for k in ("outlet", "since", "until")
        }
        for name in ("since", "until"):
            check_date(name, params[name] or None)
        offset = _offset(request.query_params.get("offset"))
        found, total = story_page(
            state.db,
            since=params["since"] or None,
            until=params["until"] or None,
            outlet=params["outlet"] or None,
            limit=PAGE,
            offset=offset,
        )
        return _render(
            request,
            "stories.html",
            stories=found,
            params=params,
            pager=_pager(total, offset, params),
        )

    @pages.get("/stories/{story_id}", response_class=HTMLResponse)
    def story(request: Request, story_id: int) -> HTMLResponse:
        from narrascope.cli._stories import story_detail

        found = story_detail(state.db, story_id)
        if found is None:
            raise HTTPException(404, f"no story with id {story_id}")
        titles = {a["id"]: a for a in found["articles"]}
        return _render(request, "story.html", story=found, by_id=titles)

    @pages.get("/outlets", response_class=HTMLResponse)
    def outlets(request: Request) -> HTMLResponse:
        trends = _trends_module()
        charts = _charts_module()
        return _render(
            request,
            "outlets.html",
            outlets=trends.outlet_list(state.db),
            heatmap=_chart(charts, "outlet_heatmap", state.db),
            outlet_map=_chart(charts, "outlet_map", state.db),
        )

    @pages.get("/outlets/{name:path}", response_class=HTMLResponse)
    def outlet(request: Request, name: str) -> HTMLResponse:
        data = _trends_module().outlet_profile(state.db, name)
        if data is None:
            raise HTTPException(404, f"no outlet named {name!r}")
        return _render(request, "outlet.html", data=data)

    @pages.get("/entities/{entity_id:path}", response_class=HTMLResponse)
    def entity(request: Request, entity_id: str) -> HTMLResponse:
        data = _trends_module().entity_profile(state.db, entity_id)
        if data is None:
            raise HTTPException(404, f"no entity {entity_id!r}")
        charts = _charts_module()
        return _render(
            request,
            "entity.html",
            data=data,
            chart=_chart(charts, "entity_roles", state.db, entity_id),
        )

    @pages.get("/trends", response_class=HTMLResponse)
    def trends(request: Request) -> HTMLResponse:
        module = _trends_module()
        keys = ("by", "interval", "outlet", "since", "until")
        params = {k: (request.query_params.get(k) or "")[:200] for k in keys}
        params["by"] = params["by"] or "narrative"
        params["interval"] = params["interval"] or "week"
        for name in ("since", "until"):
            check_date(name, params[name] or None)
        scope = {
            "outlet": params["outlet"] or None,
            "since": params["since"] or None,
            "until": params["until"] or None,
        }
        try:
            series = module.trend_series(state.db, params["by"], params["interval"], **scope)
            emerging = module.emerging(state.db, params["interval"], by=params["by"], **scope)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        charts = _charts_module()
        chart = None
        if params["by"] == "narrative":
            chart = _chart(charts, "narratives_over_time", state.db, params["interval"], **scope)
        return _render(
            request,
            "trends.html",
            series=series,
            emerging=emerging,
            chart=chart,
            params=params,
            choices={"by": list(module.BY), "interval": list(module.INTERVALS)},
        )

    @pages.get("/submit", response_class=HTMLResponse)
    def submit(request: Request) -> HTMLResponse:
        from narrascope.api._app import UPLOAD_SUFFIXES

        return _render(
            request,
            "submit.html",
            writes=state.writes(),
            suffixes=", ".join(UPLOAD_SUFFIXES),
            max_mb=state.settings.max_body / 1_000_000,
        )

    return pages


def _optional_trends(name: str, *args: Any, **kwargs: Any) -> Any:
    """A ``narrascope.trends`` result for a page section, or None when trends are absent."""
    try:
        import narrascope.trends as trends
    except ImportError:
        return None
    func = getattr(trends, name, None)
    try:
        return func(*args, **kwargs) if func is not None else None
    except ValueError:
        return None


def _trends_module() -> Any:
    """``narrascope.trends`` (issue 17), or 501 with the reason when it is not there."""
    try:
        import narrascope.trends as trends
    except ImportError as exc:
        raise HTTPException(
            501, f"this page needs narrascope.trends (issue 17), which is not installed: {exc}"
        ) from exc
    return trends


def _charts_module() -> Any:
    try:
        import narrascope.web._charts as charts
    except ImportError:
        return None
    return charts


def _chart(charts: Any, name: str, *args: Any, **kwargs: Any) -> Markup | None:
    """``charts.<name>_svg(charts.<name>_data(...))``: an SVG built from escaped pieces
    by ``narrascope.web._charts``; None when that module or chart is absent."""
    data_func = getattr(charts, f"{name}_data", None)
    svg_func = getattr(charts, f"{name}_svg", None)
    if data_func is None or svg_func is None:
        return None
    data = data_func(*args, **kwargs)
    return Markup(svg_func(data))
