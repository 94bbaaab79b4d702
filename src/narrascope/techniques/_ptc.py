"""Reader for the Propaganda Techniques Corpus layout (SemEval-2020 Task 11).

Why a tolerant reader: the same evaluation must run on ``train-*``, ``dev-*`` or any other split
prefix, and the gold labels come either as one ``*-task-flc-tc.labels`` file or as a folder of
per-article label files. Offsets in PTC are Python character offsets, ``end`` exclusive, into the
article text as stored (newlines kept as written, so that CRLF files keep their offsets).

Label lines that cannot be used (too few fields, offsets that are not numbers, empty or outside
the article, a technique outside the 14 classes, an article that is not in the folder) are
skipped and listed in :attr:`PtcSet.skipped`, so a score never silently covers less gold than
the files hold; a file that is not UTF-8 text raises ``GoldFileError`` naming it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from narrascope.datasets import GoldFileError, read_gold_text

__all__ = ["GoldSpan", "PtcArticle", "PtcSet", "load_ptc", "merge_spans"]

_ARTICLE_ID = re.compile(r"article(\d+)")


@dataclass(slots=True)
class GoldSpan:
    """One gold technique span (``technique`` is empty for span-only SI labels)."""

    start: int
    end: int
    technique: str = ""


@dataclass(slots=True)
class PtcArticle:
    """An article with its technique spans (TC) and its merged propaganda spans (SI)."""

    id: str
    text: str
    techniques: list[GoldSpan] = field(default_factory=list)
    spans: list[GoldSpan] = field(default_factory=list)


class PtcSet(list[PtcArticle]):
    """The articles of a PTC folder, plus the label lines that could not be used."""

    def __init__(self, articles: list[PtcArticle], skipped: list[str]) -> None:
        super().__init__(articles)
        #: ``"train-task-si.labels:12: reason"`` for every label line that was skipped
        self.skipped = skipped


def _read_labels(
    folder: Path, task: str, skipped: list[str]
) -> dict[str, list[tuple[GoldSpan, str]]]:
    """Labels of ``task`` ("flc-tc" or "si") from a ``*-task-<task>.labels`` file or folder.

    Each span comes with ``file:line`` so that one the article cannot hold is reported there.
    """
    from narrascope.techniques._definitions import TECHNIQUES

    out: dict[str, list[tuple[GoldSpan, str]]] = defaultdict(list)
    files = sorted(folder.glob(f"*-task-{task}.labels"))
    if not files:
        files = sorted(
            p
            for d in folder.glob(f"*-labels-task-{task}")
            if d.is_dir()
            for p in d.glob("*.labels")
        )
    for path in files:
        if path.is_dir():
            raise GoldFileError(f"{path}: a directory, expected a text file")
        for number, line in enumerate(read_gold_text(path).splitlines(), 1):
            where = f"{path.name}:{number}"
            parts = line.strip().split("\t")
            if not line.strip():
                continue
            if len(parts) < (3 if task == "si" else 4):
                skipped.append(f"{where}: {len(parts)} fields, expected {3 if task == 'si' else 4}")
                continue
            if task == "si":
                art, start, end, tech = parts[0], parts[1], parts[2], ""
            else:
                art, tech, start, end = parts[0], parts[1], parts[2], parts[3]
                if tech not in TECHNIQUES:
                    skipped.append(f"{where}: unknown technique {tech!r}")
                    continue
            try:
                span = GoldSpan(int(start), int(end), tech)
            except ValueError:
                skipped.append(f"{where}: offsets {start!r}, {end!r} are not numbers")
                continue
            out[art].append((span, where))
    return out


def _usable(
    spans: list[tuple[GoldSpan, str]], art_id: str, text: str, skipped: list[str]
) -> list[GoldSpan]:
    """The spans that lie inside the article and are not empty; the others are skipped."""
    kept = []
    for span, where in spans:
        if 0 <= span.start < span.end <= len(text):
            kept.append(span)
        else:
            skipped.append(
                f"{where}: offsets {span.start}, {span.end} are outside article {art_id}"
            )
    return kept


def load_ptc(folder: Path) -> PtcSet:
    """Every article of a PTC-layout folder with its gold spans, sorted by id.

    ``folder`` holds one ``*-articles/`` directory (whatever the prefix) next to the label files
    or folders; passing the articles directory itself also works when the labels sit beside it.
    """
    folder = Path(folder)
    if folder.name.endswith("-articles") and folder.is_dir():
        article_dirs, root = [folder], folder.parent
    else:
        article_dirs, root = sorted(d for d in folder.glob("*-articles") if d.is_dir()), folder
    if not article_dirs:
        raise FileNotFoundError(f"no '*-articles/' folder in {folder}")
    skipped: list[str] = []
    tc = _read_labels(root, "flc-tc", skipped)
    si = _read_labels(root, "si", skipped)
    articles: list[PtcArticle] = []
    for adir in article_dirs:
        for path in sorted(adir.glob("article*.txt")):
            match = _ARTICLE_ID.match(path.stem)
            if not match:
                continue
            art_id = match.group(1)
            text = read_gold_text(path)
            techniques = _usable(tc.pop(art_id, []), art_id, text, skipped)
            techniques.sort(key=lambda s: (s.start, s.end))
            spans = _usable(si.pop(art_id, []), art_id, text, skipped)
            spans = spans or [GoldSpan(s.start, s.end) for s in techniques]
            articles.append(PtcArticle(art_id, text, techniques, merge_spans(spans)))
    for labels in (tc, si):  # what is left names articles the folder does not have
        for art_id, spans in labels.items():
            skipped.extend(f"{where}: no article {art_id!r}" for _, where in spans)
    return PtcSet(articles, skipped)


def merge_spans(spans: list[GoldSpan]) -> list[GoldSpan]:
    """Overlapping or touching spans merged into one (SI is a binary, non-overlapping task)."""
    merged: list[GoldSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            merged[-1].end = max(merged[-1].end, span.end)
        else:
            merged.append(GoldSpan(span.start, span.end))
    return merged
