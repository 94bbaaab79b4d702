"""Entity framing (SemEval-2025 Task 10 subtask 1): who is cast as hero, villain or victim.

The ``framing`` stage gives every canonical entity of an article a main role
(Protagonist, Antagonist, Innocent, or none when merely mentioned), fine roles
from that main role's list, and the sentences that support them. Two backends:
the lexical model (default, ~60 ms per article) and the optional local-LLM probe
(``narrascope.framing.probe.v1``, ~13 s per article, more accurate on English).
"""

from narrascope.framing._evaluate import BACKENDS, evaluate, semeval_lines
from narrascope.framing._features import FIELDS, MentionFeatures, mention_features
from narrascope.framing._model import (
    FINE_ROLES,
    MAIN_ROLES,
    FramingModel,
    RolePrediction,
    load_taxonomy,
)
from narrascope.framing._probe import (
    PROBE_PATH,
    ROLE_WORDS,
    LlamaRoleProbe,
    ProbeFramingModel,
    ProbeFramingStage,
    RoleProbe,
    probe_matrix,
)
from narrascope.framing._stage import (
    MODEL_PATH,
    FramingStage,
    MentionScores,
    load_model,
)

__all__ = [
    "BACKENDS",
    "FIELDS",
    "FINE_ROLES",
    "MAIN_ROLES",
    "MODEL_PATH",
    "PROBE_PATH",
    "ROLE_WORDS",
    "FramingModel",
    "FramingStage",
    "LlamaRoleProbe",
    "MentionFeatures",
    "MentionScores",
    "ProbeFramingModel",
    "ProbeFramingStage",
    "RolePrediction",
    "RoleProbe",
    "evaluate",
    "load_model",
    "load_taxonomy",
    "mention_features",
    "probe_matrix",
    "semeval_lines",
]
