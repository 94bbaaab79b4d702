"""Russian named entities from natasha (slovnet NER + pymorphy2 lemmas), merged with actors.

Why: the Russian actor list (``_actors.py``) only knows names the training gold
framed, so a new minister, city or ministry in an unseen article is no entity
at all. ``natasha`` (MIT, offline: navec embeddings + slovnet NER, PER/ORG/LOC)
finds the others. Russian declines names (Россия, России, Россию), so mentions
are grouped by the pymorphy2 lemmas of their words (natasha's ``MorphVocab``),
and a name whose lemmas are those of a listed actor joins that actor.

natasha is optional: it is imported only when a Russian article is analysed,
and without it the stage keeps the actor list alone and says so in the notes.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import lru_cache

from narrascope.document import ACTOR_LABEL, Document, Entity, Mention
from narrascope.nlp._actors import ActorMatcher, word_spans

__all__ = ["NATASHA_MISSING", "load_natasha", "russian_entities"]

#: Added to the note of a Russian article analysed without natasha installed.
NATASHA_MISSING = (
    "natasha is not installed (pip install natasha==1.6.0 finds the other people, "
    "organisations and places)"
)

#: A finder: text -> (start, end, natasha type) spans; a lemmatiser: word -> lemma.
Finder = Callable[[str], list[tuple[int, int, str]]]
Lemmatiser = Callable[[str], str]


@lru_cache(maxsize=1)
def load_natasha() -> tuple[Finder, Lemmatiser] | None:
    """natasha's NER and pymorphy2 lemmatiser, or None when natasha is not installed.

    Loading costs ~1-4 s (navec vectors, pymorphy2 dictionaries): cached, and
    only called for Russian articles.
    """
    try:
        with warnings.catch_warnings():
            # pymorphy2 0.9 imports pkg_resources, which warns on every start
            warnings.simplefilter("ignore")
            from natasha import Doc, MorphVocab, NewsEmbedding, NewsNERTagger, Segmenter
    except ImportError:
        return None
    segmenter = Segmenter()
    tagger = NewsNERTagger(NewsEmbedding())
    vocab = MorphVocab()

    def find(text: str) -> list[tuple[int, int, str]]:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        return [(s.start, s.stop, s.type) for s in doc.spans]

    @lru_cache(maxsize=65536)
    def lemma(word: str) -> str:
        parses = vocab.parse(word)
        return str(parses[0].normal_form) if parses else word.casefold()

    return find, lemma


def _lemma_key(text: str, lemma: Lemmatiser) -> str:
    """The case-insensitive lemmas of a name's words: "Владимира Путина" -> "владимир путин"."""
    return " ".join(lemma(text[s:e]).casefold() for s, e in word_spans(text))


def _nominative(surface: str, lemma: Lemmatiser) -> bool:
    """Is the first word of ``surface`` in its dictionary form (likely nominative)?"""
    spans = word_spans(surface)
    if not spans:
        return False
    first = surface[spans[0][0] : spans[0][1]]
    return first.isupper() or lemma(first).casefold() == first.casefold()


def russian_entities(
    doc: Document,
    matcher: ActorMatcher | None,
    finder: Finder,
    lemma: Lemmatiser,
) -> tuple[list[Mention], list[Entity]]:
    """Actor-list mentions plus natasha's, one entity per actor or per lemma key.

    Actor matches come first (they are the names annotators framed); a natasha
    span overlapping one is dropped. A natasha span whose lemma key is an
    actor's joins that actor; a lone surname joins the article's one full name
    ending in it ("Шойгу" with "Сергей Шойгу"). Entity ids are ``ru:<key>``,
    the actor list's id scheme, so an entity keeps its id across articles.
    """
    text = doc.text
    found: list[tuple[int, int, str]] = []  # (start, end, key)
    actor_key: dict[str, str] = {}  # lemma key of an actor name -> its id key
    names: dict[str, str] = {}  # id key -> fixed display name (actors)
    if matcher is not None:
        for start, end, name in matcher.find(text):
            found.append((start, end, name.casefold()))
        for name in matcher.names():
            names[name.casefold()] = name
            actor_key.setdefault(_lemma_key(name, lemma), name.casefold())
    taken = [(s, e) for s, e, _ in found]
    extra: list[tuple[int, int, str]] = []
    for start, end, _kind in finder(text):
        if end <= start or any(s < end and start < e for s, e in taken):
            continue
        key = _lemma_key(text[start:end], lemma)
        if key:
            taken.append((start, end))
            extra.append((start, end, actor_key.get(key, key)))
    found = sorted(found + extra)
    # a lone surname -> the article's unique full name ending in it (actor or not)
    lemmas = [_lemma_key(text[s:e], lemma) for s, e, _ in found]
    full: dict[str, set[str]] = defaultdict(set)
    for (_, _, key), lkey in zip(found, lemmas, strict=True):
        if " " in lkey:
            full[lkey.rsplit(" ", 1)[1]].add(key)
    for i, ((start, end, key), lkey) in enumerate(zip(found, lemmas, strict=True)):
        owners = full.get(lkey, set()) if " " not in lkey and text[start].isupper() else set()
        if len(owners) == 1 and key not in owners:
            found[i] = (start, end, next(iter(owners)))
    mentions: list[Mention] = []
    entities: dict[str, Entity] = {}
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for start, end, key in found:
        ent_id = f"{doc.language}:{key}"
        surface = text[start:end]
        ent = entities.setdefault(ent_id, Entity(ent_id, names.get(key, ""), ACTOR_LABEL))
        surfaces[ent_id][surface] += 1
        if surface not in ent.aliases:
            ent.aliases.append(surface)
        ent.mentions.append(len(mentions))
        sentence = doc.sentence_index(start)
        mentions.append(Mention(start, end, surface, ACTOR_LABEL, sentence, ent_id))
    for ent in entities.values():
        if not ent.name:
            # the most frequent spelling in the dictionary form, else the most frequent
            ranked = sorted(
                surfaces[ent.id].items(),
                key=lambda kv: (not _nominative(kv[0], lemma), -kv[1], kv[0]),
            )
            ent.name = ranked[0][0]
        if ent.name in ent.aliases:
            ent.aliases.remove(ent.name)
    return mentions, list(entities.values())
