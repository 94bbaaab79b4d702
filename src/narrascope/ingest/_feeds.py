"""RSS/Atom feeds (feedparser) and OPML subscription lists.

A feed entry becomes an article from its full content (``content:encoded`` /
Atom ``content``) when the feed carries it; otherwise the caller may fetch the
entry's link and falls back on the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from narrascope.ingest._dates import parse_date

__all__ = ["FeedEntry", "ParsedFeed", "looks_like_feed", "parse_feed", "parse_opml"]

_FEED_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S
)


@dataclass
class FeedEntry:
    title: str
    link: str
    content: str  # HTML of the full article, if the feed carries it
    summary: str  # HTML or text of the summary
    published: date | None
    authors: list[str] = field(default_factory=list)


@dataclass
class ParsedFeed:
    title: str
    link: str
    version: str
    entries: list[FeedEntry]


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    """Cheap test before handing bytes to feedparser."""
    if any(t in content_type for t in ("rss", "atom", "rdf")):
        return True
    return bool(_FEED_START.match(data[:2048]))


def _entry_date(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
            except ValueError:
                continue
    return parse_date(entry.get("published") or entry.get("updated"))


def parse_feed(data: bytes) -> ParsedFeed | None:
    """The feed in ``data``, or None when it is not RSS/Atom."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.get("version") and not parsed.entries:
        return None
    entries = []
    for entry in parsed.entries:
        contents = entry.get("content") or []
        content = max((c.get("value", "") for c in contents), key=len, default="")
        authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        entries.append(
            FeedEntry(
                title=(entry.get("title") or "").strip(),
                link=(entry.get("link") or "").strip(),
                content=content,
                summary=entry.get("summary") or "",
                published=_entry_date(entry),
                authors=authors,
            )
        )
    feed = parsed.get("feed", {})
    return ParsedFeed(
        title=(feed.get("title") or "").strip(),
        link=(feed.get("link") or "").strip(),
        version=parsed.get("version") or "",
        entries=entries,
    )


def parse_opml(data: bytes) -> list[tuple[str, str]]:
    """(feed URL, outline title) for every ``<outline xmlUrl=...>`` in an OPML file.

    Parsed with entity resolution and network access off: OPML files come from
    elsewhere and must not be able to read local files or call out.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(data, parser=parser)
    if root is None:
        raise ValueError("not an XML document")
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            feeds.append((url, (outline.get("title") or outline.get("text") or "").strip()))
    return feeds
