"""Evidence quotes as a reader sees them: shortened on a word boundary, quoted once.

Every place that shows a sentence of an article as a quote (the CLI's tables, the
explanation's "For example", the report's blockquotes) goes through these two
functions, so a quote is never cut inside a word without saying so ("outcomes o")
and never gains a second closing mark when the sentence already ends with one
(``escalation.””``).
"""

from __future__ import annotations

import re

__all__ = ["ELLIPSIS", "enclose", "shorten"]

ELLIPSIS = "…"

#: marks that open or close a quotation in the languages of the corpora
_OPENING = "“„«‘‚‹\"'「『"
_CLOSING = "”“»’‘›\"'」』"
_SPACE = re.compile(r"\s+")
#: punctuation left dangling before an ellipsis reads as a typo ("says, …")
_TRAILING = ",;:–—-([{“„«‘‚‹"


def shorten(text: str, width: int = 120) -> str:
    """``text`` on one line in at most ``width`` characters, cut between words.

    White space is collapsed (a quote spans lines in the article). When the text
    is longer, it is cut at the last word boundary that leaves room for an
    ellipsis, which marks the cut; a single word longer than ``width`` (a URL) is
    cut inside, still with the ellipsis.
    """
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= width:
        return flat
    if width <= 1:
        return ELLIPSIS[:width]
    room = flat[: width - 1]  # one character is kept for the ellipsis
    if flat[width - 1] != " " and " " in room:  # the cut falls inside a word
        room = room[: room.rindex(" ")]
    room = room.rstrip().rstrip(_TRAILING).rstrip()
    return (room or flat[: width - 1]) + ELLIPSIS


def enclose(text: str, opening: str = "“", closing: str = "”") -> str:
    """``text`` between quotation marks, adding none where the text already has its own.

    A sentence that ends a quotation (``… the escalation.”``) keeps its own closing
    mark instead of gaining a second one; one that is a quotation from its first
    to its last character is shown as it is. A text cut short by :func:`shorten`
    ends with the ellipsis and gets the closing mark after it.
    """
    body = text.strip()
    if not body:
        return ""
    end = "" if body[-1] in _CLOSING else closing
    start = "" if not end and body[0] in _OPENING else opening
    return f"{start}{body}{end}"
