"""The ``.txt`` article format of the shared corpus: title line, blank line, body.

Optional header lines before the title carry metadata. A header line is recognised
by its *form*, never by merely containing a date: a known key with a colon
(``date: 2024-11-20``, ``Date: November 20, 2024``, ``published:``, ``outlet:``,
``url:``, ``author:``, ``lang:``, ``title:``), ``date <a date>`` or ``url <a URL>``
with nothing else on the line, or a line that is a date and nothing else. A first
line such as ``date 2021-11-27 Joe Biden's hand may be forced ...`` is therefore a
headline (kept whole, as the title); its date is still found by the date search.

The document text is always a verbatim slice of the file: everything after the
header lines (and the blank lines after them), byte for byte after decoding, BOM
and CRLF included. What was cut off in front is kept as ``prefix``, so that offsets
can be written relative to the file itself (SemEval scorers read the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from narrascope.ingest._dates import find_date, whole_date

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
    """A parsed ``.txt`` article: ``prefix + text`` is the input, unchanged.

    ``prefix`` holds the header lines (and the blank lines after them), empty when
    there are none; ``text`` is the document text, ``body`` the text after the
    title line, ``id_title`` the untruncated title the content id is computed from.
    """

    text: str
    title: str
    body: str
    id_title: str
    prefix: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    published: date | None = None

    @property
    def verbatim(self) -> bool:
        """Whether ``text`` is the whole input (no header lines were cut off)."""
        return not self.prefix


def _header(line: str) -> tuple[str, str] | None:
    """(key, value) when ``line`` is a metadata header, else None.

    Without a colon only ``date <date>``, ``url <url>`` and a bare date count, so a
    headline such as "Author of the bill defends it" or "Date 2024-11-20 set for
    talks" is never mistaken for a header. A date value must be a date and nothing
    else (:func:`whole_date`), with or without the colon.
    """
    match = _HEADER.match(line)
    if not match:
        return ("date", line) if whole_date(line) else None
    key = match.group("key").lower()
    key = _KEYS.get(key, key)
    value = match.group("value")
    if key == "date":
        return (key, value) if whole_date(value) else None
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
    """Split ``text`` into header prefix, title and body. Never raises, never drops text."""
    lines = text.split("\n")
    headers: dict[str, str] = {}
    index = cut = 0
    while index < len(lines):
        line = lines[index].replace("\ufeff", "").strip()
        parsed = _header(line) if line else None
        if parsed is None:
            break
        headers.setdefault(*parsed)
        cut += len(lines[index]) + 1
        index += 1
    if headers:
        while index < len(lines) and not lines[index].replace("\ufeff", "").strip():
            cut += len(lines[index]) + 1
            index += 1
    cut = min(cut, len(text))
    prefix, rest = text[:cut], text[cut:]
    first, body = _split_title(rest)
    first_line = first.rstrip("\r")
    title = headers.get("title") or _display_title(first_line)
    if "title" in headers:
        # the header named the title: the whole remainder is body
        body = rest
    published = whole_date(headers["date"]) if "date" in headers else None
    if published is None:
        published = find_date(rest[:DATE_SEARCH_CHARS])
    return ParsedTxt(
        text=rest,
        title=title,
        body=body,
        id_title=headers.get("title") or first_line.replace("\ufeff", "").strip(),
        prefix=prefix,
        headers=headers,
        published=published,
    )
