"""Bytes → text: size limits, binary detection and encoding detection.

Decoding order: a BOM, then strict UTF-8 (by far the common case, and cheap),
then a charset the document declares itself (HTTP header, ``<meta charset>``),
then UTF-8 with a few stray bytes replaced (a UTF-8 file edited once in a legacy
editor), then charset-normalizer's best guess among the encodings text is really
written in. Only when all of these fail is the input "hopeless" and rejected.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

__all__ = [
    "DecodeError",
    "codec_name",
    "decode_bytes",
    "path_text",
    "read_limited",
    "regular_file_reason",
    "too_large_reason",
]

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
#: encodings that text on the web is written in: the Windows and ISO 8859 code pages, KOI8,
#: UTF-16/32 and the CJK multi-byte ones. DOS, classic Mac OS, EBCDIC and HP code pages
#: (cp775, mac_iceland, hp_roman8, ...) are not: charset-normalizer's guesses among them
#: are what turn a short French or Russian text into nonsense (Café → Cafķ, П → ѕ).
_USUAL = frozenset(
    {"ascii", "latin_1", "cp874", "koi8_r", "koi8_u", "tis_620"}
    | {f"cp{n}" for n in range(1250, 1259)}
    | {f"iso8859_{n}" for n in range(2, 17)}
    | {f"utf_{bits}{order}" for bits in (16, 32) for order in ("", "_be", "_le")}
    | {"big5", "big5hkscs", "cp932", "cp949", "cp950", "euc_jp", "euc_jis_2004"}
    | {"euc_jisx0213", "euc_kr", "gb18030", "gb2312", "gbk", "iso2022_jp", "shift_jis"}
)
#: languages written in cp1252 (fastText codes): a tie between cp1252 and another code page
#: goes to cp1252 for these, or when the language is undetermined (it is the commonest)
_CP1252_LANGUAGES = frozenset(
    {"af", "br", "ca", "da", "de", "en", "es", "et", "eu", "fi", "fo", "fr", "ga", "gl", "id"}
    | {"is", "it", "la", "lb", "ms", "nl", "nn", "no", "oc", "pt", "rm", "sq", "sv", "sw"}
)
_FILE_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


class DecodeError(ValueError):
    """The bytes are not text we can read; ``args[0]`` is the user-facing reason."""


def too_large_reason(size: int, limit: int) -> str:
    return f"too large ({size:,} bytes > limit of {limit:,}; raise --max-mb to read it)"


def path_text(path: str | os.PathLike[str]) -> str:
    """A path as text that can be stored and printed anywhere (SQLite, JSON, a terminal).

    A file name that is not valid UTF-8 reaches Python with lone surrogates
    (``bad\\udcffname.txt``), which no UTF-8 encoder accepts; those bytes are
    written as ``\\xff`` instead. The file itself is still opened by its real path.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            raw = os.fsencode(text)
        except UnicodeEncodeError:  # a surrogate that surrogateescape did not make
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "backslashreplace")


def regular_file_reason(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (a FIFO, a socket, ...), None for a regular file.

    Opening a FIFO blocks until something writes to it, so this is decided from
    ``stat`` first. A symlink loop or a dangling link raises OSError here.
    """
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "special file")
    return f"not a regular file ({kind})"


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


def codec_name(encoding: str) -> str:
    """The Python codec of an encoding named by :func:`decode_bytes` (``"utf-8 (…)"`` → utf-8)."""
    return encoding.split(" ", 1)[0]


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 text with its few invalid byte sequences replaced by U+FFFD, else None.

    A UTF-8 file with one stray byte (a ``£`` typed in a Latin-1 editor) fails
    strict decoding, and charset-normalizer then picks a single-byte code page
    that turns every other non-ASCII character into mojibake. Losing one
    character is the lesser harm, so the bytes count as UTF-8 when there is at
    most one invalid sequence per 1,000 bytes (3 in a short file) and the valid
    multi-byte characters are at least as many: a Latin-1 file has almost none
    (``é`` followed by ASCII is never valid UTF-8), so it is still guessed below.
    """
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if invalid > max(3, len(data) // 1000) or non_ascii - invalid < invalid:
        return None
    plural = "s" if invalid > 1 else ""
    return text, f"utf-8 ({invalid} invalid byte sequence{plural} replaced)"


def _guess(data: bytes) -> tuple[str, str]:
    """charset-normalizer's guess among the usual encodings, cp1252 when it is as good.

    Its pick among code pages that all decode a short text cleanly rests on a
    language-coherence score that is noise for a few lines: a French paragraph
    in Latin-1 came out as cp775 (Baltic DOS) or cp1250 (``naïve`` → ``naďve``),
    a Russian one in cp1251 as mac_cyrillic. So exotic code pages only win when
    nothing usual fits, and cp1252 is taken when charset-normalizer finds it as
    coherent as its pick (within 0.01; a mess ratio up to 0.1 higher is the odd
    flagged pair, like ``éè``, in a short text) and the text it gives is in a
    language cp1252 is made for, or too short to tell. That language check is
    what keeps a Hungarian ``ő`` or a Polish ``ł`` (equally "clean" in cp1252 as
    ``õ`` and ``³``) in cp1250.
    """
    from charset_normalizer import from_bytes

    from narrascope.ingest._lang import detect_language

    matches = list(from_bytes(data))
    matches = [m for m in matches if _USUAL & set(m.could_be_from_charset)] or matches
    if not matches or matches[0].encoding is None:
        raise DecodeError("could not decode: not UTF-8 and no other encoding fits")
    best = matches[0]
    if "cp1252" in best.could_be_from_charset:  # the same text: name the commonest
        return str(best), "cp1252"
    if any(
        "cp1252" in m.could_be_from_charset
        and m.chaos <= best.chaos + 0.1
        and m.coherence >= best.coherence - 0.01
        for m in matches
    ):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:  # charset-normalizer only looked at parts of a long text
            pass
        else:
            if detect_language(text) in _CP1252_LANGUAGES | {"und"}:
                return text, "cp1252"
    name = next((e for e in best.could_be_from_charset if e in _USUAL), best.encoding)
    return str(best), codecs.lookup(name).name


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to text and name the encoding used.

    The name is a Python codec name, or ``"utf-8 (2 invalid byte sequences
    replaced)"`` for mostly-UTF-8 text (:func:`codec_name` gives its codec).
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
    return _mostly_utf8(data) or _guess(data)
