"""Outlets files: the user's own list of outlets and the URL domains each publishes under.

Why a file: a corpus rarely names its outlets consistently (``og:site_name`` says
"USDD", a JSONL field "US Daily Digest", a feed "USDD – World"), and a folder
name is no outlet at all. An outlets file maps URL domains to one name per
outlet; country and declared leaning ride along for later per-outlet views.

Two formats, chosen by suffix::

    # outlets.csv  (header row; domains separated by ";" or spaces)
    name,domains,country,leaning
    Kyiv Ledger,kyivledger.example;ledger.kyiv.example,UA,pro-Ukraine

    # outlets.toml
    [[outlet]]
    name = "Kyiv Ledger"
    domains = ["kyivledger.example", "ledger.kyiv.example"]
    country = "UA"
    leaning = "pro-Ukraine"

A domain also matches its subdomains (``kyivledger.example`` matches
``www.kyivledger.example`` and ``news.kyivledger.example``); the longest listed
domain wins.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Outlet", "OutletDirectory", "load_outlets"]

_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})*$")


@dataclass(frozen=True)
class Outlet:
    """One outlet of an outlets file (``country`` and ``leaning`` are as declared)."""

    name: str
    domains: tuple[str, ...]
    country: str = ""
    leaning: str = ""


@dataclass(frozen=True)
class OutletDirectory:
    """The outlets of a file, looked up by URL."""

    outlets: tuple[Outlet, ...] = ()
    source: str = ""
    _by_domain: dict[str, Outlet] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for outlet in self.outlets:
            for domain in outlet.domains:
                self._by_domain.setdefault(domain, outlet)

    def __len__(self) -> int:
        return len(self.outlets)

    def lookup(self, url: str) -> Outlet | None:
        """The outlet whose domain (or a parent domain of it) is the URL's host."""
        try:
            host = (urlsplit(url.strip()).hostname or "") if url else ""
        except ValueError:  # a malformed URL ("http://[x") names no outlet
            return None
        labels = host.lower().rstrip(".").split(".")
        for start in range(len(labels)):
            outlet = self._by_domain.get(".".join(labels[start:]))
            if outlet is not None:
                return outlet
        return None


def _domains(value: Any, where: str) -> tuple[str, ...]:
    """Domains from a list or a ``;``/``,``/space-separated string, as bare lower-case hosts.

    A URL is accepted and reduced to its host (people paste them); ``www.`` is
    dropped since the parent domain matches it anyway.
    """
    items: Iterable[Any] = (
        value if isinstance(value, list | tuple) else re.split(r"[;,\s]+", str(value or ""))
    )
    out: list[str] = []
    for item in items:
        text = str(item).strip().lower()
        if not text:
            continue
        if "://" in text:
            text = urlsplit(text).hostname or ""
        text = text.rstrip(".").removeprefix("www.")
        if not _DOMAIN.match(text):
            raise ValueError(f"{where}: {str(item)!r} is not a domain (e.g. kyivledger.example)")
        out.append(text)
    if not out:
        raise ValueError(f"{where}: no domains")
    return tuple(dict.fromkeys(out))


def _outlet(record: Mapping[str, Any], where: str) -> Outlet:
    name = str(record.get("name") or "").strip()
    if not name:
        raise ValueError(f"{where}: no name")
    return Outlet(
        name=name,
        domains=_domains(record.get("domains", record.get("domain")), where),
        country=str(record.get("country") or "").strip(),
        leaning=str(record.get("leaning") or "").strip(),
    )


def _from_csv(text: str, source: str) -> list[Outlet]:
    reader = csv.DictReader(io.StringIO(text), strict=True)
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise ValueError(f"{source}: expected a header row with name,domains[,country,leaning]")
    outlets = []
    try:
        for row in reader:
            record = {(k or "").strip().lower(): v for k, v in row.items()}
            if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
                continue
            outlets.append(_outlet(record, f"{source}:{reader.line_num}"))
    except csv.Error as exc:
        raise ValueError(f"{source}:{reader.line_num}: malformed CSV ({exc})") from exc
    return outlets


def _from_toml(text: str, source: str) -> list[Outlet]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML ({exc})") from exc
    tables = data.get("outlet", data.get("outlets"))
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ValueError(f"{source}: expected [[outlet]] tables with name and domains")
    return [_outlet(table, f"{source}: outlet {i}") for i, table in enumerate(tables, start=1)]


def load_outlets(path: str | Path) -> OutletDirectory:
    """Read an outlets file (``.csv`` or ``.toml``); ValueError names the file and the reason."""
    path = Path(path).expanduser()
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".toml"):
        raise ValueError(f"{source}: an outlets file is .csv or .toml, not {suffix or 'no suffix'}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"{source}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not UTF-8 text") from exc
    outlets = _from_csv(text, source) if suffix == ".csv" else _from_toml(text, source)
    if not outlets:
        raise ValueError(f"{source}: lists no outlets")
    return OutletDirectory(tuple(outlets), source)
