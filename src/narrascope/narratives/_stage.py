"""The ``narratives`` stage: narratives and sub-narratives with evidence and an explanation.

Scores for a batch are computed at once (:meth:`NarrativeStage.predict`) and
written into the documents separately (:meth:`NarrativeStage.set_annotations`).
Decision thresholds are the ones inner cross-validation chose for the article's
language (a global triple for other languages); the label set is made consistent
with the taxonomy's hierarchy (:func:`~narrascope.narratives.enforce_hierarchy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from narrascope.artefacts import artefact_version, load_artefact, require_artefact
from narrascope.document import Document, Evidence, NarrativeLabel, NarrativeResult
from narrascope.narratives._explain import ChatClient, explain
from narrascope.narratives._llm import LLMClient, LLMConfig
from narrascope.narratives._local import LocalLLMClient
from narrascope.narratives._model import NarrativeInput, NarrativeModel, decide_labels
from narrascope.narratives._taxonomy import OTHER, domain_of, parent_of
from narrascope.pipeline import BaseStage, minibatch, registry

__all__ = ["MODEL_PATH", "NarrativeScores", "NarrativeStage", "load_model"]

#: The artefact written by ``training/narratives.py``.
MODEL_PATH: Path = Path(__file__).resolve().parent / "models" / "narratives-v1.joblib"


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> NarrativeModel:
    """The trained model (loaded once per process; our own joblib artefact)."""
    return load_artefact(path, NarrativeModel, "narratives")


@dataclass(slots=True)
class NarrativeScores:
    """The model's output for one document, before it is written into it."""

    domain: str
    probabilities: dict[str, float]
    narratives: list[str]
    subnarratives: list[str]


@registry.stages.register("narrascope.narratives.v1")
class NarrativeStage(BaseStage):
    """Multi-label narratives per article, evidence sentences, dominant-narrative explanation.

    Parameters
    ----------
    model_path : the joblib artefact (default: the bundled model).
    explainer : ``template`` (offline default) or ``llm`` (OpenAI-compatible endpoint
        from ``llm_base_url``/``llm_model``/``llm_api_key`` or ``NARRASCOPE_LLM_*``).
    max_evidence : evidence sentences kept per label (1–3).
    min_words : shorter texts (a headline, "Hello") are labelled ``Other`` with a note:
        the classifier's scores on a handful of words are noise that reads as a
        confident narrative (a one-word text scored 0.57 for a URW sub-narrative).
    """

    name: ClassVar[str] = "narratives"
    version: str = "1"  # replaced per instance by artefact_version()
    requires: ClassVar[tuple[str, ...]] = ("sentences", "sentence_vectors")
    assigns: ClassVar[tuple[str, ...]] = ("narratives",)

    def __init__(
        self,
        model_path: Path | str | None = None,
        explainer: str = "template",
        max_evidence: int = 3,
        llm_base_url: str = "",
        llm_model: str = "",
        llm_api_key: str = "",
        llm_timeout: float = 30.0,
        local_model_path: str = "",
        min_words: int = 20,
    ) -> None:
        if explainer not in ("template", "llm", "local"):
            raise ValueError(f"explainer must be 'template', 'llm' or 'local', not {explainer!r}")
        self.model_path = Path(model_path) if model_path else MODEL_PATH
        self.explainer = explainer
        self.max_evidence = max(1, min(3, max_evidence))
        self.min_words = max(0, min_words)
        require_artefact(self.model_path, "narratives")  # loaded on first use: see `model`
        # the stored results are stale whenever the artefact or a setting changes
        self.version = artefact_version(
            "1",
            self.model_path,
            explainer=explainer,
            max_evidence=self.max_evidence,
            min_words=self.min_words,
        )
        self.client: ChatClient | None = None
        if explainer == "local":
            self.client = LocalLLMClient(local_model_path or None)
        if explainer == "llm":
            config = LLMConfig.from_env(
                base_url=llm_base_url, model=llm_model, api_key=llm_api_key, timeout=llm_timeout
            )
            if config is None:
                raise ValueError("explainer='llm' needs llm_base_url or NARRASCOPE_LLM_BASE_URL")
            self.client = LLMClient(config)

    @property
    def model(self) -> NarrativeModel:
        """The trained model, loaded when the stage first analyses something, so that
        building the pipeline (which a re-run of unchanged articles needs only for the
        stage versions) loads nothing."""
        return load_model(self.model_path)

    # ------------------------------------------------------------------ run
    def __call__(self, doc: Document) -> Document:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, docs: Iterable[Document], batch_size: int = 32) -> Iterator[Document]:
        for batch in minibatch(docs, batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

    # -------------------------------------------------------------- predict
    @staticmethod
    def _input(doc: Document) -> NarrativeInput:
        vecs = doc.sentence_vectors
        if vecs is None:
            vecs = np.zeros((0, 1), dtype=np.float32)
        return NarrativeInput(doc.text, vecs)

    def _thresholds(self, language: str) -> tuple[float, float, float | None]:
        """(coarse, fine, fall-back) thresholds inner CV chose for the article's language."""
        default = (
            self.model.threshold_coarse,
            self.model.threshold_fine,
            getattr(self.model, "threshold_fallback", None),
        )
        per_lang = getattr(self.model, "language_thresholds_", {})
        chosen = tuple(per_lang.get((language or "").upper(), default))
        return (*chosen, None)[:3]  # type: ignore[return-value]

    def predict(self, docs: list[Document]) -> list[NarrativeScores]:
        """Label probabilities, domain and the thresholded label set of every document."""
        if not docs:
            return []
        inputs = [self._input(d) for d in docs]
        P, domains = self.model.predict_with_domain(inputs)
        out = []
        for doc, row, dom in zip(docs, P, domains, strict=True):
            nars, subs = decide_labels(self.model.labels_, row, *self._thresholds(doc.language))
            if self._too_short(doc):
                nars, subs = [OTHER], [OTHER]
            probs = {lab: float(v) for lab, v in zip(self.model.labels_, row, strict=True)}
            if nars != [OTHER]:
                dom = domain_of(nars[0])
            out.append(NarrativeScores(dom, probs, nars, subs))
        return out

    def _too_short(self, doc: Document) -> bool:
        return doc.word_count < self.min_words

    # ------------------------------------------------------- set_annotations
    def set_annotations(self, docs: list[Document], scores: list[NarrativeScores]) -> None:
        """Write labels, evidence, dominant narrative and explanation into each document."""
        for doc, sc in zip(docs, scores, strict=True):
            if self._too_short(doc):
                doc.notes.append(
                    f"narratives: {doc.word_count} words, too few to classify"
                    f" (min_words = {self.min_words}); labelled Other"
                )
            result = NarrativeResult(domain=sc.domain)
            if sc.narratives == [OTHER]:
                p_max = max(sc.probabilities.values(), default=0.0)
                result.labels = [NarrativeLabel(OTHER, "narrative", round(1.0 - p_max, 4))]
            else:
                result.labels = self._labels(doc, sc)
                nar = [lab for lab in result.labels if lab.level == "narrative"]
                result.dominant = max(nar, key=lambda lab: lab.probability).label
                subs = [
                    lab
                    for lab in result.labels
                    if lab.level == "subnarrative" and parent_of(lab.label) == result.dominant
                ]
                if subs:
                    result.dominant_sub = max(subs, key=lambda lab: lab.probability).label
            result.explanation, result.explanation_backend = explain(
                doc, result, self.client, backend=self.explainer
            )
            doc.narratives = result

    def _labels(self, doc: Document, sc: NarrativeScores) -> list[NarrativeLabel]:
        wanted = list(dict.fromkeys(sc.narratives)) + list(dict.fromkeys(sc.subnarratives))
        # A "<narrative>: Other" has no head of its own when it is only implied:
        # it takes its narrative's probability and evidence.
        scored = [lab if lab in sc.probabilities else parent_of(lab) for lab in wanted]
        sentences = [s.text for s in doc.sentences]
        contrib = self.model.sentence_scores(self._input(doc), sentences, scored)
        labels = []
        for lab, src, row in zip(wanted, scored, contrib, strict=True):
            level = "narrative" if lab.count(": ") == 1 else "subnarrative"
            order = [int(i) for i in np.argsort(-row)[: self.max_evidence] if row[i] > 0]
            evidence = [
                Evidence(
                    doc.sentences[i].start,
                    doc.sentences[i].end,
                    doc.sentences[i].text,
                    round(float(row[i]), 4),
                    i,
                )
                for i in order
            ]
            labels.append(
                NarrativeLabel(lab, level, round(sc.probabilities.get(src, 0.0), 4), evidence)
            )
        return labels
