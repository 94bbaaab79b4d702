"""Options and result types of ingestion (kept apart so every reader can import them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from narrascope.ingest._outlets import OutletDirectory

__all__ = ["OUTLET_MODES", "Article", "IngestOptions", "Rejected"]

#: accepted values of ``IngestOptions.outlet_from``
OUTLET_MODES = ("auto", "folder", "domain", "field", "none")


@dataclass(frozen=True)
class IngestOptions:
    """How inputs are read. Frozen so one instance can be shared by every reader.

    ``outlet_from`` picks where ``Document.outlet`` comes from: ``folder`` (the
    file's parent directory name), ``domain`` (URL host without ``www.``),
    ``field`` (the record's outlet field, the HTML site name, the feed title, an
    ``outlet:`` header), ``auto`` (the outlets file's name for the URL's domain,
    else the field, else the URL's domain, else empty: unknown) or ``none``.
    ``auto`` never takes a folder name: a folder of files is no outlet, and
    taking it for one makes every per-outlet view meaningless. ``outlets`` (see
    :func:`narrascope.ingest.load_outlets`) maps URL domains to outlet names in
    ``auto`` and ``domain`` modes. ``field_map`` maps
    canonical field names (``text``, ``title``, ``url``, ``outlet``, ``date``,
    ``language``, ``author``, ``id``) to the column/key names of JSONL/CSV
    records. ``backoff`` is the first retry delay in seconds (doubled per retry).
    ``timeout`` is a total deadline per HTTP request (redirects and body
    included). ``allow_private_urls`` lets URLs, feed links and redirects reach
    loopback, private and link-local addresses (refused by default: a feed must
    not make narrascope read the inside of its network). ``follow_links`` reads
    symlinked files that point outside the input tree (skipped by default).
    """

    outlet_from: str = "auto"
    field_map: dict[str, str] = field(default_factory=dict)
    max_bytes: int = 10_000_000
    timeout: float = 10.0
    retries: int = 2
    allow_private_urls: bool = False
    follow_links: bool = False
    default_language: str | None = None
    backoff: float = 0.5
    outlets: OutletDirectory | None = None
    #: leave ``language`` empty when neither the input nor ``default_language`` names it;
    #: ``analyze`` sets this and detects it in triage, only for articles it stores (an
    #: unchanged article of a re-run needs no language, and detecting it was a third
    #: of a re-run's time)
    defer_language: bool = False

    def __post_init__(self) -> None:
        if self.outlet_from not in OUTLET_MODES:
            raise ValueError(
                f"outlet_from={self.outlet_from!r}: expected one of {', '.join(OUTLET_MODES)}"
            )


@dataclass(frozen=True)
class Rejected:
    """An input (or one record of it) that could not become a Document.

    ``source`` is the file path (``path:LINE`` for a JSONL/CSV record) or URL;
    ``reason`` says why in words a user can act on.
    """

    source: str
    reason: str


@dataclass
class Article:
    """What a reader extracted, before ids, outlet and language are settled.

    ``text`` is set only when the reader wants the document text kept verbatim
    (a ``.txt`` file in the shared corpus layout, so gold offsets still apply),
    with ``id_title`` the untruncated first line that the id is computed from;
    otherwise the text is built as ``title + "\\n\\n" + body`` after normalising.
    ``prefix`` is what the file holds before a verbatim ``text`` (header lines).
    """

    source: str
    title: str = ""
    body: str = ""
    text: str | None = None
    prefix: str = ""
    id_title: str | None = None
    url: str = ""
    outlet: str = ""
    published: date | None = None
    language: str = ""
    authors: list[str] = field(default_factory=list)
    folder: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
