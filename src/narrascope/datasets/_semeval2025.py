"""Reader for SemEval-2025 Task 10 gold folders (narratives + entity framing).

Two layouts are accepted, because users get the data in both:

* the official release: ``<gold>/[LANG/]raw-documents/*.txt`` with
  ``subtask-N-annotations.txt`` beside ``raw-documents``;
* the shared training layout: ``<gold>/raw-documents/LANG/`` and
  ``<gold>/labels/LANG/subtask-N-annotations.txt`` (``lang`` required).

Subtask-1 offsets in the gold files are inclusive and count UTF-16 code units;
:class:`GoldMention` stores Python string offsets with an exclusive end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "GoldDocument",
    "GoldMention",
    "find_gold_layout",
    "load_semeval2025",
    "locate_mention",
    "py_to_utf16",
    "utf16_to_py",
]


@dataclass(slots=True)
class GoldMention:
    start: int  # python index, inclusive
    end: int  # python index, exclusive
    text: str
    main_role: str
    fine_roles: list[str]
    raw_start: int = 0  # as written in the gold file (UTF-16, inclusive)
    raw_end: int = 0


@dataclass(slots=True)
class GoldDocument:
    id: str
    text: str
    language: str
    narratives: list[str] = field(default_factory=list)
    subnarratives: list[str] = field(default_factory=list)
    has_narrative_gold: bool = False
    mentions: list[GoldMention] = field(default_factory=list)
    dominant: str = ""
    dominant_sub: str = ""
    explanation: str = ""


def utf16_to_py(text: str, offset: int, newline_units: int = 1) -> int:
    """Convert a UTF-16 code-unit offset into a Python string index.

    ``newline_units=2`` reads offsets computed on a CRLF copy of the text (some
    non-English gold files were annotated that way).
    """
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += (2 if ord(ch) > 0xFFFF else 1) + (newline_units - 1 if ch == "\n" else 0)
    return len(text)


def locate_mention(text: str, mention: str, raw_start: int) -> int:
    """Python start index of a gold mention, tolerant of the gold files' offset drift.

    Tries UTF-16 offsets, then CRLF-counted offsets, then the occurrence of the
    mention nearest to the stated offset; returns -1 when the text lacks it.
    """
    for newline_units in (1, 2):
        start = utf16_to_py(text, raw_start, newline_units)
        if text[start : start + len(mention)] == mention:
            return start
    best = -1
    i = text.find(mention)
    while i != -1:
        if best < 0 or abs(i - raw_start) < abs(best - raw_start):
            best = i
        i = text.find(mention, i + 1)
    return best


def py_to_utf16(text: str, index: int) -> int:
    """Convert a Python string index into a UTF-16 code-unit offset."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def find_gold_layout(gold: Path, lang: str | None = None) -> tuple[Path, Path]:
    """Return ``(raw_documents_dir, annotations_dir)`` for either layout."""
    gold = Path(gold)
    candidates: list[tuple[Path, Path]] = []
    if lang:
        candidates += [
            (gold / "raw-documents" / lang, gold / "labels" / lang),
            (gold / lang / "raw-documents", gold / lang),
        ]
    candidates.append((gold / "raw-documents", gold))
    for raw, ann in candidates:
        if raw.is_dir():
            return raw, ann
    hint = " (pass --lang for the raw-documents/LANG + labels/LANG layout)" if not lang else ""
    raise FileNotFoundError(f"{gold}: no raw-documents folder found{hint}")


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


def load_semeval2025(gold: Path, lang: str | None = None) -> list[GoldDocument]:
    """Load every document of a gold folder with whatever annotations exist beside it."""
    raw_dir, ann_dir = find_gold_layout(gold, lang)
    docs: dict[str, GoldDocument] = {}
    for path in sorted(raw_dir.glob("*.txt")):
        language = lang or path.name.split("_", 1)[0]
        docs[path.name] = GoldDocument(id=path.name, text=_read(path), language=language)

    st2 = ann_dir / "subtask-2-annotations.txt"
    if st2.exists():
        for line in _read(st2).splitlines():
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0] not in docs:
                continue
            doc = docs[parts[0]]
            doc.narratives = [x.strip() for x in parts[1].split(";") if x.strip()]
            doc.subnarratives = [x.strip() for x in parts[2].split(";") if x.strip()]
            doc.has_narrative_gold = True

    st1 = ann_dir / "subtask-1-annotations.txt"
    if st1.exists():
        for line in _read(st1).splitlines():
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 6 or parts[0] not in docs:
                continue
            doc = docs[parts[0]]
            raw_start, raw_end = int(parts[2]), int(parts[3])
            start = locate_mention(doc.text, parts[1], raw_start)
            if start < 0:
                continue
            end = start + len(parts[1])
            doc.mentions.append(
                GoldMention(
                    start=start,
                    end=end,
                    text=parts[1],
                    main_role=parts[4].strip(),
                    fine_roles=[r.strip() for r in parts[5:] if r.strip()],
                    raw_start=raw_start,
                    raw_end=raw_end,
                )
            )

    st3 = ann_dir / "subtask-3-annotations.txt"
    if st3.exists():
        for line in _read(st3).splitlines():
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or parts[0] not in docs:
                continue
            doc = docs[parts[0]]
            doc.dominant, doc.dominant_sub, doc.explanation = parts[1], parts[2], parts[3]
    return list(docs.values())
