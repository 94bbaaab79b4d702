"""Narratives (SemEval-2025 Task 10 subtasks 2 and 3): which propaganda narratives an article
advances, the sentences that show it, and a short grounded explanation of the dominant one.

The ``narratives`` stage (registered as ``narrascope.narratives.v1``) fills
``doc.narratives`` with a :class:`~narrascope.document.NarrativeResult`.
"""

from narrascope.narratives._evaluate import evaluate, predicted_sets, semeval_lines
from narrascope.narratives._explain import (
    MAX_WORDS,
    ChatClient,
    explain,
    llm_explanation,
    template_explanation,
    truncate_words,
)
from narrascope.narratives._llm import LLMClient, LLMConfig, LLMError
from narrascope.narratives._local import (
    GGUF_SHA256,
    LocalLLMClient,
    assemble_gguf,
    bundled_parts,
    open_llama,
)
from narrascope.narratives._model import NarrativeInput, NarrativeModel, decide_labels
from narrascope.narratives._stage import (
    MODEL_PATH,
    NarrativeScores,
    NarrativeStage,
    load_model,
)
from narrascope.narratives._taxonomy import (
    DOMAINS,
    OTHER,
    Taxonomy,
    domain_of,
    enforce_hierarchy,
    load_taxonomy,
    parent_of,
)

__all__ = [
    "DOMAINS",
    "GGUF_SHA256",
    "MAX_WORDS",
    "MODEL_PATH",
    "OTHER",
    "ChatClient",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "LocalLLMClient",
    "NarrativeInput",
    "NarrativeModel",
    "NarrativeScores",
    "NarrativeStage",
    "Taxonomy",
    "assemble_gguf",
    "bundled_parts",
    "decide_labels",
    "domain_of",
    "enforce_hierarchy",
    "evaluate",
    "explain",
    "llm_explanation",
    "load_model",
    "load_taxonomy",
    "open_llama",
    "parent_of",
    "predicted_sets",
    "semeval_lines",
    "template_explanation",
    "truncate_words",
]
