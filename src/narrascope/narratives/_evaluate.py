"""Evaluate the ``narratives`` stage on a SemEval-2025 gold folder, and export predictions.

The stage runs on the raw documents exactly as the pipeline would (``nlp`` +
``embeddings`` via :func:`narrascope.nlp.process_many`, file text verbatim),
so the figures measure what users get, not a re-featurised shortcut.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrascope.document import Document
from narrascope.narratives._taxonomy import OTHER, load_taxonomy
from narrascope.scoring import narrative_label_prf, samples_f1

__all__ = ["evaluate", "predicted_sets", "semeval_lines"]


def predicted_sets(doc: Document) -> tuple[list[str], list[str]]:
    """The document's predictions in the official paired form (``Other``/``Other`` if none)."""
    res = doc.narratives
    if res is None:
        return [OTHER], [OTHER]
    nars = [lab.label for lab in res.labels if lab.level == "narrative" and lab.label != OTHER]
    subs = [lab.label for lab in res.labels if lab.level == "subnarrative"]
    if not nars:
        return [OTHER], [OTHER]
    from narrascope.narratives._taxonomy import enforce_hierarchy

    return enforce_hierarchy(nars, subs)


def semeval_lines(docs: list[Document]) -> list[str]:
    """Official subtask-2 prediction lines ``id<TAB>narratives<TAB>subnarratives``, in order."""
    lines = []
    for doc in docs:
        nars, subs = predicted_sets(doc)
        lines.append(f"{doc.id}\t{';'.join(nars)}\t{';'.join(subs)}")
    return lines


def evaluate(gold: Path, lang: str | None = None) -> dict:
    """F1 fine/coarse (samples), per-label P/R/F1 and an explanation-similarity proxy.

    ``explanation_similarity`` is the mean cosine (bundled model2vec embedder)
    between our explanation and the gold subtask-3 explanation over the
    documents that have one — a stand-in for the official BERTScore, which
    needs a hub model; ``None`` when the folder has no subtask-3 gold.
    """
    from narrascope.datasets import load_semeval2025
    from narrascope.narratives._stage import NarrativeStage
    from narrascope.nlp import load_embedder, process_many

    gset = load_semeval2025(Path(gold), lang)
    gold_docs = [d for d in gset if d.has_narrative_gold]
    if not gold_docs:
        raise FileNotFoundError(f"{gold}: no subtask-2 annotations found")
    docs = process_many(
        [d.text for d in gold_docs],
        [d.language.lower() for d in gold_docs],
        ids=[d.id for d in gold_docs],
    )
    docs = list(NarrativeStage().pipe(docs))
    tax = load_taxonomy()
    nar_allowed = set(tax.narratives)
    sub_allowed = set(tax.subnarratives)
    pred_n, pred_s = zip(*(predicted_sets(d) for d in docs), strict=True)
    gold_n = [g.narratives or [OTHER] for g in gold_docs]
    gold_s = [g.subnarratives or [OTHER] for g in gold_docs]
    per_label = narrative_label_prf(pred_n, gold_n, nar_allowed)
    per_label.update(narrative_label_prf(pred_s, gold_s, sub_allowed - {OTHER}))
    pairs = [(d, g) for d, g in zip(docs, gold_docs, strict=True) if g.explanation]
    similarity = None
    if pairs:
        emb = load_embedder()
        a = emb.encode([d.narratives.explanation if d.narratives else "" for d, _ in pairs])
        b = emb.encode([g.explanation for _, g in pairs])
        similarity = float(np.mean(np.sum(a * b, axis=1)))
    return {
        "f1_fine": samples_f1(pred_s, gold_s, sub_allowed),
        "f1_coarse": samples_f1(pred_n, gold_n, nar_allowed),
        "per_label": per_label,
        "explanation_similarity": similarity,
        "n_documents": len(docs),
        "n_explanations": len(pairs),
        # annotation lines (any subtask file) that could not be used, so none is unseen
        "skipped_gold_lines": len(gset.skipped),
        "skipped_gold_examples": gset.skipped[:5],
    }
