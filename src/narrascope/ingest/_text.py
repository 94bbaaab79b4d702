"""Bytes → text: size limits, binary detection and encoding detection.

Decoding order: a BOM, then strict UTF-8 (by far the common case, and cheap),
then a charset the document declares itself (HTTP header, ``<meta charset>``),
then charset-normalizer's best guess. Only when all of these fail is the input
"hopeless" and rejected.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

__all__ = ["DecodeError", "decode_bytes", "read_limited", "too_large_reason"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
#: control characters that never appear in text (everything below 0x20 but \t \n \f \r, ESC)
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))
_CONTROL_TABLE = bytes.maketrans(b"", b"")


class DecodeError(ValueError):
    """The bytes are not text we can read; ``args[0]`` is the user-facing reason."""


def too_large_reason(size: int, limit: int) -> str:
    return f"too large ({size:,} bytes > limit of {limit:,}; raise --max-mb to read it)"


def read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes, or DecodeError when it exceeds ``limit`` (decided without reading it)."""
    size = path.stat().st_size
    if size > limit:
        raise DecodeError(too_large_reason(size, limit))
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # the file grew between stat and read
        raise DecodeError(too_large_reason(len(data), limit))
    return data


def declared_charset(data: bytes) -> str | None:
    """Charset an HTML/XML document declares in its first bytes, if Python knows it."""
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to text and name the encoding used (a Python codec name).

    Raises DecodeError with a reason for empty, binary or undecodable input.
    """
    if not data.strip():
        raise DecodeError("empty file" if not data else "empty file (only whitespace)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                # keep a UTF-8 BOM in the text: corpus offsets count it
                return data.decode("utf-8" if encoding == "utf-8" else encoding), encoding
            except UnicodeDecodeError:
                break
    sample = data[:65536]
    if b"\x00" in sample:
        raise DecodeError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for name in (declared, declared_charset(data)):
        if name:
            try:
                return data.decode(name), codecs.lookup(name).name
            except (UnicodeDecodeError, LookupError):
                continue
    controls = len(sample) - len(sample.translate(_CONTROL_TABLE, _CONTROL))
    if controls > max(8, len(sample) // 100):
        raise DecodeError("binary file (control bytes, not text)")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError("could not decode: not UTF-8 and no other encoding fits")
    return str(best), codecs.lookup(best.encoding).name
