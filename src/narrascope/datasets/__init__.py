"""Readers for the gold-annotated research datasets (used by `eval` and `training/`)."""

from narrascope.datasets._files import GoldFileError, read_gold_text
from narrascope.datasets._semeval2025 import (
    RELEASE_LANGUAGES,
    GoldDocument,
    GoldMention,
    GoldSet,
    find_gold_layout,
    load_semeval2025,
    locate_mention,
    py_to_utf16,
    utf16_to_py,
)

__all__ = [
    "RELEASE_LANGUAGES",
    "GoldDocument",
    "GoldFileError",
    "GoldMention",
    "GoldSet",
    "find_gold_layout",
    "load_semeval2025",
    "locate_mention",
    "py_to_utf16",
    "read_gold_text",
    "utf16_to_py",
]
