"""Text that both stores can hold: one rule, applied before analysis and again at writes.

PostgreSQL refuses NUL in ``text`` columns (``DataError``) where SQLite stores it,
and neither can encode a lone surrogate (``"\\ud800"`` from a JSON escape) as
UTF-8. Such characters are *replaced* by U+FFFD, never removed: the text keeps
its length, so every character offset computed on it (and every gold offset of
a verbatim SemEval file) still points at the same characters. The app cleans
each ingested document before any stage runs, so quotes, mentions and stored
text agree; the store applies the same rule to whatever it writes, for callers
of the Python API that skip the app.
"""

from __future__ import annotations

import re
from typing import Any

from narrascope.document import Document

__all__ = ["REPLACEMENT", "clean_document", "clean_value", "storable", "unstorable_count"]

#: what an unstorable character becomes (one character for one: offsets stay right)
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> str:
    """``value`` with NUL and surrogate code points replaced by U+FFFD (same length)."""
    return _UNSTORABLE.sub(REPLACEMENT, value)


def unstorable_count(value: str) -> int:
    return len(_UNSTORABLE.findall(value))


def clean_value(value: Any) -> Any:
    """``value`` with :func:`storable` applied to every string in it (dicts, lists, tuples)."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    return value


def clean_document(doc: Document) -> int:
    """Make every text field of a freshly ingested ``doc`` storable, in place.

    Returns how many characters of ``doc.text`` were replaced (the app notes it on the
    article). ``doc.id`` is left alone: it hashes the input, so a re-run of the same
    file finds the article unchanged.
    """
    replaced = unstorable_count(doc.text)
    if replaced:
        doc.text = storable(doc.text)
    for name in ("title", "url", "outlet", "source", "language"):
        value = getattr(doc, name)
        if isinstance(value, str):
            setattr(doc, name, storable(value))
    doc.authors = clean_value(doc.authors)
    doc.meta = clean_value(doc.meta)
    return replaced
