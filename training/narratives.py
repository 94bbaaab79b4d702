# ruff: noqa: E501
"""Train the narrative classifier (SemEval-2025 Task 10 subtask 2) on the honest protocol.

Protocol (issue 15): each language's training articles are split once by
``training/_split.py`` into a train part and a frozen ~20% test part. Every
choice (feature blocks, C, class weights, the topic gate, the per-language
thresholds and the fall-back) is made by 5-fold cross-validation *inside the
train part*; the frozen test part is scored once per final configuration, beside
the issue's 30-line reference (``_narratives_eval.reference_predict``) trained on
the same train parts and scored the same way. The shipped artefact is then fitted
on all training articles with the choices made on the train part.

    OMP_NUM_THREADS=1 .venv/bin/python training/narratives.py --cv 'word+char+emb,full'   # inner CV only
    OMP_NUM_THREADS=1 .venv/bin/python training/narratives.py --final word+char+emb     # test + ship

Feature matrices and inner-CV results are cached under /tmp/narr15-* (delete them
after changing the model code).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from _narratives_data import LANGS, Article, load_corpus  # noqa: E402
from _narratives_eval import Scorer, reference_predict, score_sets  # noqa: E402
from _split import frozen_split  # noqa: E402

from narrascope.narratives import NarrativeInput, NarrativeModel, decide_labels, load_taxonomy  # noqa: E402
from narrascope.nlp import load_embedder  # noqa: E402

OUT = ROOT / "src" / "narrascope" / "narratives" / "models"
ARTEFACT = OUT / "narratives-v1.joblib"
FEATS = Path("/tmp/narr15-feats.joblib")
CV_CACHE = Path("/tmp/narr15-cv.json")
LOOKS = Path("/tmp/narr15-test-looks.txt")
REF_CACHE = Path("/tmp/narr15-reference-predictions.joblib")
SEED = 0
BLOCKS = ("word", "char", "emb", "desc")

#: candidate configurations compared by inner CV (name -> settings)
CONFIGS: dict[str, dict] = {
    "word+emb+desc (old blocks)": {"blocks": ["word", "emb", "desc"], "C": 8.0},
    "word+char": {"blocks": ["word", "char"], "C": 8.0},
    "word+char+emb": {"blocks": ["word", "char", "emb"], "C": 8.0},
    "word+char+emb C=2": {"blocks": ["word", "char", "emb"], "C": 2.0},
    "full": {"blocks": ["word", "char", "emb", "desc"], "C": 8.0},
    "full C=2": {"blocks": ["word", "char", "emb", "desc"], "C": 2.0},
    "full C=32": {"blocks": ["word", "char", "emb", "desc"], "C": 32.0},
    "full unweighted": {"blocks": ["word", "char", "emb", "desc"], "C": 8.0, "class_weight": None},
    "full no gate": {"blocks": ["word", "char", "emb", "desc"], "C": 8.0, "domain_gate": "none"},
}


def inputs(arts: list[Article]) -> list[NarrativeInput]:
    return [NarrativeInput(a.text, a.vectors) for a in arts]


def split(train: list[Article]) -> tuple[list[Article], list[Article]]:
    """The frozen split of every language (train part, test part)."""
    tr, te = [], []
    for lang in LANGS:
        docs = [a for a in train if a.lang == lang]
        _tr_ids, te_ids = frozen_split(docs)
        test = set(te_ids)
        tr += [a for a in docs if a.id not in test]
        te += [a for a in docs if a.id in test]
    return tr, te


def base_model(**kw: object) -> NarrativeModel:
    return NarrativeModel(
        use_word=True, use_char=True, use_emb=True, use_desc=True,
        label_descriptions=load_taxonomy().descriptions, **kw,
    )  # fmt: skip


def block_matrices(m: NarrativeModel, arts: list[Article]) -> dict[str, sp.csr_matrix]:
    """Each feature block of a prepared all-blocks model, separately (for the ablation)."""
    X = inputs(arts)
    texts = [x.text for x in X]
    means = np.stack([_mean(x, m.dim_) for x in X])
    return {
        "word": m.word_.transform(texts).tocsr(),
        "char": m.char_.transform(texts).tocsr(),
        "emb": sp.csr_matrix(means.astype(np.float32)),
        "desc": sp.csr_matrix(m._desc_features(X, means).astype(np.float32)),
    }


def _mean(x: NarrativeInput, dim: int) -> np.ndarray:
    from narrascope.narratives._model import _mean_vector

    return _mean_vector(x.sentence_vectors, dim)


def features(tr: list[Article], te: list[Article]) -> dict:
    """Vocabularies fitted on the train part; block matrices of train and test parts (cached)."""
    if FEATS.exists():
        return joblib.load(FEATS)
    t0 = time.time()
    m = base_model().prepare(inputs(tr), load_embedder())
    out = {"train": block_matrices(m, tr), "test": block_matrices(m, te)}
    joblib.dump(out, FEATS)
    print(f"features in {time.time() - t0:.0f} s", flush=True)
    return out


def stack(blocks: dict[str, sp.csr_matrix], names: list[str]) -> sp.csr_matrix:
    return sp.hstack([blocks[n] for n in names], format="csr", dtype=np.float32)


def head_model(cfg: dict) -> NarrativeModel:
    kw = {k: v for k, v in cfg.items() if k != "blocks"}
    return NarrativeModel(**kw)


def oof(
    cfg: dict, F: sp.csr_matrix, y: list[list[str]], langs: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold probabilities over all labels seen (5 folds, stratified by language)."""
    labels = sorted({lab for labs in y for lab in labs})
    P = np.zeros((F.shape[0], len(labels)), dtype=np.float32)
    for fit_rows, val_rows in StratifiedKFold(5, shuffle=True, random_state=SEED).split(F, langs):
        m = head_model(cfg).fit_on_features(F[fit_rows], [y[i] for i in fit_rows])
        cols = [labels.index(lab) for lab in m.labels_]
        P[np.ix_(val_rows, cols)] = m.proba_from_features(F[val_rows])
    return P, labels


def thresholds(P: np.ndarray, labels: list[str], y: list, langs: list[str]) -> dict:
    """Per-language (tc, tf, tfb) and their inner-CV figures, plus a global triple."""
    scorer = Scorer(labels, y)
    arr = np.array(langs)
    res = {}
    for lang in [*LANGS, "all"]:
        rows = np.arange(len(langs)) if lang == "all" else np.where(arr == lang)[0]
        tc, tf, tfb, f, c = scorer.best(P, rows)
        scorer.check(P, rows, tc, tf, tfb)
        res[lang] = {"n": len(rows), "t_coarse": tc, "t_fine": tf, "t_fallback": tfb,
                     "f1_fine": round(f, 4), "f1_coarse": round(c, 4)}  # fmt: skip
    return res


def run_cv(names: list[str], tr: list[Article], feats: dict) -> dict:
    cache = json.loads(CV_CACHE.read_text()) if CV_CACHE.exists() else {}
    y = [a.labels for a in tr]
    langs = [a.lang for a in tr]
    for name in names:
        if name in cache:
            continue
        cfg = CONFIGS[name]
        t0 = time.time()
        P, labels = oof(cfg, stack(feats["train"], cfg["blocks"]), y, langs)
        res = thresholds(P, labels, y, langs)
        fine = np.mean([res[lang]["f1_fine"] for lang in LANGS])
        cache[name] = {"config": cfg, "per_language": res, "mean_fine": round(float(fine), 4),
                       "seconds": round(time.time() - t0)}  # fmt: skip
        # re-read first: another run may have added its configurations meanwhile
        merged = json.loads(CV_CACHE.read_text()) if CV_CACHE.exists() else {}
        merged[name] = cache[name]
        CV_CACHE.write_text(json.dumps(merged, indent=1))
        print(
            name,
            f"mean fine {fine:.4f}",
            json.dumps({k: (v["f1_fine"], v["f1_coarse"]) for k, v in res.items()}),
            f"{time.time() - t0:.0f} s",
            flush=True,
        )
    return json.loads(CV_CACHE.read_text())


def reference(tr: list[Article], te: list[Article]) -> list[tuple[list[str], list[str]]]:
    """The reference's predictions on the test part (cached; computing them scores nothing)."""
    if REF_CACHE.exists():
        return joblib.load(REF_CACHE)
    t0 = time.time()
    ref = reference_predict([a.text for a in tr], [a.labels for a in tr], [a.text for a in te])
    joblib.dump(ref, REF_CACHE)
    print(f"reference fitted in {time.time() - t0:.0f} s", flush=True)
    return ref


def look_at_test() -> int:
    """Count every scoring of the frozen test part (the card reports it)."""
    n = int(LOOKS.read_text()) + 1 if LOOKS.exists() else 1
    LOOKS.write_text(str(n))
    return n


def final(
    name: str,
    tr: list[Article],
    te: list[Article],
    feats: dict,
    everything: list[Article],
    write: bool,
) -> None:
    cv = run_cv([name], tr, feats)[name]
    cfg = cv["config"]
    per_lang = {
        lang: (r["t_coarse"], r["t_fine"], r["t_fallback"])
        for lang, r in cv["per_language"].items()
    }
    # 1. the chosen configuration fitted on the train part, scored once on the frozen test part
    m = head_model(cfg).fit_on_features(
        stack(feats["train"], cfg["blocks"]), [a.labels for a in tr]
    )
    P = m.proba_from_features(stack(feats["test"], cfg["blocks"]))
    pred = [decide_labels(m.labels_, row, *per_lang[a.lang]) for row, a in zip(P, te, strict=True)]
    ref = reference(tr, te)
    looks = look_at_test()
    table = {}
    for lang in [*LANGS, "mean"]:
        if lang == "mean":
            table["mean"] = {
                k: round(float(np.mean([table[g][k] for g in LANGS])), 4)
                for k in table["EN"]
                if k != "n"
            }
            continue
        rows = [i for i, a in enumerate(te) if a.lang == lang]
        gold = [te[i].labels for i in rows]
        f, c = score_sets([pred[i] for i in rows], gold)
        rf, rc = score_sets([ref[i] for i in rows], gold)
        n_other = sum(1 for i in rows if pred[i][0] == ["Other"])
        table[lang] = {"n": len(rows), "f1_fine": round(f, 4), "f1_coarse": round(c, 4),
                       "reference_fine": round(rf, 4), "reference_coarse": round(rc, 4),
                       "predicted_other": n_other}  # fmt: skip
    print(f"frozen test (look #{looks}) — {name}")
    print("lang  n    fine   coarse | reference fine coarse | Other")
    for lang, r in table.items():
        print(
            f"{lang:4} {r.get('n', ''):4} {r['f1_fine']:.3f}  {r['f1_coarse']:.3f}  |  {r['reference_fine']:.3f}  {r['reference_coarse']:.3f}  | {r.get('predicted_other', '')}",
            flush=True,
        )
    if not write:
        return
    # 2. the shipped model: same configuration and thresholds, fitted on all training articles
    blocks = cfg["blocks"]
    model = NarrativeModel(
        use_word="word" in blocks, use_char="char" in blocks, use_emb="emb" in blocks,
        use_desc="desc" in blocks, label_descriptions=load_taxonomy().descriptions,
        threshold_coarse=per_lang["all"][0], threshold_fine=per_lang["all"][1],
        threshold_fallback=per_lang["all"][2], **{k: v for k, v in cfg.items() if k != "blocks"},
    ).fit(inputs(everything), [a.labels for a in everything], embedder=load_embedder())  # fmt: skip
    model.language_thresholds_ = {lang: per_lang[lang] for lang in LANGS}
    OUT.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, ARTEFACT, compress=3)
    all_cv = json.loads(CV_CACHE.read_text())
    results = {
        "protocol": PROTOCOL,
        "chosen": name,
        "frozen_test": table,
        "test_looks": looks,
        "inner_cv": all_cv,
    }
    (OUT / "cv_results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_card(results, cfg, len(model.labels_), ARTEFACT.stat().st_size)
    print(f"wrote {ARTEFACT} ({ARTEFACT.stat().st_size / 1e6:.1f} MB)")


PROTOCOL = (
    "training/_split.py frozen_split per language (stratified by topic and first narrative, "
    "~20% test, seed 2025); every choice by 5-fold CV inside the train part; the test part "
    "scored once per final configuration; reference = tf-idf word 1-2 + char 3-5 grams, "
    "one-vs-rest LR (sklearn defaults, min_df=2), all languages jointly, threshold 0.3."
)


def write_card(results: dict, cfg: dict, n_heads: int, size: int) -> None:
    """MODEL_CARD.md from the results (the figures are never typed by hand)."""
    t = results["frozen_test"]
    cv = results["inner_cv"]
    chosen = cv[results["chosen"]]["per_language"]
    lines = [
        "# narratives-v1 — narrative / sub-narrative classifier (SemEval-2025 Task 10, subtask 2)",
        "",
        "**Training data**: `../shared/data/semeval2025-task10/train`, all five languages "
        "(BG, EN, HI, PT, RU; 1,781 articles with subtask-2 gold), one model for all of them.",
        "",
        "**Protocol** (issue 15): " + PROTOCOL,
        "",
        "**Command** (seeded, single thread; features and inner-CV results cached under /tmp/narr15-*):",
        "",
        f"    OMP_NUM_THREADS=1 .venv/bin/python training/narratives.py --final '{results['chosen']}'",
        "",
        f"**Model** (`{results['chosen']}`): one-vs-rest logistic regression (liblinear, C={cfg['C']}, "
        f"class weights {cfg.get('class_weight', 'balanced')}) with {n_heads} heads (labels with ≥ 3 "
        f"training articles) over "
        + "; ".join(BLOCK_TEXT[b] for b in cfg["blocks"])
        + ". A topic head (URW/CC), trained on the topic of each "
        "article's *labels*, gates the labels of the other topic "
        f"(`domain_gate={cfg.get('domain_gate', 'hard')}`). Decisions: per-language thresholds "
        "(narrative, sub-narrative, fall-back) chosen by inner CV; the fall-back gives an article "
        "whose best narrative reaches it that narrative instead of `Other`. "
        f"Artefact: `narratives-v1.joblib`, {size / 1e6:.1f} MB (float16 weights).",
        "",
        f"## Frozen test part (samples F1, official definition; scored {results['test_looks']} time(s) in all)",
        "",
        "| language | articles | F1 fine | F1 coarse | reference fine | reference coarse | answered Other |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang in LANGS:
        r = t[lang]
        lines.append(
            f"| {lang} | {r['n']} | **{r['f1_fine']:.3f}** | {r['f1_coarse']:.3f} | {r['reference_fine']:.3f} | {r['reference_coarse']:.3f} | {r['predicted_other']} |"
        )
    m = t["mean"]
    lines.append(
        f"| mean | | **{m['f1_fine']:.3f}** | {m['f1_coarse']:.3f} | {m['reference_fine']:.3f} | {m['reference_coarse']:.3f} | |"
    )
    lines += [
        "",
        "## Inner 5-fold CV on the train part (what chose the configuration and thresholds)",
        "",
        "Thresholds are tuned on the same out-of-fold probabilities, so these figures are "
        "optimistic; they rank configurations, the frozen test above measures the model.",
        "",
        "| configuration | mean fine | EN | BG | HI | PT | RU |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in cv.items():
        pl = r["per_language"]
        lines.append(
            f"| {name} | {r['mean_fine']:.3f} | "
            + " | ".join(f"{pl[g]['f1_fine']:.3f}" for g in LANGS)
            + " |"
        )
    unrun = [n for n in CONFIGS if n not in cv]
    lines += [
        "",
        "Candidates defined in the script but not cross-validated within this session's CPU "
        "budget (one configuration took 10–20 min on the shared 2-core machine): "
        + (", ".join(f"`{n}`" for n in unrun) or "none")
        + ". Not tried: self-training on the unlabeled test articles.",
        "",
        "Chosen thresholds (t_coarse / t_fine / t_fallback): "
        + "; ".join(
            f"{g} {chosen[g]['t_coarse']} / {chosen[g]['t_fine']} / {chosen[g]['t_fallback']}"
            for g in LANGS
        )
        + f"; other languages {chosen['all']['t_coarse']} / {chosen['all']['t_fine']} / {chosen['all']['t_fallback']}.",
        "",
        "## The Portuguese failure (fixed)",
        "",
        "The topic head used to learn each article's topic from its file name; only the EN and BG "
        "files carry it (`EN_CC_…`), so every PT and HI article was taught as URW. On the PT train "
        "part the old head called 115 of 132 climate articles URW, and the gate then zeroed all "
        "their climate labels: they came back `Other`. The head now learns the topic from the "
        "article's labels (`narrascope.narratives._model.topics_of`); "
        "`tests/test_narratives_model.py` covers it on hand-written Portuguese.",
        "",
        "Reference (DATA.md, English *test* set): best published fine 0.463 / coarse 0.627 "
        "(fine-tuned LLM). Our figures are on the frozen part of the training data, not comparable "
        "one to one.",
        "",
        "## Speed and size",
        "",
        SPEED,
        "",
        "## Explanations (subtask 3)",
        "",
        "Default: a template filled with the dominant narrative and sub-narrative, the entities "
        "the framing stage casts as antagonists/protagonists (or, when framing has not run, the "
        "actors named in the evidence sentences, by the narrative's polarity) and a quote from "
        "the top evidence sentence; at most 80 words. Optional: any OpenAI-compatible endpoint "
        '(`explainer="llm"`, `NARRASCOPE_LLM_BASE_URL` / `_MODEL` / `_API_KEY`), falling back '
        "to the template on failure. `narrascope eval narratives` reports the mean cosine "
        "(bundled model2vec embedder) between our explanation and the gold one as a stand-in "
        "for BERTScore.",
        "",
        "Limitations: sub-narratives with fewer than 3 training articles have no head and are "
        "never predicted; the embedding model is English-centred; annotator agreement on this "
        "task is low (alpha 0.45 / 0.39).",
    ]
    (OUT / "MODEL_CARD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


BLOCK_TEXT = {
    "word": "tf-idf word 1–2-grams (40k)",
    "char": "tf-idf char_wb 3–5-grams (40k)",
    "emb": "the mean of the bundled model2vec sentence vectors",
    "desc": "the cosine of the article (mean and best sentence) to our label descriptions",
}
SPEED = (
    "`OMP_NUM_THREADS=1 .venv/bin/python bench/narratives_speed.py --lang EN --limit 100` "
    "(100 English unlabeled test articles; nlp + embeddings excluded), measured 2026-11-30 on the "
    "shared 2-core machine under load (load average 4–8): **33 ms per article batched** "
    "(71 ms one at a time), model load 2.5 s, 17.2 MB. The previous word-only model took about "
    "5 ms (measured on a quieter machine): the character n-grams cost most of the difference "
    "(analysing a whole article takes ~19 ms of the 26 ms profiled); they are left out of the "
    "per-sentence evidence scoring, which would otherwise double the time (29 → 7 ms per article)."
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", default="", help="comma-separated configurations to cross-validate")
    ap.add_argument(
        "--final", default="", help="score this configuration on the frozen test and ship it"
    )
    ap.add_argument(
        "--reference", action="store_true", help="only compute the reference's predictions"
    )
    ap.add_argument(
        "--card", action="store_true", help="only rewrite MODEL_CARD.md from cv_results.json"
    )
    ap.add_argument("--no-write", action="store_true", help="with --final: print, write nothing")
    args = ap.parse_args()
    if args.card:
        results = json.loads((OUT / "cv_results.json").read_text(encoding="utf-8"))
        model = joblib.load(ARTEFACT)
        cfg = results["inner_cv"][results["chosen"]]["config"]
        write_card(results, cfg, len(model.labels_), ARTEFACT.stat().st_size)
        return
    everything, _unlabeled = load_corpus()
    tr, te = split(everything)
    print(f"{len(tr)} train-part and {len(te)} test-part articles", flush=True)
    if args.reference:
        reference(tr, te)
        return
    feats = features(tr, te)
    if args.cv:
        names = list(CONFIGS) if args.cv == "all" else args.cv.split(",")
        run_cv(names, tr, feats)
    if args.final:
        final(args.final, tr, te, feats, everything, write=not args.no_write)


if __name__ == "__main__":
    main()
