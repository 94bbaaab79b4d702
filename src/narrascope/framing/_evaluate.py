"""Evaluation of the framing stage against SemEval-2025 subtask-1 gold, and the export.

Two settings, because they answer different questions: ``given`` is the official
one (mentions come from the gold file, only their roles are predicted: how good
is the role model?); ``e2e`` runs the project's own NLP (NER + alias merging) and
framing on the raw text, as a user's corpus would be, and matches predicted
mentions to gold ones by overlap (how much of the gold does the pipeline find,
and how well does it frame what it finds?).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrascope.datasets import GoldDocument, load_semeval2025
from narrascope.document import Document, Framing
from narrascope.framing._features import mention_features
from narrascope.framing._stage import MODEL_PATH, FramingStage, load_model
from narrascope.scoring import score_framing

if TYPE_CHECKING:
    from narrascope.framing._probe import RoleProbe

__all__ = ["BACKENDS", "evaluate", "semeval_lines"]

#: Framing backends: the lexical model (default, fast) and the local-LLM probe (optional).
BACKENDS: tuple[str, ...] = ("lexical", "probe")


def _gold_docs(gold: Path, lang: str | None) -> tuple[list[GoldDocument], list[str]]:
    """The documents with subtask-1 gold, and the annotation lines that were skipped.

    A folder without usable subtask-1 gold is an error: scoring it would print
    zeros that look like a (very bad) result.
    """
    gset = load_semeval2025(Path(gold), lang)
    path = gset.annotation_file(1)
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found (the subtask-1 gold)")
    docs = [d for d in gset if d.mentions]
    if not docs:
        detail = f"; first problem: {gset.skipped[0]}" if gset.skipped else ""
        raise ValueError(f"{path}: no usable line for the {len(gset)} raw documents{detail}")
    return docs, gset.skipped


def _language(gdoc: GoldDocument) -> str:
    return (gdoc.language or "en").lower()[:2]


def evaluate(
    gold: Path,
    lang: str | None = None,
    mode: str = "given",
    model_path: Path | None = None,
    backend: str = "lexical",
    probe: RoleProbe | None = None,
) -> dict[str, Any]:
    """Score the framing model on a gold folder (``mode`` ``given`` or ``e2e``).

    ``backend`` ``probe`` scores the local-LLM probe (``model_path`` is then its
    head; ``probe`` replaces the llama.cpp probe, for tests). Returns ``emr``,
    ``main_role_accuracy``, ``micro_precision``, ``micro_recall``, ``micro_f1`` and
    ``n_mentions``, ``skipped_gold_lines`` (annotation lines that could not be used;
    ``skipped_gold_examples`` lists the first five); in ``e2e`` also
    ``mention_recall``, ``n_gold_mentions`` (the scores are then over the matched
    gold mentions) and, per entity, how well the
    stage picks *who* gets a role: ``entity_precision`` (entities given a role that
    the gold frames) and ``entity_recall`` (gold-framed entities given a role).
    """
    if mode not in ("given", "e2e"):
        raise ValueError(f"mode must be 'given' or 'e2e', not {mode!r}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    gdocs, skipped = _gold_docs(gold, lang)
    if backend == "probe":
        from narrascope.framing._probe import ProbeFramingStage

        stage: FramingStage = ProbeFramingStage(model_path, probe=probe)
        if mode == "given":
            scores = _evaluate_given_probe(gdocs, stage)  # type: ignore[arg-type]
        else:
            scores = _evaluate_e2e(gdocs, stage)
    elif mode == "given":
        scores = _evaluate_given(gdocs, model_path or MODEL_PATH)
    else:
        scores = _evaluate_e2e(gdocs, FramingStage(model_path or MODEL_PATH))
    # what of the gold was not scored, so that a figure is never read as covering it
    scores["skipped_gold_lines"] = len(skipped)
    scores["skipped_gold_examples"] = skipped[:5]
    return scores


def _evaluate_given(gdocs: list[GoldDocument], model_path: Path) -> dict[str, Any]:
    from narrascope.nlp import split_sentences

    model = load_model(model_path)
    feats, gold = [], []
    for g in gdocs:
        doc = Document(id=g.id, text=g.text, language=_language(g))
        doc.sentences = split_sentences(g.text, doc.language)
        for m in g.mentions:
            feats.append(mention_features(doc, m.start, m.end).as_dict())
            gold.append((m.main_role, list(m.fine_roles)))
    preds = model.predict_roles(feats) if feats else []
    predicted = [(p.main_role, [r for r, _ in p.fine_roles]) for p in preds]
    return _scores(predicted, gold, "given")


def _evaluate_given_probe(gdocs: list[GoldDocument], stage: Any) -> dict[str, Any]:
    from narrascope.framing._probe import key_word
    from narrascope.nlp import split_sentences

    predicted, gold = [], []
    for g in gdocs:
        doc = Document(id=g.id, text=g.text, language=_language(g))
        # the lexical fine-role scores the probe head may blend in read the sentences
        doc.sentences = split_sentences(g.text, doc.language)
        spans = [(m.start, m.end) for m in g.mentions]
        groups = [key_word(g.text[s:e]).lower() for s, e in spans]
        for p, m in zip(stage.predict_spans(doc, spans, groups), g.mentions, strict=True):
            predicted.append((p.main_role, [r for r, _ in p.fine_roles]))
            gold.append((m.main_role, list(m.fine_roles)))
    return _scores(predicted, gold, "given")


def _evaluate_e2e(gdocs: list[GoldDocument], stage: FramingStage) -> dict[str, Any]:
    from narrascope.nlp import process_many

    docs = process_many(
        [g.text for g in gdocs],
        [_language(g) for g in gdocs],
        ids=[g.id for g in gdocs],
        embeddings=False,
    )
    docs = list(stage.pipe(docs))
    predicted, gold = [], []
    n_gold = 0
    n_with_role = n_hit = n_gold_entities = 0
    for g, doc in zip(gdocs, docs, strict=True):
        per_mention = {f.mention: f for f in doc.framings if f.mention >= 0}
        with_role = {f.entity for f in doc.framings if f.mention == -1 and f.main_role}
        in_gold = gold_framed(doc, g)
        n_with_role += len(with_role)
        n_hit += len(with_role & in_gold)
        n_gold_entities += len(in_gold)
        for m in g.mentions:
            n_gold += 1
            hits = [i for i, pm in enumerate(doc.mentions) if pm.start < m.end and m.start < pm.end]
            if not hits:
                continue
            # prefer the overlapping mention whose entity got a role
            framed = [per_mention[i] for i in hits if i in per_mention]
            f = framed[0] if framed else None
            predicted.append((f.main_role, [r.role for r in f.fine_roles]) if f else ("", []))
            gold.append((m.main_role, list(m.fine_roles)))
    out = _scores(predicted, gold, "e2e")
    out["n_gold_mentions"] = n_gold
    out["mention_recall"] = len(gold) / n_gold if n_gold else 0.0
    out["entity_precision"] = n_hit / n_with_role if n_with_role else 0.0
    out["entity_recall"] = n_hit / n_gold_entities if n_gold_entities else 0.0
    return out


def gold_framed(doc: Document, gdoc: GoldDocument) -> set[str]:
    """Ids of the entities of ``doc`` that the gold frames (a mention overlaps a gold one)."""
    return {
        ent.id
        for ent in doc.entities
        if any(
            doc.mentions[i].start < m.end and m.start < doc.mentions[i].end
            for i in ent.mentions
            for m in gdoc.mentions
        )
    }


def _scores(
    predicted: list[tuple[str, list[str]]], gold: list[tuple[str, list[str]]], mode: str
) -> dict[str, Any]:
    """The official scores of (main role, fine roles) pairs, with their count and mode."""
    out: dict[str, Any] = dict(score_framing(predicted, gold))
    out["n_mentions"] = len(gold)
    out["mode"] = mode
    return out


def semeval_lines(docs: list[Document]) -> list[str]:
    """Official subtask-1 prediction lines for every framed mention that has a role.

    ``id<TAB>mention<TAB>start<TAB>end<TAB>main_role<TAB>fine_role…`` with the end
    inclusive and both offsets in UTF-16 code units of the source file, as the gold
    files count (``Document.source_offset``: header lines stripped at ingestion count).
    Documents framed without per-mention framings fall back to the entity's
    aggregated role on each of its mentions.
    """
    lines: list[str] = []
    for doc in docs:
        per_mention = [f for f in doc.framings if f.mention >= 0 and f.main_role]
        if not per_mention:
            per_mention = _expand(doc)
        for f in sorted(per_mention, key=lambda fr: fr.mention):
            m = doc.mentions[f.mention]
            # offsets index the file the scorer reads, header lines and all
            start = doc.source_offset(m.start, utf16=True)
            end = doc.source_offset(m.end, utf16=True) - 1
            fines = [r.role for r in f.fine_roles] or [""]
            # the format is one tab-separated line per mention: a name broken over a line
            # ("Vladimir\nPutin") is written with a space; the offsets still locate it
            name = " ".join(m.text.split())
            lines.append("\t".join([doc.id, name, str(start), str(end), f.main_role, *fines]))
    return lines


def _expand(doc: Document) -> list[Framing]:
    out = []
    for f in doc.framings:
        if f.mention != -1 or not f.main_role:
            continue
        ent = doc.entity(f.entity)
        for i in ent.mentions if ent else []:
            out.append(
                Framing(f.entity, f.name, f.main_role, f.main_probability, f.fine_roles, [], i)
            )
    return out
