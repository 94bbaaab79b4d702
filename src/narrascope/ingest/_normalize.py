"""Text normalisation and the content-hash id.

Two different jobs: :func:`normalize_text` cleans text we *show and analyse*
(NFC, tidy whitespace, drop obvious boilerplate lines) but keeps paragraphs;
:func:`content_id` hashes a much more aggressive key (every whitespace run is
one space, invisible characters dropped) so that the same article re-saved
with other line endings, indentation or a BOM keeps the same id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["content_id", "normalize_text", "strip_boilerplate"]

# Zero-width characters and the BOM carry no content but change hashes.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# C0 controls but tab/LF/CR, DEL and C1 controls: NUL, ESC (terminal escape sequences) and the
# like are never text. The ones Python counts as whitespace (VT, FF, \x1c-\x1f, NEL) are left
# to _SPACES, which makes them a space, so that words they separate stay apart.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace except newlines (tabs, NBSP, thin spaces ...)
_MANY_NEWLINES = re.compile(r"\n{3,}")
_ANY_WHITESPACE = re.compile(r"\s+")

# Whole lines that news pages and feeds wrap around articles; only exact
# (case-insensitive) whole-line matches are dropped, so article sentences that
# merely contain these words survive.
_BOILERPLATE = re.compile(
    r"^\s*(?:advertisement|advertising|sponsored content|skip to (?:main )?content|"
    r"share (?:this|on \w+)(?: article| story)?|share|tweet|print|email|"
    r"(?:sign up|subscribe)(?: (?:to|for) (?:our|the) (?:\w+ )?newsletter)?|"
    r"read more|related(?: articles| stories)?|click here to .{0,60}|"
    r"all rights reserved\.?|©.{0,80}|cookies? (?:policy|settings)|accept(?: all)? cookies"
    r")\s*[.:!]?\s*$",
    re.IGNORECASE,
)


def normalize_text(text: str) -> str:
    """NFC, ``\\n`` line ends, one space per whitespace run, at most one blank line.

    Paragraph breaks are kept because sentence splitting and the report use them.
    Control characters are dropped: a CSV/JSON record can carry NUL or ESC bytes
    that no reader of the text should get.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", _INVISIBLE.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def strip_boilerplate(text: str) -> str:
    """Drop lines that are pure page furniture ("Advertisement", "Share this article")."""
    kept = [line for line in text.split("\n") if not _BOILERPLATE.match(line)]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(kept)).strip()


def _key(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _ANY_WHITESPACE.sub(" ", text).strip()


def content_id(title: str, body: str) -> str:
    """Stable id of an article's content: 16 hex digits of SHA-256 over normalised text.

    Insensitive to whitespace, line endings, BOM/zero-width characters and
    Unicode composition, so re-saving a file does not make it a "new" article,
    while any change of words does (the store then re-analyses it).
    """
    payload = _key(title) + "\n" + _key(body)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
