"""Persuasion techniques (PTC, SemEval-2020 Task 11): spans, their technique, highlighting.

The stage ``techniques`` (factory ``narrascope.techniques.v1``) fills ``Document.techniques``;
:func:`highlight` renders an article with its spans for the report, and :func:`evaluate` scores
the shipped models on any folder in the PTC layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from narrascope.techniques._definitions import (
    TECHNIQUES,
    TechniqueInfo,
    display_name,
    named_techniques,
    technique_info,
)
from narrascope.techniques._highlight import (
    highlight,
    outlet_rates,
    report_globals,
    technique_legend,
    technique_rates,
)
from narrascope.techniques._ptc import GoldSpan, PtcArticle, load_ptc
from narrascope.techniques._stage import MODEL_PATH, TechniqueStage, load_models

if TYPE_CHECKING:
    from narrascope.techniques._evaluate import evaluate
    from narrascope.techniques._model import SpanDetector, TechniqueClassifier

__all__ = [
    "MODEL_PATH",
    "TECHNIQUES",
    "GoldSpan",
    "PtcArticle",
    "SpanDetector",
    "TechniqueClassifier",
    "TechniqueInfo",
    "TechniqueStage",
    "display_name",
    "evaluate",
    "highlight",
    "load_models",
    "load_ptc",
    "named_techniques",
    "outlet_rates",
    "report_globals",
    "technique_info",
    "technique_legend",
    "technique_rates",
]

_LAZY = {
    "evaluate": "narrascope.techniques._evaluate",
    "SpanDetector": "narrascope.techniques._model",
    "TechniqueClassifier": "narrascope.techniques._model",
}


def __getattr__(name: str) -> Any:
    # scikit-learn loads only when a model is used, so importing the package for the report's
    # highlighting (or to register the stage) stays cheap.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'narrascope.techniques' has no attribute {name!r}")
