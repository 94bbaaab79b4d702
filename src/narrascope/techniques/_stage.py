"""The ``techniques`` stage: persuasion spans with their technique and probability.

Scores are computed by :meth:`TechniqueStage.predict` (span detector, then technique classifier
on each detected span) and written to the document by :meth:`TechniqueStage.set_annotations`.
The models were trained on English news (PTC); documents in other languages get no spans and a
note saying why, rather than English-trained guesses.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from narrascope.artefacts import artefact_version
from narrascope.document import Document, TechniqueSpan
from narrascope.pipeline import BaseStage, registry

__all__ = ["MODEL_PATH", "TechniqueStage", "load_models"]

MODEL_PATH = Path(__file__).parent / "models" / "techniques.joblib"


@lru_cache(maxsize=4)
def load_models(path: Path = MODEL_PATH) -> dict[str, Any]:
    """The shipped detector and classifier (our own joblib artefact, written by training/)."""
    from narrascope.artefacts import load_artefact

    return load_artefact(path, dict, "techniques")  # type: ignore[no-any-return]


@registry.stages.register("narrascope.techniques.v1")
class TechniqueStage(BaseStage):
    """Find persuasion spans and label each with one of the 14 PTC techniques.

    ``second_label`` adds a second span with the same offsets when the classifier's runner-up
    technique is at least that probable (PTC spans often carry two techniques).
    """

    name: ClassVar[str] = "techniques"
    version: str = "1"  # replaced per instance by artefact_version()
    requires: ClassVar[tuple[str, ...]] = ("sentences", "tokens")
    assigns: ClassVar[tuple[str, ...]] = ("techniques",)

    def __init__(
        self,
        model_path: str | Path | None = None,
        threshold: float | None = None,
        extend_threshold: float | None = None,
        second_label: float = 0.35,
    ) -> None:
        self.model_path = Path(model_path) if model_path else MODEL_PATH
        self.threshold = threshold
        self.extend_threshold = extend_threshold
        self.second_label = second_label
        # the stored results are stale whenever the artefact or a setting changes
        self.version = artefact_version(
            "1",
            self.model_path,
            threshold=threshold,
            extend_threshold=extend_threshold,
            second_label=second_label,
        )

    def predict(self, doc: Document) -> list[TechniqueSpan]:
        """Technique spans for one document (no side effects on ``doc``)."""
        if doc.language not in ("", "en") or not doc.tokens:
            return []
        bundle = load_models(self.model_path)
        detector, classifier = bundle["detector"], bundle["classifier"]
        spans = detector.decode(
            doc, *detector.token_proba(doc), self.threshold, self.extend_threshold
        )
        if not spans:
            return []
        proba = classifier.predict_proba([(doc.text, s, e) for s, e, _ in spans])
        out: list[TechniqueSpan] = []
        for (start, end, p_span), row in zip(spans, proba, strict=True):
            order = np.argsort(-row)
            text = doc.text[start:end]
            for rank, j in enumerate(order[:2]):
                if rank == 1 and row[j] < self.second_label:
                    break
                tech = str(classifier.classes_[j])
                out.append(TechniqueSpan(start, end, tech, round(float(p_span * row[j]), 4), text))
        return out

    @staticmethod
    def set_annotations(doc: Document, spans: list[TechniqueSpan]) -> None:
        doc.techniques = spans
        if doc.language not in ("", "en"):
            note = "techniques: the technique models are English-only; no spans for this language"
            if note not in doc.notes:
                doc.notes.append(note)

    def __call__(self, doc: Document) -> Document:
        self.set_annotations(doc, self.predict(doc))
        return doc
