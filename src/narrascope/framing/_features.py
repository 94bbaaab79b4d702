"""Features of one entity mention, computed the same way at training and run time.

Why these fields: whether an entity is a hero, a villain or a victim is decided
less by the words of its sentence than by *who it is* (the mention's own words:
"civilians" are victims, "Bill Gates" is a villain in climate-sceptic outlets),
by *which side the article takes* (the whole document's vocabulary: a text full
of "Kiev regime" frames Ukraine differently from one about "Russian aggression")
and by the words right next to the mention ("killed", "brave", "accused"), with
the side of the mention kept apart so that "X attacked" and "attacked X" differ.
Every field is a plain string so that the model can vectorise it with TF-IDF
and the same code serves training (gold offsets) and inference (``Document``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from narrascope.document import Document

__all__ = ["FIELDS", "MentionFeatures", "mention_features", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)

#: The fields of :class:`MentionFeatures`, in the order the model vectorises them.
FIELDS: tuple[str, ...] = (
    "mention",
    "left",
    "right",
    "sentence",
    "document",
    "meta",
    "side",
    "left_text",
    "right_text",
    "entity_context",
)

#: Words either side of the mention that make up the near context.
WINDOW = 8


@dataclass(slots=True)
class MentionFeatures:
    """The text fields the framing model reads for one mention."""

    mention: str
    left: str
    right: str
    sentence: str
    document: str
    meta: str
    side: str
    left_text: str
    right_text: str
    entity_context: str

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def words(text: str) -> list[str]:
    """Lower-cased word tokens (any script)."""
    return _WORD.findall(text.lower())


_CLIMATE = re.compile(r"climat|carbon|emission|warming|greenhouse|co2|net.zero|fossil", re.I)
_WAR = re.compile(r"ukrain|russia|kremlin|putin|nato|zelensk|kyiv|kiev|moscow", re.I)


@lru_cache(maxsize=256)
def document_side(text: str) -> str:
    """A coarse marker of the article's domain and side, to pair with the entity's name.

    A linear model cannot learn "Ukraine is a victim in this outlet but a villain
    in that one" from separate name and document features; conjoining the name
    with a marker of the article's side can. The domain is climate or war by
    keyword counts; on the war side, pro-Kremlin outlets write "Kiev" and
    "Kiev regime", others "Kyiv" (a known stance cue of this corpus).
    """
    climate, war = len(_CLIMATE.findall(text)), len(_WAR.findall(text))
    domain = "cc" if climate > war else "ua"
    if domain == "cc":
        return domain
    kiev, kyiv = text.count("Kiev"), text.count("Kyiv")
    side = "kiev" if kiev > kyiv else "kyiv" if kyiv > kiev else "none"
    return f"{domain}{side}"


def entity_context(text: str, start: int, end: int, limit: int = 12) -> list[str]:
    """Word windows around every occurrence of the mention's name in the article.

    One annotated occurrence often says little ("Kiev said on Monday"), while
    the article's other sentences about the same entity carry its stance; the
    name's last word (a surname, "Ukraine" in "Ukraine's army") finds them.
    """
    name = text[start:end]
    keys = [w for w in re.findall(r"\w+", name) if len(w) >= 3]
    key = keys[-1] if keys else name
    return list(_key_windows(text, key, limit))


@lru_cache(maxsize=256)
def _key_windows(text: str, key: str, limit: int) -> tuple[str, ...]:
    """The windows of :func:`entity_context` for one search key; cached because every
    mention of an entity (dozens in a long article) searches the article for the same
    key (the text's hash is computed once per string object, and a hit compares the
    same object); small, since an article's mentions come one after another."""
    windows: list[str] = []
    for match in re.finditer(rf"(?<!\w){re.escape(key)}", text):
        left = text[max(match.start() - 100, 0) : match.start()].split()[-6:]
        right = text[match.end() : match.end() + 100].split()[:6]
        windows.append(" ".join([*left, "X", *right]))
        if len(windows) >= limit:
            break
    return tuple(windows)


def _sentence_span(doc: Document, start: int, end: int) -> tuple[int, int]:
    """Character span of the sentence holding the mention (line bounds without sentences)."""
    for sent in doc.sentences:
        if sent.start <= start < sent.end:
            return sent.start, max(sent.end, end)
    left = doc.text.rfind("\n", 0, start) + 1
    right = doc.text.find("\n", end)
    return left, len(doc.text) if right < 0 else right


def mention_features(doc: Document, start: int, end: int) -> MentionFeatures:
    """Text fields for the mention ``doc.text[start:end]`` (Python offsets, end exclusive)."""
    text = doc.text
    s_start, s_end = _sentence_span(doc, start, end)
    left_words = words(text[max(s_start - 200, 0) : start])[-WINDOW:]
    right_words = words(text[end : end + 200])[:WINDOW]
    # the two words next to the mention matter most: give them their own tokens
    near = [f"L1_{w}" for w in left_words[-2:]] + [f"R1_{w}" for w in right_words[:2]]
    position = "title" if text.find("\n") > start or start < 200 else "body"
    lang = (doc.language or "xx").lower()[:2]
    n_same = text.count(text[start:end])
    meta = [f"lang_{lang}", f"pos_{position}", f"freq_{min(n_same, 5)}"]
    side = document_side(text)
    mention_words = words(text[start:end])
    conj = [f"{side}|{w}" for w in mention_words[-2:]] + [f"{side}|{w}" for w in left_words[-2:]]
    return MentionFeatures(
        mention=" ".join(words(text[start:end])) or text[start:end].lower(),
        left=" ".join(left_words + near),
        right=" ".join(right_words),
        sentence=" ".join(words(text[s_start:s_end])),
        document=text,
        meta=" ".join([*meta, f"side_{side}"]),
        side=" ".join(conj),
        left_text=" ".join(text[max(s_start, start - 160) : start].split()[-WINDOW * 2 :]),
        right_text=" ".join(text[end : min(s_end, end + 160)].split()[: WINDOW * 2]),
        entity_context="\n".join(entity_context(text, start, end)),
    )
