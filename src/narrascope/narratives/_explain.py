"""Explanations of an article's dominant narrative (SemEval-2025 Task 10 subtask 3).

The default explainer is extractive/template-based: it works offline in
microseconds and every claim it makes is grounded, because it only names the
predicted narrative, the entities the ``framing`` stage cast as villains or
heroes, and a quote from the evidence sentences. The optional ``llm`` backend
asks an OpenAI-compatible endpoint to paraphrase the same material, and falls
back to the template when the endpoint fails.
"""

from __future__ import annotations

import re
from typing import Protocol

from narrascope.document import ACTOR_LABEL, Document, NarrativeResult
from narrascope.narratives._llm import LLMError
from narrascope.narratives._taxonomy import OTHER, load_taxonomy
from narrascope.quotes import enclose

__all__ = [
    "MAX_WORDS",
    "ChatClient",
    "explain",
    "llm_explanation",
    "template_explanation",
    "truncate_words",
]

MAX_WORDS = 80
_QUOTE_WORDS = 28
_SYSTEM = "You explain propaganda narratives in news, briefly and factually."


def truncate_words(text: str, limit: int = MAX_WORDS) -> str:
    """At most ``limit`` words, with an ellipsis when cut."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]).rstrip(",;:") + "…"


_ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", ACTOR_LABEL})
_PRAISE_WORDS = ("Praise", "Overpraising", "beneficial")
_BLAME_WORDS = (
    "Blaming",
    "Discrediting",
    "Criticism",
    "Distrust",
    "Hidden plots",
    "Negative Consequences",
    "Controversy",
    "Questioning",
    "Victim",
)


def _roles(doc: Document, result: NarrativeResult) -> tuple[list[str], list[str], list[str]]:
    """Names cast as antagonists, as protagonists, and merely central (``blamed, praised, named``).

    From the ``framing`` stage when it ran first (article-level framings with a
    role: an entity whose role the model was unsure of has none and is never
    named as blamed or praised, nor guessed from the narrative instead);
    otherwise the actors named in the dominant narrative's evidence sentences,
    counted as praised or blamed by the narrative's polarity (praise narratives
    praise, discrediting/blaming ones blame, fear and speculation narratives
    only name them), so the claim stays tied to quoted sentences.
    """
    blamed: list[str] = []
    praised: list[str] = []
    for fr in sorted(doc.framings, key=lambda f: -f.main_probability):
        if fr.mention != -1 or not fr.main_role:
            continue
        if fr.main_role == "Antagonist" and fr.name not in blamed:
            blamed.append(fr.name)
        elif fr.main_role == "Protagonist" and fr.name not in praised:
            praised.append(fr.name)
    if blamed or praised or not doc.mentions or doc.framings:
        return blamed[:3], praised[:2], []
    sentences = {
        ev.sentence
        for lab in result.labels
        if lab.label in (result.dominant, result.dominant_sub)
        for ev in lab.evidence
    }
    names: list[str] = []
    for m in doc.mentions:
        if m.sentence in sentences and m.label in _ACTOR_LABELS:
            ent = doc.entity(m.entity) if m.entity else None
            name = ent.name if ent else m.text
            if name not in names:
                names.append(name)
    if any(w in result.dominant for w in _PRAISE_WORDS):
        return [], names[:2], []
    if any(w in result.dominant for w in _BLAME_WORDS):
        return names[:3], [], []
    return [], [], names[:3]


def _quote(doc: Document, result: NarrativeResult) -> str:
    for lab in result.labels:
        if lab.label in (result.dominant_sub, result.dominant) and lab.evidence:
            text = re.sub(r"\s+", " ", lab.evidence[0].text).strip()
            return truncate_words(text, _QUOTE_WORDS)
    return ""


def template_explanation(doc: Document, result: NarrativeResult) -> str:
    """A grounded sentence or three about the dominant narrative (≤ 80 words)."""
    if result.dominant == OTHER:
        return "No narrative of the taxonomy stands out in this article."
    tax = load_taxonomy()
    parts = [f"The article advances the narrative “{tax.short(result.dominant)}”"]
    if result.dominant_sub and not result.dominant_sub.endswith(": Other"):
        parts[0] += f" (“{tax.short(tax.short(result.dominant_sub))}”)"
    parts[0] += "."
    blamed, praised, named = _roles(doc, result)
    if named:
        parts.append(f"It centres on {', '.join(named)}.")
    if blamed:
        parts.append(f"It blames {', '.join(blamed)}.")
    if praised:
        parts.append(f"It presents {', '.join(praised)} favourably.")
    quote = _quote(doc, result)
    if quote:
        parts.append(f"For example: {enclose(quote)}")
    return truncate_words(" ".join(parts))


class ChatClient(Protocol):
    """What an explainer backend offers: the OpenAI-compatible client or the local model."""

    def chat(self, messages: list[dict[str, str]]) -> str: ...


def llm_explanation(doc: Document, result: NarrativeResult, client: ChatClient) -> str:
    """Ask the endpoint for an explanation grounded in the evidence; ≤ 80 words."""
    tax = load_taxonomy()
    evidence = [
        ev.text.strip()
        for lab in result.labels
        if lab.label in (result.dominant, result.dominant_sub)
        for ev in lab.evidence
    ][:3]
    blamed, praised, _named = _roles(doc, result)
    prompt = (
        f"Dominant narrative: {result.dominant} — {tax.descriptions.get(result.dominant, '')}\n"
        f"Sub-narrative: {result.dominant_sub or 'none'}\n"
        + (f"Blamed: {', '.join(blamed)}\n" if blamed else "")
        + (f"Praised: {', '.join(praised)}\n" if praised else "")
        + "Evidence sentences:\n"
        + "\n".join(f"- {e}" for e in evidence)
        + "\n\n"
        + f"Title and start of the article:\n{doc.text[:1500]}\n\n"
        + "In at most 60 words, explain why this article advances the dominant narrative: "
        "say who is blamed or praised and quote or paraphrase the evidence. Plain text only."
    )
    messages = [
        {
            "role": "system",
            "content": "You explain propaganda narratives in news, briefly and factually.",
        },
        {"role": "user", "content": prompt},
    ]
    return truncate_words(client.chat(messages))


def explain(
    doc: Document,
    result: NarrativeResult,
    client: ChatClient | None = None,
    backend: str = "llm",
) -> tuple[str, str]:
    """``(explanation, backend)``: the model's if it answers, else the template's."""
    if client is not None and result.dominant != OTHER:
        try:
            return llm_explanation(doc, result, client), backend
        except LLMError:
            return template_explanation(doc, result), f"template ({backend} unavailable)"
    return template_explanation(doc, result), "template"
