"""Article text with technique spans as ``<mark>`` elements, built only from escaped pieces.

Why segments: spans may overlap or nest arbitrarily, and HTML elements must nest properly. The
text is cut at every span boundary; each segment is escaped and wrapped in one ``<mark>`` per
span covering it (longest outermost). A span therefore may become several elements, which share
``data-span`` so the report's script can light them up together.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from markupsafe import Markup, escape

from narrascope.document import Document, TechniqueSpan
from narrascope.techniques._definitions import TECHNIQUES, technique_info

__all__ = ["highlight", "outlet_rates", "report_globals", "technique_legend", "technique_rates"]


def _title(span: TechniqueSpan) -> str:
    info = technique_info(span.technique)
    return f"{info.name} ({span.probability:.2f}): {info.definition}".strip()


def highlight(text: str, spans: Sequence[TechniqueSpan]) -> Markup:
    """Escaped ``text`` with ``spans`` as nested ``<mark>`` elements (injection-safe).

    Spans with offsets outside the text or empty after clipping are ignored. The result keeps
    the text's line breaks; show it in an element with ``white-space: pre-wrap``.
    """
    valid = [
        (i, max(0, s.start), min(len(text), s.end), s)
        for i, s in enumerate(spans)
        if min(len(text), s.end) > max(0, s.start)
    ]
    cuts = sorted({0, len(text), *(a for _, a, _, _ in valid), *(b for _, _, b, _ in valid)})
    pieces: list[Markup] = []
    for left, right in pairwise(cuts):
        # escape() turns every <, >, &, " and ' of the article into entities; the tags around
        # it are our own literals with escaped attribute values, so the Markup is safe.
        piece = Markup(escape(text[left:right]))
        covering = [v for v in valid if v[1] <= left and right <= v[2]]
        covering.sort(key=lambda v: (v[2] - v[1], v[0]))  # shortest innermost
        for i, _, _, span in covering:
            info = technique_info(span.technique)
            piece = Markup(
                '<mark class="tq {cls}" data-span="{i}" data-technique="{tech}" '
                'data-probability="{prob:.2f}" title="{title}">{inner}</mark>'
            ).format(
                cls=info.css_class,
                i=i,
                tech=span.technique,
                prob=span.probability,
                title=_title(span),
                inner=piece,
            )
        pieces.append(piece)
    return Markup("").join(pieces)


def technique_rates(doc: Document) -> list[dict[str, Any]]:
    """Per technique found in ``doc``: count and count per 1,000 words, most frequent first."""
    counts = Counter(s.technique for s in doc.techniques)
    words = max(doc.word_count, 1)
    return [
        {
            "technique": tech,
            "info": technique_info(tech),
            "count": n,
            "per_1000": 1000.0 * n / words,
        }
        for tech, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def outlet_rates(docs: Sequence[Document]) -> dict[str, Any]:
    """Technique counts per outlet per 1,000 words: ``{"outlets": [...], "techniques": [...]}``.

    Each outlet row holds its article and word totals and, per technique, the rate; only
    documents the stage has run on count (the others would read as zero).
    """
    words: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    seen: Counter[str] = Counter()
    for doc in docs:
        if "techniques" not in doc.stage_versions or doc.duplicate_of:
            continue
        outlet = doc.outlet or "(unknown)"
        words[outlet] += doc.word_count
        articles[outlet] += 1
        for span in doc.techniques:
            counts[outlet][span.technique] += 1
            seen[span.technique] += 1
    techniques = [technique_info(t) for t, _ in seen.most_common()]
    rows = []
    for outlet in sorted(words):
        total = max(words[outlet], 1)
        rows.append(
            {
                "outlet": outlet,
                "articles": articles[outlet],
                "words": words[outlet],
                "total_per_1000": 1000.0 * sum(counts[outlet].values()) / total,
                "rates": [1000.0 * counts[outlet][t.id] / total for t in techniques],
            }
        )
    return {"outlets": rows, "techniques": techniques}


def technique_legend() -> list[Any]:
    """All 14 technique classes in display order (for the legend)."""
    return list(TECHNIQUES.values())


def report_globals() -> dict[str, Any]:
    """The Jinja globals the ``_techniques*.html`` partials use (the report registers them)."""
    return {
        "highlight_techniques": highlight,
        "technique_rates": technique_rates,
        "technique_outlet_rates": outlet_rates,
        "technique_legend": technique_legend,
    }
