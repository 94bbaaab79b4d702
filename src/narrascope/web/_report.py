"""The static HTML report: one self-contained file (no CDN, no external files).

Jinja2 renders it with autoescape on, so every string from an article is
escaped by default. Stage-specific sections are partial templates
(``_narratives.html``, ``_framing.html``, ``_techniques.html`` and their
``_corpus`` variants) included when the stage's package ships them.

The Content-Security-Policy allows no inline script but the report's own: each
``<script>`` block written in a template (never one built from data) is hashed
when the report is rendered and listed by its SHA-256, so a script that reached
the page by any escaping failure would not run. The report is bounded too: the
first ``full_articles`` articles are shown in full, the rest only in the list,
and of the rejected inputs only the most recent ``max_rejects`` with a count.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from narrascope import __version__
from narrascope.document import Document
from narrascope.quotes import enclose, shorten

__all__ = [
    "FULL_ARTICLES",
    "MAX_REJECTS",
    "MAX_STORIES",
    "corpus_overview",
    "environment",
    "link",
    "paragraphs",
    "render_report",
    "script_hashes",
]

#: articles shown in full (text, evidence, highlights) by default; the rest are listed
FULL_ARTICLES = 200
#: rejected inputs listed by default (the most recent; the rest are counted)
MAX_REJECTS = 200
#: stories listed with a side-by-side page by default (those told by the most outlets)
MAX_STORIES = 50
#: entities, claims and timeline events shown on a story page (the JSON has all)
STORY_ENTITIES = 20
STORY_CLAIMS = 30

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

#: what a link may point at: an http(s) URL with a host, and no white space or control
#: character anywhere (browsers drop those, so ``java\tscript:`` would still run)
_WEB_URL = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*", re.IGNORECASE)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment shared by the report and (later) the dashboard."""
    env = Environment(
        loader=PackageLoader("narrascope.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["paragraphs"] = paragraphs
    env.filters["pct"] = lambda v: f"{100 * float(v):.0f}%"
    env.filters["prob"] = lambda v: f"{float(v):.2f}"
    # never a second closing mark (``escalation.””``); partials fall back to plain marks
    # where they are rendered without this environment (``"quote" is filter``)
    env.filters["quote"] = enclose
    env.filters["link"] = link
    # stage packages contribute template helpers (highlighting, legends) for their partials
    from narrascope.techniques import report_globals

    env.globals.update(report_globals())
    return env


def link(url: str) -> Markup:
    """``url`` as a link when it is a web address, else as plain (escaped) text.

    Article metadata is hostile: a ``javascript:`` or ``data:`` URL must never become
    clickable. The link opens without telling the site where it came from
    (``noreferrer``) or giving it a handle on the report's window (``noopener``).
    """
    if _WEB_URL.fullmatch(url):
        return Markup('<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>').format(url)
    return Markup("<span>{}</span>").format(url)


def paragraphs(text: str) -> Markup:
    """Article text as escaped ``<p>`` paragraphs (blank lines separate paragraphs)."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    # Markup is safe here: every piece of text went through escape() first.
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in p.split("\n")))
        for p in parts
        if p
    )


def _bar_chart(series: list[tuple[str, int]], width: int = 640, bar_h: int = 18) -> Markup:
    """A horizontal SVG bar chart; labels are escaped, numbers are ints."""
    if not series:
        return Markup("")
    top = max(v for _, v in series) or 1
    label_w = 200  # room for 28 characters at the chart's label size (150 cut them off)
    height = bar_h * len(series) + 6
    rows = []
    for i, (label, value) in enumerate(series):
        y = i * bar_h + 3
        w = int((width - label_w - 50) * value / top)
        rows.append(
            Markup(
                '<text x="{lx}" y="{ty}" text-anchor="end" class="lbl">'
                "<title>{full}</title>{label}</text>"
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" class="bar"></rect>'
                '<text x="{vx}" y="{ty}" class="val">{value}</text>'
            ).format(
                lx=label_w - 6,
                ty=y + bar_h - 6,
                label=shorten(label, 28),
                full=label,
                x=label_w,
                y=y,
                w=max(w, 1),
                h=bar_h - 4,
                vx=label_w + w + 4,
                value=value,
            )
        )
    return Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img">{rows}</svg>'
    ).format(w=width, h=height, rows=Markup("").join(rows))


def corpus_overview(docs: list[Document]) -> dict[str, Any]:
    """Counts the overview shows: outlets, languages, dates, top entities.

    Outlets and dates count every stored article, copies and near-duplicates
    included: a syndicated copy is an article its outlet published (left out, an
    outlet that only republishes vanishes from the counts), even though it is not
    analysed twice. ``n_undated`` says how many articles the date range leaves out,
    ``n_unknown_outlet`` how many name no outlet (not counted in ``n_outlets``).
    """
    analysed = [d for d in docs if not d.duplicate_of]
    outlets = Counter(d.outlet or "(unknown)" for d in docs)
    languages = Counter(d.language or "und" for d in analysed)
    dates = sorted(d.published for d in docs if d.published)
    per_day = Counter(d.published.isoformat() for d in docs if d.published)
    entity_docs: dict[str, set[str]] = defaultdict(set)
    entity_names: dict[str, Counter[str]] = defaultdict(Counter)
    entity_outlets: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in analysed:
        for ent in doc.entities:
            entity_docs[ent.id].add(doc.id)
            entity_names[ent.id][ent.name] += 1
            entity_outlets[ent.id][doc.outlet or "(unknown)"] += 1
    top_entities = [
        {
            "id": eid,
            "name": entity_names[eid].most_common(1)[0][0],
            "articles": len(ids),
            "outlets": entity_outlets[eid].most_common(),
        }
        for eid, ids in sorted(entity_docs.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:20]
    ]
    return {
        "n_articles": len(analysed),
        "n_duplicates": len(docs) - len(analysed),
        "outlets": outlets.most_common(),
        # "(unknown)" is no outlet: a folder of unnamed files is not "1 outlet"
        "n_outlets": len({d.outlet for d in docs if d.outlet}),
        "n_unknown_outlet": sum(1 for d in docs if not d.outlet),
        "languages": languages.most_common(),
        "date_range": (dates[0], dates[-1]) if dates else None,
        "n_undated": len(docs) - len(dates),
        "per_day": sorted(per_day.items()),
        "top_entities": top_entities,
        "outlet_chart": _bar_chart(outlets.most_common(15)),
        "day_chart": _bar_chart(sorted(per_day.items())),
        "words": sum(d.word_count for d in analysed),
    }


@lru_cache(maxsize=1)
def script_hashes() -> tuple[str, ...]:
    """CSP sources (``'sha256-…'``) of every inline script the templates contain.

    Taken from the template *sources*, never from rendered output: a script that
    reached the output through article text must not be allowed by its own hash. A
    script holding template syntax would render differently from its source, so
    templates may not have one (and the report test checks every script is listed).
    """
    env = environment()
    assert env.loader is not None
    found: list[str] = []
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        source = env.loader.get_source(env, name)[0]
        for body in _SCRIPT.findall(source):
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            found.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return tuple(dict.fromkeys(found))


def render_report(
    docs: list[Document],
    *,
    title: str = "narrascope report",
    rejects: list[tuple[str, str]] | None = None,
    rejects_total: int | None = None,
    full_articles: int = FULL_ARTICLES,
    stories: list[dict[str, Any]] | None = None,
    stories_total: int | None = None,
    trends: dict[str, Any] | None = None,
) -> str:
    """Render the whole report as one HTML string.

    ``rejects`` are the rejected inputs to list (the caller picks the most recent)
    and ``rejects_total`` how many there are in all; the first ``full_articles``
    articles get their own section and every article a row in the list.
    ``stories`` are ``story ID --json`` dicts with the ``stories --json`` summary keys
    (the caller picks which, e.g. :func:`narrascope.cli._stories.report_stories`), and
    ``stories_total`` how many stories there are in all: each gets a row in the story
    list and a side-by-side page.
    ``trends`` (:func:`narrascope.web._charts.report_trends`) adds the trends,
    outlets and entities sections.
    """
    from narrascope.techniques import display_name

    story_pages = []
    for story in stories or []:
        page = dict(story)
        page["shared_entities"] = [e for e in story["entities"] if len(e["by_outlet"]) >= 2]
        page["outlets"] = {
            name: {
                **entry,
                "top_techniques": [
                    {**t, "name": display_name(t["technique"])}
                    for t in entry.get("top_techniques", [])
                ],
            }
            for name, entry in story["outlets"].items()
        }
        page["outlet_names"] = sorted(o for o in story["outlets"] if o)
        story_pages.append(page)
    env = environment()
    template = env.get_template("report.html")
    ordered = sorted(
        docs, key=lambda d: (d.published is None, d.published or datetime.min.date(), d.outlet)
    )
    by_id = {d.id: d for d in docs}
    analysed = [d for d in ordered if not d.duplicate_of]
    rejects = rejects or []
    return template.render(
        title=title,
        docs=analysed,
        full_docs=analysed[: max(full_articles, 0)],
        full_ids={d.id for d in analysed[: max(full_articles, 0)]},
        duplicates=[d for d in ordered if d.duplicate_of],
        by_id=by_id,
        overview=corpus_overview(docs),
        rejects=rejects,
        rejects_total=max(rejects_total or 0, len(rejects)),
        script_src=" ".join(script_hashes()),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        has_partial=lambda name: name in env.list_templates(),
        stories=story_pages,
        stories_total=max(stories_total or 0, len(story_pages)),
        story_entities=STORY_ENTITIES,
        story_claims=STORY_CLAIMS,
        trends=trends,
    )
