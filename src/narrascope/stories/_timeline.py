"""Timeline of a story: the dated events its articles report, grouped across outlets.

Why two steps. ``dateparser.search.search_dates`` alone reads too much as dates in news
text ("$61" becomes 1961, "12 years" becomes 2012) and misses plain ones ("3 March 2024
and in May 2023"). So date *phrases* are first spotted with patterns built from
dateparser's own locale data (month and weekday names, its relative phrases such as
"yesterday" or "на прошлой неделе", its "N days ago" patterns), and each phrase is then
*resolved* by ``DateDataParser`` against the article's publication date
(``RELATIVE_BASE``, ``PREFER_DATES_FROM='past'``). No date arithmetic is written here.

Nothing is dated that the data does not date: a phrase that needs a reference point
("on Friday", "last week", "3 March" without a year) is dated only when the article has a
publication date; an undated article yields only dates that carry their own year.

A date is written at the precision the text gives it (ISO 8601 reduced precision):
``2024-03-08`` (day), ``2024-W09`` (week: "last week"), ``2024-03`` (month), ``2024``
(year); ``granularity`` says which.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from narrascope.document import Document, Sentence

__all__ = [
    "DateMention",
    "Event",
    "TimelineEntry",
    "build_timeline",
    "components",
    "date_mentions",
    "entity_overlap",
    "extract_events",
    "language_of",
    "lexical_similarity",
    "sentences_of",
]

#: dateparser period → our granularity (a time of day is still a day)
_GRANULARITY = {"time": "day", "day": "day", "week": "week", "month": "month", "year": "year"}
_UNITS = ("day", "week", "month", "year")
#: a number as dateparser's "N days ago" patterns write it, or a number word ("two")
_DP_NUMBER = r"(\d++[.,]?\d*+)"
_NUMBER_OR_WORD = r"(?:\d+|[^\W\d_]+)"
#: prepositions before a bare year ("in 2019"): a bare four-digit number is too often a count
_YEAR_PREPOSITIONS = {"en": "in|since", "ru": "в|с", "bg": "през|от", "pt": "em|desde"}
_MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_B = r"(?<![\w-])"  # start of a word (hyphen counts as a word character: "COVID-19")
_E = r"(?![\w-])"  # end of a word


@dataclass(slots=True)
class DateMention:
    """A date phrase of an article and the date dateparser resolved it to.

    ``start``/``end`` index ``Document.text``; ``relative`` says the phrase needed the
    publication date ("yesterday", "3 March") to be dated.
    """

    start: int
    end: int
    text: str
    date: str
    granularity: str
    relative: bool
    sentence: int


@dataclass(slots=True)
class Event:
    """One dated sentence of one article."""

    article: str
    outlet: str
    date: str
    granularity: str
    text: str
    start: int
    end: int
    phrase: DateMention
    entities: frozenset[str] = frozenset()


@dataclass(slots=True)
class TimelineEntry:
    """Events of several articles that report the same thing on the same date."""

    date: str
    granularity: str
    event: str
    events: list[Event] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        return sorted({e.outlet for e in self.events if e.outlet})

    @property
    def articles(self) -> list[str]:
        return list(dict.fromkeys(e.article for e in self.events))

    def to_dict(self) -> dict[str, Any]:
        """The issue's JSON shape: ``{"date", "event", "outlets", "quotes"}`` and more."""
        return {
            "date": self.date,
            "granularity": self.granularity,
            "event": self.event,
            "outlets": self.outlets,
            "articles": self.articles,
            "quotes": [
                {
                    "article": e.article,
                    "outlet": e.outlet,
                    "start": e.start,
                    "end": e.end,
                    "text": e.text,
                    "date_text": e.phrase.text,
                }
                for e in self.events
            ],
        }


# --------------------------------------------------------------------- spotting


def _alternation(words: Sequence[str]) -> str:
    """A regex matching any of ``words``, longest first, factored as a trie.

    A flat alternation of a hundred phrases makes the engine try each at every word of
    the text; the trie tries one branch per first letter.
    """
    trie: dict[str, Any] = {}
    for word in {w for w in words if w}:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [
        re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word may end here: the longer words are tried first
        return f"(?:{body})?"
    return body


@lru_cache(maxsize=32)
def _locale_info(language: str) -> dict[str, Any] | None:
    from dateparser.languages.loader import default_loader

    try:
        return dict(default_loader.get_locale(language).info)
    except (ValueError, KeyError):
        return None


def _names(info: dict[str, Any], keys: Sequence[str], shortest: int = 4) -> list[str]:
    """Full names of months/weekdays: abbreviations ("fri", "sat") are ordinary words too,
    and a name that is a prefix of a longer one is dropped ("Sexta" is "sixth",
    "sexta-feira" is Friday). Month names only count beside a day or a year, so
    "May" may be as short as three letters."""
    out: list[str] = []
    for key in keys:
        names = [str(n).lower() for n in info.get(key, [])]
        for name in names:
            if len(name) < shortest or name.endswith("."):
                continue
            if any(o != name and o.startswith(name) for o in names):
                continue
            out.append(name)
    return out


def _relative_phrases(info: dict[str, Any]) -> list[str]:
    phrases: list[str] = []
    for key, values in info.get("relative-type", {}).items():
        if not any(unit in key for unit in (*_UNITS, *_WEEKDAY_KEYS)):
            continue  # hours, minutes, centuries: not a date of an event
        for phrase in values:
            phrase = str(phrase).lower()
            if len(phrase) >= 4 and max(len(t) for t in phrase.split()) >= 4:
                phrases.append(phrase)
    return phrases


def _ago_pattern(info: dict[str, Any]) -> str:
    """dateparser's "N days ago" / "in N weeks" patterns as one regex, the number (or a
    number word: "two days ago") factored out so that each word of the text is tried
    once, not once per pattern."""
    around: dict[str, list[str]] = {}
    for key, patterns in info.get("relative-type-regex", {}).items():
        if not any(unit in key for unit in _UNITS):
            continue
        for pattern in patterns:
            # "(N)d ago" glues its unit to the number: with number words it would read
            # "in bad" as "in ba d(ays)"
            if _DP_NUMBER not in pattern or not re.search(re.escape(_DP_NUMBER) + r"\s", pattern):
                continue
            before, _, after = pattern.partition(_DP_NUMBER)
            around.setdefault(before, []).append(after)
    pieces = [
        f"{before}{_NUMBER_OR_WORD}(?:{'|'.join(sorted(set(afters), key=lambda a: -len(a)))})"
        for before, afters in sorted(around.items())
    ]
    return "|".join(pieces)


@lru_cache(maxsize=32)
def _spotter(language: str) -> re.Pattern[str]:
    """One regex whose named group says what kind of date phrase matched.

    ``abs_*`` groups carry their year (dated without a publication date); ``rel_*``
    groups need one. Built from dateparser's locale data, so every language dateparser
    knows gets its month/weekday names and relative phrases; an unknown language gets
    the numeric forms only.
    """
    info = _locale_info(language) or {}
    iso = r"\d{4}-\d{2}-\d{2}"
    numeric = r"\d{1,2}[./]\d{1,2}[./]\d{4}"
    groups = [f"(?P<abs_iso>{iso}{_E})", f"(?P<abs_numeric>{numeric}{_E})"]
    months = _alternation(_names(info, _MONTH_KEYS, shortest=3))
    if months:
        day = r"\d{1,2}(?:st|nd|rd|th|\.)?"
        year = r"\d{4}"
        m = f"(?:{months})"
        groups += [
            f"(?P<abs_dmy>{day}\\s+{m}\\.?,?\\s+{year}{_E})",
            f"(?P<abs_mdy>{m}\\.?\\s+{day},?\\s+{year}{_E})",
            f"(?P<abs_my>{m}\\.?,?\\s+{year}{_E})",
            f"(?P<rel_dm>{day}\\s+{m}{_E})",
            f"(?P<rel_md>{m}\\.?\\s+{day}(?![\\w.-]))",
        ]
    ago = _ago_pattern(info)
    if ago:
        groups.append(f"(?P<rel_ago>(?:{ago}){_E})")
    relative = _alternation(_relative_phrases(info))
    if relative:
        groups.append(f"(?P<rel_phrase>(?:{relative}){_E})")
    weekdays = _alternation(_names(info, _WEEKDAY_KEYS))
    if weekdays:
        groups.append(f"(?P<rel_weekday>(?:{weekdays}){_E})")
    prepositions = _YEAR_PREPOSITIONS.get(language)
    if prepositions:
        groups.append(
            f"(?:{prepositions})\\s+(?P<abs_year>(?:1[89]|20)\\d\\d){_E}(?!\\s*(?:%|[-–]))"
        )
    # every phrase starts a word: checked once, before the alternation, so that the
    # engine skips the inside of words at once (3x faster than a check per branch)
    return re.compile(_B + "(?:" + "|".join(groups) + ")", re.IGNORECASE)


# ------------------------------------------------------------------- resolving


@lru_cache(maxsize=256)
def _parser(language: str, published: date | None) -> Any:
    """A ``DateDataParser`` for one language and reference date (cached: building one
    costs milliseconds, an article reuses it for each phrase)."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }
    if published is not None:
        settings["RELATIVE_BASE"] = datetime(published.year, published.month, published.day)
    languages = [language] if _locale_info(language) is not None else None
    return DateDataParser(languages=languages, settings=settings)


def _format(value: datetime, granularity: str) -> str:
    if granularity == "year":
        return f"{value.year:04d}"
    if granularity == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if granularity == "week":
        iso = value.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return value.date().isoformat()


@lru_cache(maxsize=4096)
def resolve(phrase: str, language: str, published: date | None) -> tuple[str, str] | None:
    """``(ISO date, granularity)`` of ``phrase`` as dateparser reads it; None if it cannot.

    Cached: dateparser takes milliseconds per phrase, and a story's articles of one day
    repeat their phrases ("on Friday", "yesterday").
    """
    try:
        data = _parser(language, published).get_date_data(phrase)
    except (ValueError, OverflowError, TypeError):
        return None
    if data is None or data.date_obj is None:
        return None
    value: datetime = data.date_obj
    granularity = _GRANULARITY.get(str(data.period or "day"), "day")
    ceiling = (published.year if published else date.today().year) + 50
    if not 1000 <= value.year <= ceiling:
        return None
    return _format(value, granularity), granularity


def language_of(doc: Document) -> str:
    """The document's language as a bare lower-case code ("en-GB" → "en"; none → "en",
    as the ``nlp`` stage's sentence splitter assumes too)."""
    return re.split(r"[-_]", (doc.language or "en").strip().lower(), maxsplit=1)[0] or "en"


def sentences_of(doc: Document) -> list[Sentence]:
    """The document's sentences, split here when the ``nlp`` stage has not run."""
    if doc.sentences:
        return doc.sentences
    from narrascope.nlp import split_sentences

    return split_sentences(doc.text, language_of(doc))


def date_mentions(doc: Document, sentences: Sequence[Sentence] | None = None) -> list[DateMention]:
    """Every date phrase of ``doc`` that dateparser can date, in text order.

    Relative phrases are skipped when ``doc.published`` is None (see the module doc).
    """
    sents = list(sentences) if sentences is not None else sentences_of(doc)
    language = language_of(doc)
    spotter = _spotter(language)
    out: list[DateMention] = []
    for i, sent in enumerate(sents):
        for match in spotter.finditer(doc.text, sent.start, sent.end):
            kind = match.lastgroup or ""
            relative = kind.startswith("rel_")
            if relative and doc.published is None:
                continue
            start, end = match.span(kind)
            phrase = doc.text[start:end]
            resolved = resolve(phrase, language, doc.published)
            if resolved is None:
                continue
            iso, granularity = resolved
            if kind == "abs_year":
                iso, granularity = iso[:4], "year"
            out.append(DateMention(start, end, phrase, iso, granularity, relative, i))
    return out


# ------------------------------------------------------------------ similarity


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def lexical_similarity(texts: Sequence[str]) -> np.ndarray:
    """Pairwise Jaccard similarity of the texts' sets of character 4-grams within words.

    A model-free fallback for the sentence encoder: 4-grams are robust to inflection
    ("approved"/"approves"); it does not cross languages (figures and entities do).
    One sparse product gives every pair's shared 4-grams at once.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    n = len(texts)
    out = np.eye(n, dtype=np.float32)
    if n < 2:
        return out
    vectorizer = CountVectorizer(
        analyzer="char_wb", ngram_range=(4, 4), binary=True, preprocessor=_words
    )
    try:
        grams = vectorizer.fit_transform(texts)
    except ValueError:  # no text has a 4-gram (empty or one-letter words only)
        return out
    shared = (grams @ grams.T).toarray().astype(np.float32)
    sizes = np.diag(shared).copy()
    union = sizes[:, None] + sizes[None, :] - shared
    np.divide(shared, union, out=out, where=union > 0)
    np.fill_diagonal(out, 1.0)
    return out


def similarity_matrix(
    texts: Sequence[str], encode: Callable[[list[str]], Any] | None = None
) -> np.ndarray:
    """Cosine of ``encode``'s vectors (any ``encode(list[str]) -> array``), else lexical."""
    if encode is None or not texts:
        return lexical_similarity(texts)
    vecs = np.asarray(encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
    return np.clip(vecs @ vecs.T, -1.0, 1.0)


def components(adjacency: np.ndarray) -> list[list[int]]:
    """Connected components of a boolean adjacency matrix, each sorted, in first-member
    order (stable output for stable input)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = adjacency.shape[0]
    if n == 0:
        return []
    _, labels = connected_components(csr_matrix(adjacency), directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def entity_overlap(sets: Sequence[frozenset[str]]) -> tuple[np.ndarray, np.ndarray]:
    """``(shared, smaller)``: per pair, how many entities both have and the size of the
    smaller set (one sparse product instead of a Python loop over pairs)."""
    from scipy.sparse import csr_matrix

    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, entities in enumerate(sets):
        for entity in entities:
            rows.append(i)
            cols.append(vocab.setdefault(entity, len(vocab)))
    n = len(sets)
    matrix = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(1, len(vocab)))
    )
    shared = (matrix @ matrix.T).toarray()
    sizes = np.array([len(e) for e in sets], dtype=np.float32)
    return shared, np.minimum(sizes[:, None], sizes[None, :])


def sentence_entities(doc: Document, sentence: Sentence) -> frozenset[str]:
    """Ids of the entities the ``nlp`` stage found in ``sentence`` (empty without it)."""
    return frozenset(
        m.entity or m.text.lower() for m in doc.mentions if sentence.start <= m.start < sentence.end
    )


# -------------------------------------------------------------------- timeline


def extract_events(doc: Document) -> list[Event]:
    """One event per dated sentence and date (a sentence naming two dates gives two)."""
    sents = sentences_of(doc)
    events: list[Event] = []
    seen: set[tuple[int, str]] = set()
    for mention in date_mentions(doc, sents):
        if (mention.sentence, mention.date) in seen:
            continue
        seen.add((mention.sentence, mention.date))
        sent = sents[mention.sentence]
        events.append(
            Event(
                article=doc.id,
                outlet=doc.outlet.strip(),
                date=mention.date,
                granularity=mention.granularity,
                text=sent.text,
                start=sent.start,
                end=sent.end,
                phrase=mention,
                entities=sentence_entities(doc, sent),
            )
        )
    return events


def build_timeline(
    docs: Sequence[Document],
    *,
    encode: Callable[[list[str]], Any] | None = None,
    threshold: float | None = None,
) -> list[TimelineEntry]:
    """The story's dated events in date order, same-date reports of one thing merged.

    Two events merge when they have the same date at the same granularity and their texts
    are similar (cosine of ``encode``'s vectors, or the lexical fallback) at ``threshold``
    or more (default 0.5 with an encoder, 0.2 lexical), or at half of it when they share an
    entity.
    Dates at different granularities never merge: "March 2024" is not "8 March 2024".
    """
    events = [e for doc in docs for e in extract_events(doc)]
    if threshold is None:
        threshold = 0.2 if encode is None else 0.5
    entries: list[TimelineEntry] = []
    by_date: dict[tuple[str, str], list[Event]] = {}
    for event in events:
        by_date.setdefault((event.date, event.granularity), []).append(event)
    for (day, granularity), same_day in by_date.items():
        sims = similarity_matrix([e.text for e in same_day], encode)
        shared, _ = entity_overlap([e.entities for e in same_day])
        linked = (sims >= threshold) | ((shared > 0) & (sims >= threshold / 2))
        for group in components(linked):
            members = [same_day[i] for i in group]
            entries.append(TimelineEntry(day, granularity, members[0].text, members))
    entries.sort(key=lambda t: (t.date, -len(t.events)))
    return entries
