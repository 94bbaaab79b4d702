"""Reading gold files: one error type whose message names the file and says what is wrong.

Gold folders come from elsewhere (a download, a colleague's export, a converted
copy). A file in the wrong encoding, a binary file named ``.txt`` or a directory
where a file belongs must end an evaluation with ``path: reason``, not with a
traceback from deep inside the reader.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from narrascope.errors import NarrascopeError

__all__ = ["GoldFileError", "read_gold_text"]


class GoldFileError(NarrascopeError, ValueError):
    """A gold folder or file cannot be used; ``str()`` is ``path: reason``.

    A ValueError as well, so callers that caught ValueError for a bad gold
    folder keep working.
    """


def read_gold_text(path: Path) -> str:
    """The text of a gold file (UTF-8, newlines kept as written), or GoldFileError.

    Offsets in the gold files index this text, so it is never guessed from
    another encoding: UTF-16 and other encodings are refused by name.
    """
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise GoldFileError(f"{path}: a directory, expected a text file") from None
    except OSError as exc:
        raise GoldFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise GoldFileError(f"{path}: UTF-16 text; gold files must be UTF-8 (convert it)")
    if b"\x00" in data:
        raise GoldFileError(f"{path}: binary data (NUL bytes), expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GoldFileError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
