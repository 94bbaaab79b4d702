"""The ``framing`` stage: the role each entity of an article plays, with evidence.

Per canonical entity (mentions merged by alias in ``nlp``) the stage writes one
aggregated :class:`~narrascope.document.Framing` (``mention=-1``), and one per
mention of every entity that receives a role. Scores are computed for all the
mentions of a batch at once (:meth:`FramingStage.predict`) and written into the
documents separately (:meth:`FramingStage.set_annotations`).

Why aggregate by averaging the mentions' distributions: an entity's role in an
article is the article's view of it, and one sentence ("Ukraine was shelled")
should not outvote five; the evidence is the sentences whose mentions most
support the chosen role. An entity is *merely mentioned* (empty main role) when
it is not an actor (weapons, events, buildings), when the language's salience
model (:mod:`narrascope.framing._salience`) finds it unlikely that the article
casts it in a role at all: the gold annotates only the actors a story is about.
A language without a salience model falls back to a rule (two mentions, or one
in the title or lead). An entity the article does cast but whose calibrated role
probability stays below ``min_probability`` (by default the model's threshold,
chosen for precision on the training part) gets no role either and is marked
``uncertain``: a wrong "villain" is worse than an honest "unclear".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from narrascope.artefacts import artefact_version, load_artefact, require_artefact
from narrascope.document import Document, Evidence, Framing, RoleScore
from narrascope.framing._features import mention_features
from narrascope.framing._model import FINE_ROLES, FramingModel, RolePrediction, select_fine
from narrascope.framing._salience import (
    SALIENCE_PATH,
    SalienceModel,
    entity_rows,
    load_salience,
    rule_has_role,
)
from narrascope.pipeline import BaseStage, minibatch, registry

__all__ = ["MODEL_PATH", "FramingStage", "MentionScores", "load_model"]

#: The artefact written by ``training/framing.py``.
MODEL_PATH: Path = Path(__file__).resolve().parent / "models" / "framing-v1.joblib"


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> FramingModel:
    """The trained model (loaded once per process; our own joblib artefact)."""
    return load_artefact(path, FramingModel, "framing")


def _fine_score(pred: RolePrediction, role: str) -> float:
    """A mention's score of ``role``; predictions without ``fine_scores`` list kept roles only."""
    if pred.fine_scores:
        return pred.fine_scores.get(role, 0.0)
    return dict(pred.fine_roles).get(role, 0.0)


@dataclass(slots=True)
class MentionScores:
    """The model's output for the mentions of one document (index into ``doc.mentions``)."""

    mentions: list[int]
    predictions: list[RolePrediction]
    #: (salience, can have a role) per entity id, when ``predict`` already decided it
    bearers: dict[str, tuple[float, bool]] | None = None


@registry.stages.register("narrascope.framing.v1")
class FramingStage(BaseStage):
    """Main and fine roles per entity and per mention, with evidence sentences.

    Parameters
    ----------
    model_path : the joblib artefact (default: the bundled model).
    min_probability : aggregated (calibrated) main-role probability below which
        the entity gets no role and is marked ``uncertain``; None keeps the
        model's own abstention threshold (chosen on the training part for
        precision, ``MODEL_CARD.md``), 0 never abstains.
    min_mentions : with ``salience`` off (or no model for the language), entities
        with fewer mentions, none in the title or lead, are merely mentioned.
    per_mention : also write one Framing per mention of role-bearing entities.
    max_evidence : evidence sentences kept per aggregated framing.
    salience : decide "merely mentioned" with the per-language salience models
        (``salience_path``, default the bundled ones) instead of the rule.
    salience_threshold : salience probability from which an entity gets a role;
        None keeps each model's own (chosen in CV to keep the rule's recall at
        higher precision). Raise it for fewer, surer roles.
    """

    name: ClassVar[str] = "framing"
    version: str = "1"  # replaced per instance by artefact_version()
    requires: ClassVar[tuple[str, ...]] = ("sentences", "tokens", "mentions", "entities")
    assigns: ClassVar[tuple[str, ...]] = ("framings",)

    #: the artefact used when no path is given, and the code part of the version
    default_path: ClassVar[Path] = MODEL_PATH
    version_base: ClassVar[str] = "2"

    def __init__(
        self,
        model_path: Path | str | None = None,
        min_probability: float | None = None,
        min_mentions: int = 2,
        per_mention: bool = True,
        max_evidence: int = 3,
        salience: bool = True,
        salience_path: Path | str | None = None,
        salience_threshold: float | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path else self.default_path
        self.min_probability = min_probability
        self.min_mentions = min_mentions
        self.per_mention = per_mention
        self.max_evidence = max_evidence
        self.salience_path = Path(salience_path) if salience_path else SALIENCE_PATH
        self.salience_threshold = salience_threshold
        # the artefacts load when the stage first analyses something (see `model`,
        # `salience`); a missing one still fails here, before any data is read
        self._salience: dict[str, SalienceModel] | None = None if salience else {}
        if salience:
            require_artefact(self.salience_path, "salience")
        self._load(self.model_path)
        # the stored results are stale whenever the artefact or a setting changes
        self.version = artefact_version(
            self.version_base,
            self.model_path,
            min_probability=min_probability,
            min_mentions=min_mentions,
            per_mention=per_mention,
            max_evidence=max_evidence,
            salience=(artefact_version("sal", self.salience_path) if salience else None),
            salience_threshold=salience_threshold,
            **self._version_params(),
        )

    @property
    def _fine_threshold(self) -> float:
        """The artefact's fine-role threshold (read from the model, so on first use)."""
        return float(getattr(self._scorer(), "fine_threshold", 0.9))

    @property
    def _min_probability(self) -> float:
        """Below this main-role probability the stage abstains: the setting, or else the
        threshold the model chose for precision on its training folds (on first use, so
        a re-run with nothing to analyse never loads the model)."""
        if self.min_probability is not None:
            return float(self.min_probability)
        return float(getattr(self._scorer(), "abstain_threshold_", 0.0))

    def _load(self, path: Path) -> None:
        """Check the artefact exists; the lexical model itself loads on first use
        (subclasses with another model override this)."""
        require_artefact(path, "framing")

    @property
    def model(self) -> FramingModel:
        """The lexical model, loaded when the stage first analyses something."""
        return load_model(self.model_path)

    @property
    def salience(self) -> dict[str, SalienceModel]:
        """The per-language salience models (empty with ``salience=False``), loaded on
        first use."""
        if self._salience is None:
            self._salience = load_salience(self.salience_path)
        return self._salience

    def _scorer(self) -> object:
        """The fitted model whose thresholds (fine roles, abstention) the stage applies."""
        return self.model

    def _version_params(self) -> dict[str, object]:
        """Further inputs of the results (other artefacts) that must change the version."""
        return {}

    # ------------------------------------------------------------------ run
    def __call__(self, doc: Document) -> Document:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, docs: Iterable[Document], batch_size: int = 32) -> Iterator[Document]:
        for batch in minibatch(docs, batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

    # -------------------------------------------------------------- predict
    def predict(self, docs: list[Document]) -> list[MentionScores]:
        """Role scores for the mentions of the entities that can receive a role, batched.

        Why only those: an entity the salience model (or the rule) reports as merely
        mentioned gets no role whatever its mentions score, and such entities hold
        a third of an article's mentions (places, weapons, passing names); deciding
        salience first cut the mentions scored on 100 English test articles from
        4,617 to 3,048 and framing's CPU time by a third (``bench/framing_speed.py``),
        and changes no framing.
        """
        feats: list[dict[str, str]] = []
        owners: list[tuple[int, int]] = []
        decisions = [self._role_bearers(doc) for doc in docs]
        for d, doc in enumerate(docs):
            for ent in doc.entities:
                if not decisions[d][ent.id][1]:
                    continue
                for i in ent.mentions:
                    m = doc.mentions[i]
                    if m.entity:
                        feats.append(mention_features(doc, m.start, m.end).as_dict())
                        owners.append((d, i))
        preds = self.model.predict_roles(feats) if feats else []
        out = [MentionScores([], [], bearers) for bearers in decisions]
        for (d, i), p in sorted(zip(owners, preds, strict=True), key=lambda op: op[0]):
            out[d].mentions.append(i)
            out[d].predictions.append(p)
        return out

    # ------------------------------------------------------- set_annotations
    def set_annotations(self, docs: list[Document], scores: list[MentionScores]) -> None:
        """Write aggregated and per-mention framings into each document."""
        for doc, sc in zip(docs, scores, strict=True):
            by_mention = dict(zip(sc.mentions, sc.predictions, strict=True))
            decisions = sc.bearers if sc.bearers is not None else self._role_bearers(doc)
            framings: list[Framing] = []
            per_mention: list[Framing] = []
            for ent in doc.entities:
                own = [i for i in ent.mentions if i in by_mention]
                agg = self._aggregate(doc, ent.id, ent.name, own, by_mention, decisions[ent.id])
                framings.append(agg)
                if self.per_mention and agg.main_role:
                    per_mention += [
                        self._mention_framing(doc, ent.id, ent.name, i, by_mention[i]) for i in own
                    ]
            doc.framings = framings + sorted(per_mention, key=lambda f: f.mention)

    def _role_bearers(self, doc: Document) -> dict[str, tuple[float, bool]]:
        """(salience, can have a role) of every entity: the language's model, else the rule."""
        model = self.salience.get((doc.language or "").lower()[:2])
        if model is None:
            return {
                e.id: (0.0, rule_has_role(doc, e.label, e.mentions, self.min_mentions))
                for e in doc.entities
            }
        out = dict.fromkeys((e.id for e in doc.entities), (0.0, False))
        rows = entity_rows(doc)
        if rows:
            proba = model.predict_proba(list(rows.values()))[:, 1]
            cut = model.threshold if self.salience_threshold is None else self.salience_threshold
            out.update({k: (float(p), bool(p >= cut)) for k, p in zip(rows, proba, strict=True)})
        return out

    def _aggregate(
        self,
        doc: Document,
        entity_id: str,
        name: str,
        own: list[int],
        by_mention: dict[int, RolePrediction],
        decision: tuple[float, bool],
    ) -> Framing:
        score, has_role = decision
        if not (has_role and own):
            return Framing(entity_id, name, "", 0.0, salience=score)
        preds = [by_mention[i] for i in own]
        mains = sorted(preds[0].main_distribution)
        dist = np.mean([[p.main_distribution[r] for r in mains] for p in preds], axis=0)
        k = int(np.argmax(dist))
        main, prob = mains[k], float(dist[k])
        if prob < self._min_probability:
            return Framing(entity_id, name, "", prob, salience=score, uncertain=True)
        agreeing = [p for p in preds if p.main_role == main] or preds
        roles = FINE_ROLES[main]
        # the mean one-vs-rest probability of each fine role over the mentions that
        # agree on the main role: an average of probabilities, never renormalised
        mean = np.array(
            [np.mean([_fine_score(p, r) for p in agreeing]) for r in roles], dtype=np.float64
        )
        fines = [RoleScore(r, pr) for r, pr in select_fine(roles, mean, self._fine_threshold)]
        evidence = self._evidence(doc, own, by_mention, main)
        return Framing(entity_id, name, main, prob, fines, evidence, salience=score)

    def _evidence(
        self, doc: Document, own: list[int], by_mention: dict[int, RolePrediction], main: str
    ) -> list[Evidence]:
        """The sentences whose mentions most support ``main`` (one quote per sentence)."""
        best: dict[int, float] = {}
        for i in own:
            s = doc.mentions[i].sentence
            if s < 0 or s >= len(doc.sentences):
                s = doc.sentence_index(doc.mentions[i].start)
            if s < 0:
                continue
            score = by_mention[i].main_distribution.get(main, 0.0)
            best[s] = max(best.get(s, 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[: self.max_evidence]
        out = []
        for s, score in ranked:
            sent = doc.sentences[s]
            out.append(Evidence(sent.start, sent.end, sent.text, round(score, 4), s))
        return out

    def _mention_framing(
        self, doc: Document, entity_id: str, name: str, i: int, pred: RolePrediction
    ) -> Framing:
        m = doc.mentions[i]
        s = m.sentence if 0 <= m.sentence < len(doc.sentences) else doc.sentence_index(m.start)
        evidence = []
        if s >= 0:
            sent = doc.sentences[s]
            evidence.append(Evidence(sent.start, sent.end, sent.text, pred.main_probability, s))
        return Framing(
            entity_id,
            name,
            pred.main_role,
            pred.main_probability,
            [RoleScore(r, p) for r, p in pred.fine_roles],
            evidence,
            mention=i,
        )
