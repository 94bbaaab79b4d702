"""Reader for SemEval-2025 Task 10 gold folders (narratives + entity framing).

Two layouts are accepted, because users get the data in both:

* the official release: ``<gold>/[LANG/]raw-documents/*.txt`` with
  ``subtask-N-annotations.txt`` beside ``raw-documents``;
* the shared training layout: ``<gold>/raw-documents/LANG/`` and
  ``<gold>/labels/LANG/subtask-N-annotations.txt`` (``lang`` required).

Subtask-1 offsets in the gold files are inclusive and count UTF-16 code units;
:class:`GoldMention` stores Python string offsets with an exclusive end.

The language of a document comes from ``--lang``, else from a language folder on
its path (``EN/raw-documents``), else from its text. Never from the file-name
prefix: the official test files are named ``CC_TEST_…`` and ``RU_TEST_…`` for
*English* articles. Annotation lines that cannot be used (too few columns, an
unknown document, offsets that are not numbers, negative or beyond the text, an
empty mention, a mention the text lacks, a repeated key, a role or narrative
outside the task's taxonomy) are skipped and listed in :attr:`GoldSet.skipped`,
so that a scorer can say how much of the gold it did not score; an unknown label
on a line that has known ones costs that label only. A file that cannot be read
as UTF-8 text raises :class:`GoldFileError` naming it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from narrascope.datasets._files import GoldFileError, read_gold_text
from narrascope.document import nearest_occurrence

__all__ = [
    "RELEASE_LANGUAGES",
    "GoldDocument",
    "GoldMention",
    "GoldSet",
    "find_gold_layout",
    "load_semeval2025",
    "locate_mention",
    "py_to_utf16",
    "utf16_to_py",
]


#: the languages of the SemEval-2025 Task 10 releases, as their folders are named
RELEASE_LANGUAGES: tuple[str, ...] = ("BG", "EN", "HI", "PT", "RU")


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
    return nearest_occurrence(text, mention, raw_start)


def py_to_utf16(text: str, index: int) -> int:
    """Convert a Python string index into a UTF-16 code-unit offset."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def find_gold_layout(gold: Path, lang: str | None = None) -> tuple[Path, Path]:
    """Return ``(raw_documents_dir, annotations_dir)`` for either layout.

    A ``lang`` that contradicts the folder (``--gold data/EN --lang BG``) is an
    error rather than a silently mislabelled run.
    """
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
            folder = _folder_language(raw)
            if lang and folder and folder != lang.upper():
                raise GoldFileError(
                    f"{gold}: --lang {lang} but the documents are in a {folder} folder"
                )
            if lang and raw == gold / "raw-documents" and not any(raw.glob("*.txt")):
                # the shared layout, for other languages only: say which there are
                here = sorted(p.name for p in raw.iterdir() if p.is_dir())
                raise GoldFileError(
                    f"{gold}: no raw-documents/{lang} folder"
                    + (f" (languages here: {', '.join(here)})" if here else "")
                )
            return raw, ann
    hint = " (pass --lang for the raw-documents/LANG + labels/LANG layout)" if not lang else ""
    if gold.exists() and not gold.is_dir():
        raise GoldFileError(f"{gold}: a file, expected the gold folder")
    raise FileNotFoundError(f"{gold}: no raw-documents folder found{hint}")


def _folder_language(raw_dir: Path) -> str | None:
    """The release language a folder names (``raw-documents/EN`` or ``EN/raw-documents``)."""
    for name in (raw_dir.name, raw_dir.parent.name):
        if name.upper() in RELEASE_LANGUAGES:
            return name.upper()
    return None


def _read(path: Path) -> str:
    return read_gold_text(path)


@lru_cache(maxsize=1)
def _labels() -> tuple[frozenset[str], Mapping[str, Collection[str]]]:
    """The task's narrative/sub-narrative labels and its roles (main role → fine roles).

    Imported here, not at module level: they live with the stages that predict them.
    """
    from narrascope.framing._model import FINE_ROLES
    from narrascope.narratives._taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    return frozenset((*taxonomy.narratives, *taxonomy.subnarratives)), FINE_ROLES


def _utf16_limit(text: str) -> int:
    """One past the largest offset a gold line may give (UTF-16 units, CRLF counted)."""
    return py_to_utf16(text, len(text)) + text.count("\n")


class GoldSet(list[GoldDocument]):
    """The documents of a gold folder, plus what of its annotations could not be used."""

    def __init__(self, docs: list[GoldDocument], annotations: Path) -> None:
        super().__init__(docs)
        #: the folder the ``subtask-N-annotations.txt`` files were looked for in
        self.annotations = annotations
        #: ``"subtask-1-annotations.txt:12: reason"`` for every line that was skipped
        self.skipped: list[str] = []

    def annotation_file(self, subtask: int) -> Path:
        return self.annotations / f"subtask-{subtask}-annotations.txt"


def load_semeval2025(gold: Path, lang: str | None = None) -> GoldSet:
    """Load every document of a gold folder with whatever annotations exist beside it."""
    raw_dir, ann_dir = find_gold_layout(gold, lang)
    language = lang.upper() if lang else _folder_language(raw_dir)
    docs: dict[str, GoldDocument] = {}
    for path in sorted(raw_dir.glob("*.txt")):
        text = _read(path)
        docs[path.name] = GoldDocument(
            id=path.name, text=text, language=language or _detected(text)
        )
    result = GoldSet(list(docs.values()), ann_dir)

    narrative_labels, roles = _labels()
    for number, path, parts in _lines(result.annotation_file(2), 3, docs, result.skipped):
        doc = docs[parts[0]]
        where = f"{path.name}:{number}"
        if doc.has_narrative_gold:
            result.skipped.append(f"{where}: a second line for {parts[0]}")
            continue
        labels = [[x.strip() for x in part.split(";") if x.strip()] for part in parts[1:3]]
        unknown = [x for x in (*labels[0], *labels[1]) if x not in narrative_labels]
        result.skipped.extend(f"{where}: unknown label {x!r}" for x in unknown)
        known = [[x for x in group if x in narrative_labels] for group in labels]
        if unknown and not known[0] and not known[1]:
            continue  # nothing usable on the line: the document has no gold, not "Other"
        doc.narratives, doc.subnarratives = known
        doc.has_narrative_gold = True

    seen: dict[tuple[str, int, int], int] = {}
    for number, path, parts in _lines(result.annotation_file(1), 6, docs, result.skipped):
        where = f"{path.name}:{number}"
        doc = docs[parts[0]]
        try:
            raw_start, raw_end = int(parts[2]), int(parts[3])
        except ValueError:
            result.skipped.append(f"{where}: offsets {parts[2]!r}, {parts[3]!r} are not numbers")
            continue
        if raw_start < 0 or raw_end < raw_start or raw_start >= _utf16_limit(doc.text):
            result.skipped.append(f"{where}: offsets {raw_start}, {raw_end} are outside {parts[0]}")
            continue
        if not parts[1].strip():
            result.skipped.append(f"{where}: empty mention")
            continue
        main_role = parts[4].strip()
        if main_role not in roles:
            result.skipped.append(f"{where}: unknown main role {main_role!r}")
            continue
        fine_roles = [r.strip() for r in parts[5:] if r.strip()]
        unknown = [r for r in fine_roles if r not in roles[main_role]]
        result.skipped.extend(f"{where}: unknown {main_role} role {r!r}" for r in unknown)
        fine_roles = [r for r in fine_roles if r in roles[main_role]]
        if unknown and not fine_roles:
            continue
        key = (parts[0], raw_start, raw_end)
        if key in seen:
            result.skipped.append(f"{where}: repeats line {seen[key]} (same document and span)")
            continue
        seen[key] = number
        start = locate_mention(doc.text, parts[1], raw_start)
        if start < 0:
            result.skipped.append(f"{where}: {parts[1]!r} is not in {parts[0]}")
            continue
        doc.mentions.append(
            GoldMention(
                start=start,
                end=start + len(parts[1]),
                text=parts[1],
                main_role=main_role,
                fine_roles=fine_roles,
                raw_start=raw_start,
                raw_end=raw_end,
            )
        )

    for _, _, parts in _lines(result.annotation_file(3), 4, docs, result.skipped):
        doc = docs[parts[0]]
        doc.dominant, doc.dominant_sub, doc.explanation = parts[1], parts[2], parts[3]
    return result


def _lines(
    path: Path, columns: int, docs: dict[str, GoldDocument], skipped: list[str]
) -> Iterator[tuple[int, Path, list[str]]]:
    """(line number, file, fields) of the usable lines of an annotation file, if it exists."""
    if not path.exists():
        return
    if path.is_dir():
        raise GoldFileError(f"{path}: a directory, expected a text file")
    for number, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) < columns:
            skipped.append(f"{path.name}:{number}: {len(parts)} fields, expected {columns}")
        elif parts[0] not in docs:
            skipped.append(f"{path.name}:{number}: no raw document {parts[0]!r}")
        else:
            yield number, path, parts


def _detected(text: str) -> str:
    """The language of a document no folder names, from its text (``UND`` if unsure)."""
    from narrascope.ingest._lang import detect_language

    return detect_language(text).upper()
