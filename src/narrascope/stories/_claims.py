"""Claims of a story: check-worthy statements, grouped across outlets, wording and language.

A *claim* is a sentence that states something a reader could check: an attributed
statement ("X said …", "according to X"), a figure ("killed 12", "$61 billion", "35%"),
a date, or a decision ("approved", "banned", "signed"). Claims are found with small
per-language cue lists (EN, RU, BG, PT, HI reporting and decision verbs): the point is
recall of statements worth comparing, not a classifier's precision.

Grouping asks whether two sentences of different articles say the same thing. Three
signals, each used only when both claims have it:

* **figures**, normalised ("$61bn" = "61 billion" = "61 млрд" = 6.1e10): sharing one is
  strong evidence; having figures and sharing none is a *veto* ("$60 billion" is another
  claim than "$61 billion", however alike the sentences read); the same holds for dates
  that cannot name the same time ("2024-04-20" and "2024-04" can);
* **entities** of the ``nlp`` stage (ids are stable across articles): the share of the
  smaller set that the other has too;
* **text**: cosine of any ``encode(list[str]) -> array`` the caller passes (a
  multilingual encoder makes it cross languages), else character 4-gram overlap.

A weighted mean of the available signals at ``threshold`` or more links two claims; a
figure or date alone never links (two numbers "12" are not one claim without a shared
entity or some shared wording). A group is a set of claims of which every two link
(complete linkage), so a veto always holds inside a group.

Outlets: a claim carried by one outlet only, or only by outlets of one group (given an
outlet → group mapping), in a story that has two or more, is *one-sided*. A claim carried
by more than ``omission_share`` of the story's outlets (and by at least two) is listed as
an *omission* of every outlet of the story that does not carry it. Articles without an
outlet count for no outlet: their claims are listed, never attributed to a side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from narrascope.document import Document, Sentence
from narrascope.stories._timeline import (
    DateMention,
    date_mentions,
    entity_overlap,
    language_of,
    sentence_entities,
    sentences_of,
    similarity_matrix,
)

__all__ = [
    "Claim",
    "ClaimGroup",
    "ClaimReport",
    "Figure",
    "extract_claims",
    "find_figures",
    "flag_sides",
    "group_claims",
]

KINDS = ("attributed", "decision", "figure", "date")
#: words a sentence needs to be a claim
MIN_WORDS = 4
_WORDS = re.compile(r"[^\W_]+")

# ---------------------------------------------------------------------- figures

_SCALES: dict[str, float] = {
    "thousand": 1e3, "k": 1e3, "тыс": 1e3, "тысяч": 1e3, "тысячи": 1e3, "хиляди": 1e3,
    "mil": 1e3,
    "million": 1e6, "millions": 1e6, "mln": 1e6, "m": 1e6, "млн": 1e6, "миллион": 1e6,
    "миллиона": 1e6, "миллионов": 1e6, "милиона": 1e6, "милион": 1e6, "milhão": 1e6,
    "milhões": 1e6, "लाख": 1e5, "करोड़": 1e7,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "млрд": 1e9, "миллиард": 1e9,
    "миллиарда": 1e9, "миллиардов": 1e9, "милиарда": 1e9, "милиард": 1e9, "bilhão": 1e9,
    "bilhões": 1e9, "mil milhões": 1e9, "अरब": 1e9,
    "trillion": 1e12, "tn": 1e12, "трлн": 1e12, "триллион": 1e12, "трилиона": 1e12,
}  # fmt: skip
_CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₹": "INR"}
_CURRENCY_WORDS: dict[str, str] = {
    "dollars": "USD", "dollar": "USD", "usd": "USD", "долларов": "USD", "доллара": "USD",
    "долара": "USD", "dólares": "USD", "डॉलर": "USD",
    "euros": "EUR", "euro": "EUR", "eur": "EUR", "евро": "EUR",
    "pounds": "GBP", "рублей": "RUB", "рубля": "RUB", "rubles": "RUB", "roubles": "RUB",
    "лева": "BGN", "leva": "BGN", "reais": "BRL", "rupees": "INR", "रुपये": "INR",
}  # fmt: skip
_PERCENT_WORDS = {"%", "percent", "per cent", "процента", "процентов", "процент",
                  "por cento", "प्रतिशत"}  # fmt: skip


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_FIGURE = re.compile(
    rf"(?P<cur>{_alt(list(_CURRENCY_SYMBOLS))})?\s?(?<![\w.,-])"
    r"(?:(?P<int>\d{1,3}(?:(?P<sep>[,.\u00a0 ])\d{3})(?:(?P=sep)\d{3})*)(?P<dec>[.,]\d+)?"
    r"|(?P<plain>\d+(?:[.,]\d+)?))(?!\d)"
    rf"(?:(?P<gap>\s?)(?P<scale>{_alt(list(_SCALES))})(?![^\W\d_]))?"
    rf"(?:\s?(?P<unit>{_alt([*_CURRENCY_WORDS, *_PERCENT_WORDS])})(?![^\W\d_]))?",
    re.IGNORECASE,
)


@dataclass(slots=True, frozen=True)
class Figure:
    """A number of the text, normalised: ``value`` with its scale applied, ``unit`` one of
    ``percent``, a currency code, or ``count``."""

    start: int
    end: int
    text: str
    value: float
    unit: str

    def same(self, other: Figure) -> bool:
        """Equal values (to 1 part in 10⁹) and compatible units: a bare count matches a sum
        ("61 billion" and "$61bn"), a percentage only a percentage, currencies must agree."""
        if not math.isclose(self.value, other.value, rel_tol=1e-9):
            return False
        if self.unit == other.unit or "count" in (self.unit, other.unit):
            return "percent" not in (self.unit, other.unit) or self.unit == other.unit
        return False


def _number(m: re.Match[str]) -> float:
    """The matched number as a float: thousands separators dropped, "," or "." before
    the last digits read as the decimal point ("1,200.5" and "1 200,5" alike)."""
    if m.group("int"):
        whole = re.sub(r"\D", "", m.group("int"))
        decimals = (m.group("dec") or ".0")[1:]
        return float(f"{whole}.{decimals}")
    return float(m.group("plain").replace(",", "."))


def find_figures(text: str, start: int = 0, end: int | None = None) -> list[Figure]:
    """The numbers of ``text[start:end]`` (offsets into ``text``), normalised.

    A number glued to a word ("G7", "COVID-19", "12th") is a name, not a figure; a bare
    four-digit number from 1800 to 2100 is a year.
    """
    out: list[Figure] = []
    for m in _FIGURE.finditer(text, start, len(text) if end is None else end):
        scale = (m.group("scale") or "").lower()
        unit_word = (m.group("unit") or "").lower()
        stop = m.end()
        if len(scale) == 1 and m.group("gap"):  # "61 m" is metres; "$61m" is millions
            scale, unit_word, stop = "", "", m.start("scale") - len(m.group("gap"))
        if stop < len(text) and text[stop].isalpha() and not scale and not unit_word:
            continue
        plain = m.group("plain") or ""
        if (
            plain.isdigit()
            and len(plain) == 4
            and 1800 <= int(plain) <= 2100
            and not (scale or unit_word or m.group("cur"))
        ):
            continue  # a year ("in the 2010s – the last in 2015"): the timeline's, not a figure
        value = _number(m) * _SCALES.get(scale, 1.0)
        if unit_word in _PERCENT_WORDS:
            unit = "percent"
        elif m.group("cur"):
            unit = _CURRENCY_SYMBOLS[m.group("cur").lower()]
        elif unit_word:
            unit = _CURRENCY_WORDS[unit_word]
        else:
            unit = "count"
        begin = (
            m.start("cur")
            if m.group("cur")
            else m.start("int")
            if m.group("int")
            else m.start("plain")
        )
        out.append(Figure(begin, stop, text[begin:stop], value, unit))
    return out


# ----------------------------------------------------------------------- cues

_REPORTING = {
    "en": r"said|says|say|saying|told|tells|stated|states|claimed|claims|announced|"
    r"announces|warned|wrote|tweeted|"
    r"warns|added|confirmed|confirms|denied|denies|insisted|argued|alleged|reported|"
    r"according to",
    "ru": r"заявил[аи]?|сказал[аи]?|сообщил[аи]?|отметил[аи]?|подчеркнул[аи]?|"
    r"по словам|по данным|как сообщает|утверждает|утверждают|заявляет|заявляют",
    "bg": r"заяви(?:ха)?|каза(?:ха)?|съобщи(?:ха)?|посочи|според|твърди",
    "pt": r"disse(?:ram)?|afirmou|afirmaram|declarou|anunciou|segundo|de acordo com",
    "hi": r"कहा|बताया|के अनुसार|के मुताबिक",
}
_ACCORDING = {
    "en": r"according to",
    "ru": r"по словам|по данным|как сообщает",
    "bg": r"според",
    "pt": r"segundo|de acordo com",
    "hi": r"के अनुसार|के मुताबिक",
}
_DECISION = {
    "en": r"approved|approves|authori[sz]ed|authori[sz]es|banned|bans|signed|signs|passed|"
    r"vetoed|ratified|imposed|adopted|ordered|ruled|sanctioned|outlawed|suspended",
    "ru": r"одобрил[аи]?|утвердил[аи]?|подписал[аи]?|запретил[аи]?|принял[аи]?|"
    r"ввел[аи]?|ввёл|постановил[аи]?",
    "bg": r"одобри(?:ха)?|подписа(?:ха)?|забрани(?:ха)?|прие(?:ха)?|наложи(?:ха)?",
    "pt": r"aprovou|aprovaram|assinou|proibiu|autorizou|sancionou|decretou",
    "hi": r"मंजूरी दी|मंज़ूरी दी|हस्ताक्षर किए|प्रतिबंध लगा",
}
_SUBJECT_BEFORE = re.compile(r"((?:[A-ZА-Я][\w'’.-]*\s+){0,3}[A-ZА-Я][\w'’.-]*)\s*,?\s*$")
_SUBJECT_AFTER = re.compile(r"^\s*((?:[A-ZА-Я][\w'’.-]*\s+){0,3}[A-ZА-Я][\w'’.-]*)")
_SOURCE_LABELS = {"PERSON", "ORG", "GPE", "NORP", "ACTOR", "PER", "TITLE"}


def _cue(table: Mapping[str, str], language: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{table.get(language, table['en'])})(?![\w-])", re.I)


# --------------------------------------------------------------------- claims


@dataclass(slots=True)
class Claim:
    """A check-worthy sentence of one article.

    ``kind`` is the first of ``kinds`` in the order attributed, decision, figure, date;
    ``start``/``end`` index ``Document.text`` (the quote); ``dates`` are the ISO dates
    of the sentence as the timeline resolved them.
    """

    article: str
    outlet: str
    text: str
    start: int
    end: int
    kind: str
    kinds: tuple[str, ...]
    source: str = ""
    figures: list[Figure] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    entities: frozenset[str] = frozenset()
    language: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "outlet": self.outlet,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "kinds": list(self.kinds),
            "source": self.source,
            "numbers": [{"text": f.text, "value": f.value, "unit": f.unit} for f in self.figures],
            "dates": list(self.dates),
        }


def _source(doc: Document, sent: Sentence, cue: re.Match[str], according: bool) -> str:
    """Who the sentence attributes its statement to, if the text names them beside the cue.

    Only a name next to the cue counts ("Peskov said", "said Peskov", "according to
    Reuters"): the nearest name elsewhere in the sentence is as often the topic
    ("… killed in Kharkiv, officials said") as the speaker.
    """
    names = [
        m
        for m in doc.mentions
        if sent.start <= m.start < sent.end and (m.label in _SOURCE_LABELS or not m.label)
    ]

    def closes(end: int) -> bool:
        """ "said Peskov." names the speaker; "said Ukraine lost" names the topic."""
        return according or doc.text[end : sent.end].strip()[:1] in ("", ".", ",", ";", "!", "?")

    after = [m for m in names if 0 <= m.start - cue.end() <= 5 and closes(m.end)]
    before = [] if according else [m for m in names if 0 <= cue.start() - m.end <= 3]
    for m in sorted(after, key=lambda m: m.start) + sorted(before, key=lambda m: -m.end):
        entity = doc.entity(m.entity) if m.entity else None
        return entity.name if entity else m.text
    following = _SUBJECT_AFTER.match(doc.text, cue.end(), sent.end)
    if according:
        if following:
            return following.group(1).strip()
        rest = doc.text[cue.end() : sent.end]
        return re.split(r"[,.;:]", rest, maxsplit=1)[0].strip()[:80]
    preceding = _SUBJECT_BEFORE.search(doc.text[sent.start : cue.start()])
    # a capital at the start of the sentence is no sign of a name ("Officials said")
    if preceding and (preceding.start() > 0 or len(preceding.group(1).split()) > 1):
        return preceding.group(1).strip()
    return following.group(1).strip() if following and closes(following.end()) else ""


#: a sentence ending in one of these (before closing quotes) asks rather than states
_QUESTION_MARKS = ("?", "\uff1f", "\u061f")
_CLOSERS = "\"'\u00bb\u201d\u2019)]"


def extract_claims(doc: Document, mentions: Sequence[DateMention] | None = None) -> list[Claim]:
    """The check-worthy sentences of ``doc``, in text order (one claim per sentence)."""
    language = language_of(doc)
    sents = sentences_of(doc)
    dates = list(mentions) if mentions is not None else date_mentions(doc, sents)
    dates_by_sentence: dict[int, list[DateMention]] = {}
    for mention in dates:
        dates_by_sentence.setdefault(mention.sentence, []).append(mention)
    reporting, decision = _cue(_REPORTING, language), _cue(_DECISION, language)
    according = _cue(_ACCORDING, language)
    claims: list[Claim] = []
    for i, sent in enumerate(sents):
        in_date = [(d.start, d.end) for d in dates_by_sentence.get(i, [])]
        figures = [
            f
            for f in find_figures(doc.text, sent.start, sent.end)
            if not any(s <= f.start < e for s, e in in_date)
        ]
        kinds: list[str] = []
        source = ""
        cue = reporting.search(doc.text, sent.start, sent.end)
        if cue:
            kinds.append("attributed")
            is_according = bool(according.fullmatch(cue.group(0)))
            source = _source(doc, sent, cue, is_according)
        if decision.search(doc.text, sent.start, sent.end):
            kinds.append("decision")
        if figures:
            kinds.append("figure")
        if any(d.granularity in ("day", "month") for d in dates_by_sentence.get(i, [])):
            kinds.append("date")  # "this year" or "last week" alone is nothing to check
        if not kinds:
            continue
        text = doc.text[sent.start : sent.end]
        if len(_WORDS.findall(text)) < MIN_WORDS:
            continue  # a list number ("1.") or a bare dateline states nothing to check
        if text.rstrip().rstrip(_CLOSERS).endswith(_QUESTION_MARKS):
            continue  # "What does Kyiv say?" asks; a claim states something to check
        lead = len(text) - len(text.lstrip())
        trail = len(text.rstrip())
        claims.append(
            Claim(
                article=doc.id,
                outlet=doc.outlet.strip(),
                text=text.strip(),
                start=sent.start + lead,
                end=sent.start + trail,
                kind=kinds[0],
                kinds=tuple(kinds),
                source=source,
                figures=figures,
                dates=sorted({d.date for d in dates_by_sentence.get(i, [])}),
                entities=sentence_entities(doc, sent),
                language=language,
            )
        )
    return claims


# -------------------------------------------------------------------- grouping


@dataclass(slots=True)
class ClaimGroup:
    """Claims of several articles that state the same thing."""

    claims: list[Claim]
    one_sided: bool = False

    @property
    def text(self) -> str:
        return self.claims[0].text

    @property
    def kind(self) -> str:
        return self.claims[0].kind

    @property
    def outlets(self) -> list[str]:
        return sorted({c.outlet for c in self.claims if c.outlet})

    @property
    def articles(self) -> list[str]:
        return list(dict.fromkeys(c.article for c in self.claims))

    def to_dict(self) -> dict[str, Any]:
        """The issue's JSON shape ``{"text", "outlets", "articles", "quotes", "one_sided"}``
        with the kind, the sources and the normalised numbers besides."""
        figures: dict[tuple[float, str], str] = {}
        for c in self.claims:
            for f in c.figures:
                figures.setdefault((f.value, f.unit), f.text)
        return {
            "text": self.text,
            "kind": self.kind,
            "outlets": self.outlets,
            "articles": self.articles,
            "quotes": [
                {
                    "article": c.article,
                    "outlet": c.outlet,
                    "start": c.start,
                    "end": c.end,
                    "text": c.text,
                    "source": c.source,
                }
                for c in self.claims
            ],
            "one_sided": self.one_sided,
            "sources": sorted({c.source for c in self.claims if c.source}),
            "numbers": [{"value": v, "unit": u, "text": t} for (v, u), t in figures.items()],
            "dates": sorted({d for c in self.claims for d in c.dates}),
        }


@dataclass(slots=True)
class ClaimReport:
    """A story's claim groups and, per outlet, the widely carried claims it leaves out
    (indices into ``groups``)."""

    groups: list[ClaimGroup]
    omissions: dict[str, list[int]]
    outlets: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": [g.to_dict() for g in self.groups],
            "omissions": {
                outlet: [
                    {"claim": i, "text": self.groups[i].text, "outlets": self.groups[i].outlets}
                    for i in idx
                ]
                for outlet, idx in self.omissions.items()
            },
        }


#: weights of the signals in the link score (renormalised over those both claims have)
WEIGHTS = {"text": 0.45, "figures": 0.35, "entities": 0.2}


def _pairs_sharing(
    keyed: Sequence[Sequence[Any]], same: Callable[[Any, Any], bool], bucket: Callable[[Any], Any]
) -> np.ndarray:
    """Boolean matrix: claims i and j have items ``a``, ``b`` with ``same(a, b)``.

    Items are bucketed first (equal figures have equal rounded values, compatible dates
    the same year) and only the distinct items of a bucket are compared; the claims that
    hold them are then marked block by block, so a figure that a hundred claims repeat
    costs one comparison, not ten thousand.
    """
    n = len(keyed)
    out = np.zeros((n, n), dtype=bool)
    buckets: dict[Any, dict[Any, list[int]]] = {}
    for i, items in enumerate(keyed):
        for item in items:
            buckets.setdefault(bucket(item), {}).setdefault(item, []).append(i)
    for holders in buckets.values():
        distinct = list(holders)
        for x, a in enumerate(distinct):
            for b in distinct[x:]:
                if same(a, b):
                    rows, cols = holders[a], holders[b]
                    out[np.ix_(rows, cols)] = True
                    out[np.ix_(cols, rows)] = True
    return out


def _scores(items: Sequence[Claim], sims: np.ndarray) -> np.ndarray:
    """Link score of every pair of claims (see the module doc), all pairs at once: a
    weighted mean of the signals both claims have, 0 on a veto."""
    has_fig = np.array([bool(c.figures) for c in items], dtype=bool)
    has_date = np.array([bool(c.dates) for c in items], dtype=bool)
    has_ent = np.array([bool(c.entities) for c in items], dtype=bool)
    fig_both = has_fig[:, None] & has_fig[None, :]
    date_both = has_date[:, None] & has_date[None, :]
    ent_both = has_ent[:, None] & has_ent[None, :]
    fig_match = _pairs_sharing(
        [{(f.value, f.unit) for f in c.figures} for c in items],
        lambda a, b: Figure(0, 0, "", *a).same(Figure(0, 0, "", *b)),
        lambda key: f"{key[0]:.9g}",
    )
    date_match = _pairs_sharing([c.dates for c in items], _same_time, lambda d: d[:4])
    shared, smaller = entity_overlap([c.entities for c in items])
    overlap = np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)
    text = np.clip(sims, 0.0, 1.0)
    score = WEIGHTS["text"] * text
    score = score + WEIGHTS["figures"] * (fig_both & fig_match)
    score = score + WEIGHTS["entities"] * np.where(ent_both, overlap, 0.0)
    weight = WEIGHTS["text"] + WEIGHTS["figures"] * fig_both + WEIGHTS["entities"] * ent_both
    score = score / weight
    veto = (fig_both & ~fig_match) | (date_both & ~date_match)
    # a shared number alone ("12") is not a shared claim: wording or an entity must agree
    corroborated = (text >= 0.2) | (ent_both & (shared > 0))
    veto |= fig_both & ~corroborated
    score[veto] = 0.0
    np.fill_diagonal(score, 1.0)
    return score


def _complete_groups(score: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups in which *every* two claims score ``threshold`` or more (complete linkage).

    Single linkage would chain: "$61bn" → a sentence without figures → "$60bn" would
    make one claim of two that contradict each other. Groups come sorted, in
    first-member order.
    """
    n = score.shape[0]
    if n < 2:
        return [[i] for i in range(n)]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - (score + score.T) / 2.0, 0.0, 1.0).astype(np.float64)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="complete")
    labels = fcluster(tree, t=1.0 - threshold + 1e-9, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _same_time(x: str, y: str) -> bool:
    """Two ISO dates of any precision can name the same time: "2024-04-20" lies in
    "2024-04" and "2024"; a week ("2024-W16") is compared by its year only."""
    if "W" in x or "W" in y:
        return x[:4] == y[:4]
    return x.startswith(y) or y.startswith(x)


def _text_similarity(
    items: Sequence[Claim],
    encode: Callable[[list[str]], Any] | None,
    languages: Collection[str] | None,
    floor: float,
) -> np.ndarray:
    """Wording similarity of every pair: the encoder's rescaled cosine where it knows
    both languages, the lexical similarity elsewhere."""
    texts = [c.text for c in items]
    if encode is None:
        return similarity_matrix(texts)
    known = [i for i, c in enumerate(items) if languages is None or c.language in languages]
    sims = similarity_matrix(texts) if len(known) < len(items) else np.eye(len(items))
    if known:
        cos = similarity_matrix([texts[i] for i in known], encode)
        if floor > 0:
            # an encoder's cosines start high for any two sentences of one topic
            cos = np.clip((cos - floor) / (1.0 - floor), 0.0, 1.0)
        sims[np.ix_(known, known)] = cos
    return sims


def flag_sides(
    claim_outlets: Sequence[Sequence[str]],
    story_outlets: Sequence[str],
    outlet_groups: Mapping[str, str] | None = None,
    omission_share: float = 0.5,
) -> tuple[list[bool], dict[str, list[int]]]:
    """``(one_sided per claim, {outlet: indices of the claims it omits})``.

    Separate from the grouping so that stored claims are flagged again with the outlet
    groups of the day (the learnt groups change as the corpus grows; the claims do not).
    An outlet absent from ``outlet_groups`` is a group of its own. Groups count only
    where the story's outlets fall into two or more learnt groups: when every grouped
    outlet of the story shares one group (a corpus too small or too alike to split),
    that group says nothing about sides, and each outlet is a side of its own (else a
    claim of five outlets of that group would read as one-sided beside one ungrouped
    outlet).
    """
    mapping = dict(outlet_groups or {})
    if len({mapping[o] for o in story_outlets if o in mapping}) < 2:
        mapping = {}

    def side(outlet: str) -> str:
        return mapping.get(outlet, f"\0{outlet}")

    story_sides = {side(o) for o in story_outlets}
    flags: list[bool] = []
    omissions: dict[str, list[int]] = {}
    for index, outlets in enumerate(claim_outlets):
        sides = {side(o) for o in outlets}
        flags.append(len(story_sides) >= 2 and len(sides) == 1)
        carried = len(set(outlets))
        if carried >= 2 and carried > omission_share * len(story_outlets):
            for outlet in story_outlets:
                if outlet not in outlets:
                    omissions.setdefault(outlet, []).append(index)
    return flags, omissions


def group_claims(
    docs: Sequence[Document],
    *,
    encode: Callable[[list[str]], Any] | None = None,
    outlet_groups: Mapping[str, str] | None = None,
    threshold: float = 0.5,
    omission_share: float = 0.5,
    claims: Sequence[Claim] | None = None,
    text_floor: float = 0.4,
    encode_languages: Collection[str] | None = None,
) -> ClaimReport:
    """Group the claims of a story's articles and find one-sided claims and omissions.

    ``encode`` is any ``encode(list[str]) -> array`` (e.g. ``load_embedder().encode`` or a
    multilingual encoder); without it the text signal is lexical and does not cross
    languages. ``outlet_groups`` maps outlets to groups (the learnt outlet clusters); an
    outlet absent from it is a group of its own. ``omission_share``: a claim carried by
    *more than* this share of the story's outlets, and by at least two, is an omission of
    each outlet that does not carry it. ``claims`` skips extraction (already extracted).
    ``text_floor``: an encoder's cosine at or below it counts as no shared wording (the
    bundled static encoder gives ~0.5 to two different claims about one event); it is
    not applied to the lexical fallback, whose 0 already means nothing shared.
    ``encode_languages``: the languages ``encode`` knows (None: all); claims in others
    are compared lexically, since an English encoder finds any two Russian sentences
    alike (their tokens are all unknown to it).
    """
    items = list(claims) if claims is not None else [c for d in docs for c in extract_claims(d)]
    sims = _text_similarity(items, encode, encode_languages, text_floor)
    score = _scores(items, sims)
    groups = [ClaimGroup([items[i] for i in g]) for g in _complete_groups(score, threshold)]
    story_outlets = sorted({d.outlet.strip() for d in docs if d.outlet.strip()})
    one_sided, omissions = flag_sides(
        [g.outlets for g in groups], story_outlets, outlet_groups, omission_share
    )
    for group, flag in zip(groups, one_sided, strict=True):
        group.one_sided = flag
    groups_sorted = sorted(range(len(groups)), key=lambda i: (-len(groups[i].outlets), i))
    renumber = {old: new for new, old in enumerate(groups_sorted)}
    return ClaimReport(
        groups=[groups[i] for i in groups_sorted],
        omissions={o: sorted(renumber[i] for i in idx) for o, idx in omissions.items()},
        outlets=story_outlets,
    )
