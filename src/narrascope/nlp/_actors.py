"""Actor lists: entity mentions for languages without a named-entity model.

No NER model for Bulgarian, Hindi, Portuguese or Russian installs offline, but the
actors these corpora frame recur from article to article (Russia, Ukraine, Putin,
Zelensky, NATO, "the West"). ``training/actors.py`` builds one list per language
from the names in the training gold; this module matches them in new text.

Why prefixes rather than exact strings: Russian and Bulgarian decline names
(Россия, России, Россию, Россией) and Portuguese varies a few endings, so every
word of a listed name is reduced to a *core* (its first ``len - 2`` characters,
at least 4; shorter words and acronyms stay whole) and a text word matches when
it starts with the core and has at most :data:`SLACK` more characters
(Российский, "Russian", has too many).
Capitalised list words only match capitalised text words, so "Запад" (the
West) does not match "запад" (west). Hindi keeps its postpositions apart, so its
words must match whole.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "ACTORS_PATH",
    "ActorMatcher",
    "build_actors",
    "core",
    "load_actors",
    "prune_actors",
    "word_spans",
]

#: The lists written by ``training/actors.py`` (language code -> actors).
ACTORS_PATH: Path = Path(__file__).resolve().parent / "data" / "actors.json"

#: Languages whose words inflect: a text word may run this many characters past a core.
SLACK: dict[str, int] = {"ru": 3, "bg": 3, "uk": 3, "pt": 2}

_WORD = re.compile(r"[^\s.,;:!?\"'«»“”„‘’()\[\]{}<>/\\|—–\-…]+")


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (any script; punctuation splits)."""
    return [m.span() for m in _WORD.finditer(text)]


def core(word: str, language: str) -> str:
    """The part of ``word`` every inflected form shares (the whole word without slack)."""
    if SLACK.get(language, 0) == 0 or word.isupper() or len(word) <= 4:
        return word  # no inflection, an acronym (NATO, США) or too short to cut
    return word[: max(4, len(word) - 2)]


def _matches(word: str, pattern: str, slack: int) -> bool:
    if pattern.isupper() and len(pattern) > 1:
        return word == pattern  # acronyms do not inflect: ЕС is not Естония
    if pattern[:1].isupper() and not word[:1].isupper():
        return False
    w, p = word.casefold(), pattern.casefold()
    return w.startswith(p) and len(w) - len(p) <= slack


def build_actors(
    names: Mapping[str, int], language: str, min_docs: int = 1
) -> list[dict[str, Any]]:
    """Group name strings into actors: ``{"name", "forms", "docs"}`` per actor.

    ``names`` counts the articles naming each string. Strings whose words share
    cores are one actor (its forms are their core sequences), and so are a
    one-word name and the longer names it ends ("Путин", "Владимир Путин").
    The actor's name is its most frequent spelling. Actors named in fewer than
    ``min_docs`` articles are dropped. Deterministic (sorted inputs).
    """
    slack = SLACK.get(language, 0)
    entries: list[tuple[tuple[str, ...], str, int]] = []
    for name, n in sorted(names.items()):
        words = [name[s:e] for s, e in word_spans(name)]
        if not words or len(words) > 6 or any(ch.isdigit() for ch in name):
            continue
        entries.append((tuple(core(w, language) for w in words), name, n))
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return len(a) == len(b) and all(
            _matches(x, y, slack) or _matches(y, x, slack) for x, y in zip(a, b, strict=True)
        )

    def ends(one: tuple[str, ...], longer: tuple[str, ...]) -> bool:
        """A capitalised one-word name that ends a longer one (a surname, a city)."""
        return len(one) == 1 < len(longer) and one[0][:1].isupper() and same(one, longer[-1:])

    for i, (a, _, _) in enumerate(entries):
        for j in range(i):
            b = entries[j][0]
            if same(a, b) or ends(a, b) or ends(b, a):
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(entries)):
        groups.setdefault(find(i), []).append(i)
    actors = []
    for members in groups.values():
        spellings = Counter({entries[i][1]: entries[i][2] for i in members})
        docs = sum(spellings.values())
        if docs < min_docs:
            continue
        name = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        forms = sorted({entries[i][0] for i in members})
        actors.append({"name": name, "forms": [list(f) for f in forms], "docs": docs})
    return sorted(actors, key=lambda a: (-a["docs"], a["name"]))


class ActorMatcher:
    """Finds the listed actors of one language in text (longest match first)."""

    def __init__(self, actors: Iterable[Mapping[str, Any]], language: str) -> None:
        self.language = language
        self.slack = SLACK.get(language, 0)
        self._by_start: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for actor in actors:
            for form in actor["forms"]:
                key = form[0][:3].casefold()
                self._by_start.setdefault(key, []).append((tuple(form), actor["name"]))
        for forms in self._by_start.values():
            forms.sort(key=lambda f: (-len(f[0]), -sum(map(len, f[0]))))

    def __len__(self) -> int:
        return len(self.names())

    def names(self) -> list[str]:
        """The listed actors' names, sorted."""
        return sorted({name for forms in self._by_start.values() for _, name in forms})

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, actor name)`` of every listed actor named in ``text``."""
        spans = word_spans(text)
        words = [text[s:e] for s, e in spans]
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            hit = None
            for form, name in self._by_start.get(words[i][:3].casefold(), []):
                k = len(form)
                if i + k <= len(words) and all(
                    _matches(words[i + j], form[j], self.slack) for j in range(k)
                ):
                    hit = (k, name)
                    break
            if hit is None:
                i += 1
                continue
            k, name = hit
            out.append((spans[i][0], spans[i + k - 1][1], name))
            i += k
        return out


def prune_actors(
    actors: list[dict[str, Any]], texts: Iterable[str], language: str, min_share: float
) -> list[dict[str, Any]]:
    """Drop actors that articles name far more often than annotators framed them.

    A common word annotated once (Hindi लोग, "people") would otherwise become a
    mention in every article. ``texts`` are the articles ``actors`` were built
    from; an actor is kept when the articles that framed it (its ``docs``) are at
    least ``min_share`` of the articles in which the matcher finds it.
    """
    matcher = ActorMatcher(actors, language)
    found: Counter[str] = Counter()
    for text in texts:
        found.update({name for _, _, name in matcher.find(text)})
    return [a for a in actors if a["docs"] >= min_share * max(found[a["name"]], 1)]


@lru_cache(maxsize=1)
def _lists() -> dict[str, list[dict[str, Any]]]:
    if not ACTORS_PATH.exists():
        return {}
    data: dict[str, list[dict[str, Any]]] = json.loads(ACTORS_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=16)
def load_actors(language: str) -> ActorMatcher | None:
    """The matcher of ``language``'s shipped actor list, or None when it has none."""
    actors = _lists().get(language)
    return ActorMatcher(actors, language) if actors else None
