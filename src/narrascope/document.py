"""The one typed document model that flows through every pipeline stage.

A :class:`Document` is created by ingestion and then *enriched* by stages:
``nlp`` adds sentences, tokens, mentions and entities; ``embeddings`` adds one
vector per sentence; ``narratives``, ``framing`` and ``techniques`` add their
results. Every character offset in every field refers to ``Document.text``
(``end`` is exclusive, Python string indices), so a result can always be shown
as a quote from the article.

Everything except tokens and vectors round-trips through :meth:`Document.to_dict`
and :meth:`Document.from_dict`; that JSON is what the store persists, so the
report, the API and later re-runs can rebuild the document without re-analysing.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

__all__ = [
    "ACTOR_LABEL",
    "Document",
    "Entity",
    "Evidence",
    "Framing",
    "Mention",
    "NarrativeLabel",
    "NarrativeResult",
    "RoleScore",
    "Sentence",
    "TechniqueSpan",
    "Token",
    "as_copy",
    "nearest_occurrence",
    "results_on",
]


@dataclass(slots=True)
class Token:
    """A token of the text; kept in memory only (never persisted)."""

    start: int
    end: int
    text: str
    is_space: bool = False


@dataclass(slots=True)
class Sentence:
    """A sentence as a character span of ``Document.text``."""

    start: int
    end: int
    text: str


#: Entity label of names found by the actor lists (languages without NER): type unknown.
ACTOR_LABEL = "ACTOR"


@dataclass(slots=True)
class Mention:
    """One occurrence of a named entity in the text.

    ``entity`` is the id of the :class:`Entity` (within this document) that the
    alias merger assigned the mention to.
    """

    start: int
    end: int
    text: str
    label: str
    sentence: int
    entity: str = ""


@dataclass(slots=True)
class Entity:
    """A canonical entity of one document, with its merged aliases.

    ``id`` is a normalised key that is stable across documents (the same person
    gets the same id in every article), ``name`` the canonical display name.
    """

    id: str
    name: str
    label: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Evidence:
    """A quote that supports a prediction: a sentence (or span) with offsets."""

    start: int
    end: int
    text: str
    score: float = 0.0
    sentence: int = -1


@dataclass(slots=True)
class NarrativeLabel:
    """One predicted narrative (``level="narrative"``) or sub-narrative."""

    label: str
    level: str
    probability: float
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class NarrativeResult:
    """Output of the ``narratives`` stage."""

    domain: str
    labels: list[NarrativeLabel] = field(default_factory=list)
    dominant: str = "Other"
    dominant_sub: str = ""
    explanation: str = ""
    explanation_backend: str = ""


@dataclass(slots=True)
class RoleScore:
    role: str
    probability: float


@dataclass(slots=True)
class Framing:
    """The role one entity plays in one article (output of ``framing``).

    ``main_role`` is empty when the entity is merely mentioned, or when the
    model is unsure of its role: then ``uncertain`` is true and
    ``main_probability`` holds the (too low) probability of its likeliest role,
    so "no role" never stands in for a guess nobody should act on.
    ``mention`` is the index of the mention the prediction belongs to, or -1
    for the per-entity (aggregated) prediction. ``salience`` is the probability
    that the article casts the entity in a role at all (aggregated framings of
    languages with a salience model; 0 otherwise), so readers can rank actors.
    ``fine_roles`` carry the model's own probability of each role (one-vs-rest:
    they need not sum to 1).
    """

    entity: str
    name: str
    main_role: str
    main_probability: float
    fine_roles: list[RoleScore] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    mention: int = -1
    salience: float = 0.0
    uncertain: bool = False


@dataclass(slots=True)
class TechniqueSpan:
    """A span of persuasion with its technique (output of ``techniques``)."""

    start: int
    end: int
    technique: str
    probability: float
    text: str = ""


@dataclass(slots=True)
class Document:
    """An article and everything the pipeline learned about it."""

    id: str
    text: str
    title: str = ""
    url: str = ""
    outlet: str = ""
    published: date | None = None
    language: str = ""
    source: str = ""
    #: the characters of the source file before ``text`` (a ``.txt`` file's header
    #: lines, stripped by ingestion); empty when ``text`` starts the file or there is
    #: no file. Exports whose offsets must index the file itself add its length.
    source_prefix: str = ""
    authors: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    duplicate_of: str | None = None
    notes: list[str] = field(default_factory=list)
    stage_versions: dict[str, str] = field(default_factory=dict)
    # stage outputs
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    sentence_vectors: np.ndarray | None = None
    narratives: NarrativeResult | None = None
    framings: list[Framing] = field(default_factory=list)
    techniques: list[TechniqueSpan] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers
    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def from_record(self) -> bool:
        """One record of a JSONL/CSV file: ``source`` is ``file:LINE``, which moves when
        records are inserted, so it identifies the file, not the article."""
        return "line" in self.meta

    def source_offset(self, index: int, *, utf16: bool = False) -> int:
        """Offset ``index`` of ``text`` as an offset into the source file's text.

        ``utf16`` counts UTF-16 code units (as the SemEval-2025 files do) instead of
        Python characters (as the PTC files do). A BOM and CRLF line ends are
        characters of the file and are counted as such.
        """
        if not utf16:
            return len(self.source_prefix) + index
        astral = sum(1 for ch in self.source_prefix if ord(ch) > 0xFFFF)
        astral += sum(1 for ch in self.text[:index] if ord(ch) > 0xFFFF)
        return len(self.source_prefix) + index + astral

    def entity(self, entity_id: str) -> Entity | None:
        for ent in self.entities:
            if ent.id == entity_id:
                return ent
        return None

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence containing character ``offset`` (-1 if none)."""
        for i, sent in enumerate(self.sentences):
            if sent.start <= offset < sent.end:
                return i
        return -1

    # ------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tokens and sentence vectors are not included)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("tokens", "sentence_vectors"):
                continue
            value = getattr(self, f.name)
            if f.name == "published":
                out[f.name] = value.isoformat() if value else None
            elif dataclasses.is_dataclass(value):
                out[f.name] = dataclasses.asdict(value)  # type: ignore[arg-type]
            elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
                out[f.name] = [dataclasses.asdict(v) for v in value]
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if kwargs.get("published"):
            kwargs["published"] = date.fromisoformat(str(kwargs["published"])[:10])
        for name, typ in _PERSISTED_LISTS.items():
            if name in kwargs and kwargs[name] is not None:
                kwargs[name] = [_build(typ, item) for item in kwargs[name]]
        if kwargs.get("narratives"):
            kwargs["narratives"] = _build(NarrativeResult, kwargs["narratives"])
        kwargs.pop("tokens", None)
        kwargs.pop("sentence_vectors", None)
        return cls(**kwargs)


#: list-valued Document fields that are persisted, with their item type
_PERSISTED_LISTS = {
    "sentences": Sentence,
    "mentions": Mention,
    "entities": Entity,
    "framings": Framing,
    "techniques": TechniqueSpan,
}


_NESTED: dict[tuple[type, str], type] = {
    (NarrativeResult, "labels"): NarrativeLabel,
    (NarrativeLabel, "evidence"): Evidence,
    (Framing, "fine_roles"): RoleScore,
    (Framing, "evidence"): Evidence,
}


def _build(typ: type, data: dict[str, Any]) -> Any:
    """Rebuild a (possibly nested) dataclass from its ``asdict`` form."""
    kwargs = dict(data)
    for (owner, name), inner in _NESTED.items():
        if owner is typ and name in kwargs:
            kwargs[name] = [_build(inner, item) for item in kwargs[name]]
    return typ(**kwargs)


def as_copy(doc: Document, original_id: str) -> Document:
    """``doc`` as a stored copy of the article ``original_id`` (not analysed itself).

    Its id mixes the original's with the copy's source, so every file or URL that
    brought the same article has a row of its own (exports name each file, the
    report each outlet) and a re-run finds the same row again.
    """
    key = f"{original_id}\0{doc.source}".encode()
    copy_id = hashlib.sha256(key).hexdigest()[:16]
    meta = {**doc.meta, "copy_of": original_id}  # exact, unlike a near-duplicate
    return dataclasses.replace(doc, id=copy_id, duplicate_of=original_id, meta=meta)


def results_on(original: Document, copy: Document) -> Document:
    """The original's results placed on a copy's text, for per-file export formats.

    Document-level results carry over as they are. Spans (mentions, techniques) are
    found again in the copy's text, at the occurrence nearest their old place; those
    the copy lacks are dropped with the framings of their mentions.
    """
    moved = [
        nearest_occurrence(copy.text, original.text[m.start : m.end], m.start)
        for m in original.mentions
    ]
    mentions = [
        dataclasses.replace(m, start=start, end=start + (m.end - m.start)) if start >= 0 else m
        for m, start in zip(original.mentions, moved, strict=True)
    ]
    kept = {i for i, start in enumerate(moved) if start >= 0}
    techniques = []
    for span in original.techniques:
        start = nearest_occurrence(copy.text, original.text[span.start : span.end], span.start)
        if start >= 0:
            techniques.append(
                dataclasses.replace(span, start=start, end=start + (span.end - span.start))
            )
    return dataclasses.replace(
        original,
        id=copy.id,
        source=copy.source,
        source_prefix=copy.source_prefix,
        text=copy.text,
        duplicate_of=copy.duplicate_of,
        mentions=mentions,
        entities=[
            dataclasses.replace(e, mentions=[i for i in e.mentions if i in kept])
            for e in original.entities
        ],
        framings=[f for f in original.framings if f.mention < 0 or f.mention in kept],
        techniques=techniques,
        sentences=[],  # offsets of the original's text: not valid on the copy's
    )


def nearest_occurrence(text: str, needle: str, near: int) -> int:
    """Start of the occurrence of ``needle`` in ``text`` nearest ``near``; -1 if none."""
    if not needle:
        return -1
    if text[near : near + len(needle)] == needle:
        return near
    best, i = -1, text.find(needle)
    while i != -1:
        if best < 0 or abs(i - near) < abs(best - near):
            best = i
        i = text.find(needle, i + 1)
    return best
