"""HTML pages → article fields, via trafilatura (main text, title, author, date, site name).

trafilatura drops navigation, related links, cookie banners and footers; what
it cannot find in truncated or broken markup is simply missing, and a page with
no text at all is rejected by the caller.
"""

from __future__ import annotations

import html
import re
import warnings
from typing import Any

from narrascope.ingest._dates import parse_date
from narrascope.ingest._types import Article

__all__ = ["extract_html", "html_fragment_text"]

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&)\s*")


def _bare(html: str, url: str | None) -> dict[str, Any] | None:
    import trafilatura

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
    data = _bare(f"<html><body><article>{fragment}</article></body></html>", None)
    if data and (data.get("text") or "").strip():
        return _paragraphs(data["text"])
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    return root.text_content().strip()
