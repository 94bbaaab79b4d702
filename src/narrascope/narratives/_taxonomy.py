"""The SemEval-2025 Task 10 narrative taxonomy as data, and the label-set rules.

The labels (21 narratives incl. ``Other``, 95 sub-narratives incl. the
``<narrative>: Other`` fall-backs) and our own one-line descriptions live in
``taxonomy.tsv`` beside this module, so that the UI and the classifier read the
same text, and so that editing a description needs no code change.

Rules of the label set (SemEval subtask 2): a sub-narrative implies its
narrative; a narrative predicted without any of its sub-narratives is reported
with ``<narrative>: Other``; an article with no narrative is ``Other``/``Other``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DOMAINS",
    "OTHER",
    "Taxonomy",
    "domain_of",
    "enforce_hierarchy",
    "load_taxonomy",
    "parent_of",
]

OTHER = "Other"
#: Topic prefixes of the labels; ``Other`` for articles outside both topics.
DOMAINS = ("URW", "CC")
TAXONOMY_PATH = Path(__file__).resolve().parent / "taxonomy.tsv"


def domain_of(label: str) -> str:
    """``URW``/``CC`` from a label's prefix, ``Other`` for the ``Other`` label."""
    prefix = label.split(":", 1)[0]
    return prefix if prefix in DOMAINS else OTHER


def parent_of(sub: str) -> str:
    """The narrative a sub-narrative belongs to (``Other`` for ``Other``)."""
    if sub == OTHER:
        return OTHER
    domain, narrative, _rest = [*sub.split(": ", 2), "", ""][:3]
    return f"{domain}: {narrative}"


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Narratives, sub-narratives and their descriptions (``descriptions[label]``)."""

    narratives: tuple[str, ...]
    subnarratives: tuple[str, ...]
    descriptions: dict[str, str]

    def children(self, narrative: str) -> list[str]:
        """Sub-narratives of ``narrative`` (its ``: Other`` fall-back included)."""
        return [s for s in self.subnarratives if s != OTHER and parent_of(s) == narrative]

    def short(self, label: str) -> str:
        """The label without its domain prefix (for display)."""
        return label.split(": ", 1)[1] if ": " in label else label


@lru_cache(maxsize=2)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Read ``taxonomy.tsv``: ``level<TAB>label<TAB>description`` per line."""
    narratives: list[str] = []
    subs: list[str] = []
    desc: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        level, label, description = line.split("\t")
        (narratives if level == "narrative" else subs).append(label)
        desc[label] = description
    return Taxonomy(tuple(narratives), tuple(subs), desc)


def enforce_hierarchy(
    narratives: Iterable[str], subnarratives: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Make a predicted label set consistent, in the official paired form.

    Returns ``(narratives, subnarratives)`` of equal length (pairs by position,
    a narrative repeated once per sub-narrative): every sub-narrative adds its
    narrative, a narrative without sub-narrative gets ``<narrative>: Other``,
    ``Other`` only when nothing else is left.
    """
    subs = sorted({s for s in subnarratives if s != OTHER})
    nars = {n for n in narratives if n != OTHER} | {parent_of(s) for s in subs}
    pairs: list[tuple[str, str]] = [(parent_of(s), s) for s in subs]
    covered = {n for n, _ in pairs}
    pairs += [(n, f"{n}: Other") for n in sorted(nars - covered)]
    if not pairs:
        return [OTHER], [OTHER]
    pairs.sort()
    return [n for n, _ in pairs], [s for _, s in pairs]
