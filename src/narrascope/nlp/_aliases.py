"""Entity alias merging: one canonical entity per person, organisation or place.

Why: analysts ask "how is *Zelensky* framed", not "how is the string
'Zelenskiy' framed". Mentions are merged within an article by (1) a gazetteer
of well-known aliases and metonyms ("the Kremlin", "Moscow said" → the Russian
government), (2) spelling-tolerant name keys ("Zelenskiy", "Zelenskyy" and
"Volodymyrr Zelenskyy" share the key ``zelensky``), (3) surname → full name
("Biden" → "Joe Biden"), (4) acronyms ("NATO" ↔ "North Atlantic Treaty
Organization") and (5) title phrases ("the U.S. President" → the president of
the U.S. named in the article). Entity ids are derived from the normalised key
alone, so the same entity gets the same id in every article of the corpus.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from narrascope.document import Entity, Mention

__all__ = [
    "Gazetteer",
    "link_corpus_entities",
    "load_gazetteer",
    "merge_aliases",
    "name_key",
    "strip_titles",
]

_DATA = Path(__file__).parent / "data" / "aliases.json"

TITLES = (
    "president",
    "vice president",
    "prime minister",
    "minister",
    "foreign minister",
    "defence minister",
    "defense minister",
    "chancellor",
    "secretary",
    "secretary of state",
    "senator",
    "sen.",
    "rep.",
    "representative",
    "governor",
    "gov.",
    "general",
    "gen.",
    "mr.",
    "mr",
    "mrs.",
    "mrs",
    "ms.",
    "ms",
    "dr.",
    "dr",
    "sir",
    "king",
    "queen",
    "pope",
    "mayor",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "ambassador",
    "commander",
    "lt.",
    "col.",
    "colonel",
)
_TITLE_RE = re.compile(
    r"^(?:(?:the|former|then|acting|incumbent|u\.?s\.?|us|american|russian|ukrainian|british|"
    r"french|german|chinese)\s+)*(?:"
    + "|".join(re.escape(t) for t in sorted(TITLES, key=len, reverse=True))
    + r")\s+",
    re.IGNORECASE,
)
_POSSESSIVE_RE = re.compile(r"(?:'s|’s|'|’)$")
_LEADING_THE_RE = re.compile(r"^the\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Gazetteer:
    """Known aliases: normalised alias → (canonical name, label, key)."""

    aliases: dict[str, tuple[str, str, str]]
    metonyms: dict[str, tuple[str, str, str]]
    nationality: dict[str, str]
    country_words: dict[str, str]
    heads: dict[str, dict[str, str]]
    raw_entities: tuple[dict[str, Any], ...] = ()
    #: demonyms and adjectives that stand for an actor: "ukrainian" -> Ukraine
    demonyms: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    raw_demonyms: tuple[dict[str, Any], ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(
            v[2] for v in (*self.aliases.values(), *self.metonyms.values(), *self.demonyms.values())
        )


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    aliases: dict[str, tuple[str, str, str]] = {}
    for ent in data["entities"]:
        value = (ent["name"], ent["label"], ent["key"])
        for alias in [ent["name"], *ent.get("aliases", [])]:
            aliases[_norm_text(alias)] = value
    metonyms = {
        _norm_text(alias): (m["name"], m["label"], m["key"])
        for m in data["metonyms"]
        for alias in m["aliases"]
    }
    by_key = {ent["key"]: ent for ent in data["entities"]}
    demonyms: dict[str, tuple[str, str, str]] = {}
    for d in data.get("demonyms", []):
        target = by_key.get(d["key"], d)  # an entity of the list, or defined here
        for alias in d["aliases"]:
            demonyms[_norm_text(alias)] = (target["name"], target["label"], d["key"])
    return Gazetteer(
        aliases=aliases,
        metonyms=metonyms,
        nationality=data["nationality"],
        country_words={_norm_text(k): v for k, v in data["country_words"].items()},
        heads=data["heads"],
        raw_entities=tuple(data["entities"]),
        demonyms=demonyms,
        raw_demonyms=tuple(data.get("demonyms", [])),
    )


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _norm_text(text: str) -> str:
    text = _strip_accents(text).lower().replace("’", "'")
    text = _LEADING_THE_RE.sub("", text.strip())
    text = _POSSESSIVE_RE.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" .,;:")


def strip_titles(name: str) -> str:
    """ "President Joe Biden" → "Joe Biden"; "the Kremlin's" → "Kremlin"."""
    name = _POSSESSIVE_RE.sub("", name.strip())
    previous = None
    while previous != name:
        previous = name
        name = _TITLE_RE.sub("", name).strip()
    return _LEADING_THE_RE.sub("", name).strip()


def _spelling_key(token: str) -> str:
    """Spelling-tolerant key of one name token (transliteration variants collapse)."""
    token = re.sub(r"[^a-z\u0400-\u04ff\u0900-\u097f]", "", _strip_accents(token).lower())
    token = re.sub(r"(.)\1+", r"\1", token)  # Zelenskyy → Zelensky, Volodymyrr → Volodymyr
    token = re.sub(r"(?:iy|yi|ii|ij|yj)$", "y", token)  # Zelenskiy → Zelensky
    return token.replace("kh", "h").replace("ck", "k")


def name_key(name: str) -> str:
    """Normalised key of a (title-stripped) name: spelling-tolerant, order-preserving."""
    tokens = [_spelling_key(t) for t in strip_titles(name).split()]
    return " ".join(t for t in tokens if t)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9\u0400-\u04ff\u0900-\u097f]+", "-", text.lower()).strip("-") or "x"


def _acronym(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and w[0].isupper()]
    return "".join(w[0] for w in words)


_COMM_VERB_RE = re.compile(
    r"^\W{0,2}\s*(?:has|have|had|is|was|will|would|could|may|might|also|again|has\s+long|"
    r"said|says|say|warned|warns|announced|announces|claimed|claims|accused|accuses|denied|"
    r"denies|insisted|insists|threatened|threatens|responded|responds|vowed|vows|rejected|"
    r"rejects|condemned|condemns|demanded|demands|signaled|signalled|signals|hit\s+back|"
    r"retaliated|approved|approves|authorised|authorized|decided|decides|refused|refuses|"
    r"lowered|lowers|updated|updates|changed|changes|sees|saw|views|considers|wants|plans|"
    r"believes|argued|argues|stated|states|declared|declares|blamed|blames|reacted|reacts|"
    r"official|officials|government|'s|’s)\b",
    re.IGNORECASE,
)


_LOCATIVE_RE = re.compile(
    r"\b(?:in|to|from|at|near|around|outside|into|across|toward|towards|via|over|of|visited|"
    r"visit|visiting|flew|travelled|traveled|arrived)\s+$",
    re.IGNORECASE,
)


def _is_metonymic(text: str, mention: Mention) -> bool:
    """Is a capital city used for its government ("Moscow warned", "thanked Washington")?

    A capital after a locative word ("in Moscow", "flew to Washington") is the
    place; followed by a speech/action verb, or as a bare object, it is the
    government.
    """
    if _COMM_VERB_RE.match(text[mention.end : mention.end + 40]):
        return True
    before = text[max(0, mention.start - 25) : mention.start]
    if _LOCATIVE_RE.search(before):
        return False
    return bool(re.search(r"[a-z]\s+$", before))


_TITLE_PHRASE_RE = re.compile(
    r"\b(?:the|The)\s+((?:U\.S\.|US|American|Russian|Ukrainian|French|German|British|Chinese)"
    r"\s+(?:President|president|leader|Prime Minister|prime minister|Chancellor|chancellor))\b"
    r"|\b(?:the|The)\s+(Kremlin (?:chief|leader|boss))\b"
)


def find_title_phrases(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Descriptive mentions such as "the U.S. President" not covered by NER spans."""
    out: list[tuple[int, int, str]] = []
    for m in _TITLE_PHRASE_RE.finditer(text):
        start = m.start()
        end = m.end()
        if any(s < end and start < e for s, e in taken):
            continue
        out.append((start, end, m.group(0)))
    return out


def _country_of_phrase(phrase: str, gaz: Gazetteer) -> str:
    low = phrase.lower()
    if "kremlin" in low:
        return "RU"
    for word, country in gaz.country_words.items():
        if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", low):
            return country
    return ""


def merge_aliases(text: str, mentions: list[Mention]) -> list[Entity]:
    """Assign ``mention.entity`` for every mention and return the canonical entities.

    Mentions that are title phrases ("the U.S. President") and cannot be
    resolved to a named person of the article get the empty entity id and are
    dropped by the caller.
    """
    gaz = load_gazetteer()
    # key -> (label, names seen)
    assigned: list[tuple[str, str, str]] = []  # (key, display name candidate, label)
    governments: dict[str, tuple[str, str, str]] = {}  # capitals used for their governments
    for mention in mentions:
        raw = mention.text
        norm = _norm_text(raw)
        stripped = strip_titles(raw)
        if norm in gaz.metonyms and (
            "kremlin" in norm or mention.label == "ORG" or _is_metonymic(text, mention)
        ):
            name, label, key = gaz.metonyms[norm]
            assigned.append((key, name, label))
            governments[norm] = (key, name, label)
            mention.label = label
            continue
        if norm in gaz.demonyms:
            # "Ukrainian" (NORP) is Ukraine, "Western" the West: one actor, not two
            name, label, key = gaz.demonyms[norm]
            assigned.append((key, name, label))
            continue
        known = gaz.aliases.get(_norm_text(stripped)) or gaz.aliases.get(norm)
        if known:
            name, label, key = known
            assigned.append((key, name, label))
            mention.label = label  # "Kyiv" is a place even where the model said PERSON
            continue
        if mention.label == "TITLE":
            assigned.append(("", raw, "PERSON"))
            continue
        label = mention.label
        if label == "PERSON":
            key = "person:" + _slug(name_key(stripped))
        else:
            key = f"{label.lower()}:" + _slug(_norm_text(stripped) or norm)
        assigned.append((key, stripped or raw, label))

    # a capital that stands for its government once does so throughout the article:
    # "Washington warned" and "talks in Washington" are one actor, not a GPE and an ORG
    for i, mention in enumerate(mentions):
        government = governments.get(_norm_text(mention.text))
        if government and assigned[i][0] != government[0]:
            assigned[i] = government
            mention.label = government[2]

    # surname → full name within the article (unambiguous only)
    person_full: dict[str, set[str]] = defaultdict(set)
    for key, _, _label in assigned:
        if key.startswith("person:") and "-" in key[7:]:
            person_full[key[7:].rsplit("-", 1)[1]].add(key)
    remap: dict[str, str] = {}
    for key, _, _label in assigned:
        # a lone surname; the small NER model sometimes calls it an ORG ("Hallam said")
        prefix, _, rest = key.partition(":")
        if prefix in ("person", "org") and rest and "-" not in rest:
            fulls = person_full.get(rest) or person_full.get(_slug(name_key(rest)), set())
            if len(fulls) == 1:
                remap[key] = next(iter(fulls))
    # first-name-less gazetteer hits (e.g. "Zelensky") share the gazetteer key already.

    # a shortened organisation name: "Senate" after "US Senate" (unambiguous only)
    org_keys = {key for key, _, label in assigned if key.startswith("org:")}
    for key in org_keys:
        longer = [k for k in org_keys if k != key and k.endswith("-" + key[4:])]
        if len(longer) == 1 and key not in remap:
            remap[key] = longer[0]

    # acronyms: "NATO" ↔ "North Atlantic Treaty Organization"
    long_names = {
        key: name
        for key, name, label in assigned
        if label in ("ORG", "GPE", "NORP") and " " in name
    }
    for key, name, label in assigned:
        if label in ("ORG", "GPE") and name.isupper() and 2 <= len(name) <= 6:
            for long_key, long_name in long_names.items():
                if _acronym(long_name) == name:
                    remap[long_key] = key

    # title phrases: "the U.S. President" → the article's president of that country
    person_keys = {remap.get(k, k) for k, _, lab in assigned if k.startswith("person:")}
    resolved: list[str] = []
    for (key, _name, _label), mention in zip(assigned, mentions, strict=True):
        key = remap.get(key, key)
        if not key:
            country = _country_of_phrase(mention.text, gaz)
            candidates = [
                k for k in person_keys if gaz.nationality.get(k.split(":", 1)[1]) == country
            ]
            if len(candidates) == 1:
                key = candidates[0]
            elif country and country in gaz.heads and "president" in mention.text.lower():
                head = gaz.heads[country]
                if head["key"] in person_keys:
                    key = head["key"]
        resolved.append(key)

    # canonical display names: gazetteer name, else the longest, then most frequent
    names: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    canonical_fixed: dict[str, str] = {}
    for (key, name, label), final in zip(assigned, resolved, strict=True):
        if not final:
            continue
        labels[final][label] += 1
        names[final][name] += 1
        if key in gaz.keys:
            canonical_fixed.setdefault(final, name)

    entities: dict[str, Entity] = {}
    for index, (mention, final) in enumerate(zip(mentions, resolved, strict=True)):
        mention.entity = final
        if not final:
            continue
        ent = entities.get(final)
        if ent is None:
            display = (
                canonical_fixed.get(final)
                or max(names[final].items(), key=lambda item: (len(item[0].split()), item[1]))[0]
            )
            ent = Entity(
                id=final, name=display, label=labels[final].most_common(1)[0][0], aliases=[]
            )
            entities[final] = ent
        ent.mentions.append(index)
        if mention.text not in ent.aliases:
            ent.aliases.append(mention.text)
    return list(entities.values())


def link_corpus_entities(docs: list[Any]) -> dict[str, str]:
    """Merge surname-only person ids into the corpus's unique full name, in place.

    Within one article "Sava" only merges with "Iryna Sava" if both occur
    there; across a corpus, an article that only says "Sava" should still count
    for Iryna Sava when she is the only Sava the corpus knows. Returns the
    id mapping applied (``{"person:sava": "person:iryna-sava"}``).
    """
    full: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for doc in docs:
        for ent in doc.entities:
            rest = ent.id.partition(":")[2]
            if ent.id.startswith("person:") and "-" in rest:
                full[rest.rsplit("-", 1)[1]].add(ent.id)
                names[ent.id] = ent.name
    mapping: dict[str, str] = {}
    for doc in docs:
        for ent in doc.entities:
            prefix, _, rest = ent.id.partition(":")
            if prefix in ("person", "org") and rest and "-" not in rest:
                candidates = full.get(rest, set())
                if len(candidates) == 1:
                    mapping[ent.id] = next(iter(candidates))
    if not mapping:
        return mapping
    for doc in docs:
        merged: dict[str, Any] = {}
        for ent in doc.entities:
            target = mapping.get(ent.id, ent.id)
            if target != ent.id:
                ent.id, ent.name, ent.label = target, names[target], "PERSON"
            if target in merged:
                merged[target].aliases += [
                    a for a in ent.aliases if a not in merged[target].aliases
                ]
                merged[target].mentions += ent.mentions
            else:
                merged[target] = ent
        doc.entities = list(merged.values())
        for mention in doc.mentions:
            mention.entity = mapping.get(mention.entity, mention.entity)
        for framing in doc.framings:
            if framing.entity in mapping:
                framing.entity = mapping[framing.entity]
                framing.name = names[framing.entity]
    return mapping
