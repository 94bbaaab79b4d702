"""Build the actor lists that stand in for NER in BG, HI, PT and RU, and cross-validate them.

No named-entity model for these languages installs from PyPI (``../shared/MODELS.md``),
so without one the framing stage had nothing to frame there. The subtask-1 gold of
each language names the actors its articles are about, and they recur: Russia,
Ukraine, Putin, Zelensky, NATO, the West … in every inflected form. This script
groups the gold mention strings of a language by their stems (Slavic and
Portuguese case endings cut; see :func:`narrascope.nlp.stem`), keeps the most
frequent spelling as the actor's name, and writes the lists (names only, ~1,400 in
all, never the texts) to ``src/narrascope/nlp/data/actors.json`` with
``ACTORS.md`` beside it::

    .venv/bin/python training/actors.py

CV: 5 folds grouped by document (seed 13, as the framing scripts): the lists are
built from four folds and matched on the fifth's raw text; *recall* is the share of
held-out gold mentions overlapped by a found mention, *precision* the share of
found mentions overlapping a gold one. The gold marks only the actors an article
frames, so precision is a lower bound (a found "Kyiv" the annotators did not frame
counts as wrong). Deterministic.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from narrascope.datasets import GoldDocument, load_semeval2025
from narrascope.nlp import ActorMatcher, build_actors
from narrascope.nlp._actors import prune_actors

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "semeval2025-task10" / "train"
OUT = ROOT / "src" / "narrascope" / "nlp" / "data"
LANGS = ("BG", "HI", "PT", "RU")
SEED = 13
#: (min_docs, min_share) variants cross-validated, and the one shipped
VARIANTS = ((1, 0.0), (1, 0.05), (1, 0.1), (1, 0.2), (2, 0.1))
SHIPPED = (1, 0.05)


def gold_docs(lang: str) -> list[GoldDocument]:
    return [d for d in load_semeval2025(DATA, lang) if d.mentions]


def names(docs: list[GoldDocument]) -> Counter[str]:
    """Gold mention strings, counted once per document (a name repeated in one article
    is no more of an actor for it)."""
    out: Counter[str] = Counter()
    for d in docs:
        out.update({d.text[m.start : m.end].strip() for m in d.mentions})
    return out


def score(lang: str, actors: list[dict], docs: list[GoldDocument]) -> tuple[int, int, int, int]:
    """(gold mentions found, gold mentions, found mentions on gold, found mentions)."""
    matcher = ActorMatcher(actors, lang.lower())
    hit = n_gold = on_gold = n_found = 0
    for d in docs:
        found = [(s, e) for s, e, _ in matcher.find(d.text)]
        gold = [(m.start, m.end) for m in d.mentions]
        n_gold += len(gold)
        n_found += len(found)
        hit += sum(any(s < fe and fs < e for fs, fe in found) for s, e in gold)
        on_gold += sum(any(s < ge and gs < e for gs, ge in gold) for s, e in found)
    return hit, n_gold, on_gold, n_found


def actor_list(lang: str, docs: list[GoldDocument], min_docs: int, min_share: float) -> list:
    actors = build_actors(names(docs), lang.lower(), min_docs)
    return prune_actors(actors, [d.text for d in docs], lang.lower(), min_share)


def cross_validate(
    lang: str, docs: list[GoldDocument], min_docs: int, min_share: float
) -> dict[str, float]:
    perm = np.random.default_rng(SEED).permutation(len(docs))
    totals = np.zeros(4)
    for tr, te in GroupKFold(5).split(np.zeros(len(docs)), groups=perm):
        actors = actor_list(lang, [docs[i] for i in tr], min_docs, min_share)
        totals += score(lang, actors, [docs[i] for i in te])
    hit, n_gold, on_gold, n_found = totals
    return {
        "recall": hit / n_gold,
        "precision_lower_bound": on_gold / max(n_found, 1),
        "gold_mentions": int(n_gold),
        "found_mentions": int(n_found),
    }


def main() -> None:
    started = time.time()
    out: dict[str, list[dict]] = {}
    results: dict[str, dict[str, dict[str, float]]] = {}
    for lang in LANGS:
        docs = gold_docs(lang)
        results[lang] = {
            f"min_docs={k}, min_share={r}": cross_validate(lang, docs, k, r) for k, r in VARIANTS
        }
        out[lang.lower()] = actor_list(lang, docs, *SHIPPED)
        print(lang, len(out[lang.lower()]), json.dumps(results[lang]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "actors.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    write_card(results, {k: len(v) for k, v in out.items()}, path.stat().st_size)
    print(f"wrote {path} in {time.time() - started:.0f}s")


def write_card(results: dict, sizes: dict[str, int], size: int) -> None:
    lines = [
        "# actor lists (`actors.json`)",
        "",
        "Stand-in for named-entity recognition in BG, HI, PT and RU (no NER model for them",
        "installs offline): the names the SemEval-2025 Task 10 subtask-1 gold frames, grouped",
        "by stems so that inflected forms (России / Россия / Россию) are one actor.",
        "",
        "- **Training data**: `../shared/data/semeval2025-task10/train/<LANG>` subtask-1",
        "  mention strings (names only).",
        "- **Command**: `.venv/bin/python training/actors.py`",
        f"- **Size**: {size / 1e3:.0f} kB; actors per language: "
        + ", ".join(f"{k.upper()} {v}" for k, v in sizes.items())
        + ".",
        "",
        "## 5-fold CV (grouped by document, seed 13): lists from 4 folds, matched on the 5th",
        "",
        "| language | variant | recall of gold mentions | precision (lower bound) "
        "| gold mentions | found |",
        "|---|---|---|---|---|---|",
    ]
    for lang, rows in results.items():
        for name, r in rows.items():
            lines.append(
                f"| {lang} | {name} | {r['recall']:.3f} | {r['precision_lower_bound']:.3f} "
                f"| {r['gold_mentions']} | {r['found_mentions']} |"
            )
    lines += [
        "",
        "`min_docs`: how many training articles must frame an actor for it to be listed;",
        "`min_share`: an actor is dropped when the articles framing it are fewer than this",
        "share of the articles the matcher finds it in (a common word framed once). Shipped:",
        f"`min_docs={SHIPPED[0]}, min_share={SHIPPED[1]}` (recall matters more: the framing",
        "stage still decides, from each actor's mentions, whether it is framed or merely",
        "mentioned). Precision is a lower bound: the gold marks only the actors an article",
        "frames, not every name.",
        "",
        "What this cannot do: find actors no training article names (a new minister, a",
        "local mayor). English uses spaCy's NER instead and is not affected.",
    ]
    (OUT / "ACTORS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
