"""Reader for the Propaganda Techniques Corpus layout (SemEval-2020 Task 11).

Why a tolerant reader: the same evaluation must run on ``train-*``, ``dev-*`` or any other split
prefix, and the gold labels come either as one ``*-task-flc-tc.labels`` file or as a folder of
per-article label files. Offsets in PTC are Python character offsets, ``end`` exclusive, into the
article text as stored (read with ``newline=""`` so that CRLF files keep their offsets).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GoldSpan", "PtcArticle", "load_ptc", "merge_spans"]

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


def _read_labels(folder: Path, task: str) -> dict[str, list[GoldSpan]]:
    """Labels of ``task`` ("flc-tc" or "si") from a ``*-task-<task>.labels`` file or folder."""
    out: dict[str, list[GoldSpan]] = defaultdict(list)
    files = sorted(folder.glob(f"*-task-{task}.labels"))
    if not files:
        files = sorted(
            p
            for d in folder.glob(f"*-labels-task-{task}")
            if d.is_dir()
            for p in d.glob("*.labels")
        )
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.strip().split("\t")
            if len(parts) < 3:
                continue
            if task == "si":
                art, start, end, tech = parts[0], parts[1], parts[2], ""
            else:
                if len(parts) < 4:
                    continue
                art, tech, start, end = parts[0], parts[1], parts[2], parts[3]
            out[art].append(GoldSpan(int(start), int(end), tech))
    return out


def load_ptc(folder: Path) -> list[PtcArticle]:
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
    tc = _read_labels(root, "flc-tc")
    si = _read_labels(root, "si")
    articles: list[PtcArticle] = []
    for adir in article_dirs:
        for path in sorted(adir.glob("article*.txt")):
            match = _ARTICLE_ID.match(path.stem)
            if not match:
                continue
            art_id = match.group(1)
            with path.open(encoding="utf-8", newline="") as fh:
                text = fh.read()
            techniques = sorted(tc.get(art_id, []), key=lambda s: (s.start, s.end))
            spans = si.get(art_id) or [GoldSpan(s.start, s.end) for s in techniques]
            articles.append(PtcArticle(art_id, text, techniques, merge_spans(spans)))
    return articles


def merge_spans(spans: list[GoldSpan]) -> list[GoldSpan]:
    """Overlapping or touching spans merged into one (SI is a binary, non-overlapping task)."""
    merged: list[GoldSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            merged[-1].end = max(merged[-1].end, span.end)
        else:
            merged.append(GoldSpan(span.start, span.end))
    return merged
