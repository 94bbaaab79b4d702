"""Train the ``framing`` model (SemEval-2025 Task 10 subtask 1) and cross-validate it.

Reads the shared training gold by path (never copied), builds the mention
features with the same code the stage runs (``narrascope.framing._features``
on a ``Document`` whose sentences come from ``narrascope.nlp.split_sentences``),
reports 5-fold cross-validation grouped by document (mentions of one article
never straddle folds), per language and for English beside the majority
baseline, runs the ablations, and writes the artefact and ``MODEL_CARD.md``::

    OMP_NUM_THREADS=1 .venv/bin/python training/framing.py            # CV + ablation + save
    OMP_NUM_THREADS=1 .venv/bin/python training/framing.py --quick    # CV of the default only

Deterministic: the folds come from a seeded ``GroupKFold`` shuffle and the
solvers (lbfgs) are deterministic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import joblib
import numpy as np
from _folds import grouped_folds

from narrascope.datasets import load_semeval2025
from narrascope.document import Document
from narrascope.framing._features import mention_features
from narrascope.framing._model import FramingModel
from narrascope.nlp import split_sentences
from narrascope.scoring import score_framing

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "semeval2025-task10"
OUT = ROOT / "src" / "narrascope" / "framing" / "models"
LANGS = ("EN", "BG", "HI", "PT", "RU")


def load(
    langs: tuple[str, ...],
) -> tuple[list[dict[str, str]], list[tuple[str, list[str]]], list[str], list[str]]:
    """Feature dicts, labels, document groups and languages of every gold mention."""
    X: list[dict[str, str]] = []
    y: list[tuple[str, list[str]]] = []
    groups: list[str] = []
    langs_out: list[str] = []
    for lang in langs:
        for gdoc in load_semeval2025(DATA / "train", lang):
            if not gdoc.mentions:
                continue
            doc = Document(id=gdoc.id, text=gdoc.text, language=lang.lower())
            doc.sentences = split_sentences(gdoc.text, lang.lower())
            for m in gdoc.mentions:
                X.append(mention_features(doc, m.start, m.end).as_dict())
                y.append((m.main_role, list(m.fine_roles)))
                groups.append(gdoc.id)
                langs_out.append(lang)
    return X, y, groups, langs_out


def cross_validate(
    params: dict, X: list, y: list, groups: list[str], langs: list[str], train_langs: set[str]
) -> dict[str, dict[str, float]]:
    """Out-of-fold predictions of every mention (trained on ``train_langs``), per language."""
    n = len(X)
    pred: list[tuple[str, list[str]] | None] = [None] * n
    fold = grouped_folds(groups, 5)
    for k in range(5):
        train_idx, test_idx = np.where(fold != k)[0], np.where(fold == k)[0]
        tr = [i for i in train_idx if langs[i] in train_langs]
        model = FramingModel(**params).fit([X[i] for i in tr], [y[i] for i in tr])
        for i, p in zip(test_idx, model.predict_roles([X[i] for i in test_idx]), strict=True):
            pred[i] = (p.main_role, [f for f, _ in p.fine_roles])
    out: dict[str, dict[str, float]] = {}
    for lang in sorted(set(langs)):
        idx = [i for i in range(n) if langs[i] == lang]
        out[lang] = score_framing([pred[i] for i in idx], [y[i] for i in idx])  # type: ignore[misc]
    return out


def majority(y: list, langs: list[str], lang: str) -> dict[str, float]:
    """Scores of always answering the language's most frequent main role + fine role."""
    idx = [i for i in range(len(y)) if langs[i] == lang]
    main = Counter(y[i][0] for i in idx).most_common(1)[0][0]
    fine = Counter(f for i in idx if y[i][0] == main for f in y[i][1]).most_common(1)[0][0]
    return score_framing([(main, [fine])] * len(idx), [y[i] for i in idx])


ABLATIONS: dict[str, dict[str, float]] = {
    "- mention name (word + char)": {"mention": 0},
    "- near context (left, right)": {"left": 0, "right": 0},
    "- sentence words": {"sentence": 0},
    "- document words": {"document": 0},
    "- article side x name": {"side": 0},
    "- other occurrences of the name": {"entity_context": 0},
    "- valence lexicon + embeddings (dense)": {"dense": 0},
}


GAP_NOTE = [
    "## Where this stands",
    "",
    "Below the issue's floor (EN main-role accuracy >= 0.82, EMR >= 0.35) and far from the goal",
    "(0.94 / 0.50): on English the model is 2 points above always answering Antagonist, and",
    "every feature group moves EN accuracy by less than the fold noise (~±1.5 points); the",
    "fine-role EMR gain over the baseline (0.10 -> 0.23) is real. The other languages, where the",
    "classes are more balanced, gain 6-32 points over the majority. What the lexical and",
    "static-embedding features cannot see is *stance towards this entity in this article*.",
    "",
    "Tried on English and measured with the same document-grouped 5-fold CV (experiments, not",
    "shipped): MiniLM-L6 fine-tuned with entity markers on CPU (fold 0: 0.681, below the",
    "majority's 0.703); multilingual USE vectors of the sentence, the masked sentence, the",
    'name and its other mentions + LR (0.703 at best); oracle bounds of a "which side is the',
    'entity on" approach (side x gold narratives 0.694; side x the gold roles of the other',
    "entities in the article 0.749) — stance by side cannot reach the floor. The best result is",
    "the **local-LLM probe** (`PROBE_CARD.md`, backend `narrascope.framing.probe.v1`): main-role",
    "accuracy 0.808, EMR 0.277, micro F1 0.311 at ~13 s per article; stacking this model's",
    "probabilities onto it adds nothing (0.80). Closing the rest needs a larger instruction",
    "model or a GPU fine-tune of an entity-marked multilingual encoder (XLM-R) exported to ONNX.",
    "",
    "Run time (bench/framing_speed.py, 40 EN test articles, 1 thread, ~30 NER mentions",
    "per article): ~60 ms per article added after the nlp stage; model load ~1.7 s.",
]


def _fmt(s: dict[str, float]) -> str:
    return (
        f"{s['main_role_accuracy']:.3f} | {s['emr']:.3f} | {s['micro_f1']:.3f} | "
        f"{int(s['n_mentions'])}"
    )


def write_card(path: Path, results: dict, baselines: dict, params: dict, size: int) -> None:
    """MODEL_CARD.md: data, command, cross-validated scores, ablation."""
    default = results["default"]
    lines = [
        "# framing model (`framing-v1.joblib`)",
        "",
        "SemEval-2025 Task 10 subtask 1 (entity framing): main role (Protagonist / Antagonist /",
        "Innocent) and fine roles (22, taxonomy `entity-roles.tsv`) of an entity mention.",
        "",
        "- **Method**: `FramingModel` — TF-IDF fields (mention words + character n-grams,",
        "  8 words either side, sentence, whole article, article side x name, windows around",
        "  the name's other occurrences) + dense features (VADER valence of the context,",
        "  the bundled model2vec embedding of the context) -> multinomial logistic regression",
        "  for the main role, one-vs-rest logistic regressions for fine roles restricted to",
        "  the predicted main role's list (best one + those within",
        f"  {params.get('fine_threshold', 0.6)}x of it).",
        f"- **Parameters**: `{json.dumps(params)}`",
        "- **Training data**: `../shared/data/semeval2025-task10/train`, subtask-1 gold of",
        "  BG, EN, HI, PT, RU (all mentions of all languages, one model).",
        "- **Command**: `OMP_NUM_THREADS=1 .venv/bin/python training/framing.py`",
        f"- **Size**: {size / 1e6:.1f} MB (joblib, compressed).",
        "",
        "## 5-fold CV (grouped by document, seed 13), official 'given mentions' setting",
        "",
        "| language | main-role acc | EMR | micro F1 | mentions | majority acc | majority EMR |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, s in default.items():
        b = baselines[lang]
        lines.append(f"| {lang} | {_fmt(s)} | {b['main_role_accuracy']:.3f} | {b['emr']:.3f} |")
    lines += [
        "",
        "Majority: always the language's most frequent main role and its most frequent fine role.",
        "",
        "## Ablation (EN figures of the same CV; each '-' row removes one feature group",
        "and, to keep the run short, trains on EN only: compare it with 'trained on EN only')",
        "",
        "| variant | EN main-role acc | EN EMR | EN micro F1 | n |",
        "|---|---|---|---|---|",
    ]
    for name, res in results.items():
        en = res["EN"]
        lines.append(f"| {name} | {_fmt(en)} |")
    lines += ["", *GAP_NOTE]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="cross-validate the default only")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--no-ablation", action="store_true")
    ap.add_argument("--params", default="{}", help="JSON overrides of FramingModel parameters")
    ap.add_argument("--train-langs", default=",".join(LANGS))
    args = ap.parse_args()
    started = time.time()
    X, y, groups, langs = load(LANGS)
    print(f"loaded {len(X)} mentions in {time.time() - started:.0f}s", file=sys.stderr)
    params = json.loads(args.params)
    train_langs = set(args.train_langs.split(","))
    results = {"default": cross_validate(params, X, y, groups, langs, train_langs)}
    print(json.dumps(results, indent=1), flush=True)
    baselines = {lang: majority(y, langs, lang) for lang in sorted(set(langs))}
    print(json.dumps({"majority": baselines}), flush=True)
    if args.quick:
        return
    if not args.no_ablation:
        results["trained on EN only"] = cross_validate(params, X, y, groups, langs, {"EN"})
        for name, weights in ABLATIONS.items():
            p = dict(params, field_weights={**params.get("field_weights", {}), **weights})
            # ablations train on EN only (5x faster); compare with "trained on EN only"
            results[name] = cross_validate(p, X, y, groups, langs, {"EN"})
            print(name, json.dumps(results[name]["EN"]), flush=True)
    if args.no_save:
        return
    keep = [i for i in range(len(X)) if langs[i] in train_langs]
    model = FramingModel(**params).fit([X[i] for i in keep], [y[i] for i in keep])
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "framing-v1.joblib"
    joblib.dump(model, path, compress=3)
    (OUT / "cv_results.json").write_text(
        json.dumps({"results": results, "majority": baselines, "params": params}, indent=1),
        encoding="utf-8",
    )
    write_card(OUT / "MODEL_CARD.md", results, baselines, params, path.stat().st_size)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
