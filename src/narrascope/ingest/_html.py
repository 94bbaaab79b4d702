"""HTML pages → article fields, via trafilatura (main text, title, author, date, site name).

trafilatura drops navigation, related links, cookie banners and footers; what
it cannot find in truncated or broken markup is simply missing, and a page with
no text at all is rejected by the caller.

Markup is capped before it reaches lxml: libxml2's HTML parser (and trafilatura
after it) spends time quadratic in the attributes of one tag, so a 1 MB page with
40,000 attributes on one ``<div>`` took 37 s and 300,000 ran past 5 minutes.
:func:`cap_attributes` keeps the first ``MAX_TAG_TOKENS`` of each tag in one
linear pass. Deep nesting needs no cap: libxml2 stops at its own depth limit
(a page 300,000 ``<div>`` deep parses in about 2 s, and its text past the limit
is lost, as trafilatura would lose it anyway).
"""

from __future__ import annotations

import html
import re
import warnings
from typing import Any

from narrascope.ingest._dates import parse_date
from narrascope.ingest._types import Article

__all__ = ["MAX_TAG_TOKENS", "cap_attributes", "extract_html", "html_fragment_text"]

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&)\s*")

#: attribute tokens (a name, ``name=``, a quoted value) kept per tag; real pages use a few dozen
MAX_TAG_TOKENS = 256
_TOKEN = r"""[\s/]*(?:"[^"]*"|'[^']*'|[^\s>"'/]+)"""
_TAG_TOKEN = re.compile(_TOKEN)
_TAG_HEAD = re.compile(rf"<[A-Za-z][^\s/>]*(?:{_TOKEN}){{0,{MAX_TAG_TOKENS}}}")


def cap_attributes(html: str) -> str:
    """``html`` with every start tag cut to its first ``MAX_TAG_TOKENS`` attribute tokens.

    Linear: a tag is matched with up to the limit of tokens in one regex call
    (quoted values may hold ``>`` or ``<``); only a tag with more is scanned on,
    token by token, to its end, and the search resumes after it. Whatever the
    scan takes for a tag but is not one (``<b`` in a script) is at worst cut in
    the same way, which costs nothing the extractor would keep.
    """
    parts: list[str] = []
    copied = 0  # html[copied:] is not yet in parts
    pos = 0
    while (head := _TAG_HEAD.search(html, pos)) is not None:
        end = head.end()
        if _TAG_TOKEN.match(html, end) is None:  # within the limit: the usual case
            pos = max(end, head.start() + 1)
            continue
        cut = end
        while (token := _TAG_TOKEN.match(html, end)) is not None:
            end = token.end()
        parts.append(html[copied:cut])
        copied = pos = end
    if not parts:
        return html
    parts.append(html[copied:])
    return "".join(parts)


def _bare(html: str, url: str | None) -> dict[str, Any] | None:
    import trafilatura

    html = cap_attributes(html)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    if result is None:
        return None
    return result.as_dict() if hasattr(result, "as_dict") else dict(result)


def _paragraphs(text: str) -> str:
    """trafilatura separates paragraphs by one newline; we use a blank line."""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def extract_html(html: str, source: str, url: str = "") -> Article | None:
    """Article fields of an HTML page, or None when no main text can be found."""
    data = _bare(html, url or None)
    if not data or not (data.get("text") or "").strip():
        return None
    title = (data.get("title") or "").strip()
    body = _paragraphs(data["text"])
    first, _, rest = body.partition("\n\n")
    if title and first.strip() == title:
        body = rest  # trafilatura keeps the <h1> headline as the first paragraph
    authors = [a for a in _AUTHOR_SPLIT.split(data.get("author") or "") if a.strip()]
    return Article(
        source=source,
        title=title,
        body=body,
        url=url or (data.get("url") or ""),
        outlet=(data.get("sitename") or "").strip(),
        published=parse_date(data.get("date")),
        authors=authors,
    )


def html_fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's content), paragraphs kept."""
    if "<" not in fragment:
        return html.unescape(fragment).strip()
    fragment = cap_attributes(fragment)
    data = _bare(f"<html><body><article>{fragment}</article></body></html>", None)
    if data and (data.get("text") or "").strip():
        return _paragraphs(data["text"])
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    return root.text_content().strip()
