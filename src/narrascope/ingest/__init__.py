"""Ingestion: files, directories, globs, stdin, URLs, RSS/Atom/OPML feeds → Documents.

>>> from narrascope.ingest import iter_inputs, IngestOptions, Rejected
>>> for item in iter_inputs(["articles/", "feeds.opml"], IngestOptions(outlet_from="folder")):
...     if isinstance(item, Rejected):
...         print(item.source, item.reason)                                # doctest: +SKIP

Formats and the JSONL/CSV field mapping are documented in ``docs/ingest.md``.
Duplicates are decided by the caller with :func:`content_id` (exact) and
:class:`NearDuplicateIndex` (syndicated copies).
"""

from narrascope.ingest._dates import find_date, parse_date
from narrascope.ingest._dedup import NearDuplicateIndex
from narrascope.ingest._fetch import USER_AGENT
from narrascope.ingest._lang import detect_language
from narrascope.ingest._normalize import content_id, normalize_text
from narrascope.ingest._outlets import Outlet, OutletDirectory, load_outlets
from narrascope.ingest._records import DEFAULT_FIELDS
from narrascope.ingest._sources import FORMATS, iter_inputs, iter_texts
from narrascope.ingest._types import IngestOptions, Rejected

__all__ = [
    "DEFAULT_FIELDS",
    "FORMATS",
    "USER_AGENT",
    "IngestOptions",
    "NearDuplicateIndex",
    "Outlet",
    "OutletDirectory",
    "Rejected",
    "content_id",
    "detect_language",
    "find_date",
    "iter_inputs",
    "iter_texts",
    "load_outlets",
    "normalize_text",
    "parse_date",
]
