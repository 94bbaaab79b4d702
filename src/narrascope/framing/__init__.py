"""Entity framing (SemEval-2025 Task 10 subtask 1): who is cast as hero, villain or victim.

The ``framing`` stage gives every canonical entity of an article a main role
(Protagonist, Antagonist, Innocent, or none when merely mentioned), fine roles
from that main role's list, and the sentences that support them.
"""

from narrascope.framing._evaluate import evaluate, semeval_lines
from narrascope.framing._features import FIELDS, MentionFeatures, mention_features
from narrascope.framing._model import (
    FINE_ROLES,
    MAIN_ROLES,
    FramingModel,
    RolePrediction,
    load_taxonomy,
)
from narrascope.framing._stage import (
    MODEL_PATH,
    FramingStage,
    MentionScores,
    load_model,
    make_framing,
)

__all__ = [
    "FIELDS",
    "FINE_ROLES",
    "MAIN_ROLES",
    "MODEL_PATH",
    "FramingModel",
    "FramingStage",
    "MentionFeatures",
    "MentionScores",
    "RolePrediction",
    "evaluate",
    "load_model",
    "load_taxonomy",
    "make_framing",
    "mention_features",
    "semeval_lines",
]
