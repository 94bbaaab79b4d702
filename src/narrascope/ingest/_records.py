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


class _FieldError(ValueError):
    """A record field holds a value of the wrong JSON type; ``args[0]`` says which and why."""


def _json_type(value: Any) -> str:
    """The JSON name of a value's type with its article, as a user sees it in the file."""
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    return names.get(type(value), "an object" if isinstance(value, dict) else "a value")


def _found(
    record: Mapping[str, Any], canonical: str, field_map: Mapping[str, str]
) -> tuple[str, Any]:
    """(key, value) of the first non-empty key for ``canonical``, or ("", None)."""
    keys = (field_map[canonical],) if canonical in field_map else DEFAULT_FIELDS[canonical]
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return key, value
    return "", None


def _string(
    record: Mapping[str, Any],
    canonical: str,
    field_map: Mapping[str, str],
    *,
    numbers: bool = False,
) -> str:
    """A string field, stripped; "" when absent.

    A list or object is never turned into its ``str()`` (``language`` stored as
    ``['en']``): it raises :class:`_FieldError` naming the field. A number is
    accepted only where ``numbers`` says it means something as text (a title
    ``1984``, an id); a number is no date, URL or language.
    """
    key, value = _found(record, canonical, field_map)
    if value is None:
        return ""
    if isinstance(value, str):
        return _unicode(key, value).strip()
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _FieldError(f"field {key!r} is {_json_type(value)}, expected a string")


def _authors(record: Mapping[str, Any], field_map: Mapping[str, str]) -> list[str]:
    """Authors from a ``;``-separated string or a list of names / ``{"name": ...}`` objects."""
    key, value = _found(record, "author", field_map)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in _unicode(key, value).split(";") if part.strip()]
    if not isinstance(value, list):
        raise _FieldError(f"field {key!r} is {_json_type(value)}, expected a string or a list")
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if name in (None, ""):
            continue
        if not isinstance(name, str):
            raise _FieldError(f"field {key!r} holds {_json_type(name)}, expected names (strings)")
        if name.strip():
            names.append(_unicode(key, name).strip())
    return names


def _unicode(key: str, value: str) -> str:
    """``value`` unchanged, or _FieldError when it holds a lone surrogate (JSON ``"\\ud800"``).

    Such a string is valid JSON but not Unicode: it cannot be encoded, and would
    fail later (hashing, storing) far from the line that caused it. Only the
    fields that are used are checked: a bad value in an ignored key costs nothing.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _FieldError(
            f"field {key!r} holds a lone surrogate escape (not valid Unicode)"
        ) from None
    return value


def record_article(
    record: Mapping[str, Any], source: str, options: IngestOptions, folder: str
) -> Article | Rejected:
    """One record as an Article, or Rejected when it has no usable text or a field is bad.

    ``source`` names the record (``path:LINE``), so every reason here points at the line.
    """
    fmap = options.field_map
    key, text = _found(record, "text", fmap)
    if text is not None and not isinstance(text, str):
        return Rejected(source, f"field {key!r} is {_json_type(text)}, expected a string")
    if not isinstance(text, str) or not text.strip():
        keys = (fmap["text"],) if "text" in fmap else DEFAULT_FIELDS["text"]
        return Rejected(source, f"no text (looked for field {' / '.join(keys)})")
    try:
        _unicode(key, text)
        title = _string(record, "title", fmap, numbers=True)
        record_id = _string(record, "id", fmap, numbers=True)
        url = _string(record, "url", fmap)
        outlet = _string(record, "outlet", fmap, numbers=True)
        date_text = _string(record, "date", fmap)
        language = _string(record, "language", fmap).lower()
        authors = _authors(record, fmap)
    except _FieldError as exc:
        return Rejected(source, str(exc))
    body = text
    stripped = text.lstrip()
    if title and stripped.startswith(title) and stripped[len(title) : len(title) + 1] in "\r\n":
        body = stripped[len(title) :]  # the text repeats the title as its first line
    meta: dict[str, Any] = {}
    if record_id:
        meta["record_id"] = record_id
    return Article(
        source=source,
        title=title,
        body=body,
        url=url,
        outlet=outlet,
        published=parse_date(date_text or None),
        language=language,
        authors=authors,
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
    except RecursionError:  # [[[[… 100,000 deep: this line only, not the rest of the file
        return Rejected(source, "not usable JSON (nested too deeply)")
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
