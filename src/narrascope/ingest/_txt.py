"""The ``.txt`` article format of the shared corpus: title line, blank line, body.

Optional header lines before the title carry metadata (``date: 2024-11-20`` or
``date 2024-11-20``, ``outlet:``, ``url:``, ``author:``, ``lang:``); they are
removed from the text. A file *without* header lines keeps its text verbatim,
byte for byte after decoding, so offsets of gold annotations stay valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from narrascope.ingest._dates import find_date, parse_date

__all__ = ["ParsedTxt", "parse_txt"]

#: first characters searched for a date when there is no date header
DATE_SEARCH_CHARS = 400
#: longer first lines are a paragraph, not a headline: the title is shortened
MAX_TITLE_CHARS = 300

_HEADER = re.compile(
    r"^(?P<key>date|published|outlet|source|site|url|link|author|authors|by|lang|language|title)"
    r"(?P<colon>\s*:)?\s*(?P<value>\S.*?)\s*$",
    re.IGNORECASE,
)
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_LANG = re.compile(r"^[a-z]{2,3}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)
_KEYS = {
    "published": "date",
    "source": "outlet",
    "site": "outlet",
    "link": "url",
    "authors": "author",
    "by": "author",
    "language": "lang",
}


@dataclass
class ParsedTxt:
    """A parsed ``.txt`` article; ``verbatim`` says whether ``text`` is the input unchanged."""

    text: str
    title: str
    body: str
    id_title: str
    verbatim: bool
    headers: dict[str, str] = field(default_factory=dict)
    published: date | None = None


def _header(line: str) -> tuple[str, str] | None:
    """(key, value) when ``line`` is a metadata header, else None.

    Without a colon only ``date <date>`` and ``url <url>`` count, so a headline
    such as "Author of the bill defends it" is never mistaken for a header.
    """
    match = _HEADER.match(line)
    if not match:
        return None
    key = match.group("key").lower()
    key = _KEYS.get(key, key)
    value = match.group("value")
    if key == "date":
        return (key, value) if parse_date(value) else None
    if key == "url":
        return (key, value) if _URL.match(value) else None
    if not match.group("colon"):
        return None
    if key == "lang":
        return (key, value) if _LANG.match(value) else None
    return key, value


def _split_title(text: str) -> tuple[str, str]:
    """(first line, rest after the blank line) without touching either's content."""
    first, sep, rest = text.partition("\n")
    if not sep:
        return first, ""
    if rest.startswith("\r\n"):
        rest = rest[2:]
    elif rest.startswith("\n"):
        rest = rest[1:]
    return first, rest


def _display_title(first_line: str) -> str:
    title = first_line.replace("\ufeff", "").strip()
    if len(title) > MAX_TITLE_CHARS:
        cut = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
        title = cut.rstrip(" ,;:-") + "…"
    return title


def parse_txt(text: str) -> ParsedTxt:
    """Split ``text`` into headers, title and body. Never raises, never drops body text."""
    lines = text.split("\n")
    headers: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index].replace("\ufeff", "").strip("\r").strip()
        parsed = _header(line) if line else None
        if parsed is None:
            break
        headers.setdefault(*parsed)
        index += 1
    if headers:
        while index < len(lines) and not lines[index].strip():
            index += 1
        rest = "\n".join(lines[index:])
    else:
        rest = text
    first, body = _split_title(rest)
    first_line = first.rstrip("\r")
    title = headers.get("title") or _display_title(first_line)
    if "title" in headers:
        # the header named the title: the whole remainder is body
        body = rest
    published = parse_date(headers["date"]) if "date" in headers else None
    if published is None:
        published = find_date(rest[:DATE_SEARCH_CHARS])
    return ParsedTxt(
        text=text,
        title=title,
        body=body,
        id_title=headers.get("title") or first_line.replace("\ufeff", "").strip(),
        verbatim=not headers,
        headers=headers,
        published=published,
    )
