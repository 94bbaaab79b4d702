"""JSON Lines and CSV corpora: one article per line / row, with a field mapping.

Each record is independent: a line that is not JSON, or a row without text, is
rejected as ``path:LINE`` and reading goes on. Files are streamed, so the
``max_bytes`` limit applies to each record rather than to the whole corpus.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from narrascope.ingest._dates import parse_date
from narrascope.ingest._text import DecodeError, codec_name, decode_bytes, path_text
from narrascope.ingest._types import Article, IngestOptions, Rejected

__all__ = ["DEFAULT_FIELDS", "iter_csv", "iter_jsonl", "json_record", "record_article"]

#: canonical field → keys tried in order when ``IngestOptions.field_map`` does not name one
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "outlet": ("outlet", "source", "site"),
    "date": ("date", "published", "published_at"),
    "language": ("language", "lang"),
    "author": ("author", "authors"),
    "id": ("id",),
}
_SNIFF_BYTES = 65536


def _lookup(record: Mapping[str, Any], canonical: str, field_map: Mapping[str, str]) -> Any:
    keys = (field_map[canonical],) if canonical in field_map else DEFAULT_FIELDS[canonical]
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v.get("name", "") if isinstance(v, dict) else v).strip() for v in value if v]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def record_article(
    record: Mapping[str, Any], source: str, options: IngestOptions, folder: str
) -> Article | Rejected:
    """One record as an Article, or Rejected when it has no usable text."""
    fmap = options.field_map
    text = _lookup(record, "text", fmap)
    if not isinstance(text, str) or not text.strip():
        keys = (fmap["text"],) if "text" in fmap else DEFAULT_FIELDS["text"]
        return Rejected(source, f"no text (looked for field {' / '.join(keys)})")
    title = str(_lookup(record, "title", fmap) or "").strip()
    body = text
    stripped = text.lstrip()
    if title and stripped.startswith(title) and stripped[len(title) : len(title) + 1] in "\r\n":
        body = stripped[len(title) :]  # the text repeats the title as its first line
    meta: dict[str, Any] = {}
    record_id = _lookup(record, "id", fmap)
    if record_id is not None:
        meta["record_id"] = str(record_id)
    return Article(
        source=source,
        title=title,
        body=body,
        url=str(_lookup(record, "url", fmap) or "").strip(),
        outlet=str(_lookup(record, "outlet", fmap) or "").strip(),
        published=parse_date(_lookup(record, "date", fmap)),
        language=str(_lookup(record, "language", fmap) or "").strip().lower(),
        authors=_authors(_lookup(record, "author", fmap)),
        folder=folder,
        meta=meta,
    )


def _sniff_encoding(path: Path) -> str:
    """The file's encoding, judged from its first 64 KB (UTF-8 unless that fails)."""
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the sample's end
            return "utf-8"
    return decode_bytes(sample)[1]


def _open_text(path: Path) -> tuple[io.TextIOWrapper, str]:
    encoding = _sniff_encoding(path)
    return path.open(encoding=codec_name(encoding), errors="replace", newline=""), encoding


def json_record(line: str, source: str, options: IngestOptions, folder: str) -> Article | Rejected:
    """The Article of one JSON Lines record, or why it was rejected (``source`` names the line)."""
    if len(line) > options.max_bytes:
        return Rejected(source, f"record too large ({len(line):,} characters)")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Rejected(source, f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(record, dict):
        return Rejected(source, f"a JSON {type(record).__name__}, expected an object")
    return record_article(record, source, options, folder)


def _tagged(item: Article | Rejected, fmt: str, line: int, encoding: str) -> Article | Rejected:
    """A record's article with its format, line and (when not UTF-8) encoding in ``meta``."""
    if isinstance(item, Article):
        item.meta.update(format=fmt, line=line)
        if encoding not in ("utf-8", "utf-8-sig"):
            item.meta["encoding"] = encoding
    return item


def iter_jsonl(path: Path, options: IngestOptions, folder: str) -> Iterator[Article | Rejected]:
    """One Article or Rejected per non-empty line of a JSON Lines file.

    A file without a single record is rejected as a whole: "ingested 0,
    rejected 0" would hide that it was read at all.
    """
    source = path_text(path)
    try:
        fh, encoding = _open_text(path)
    except DecodeError as exc:
        yield Rejected(source, str(exc))
        return
    records = number = 0
    with fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            records += 1
            yield _tagged(
                json_record(line, f"{source}:{number}", options, folder), "jsonl", number, encoding
            )
    if not records:
        yield Rejected(source, "no records (only blank lines)" if number else "empty file")


def iter_csv(path: Path, options: IngestOptions, folder: str) -> Iterator[Article | Rejected]:
    """One Article or Rejected per row of a CSV file with a header row.

    Quoting is read strictly, with doubled quotes as RFC 4180 has them whatever
    the sniffer guessed: a lenient reader lets an unterminated quote swallow the
    rows after it into one field without a word. A malformed record is rejected
    by the line it starts on and reading goes on after it; a file without a
    single record is rejected as a whole.
    """
    source = path_text(path)
    try:
        fh, encoding = _open_text(path)
    except DecodeError as exc:
        yield Rejected(source, str(exc))
        return
    csv.field_size_limit(max(options.max_bytes, 131072))
    with fh:
        sample = fh.read(8192)
        fh.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(fh, dialect=dialect, doublequote=True, strict=True)
        try:
            header = reader.fieldnames
        except csv.Error as exc:
            yield Rejected(f"{source}:1", f"malformed CSV header: {exc}")
            return
        if not header:
            yield Rejected(source, "empty file" if header is None else "no header row")
            return
        start = reader.line_num + 1
        records = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                end = reader.reader.line_num  # DictReader.line_num is only set on success
                lines = f"line {start}" if end <= start else f"lines {start}-{end}"
                yield Rejected(f"{source}:{start}", f"malformed CSV ({lines}): {exc}")
                records += 1
                start = end + 1
                continue
            line, start = start, reader.line_num + 1
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            records += 1
            yield _tagged(
                record_article(row, f"{source}:{line}", options, folder), "csv", line, encoding
            )
    if not records:
        yield Rejected(source, "no records (only a header row)")
