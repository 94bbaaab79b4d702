"""Features shared by training and inference: the same code sees PTC articles and Documents.

Why hand-made sparse features: the stage must add well under 100 ms per article on two CPU cores
with no torch, so the span detector is a linear model over hashed lexical and contextual cues of
each token (word, affixes, neighbours, casing, quotes, sentence punctuation, repetition in the
article) and the technique classifier a linear model over n-grams of the span and its sentence
plus a few cues the classes are defined by (repetition, slogans in caps, questions, numbers).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Any

from narrascope.document import Document, Sentence, Token

__all__ = [
    "QUOTES",
    "boilerplate_ranges",
    "prepare_document",
    "sentence_of",
    "span_cues",
    "token_features",
    "word_tokens",
]

#: straight and typographic quote characters
QUOTES = frozenset("\"'“”‘’«»")
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "your",
        "as",
        "not",
        "no",
        "so",
        "if",
        "than",
        "then",
        "there",
        "here",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
    ]
)
#: hand-picked cue words; the detector learns the rest from the words themselves
_CUES: dict[str, frozenset[str]] = {
    "intens": frozenset(
        [
            "very",
            "extremely",
            "totally",
            "absolutely",
            "utterly",
            "completely",
            "truly",
            "really",
            "so",
            "huge",
            "massive",
            "incredible",
            "unbelievable",
            "outrageous",
            "shocking",
            "disgusting",
            "horrible",
            "terrible",
            "disastrous",
            "catastrophic",
            "evil",
            "radical",
            "extreme",
            "insane",
            "crazy",
        ]
    ),
    "doubt": frozenset(
        ["allegedly", "supposedly", "claims", "claimed", "so-called", "apparently", "why"]
    ),
    "fear": frozenset(
        [
            "threat",
            "threats",
            "danger",
            "dangerous",
            "destroy",
            "destruction",
            "attack",
            "invasion",
            "crisis",
            "chaos",
            "kill",
            "killing",
            "death",
            "deadly",
            "war",
            "terror",
            "terrorist",
            "terrorists",
            "fear",
        ]
    ),
    "flag": frozenset(
        [
            "america",
            "american",
            "americans",
            "nation",
            "national",
            "patriot",
            "patriots",
            "country",
            "people",
            "freedom",
            "flag",
            "our",
            "we",
            "great",
        ]
    ),
    "label": frozenset(
        [
            "liar",
            "liars",
            "idiot",
            "idiots",
            "thug",
            "thugs",
            "traitor",
            "traitors",
            "puppet",
            "regime",
            "cult",
            "fascist",
            "nazi",
            "nazis",
            "communist",
            "socialist",
            "elite",
            "elites",
            "globalist",
            "globalists",
            "leftist",
            "leftists",
        ]
    ),
}


# Boilerplate: page furniture that is not the article's argument. A line (paragraph) matching
# one of these is never tagged; a comment-section heading ends the article. Why lines: such text
# sits on its own line in extracted articles, and matching whole lines keeps quoted uses ("he
# didn't subscribe to Farrakhan's statement") inside the body untouched.
_BOILER_LINE = re.compile(
    r"""^\W*(?:
        (?:follow|like|find)\s+us\b
      | (?:please\s+)?share\s+(?:this|on|via)\b
      | (?:please\s+)?(?:subscribe|unsubscribe)\b
      | subscribe\s+(?:today|now|here|on)\b
      | sign\s*up\b
      | (?:click|tap)\s+here\b
      | read\s+more\b
      | related(?:\s+(?:articles?|stories|posts?))?\s*:
      | (?:please\s+)?(?:help\s+)?support\s+us\b
      | (?:please\s+)?(?:consider\s+)?donate\b
      | advertisement\W*$
      | ©
      | \(c\)\s*\d{4}
      | copyright\s+(?:©\s*|\(c\)\s*)?(?:\d{4}|by\b)
      | about\s+the\s+authors?\b
      | this\s+field\s+is\s+for\s+validation\b
      | you\s+can\s+unsubscribe\b
      | email\s+sign\s*up\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILER_ANYWHERE = re.compile(
    r"all\s+rights\s+reserved|©\s*\d{4}|\bcopyright\s+(?:©\s*)?\d{4}"
    r"|\bsubscribe\s+(?:to\s+(?:our|the)\s+(?:newsletter|channel)|on\s+youtube)"
    r"|\bsign\s+up\s+for\s+(?:our|the)\b.{0,40}\bnewsletter"
    r"|\bfollow\s+(?:us|me|him|her)\s+on\s+(?:twitter|facebook|instagram|telegram|gab)",
    re.IGNORECASE,
)
# An author bio: "Name Surname is the author of / a senior fellow at / writes for ..." in the last
# third of the article (so a body sentence about someone's job is not dropped).
_BIO = re.compile(
    r"^\W*(?:[A-Z][\w.'’-]*\s+){1,4}(?:is|was)\s+(?:the\s+|a\s+|an\s+)?(?:"
    r"author|co-?author|editor|columnist|contributor|contributing|writer|journalist|"
    r"senior\s+(?:fellow|editor|writer|correspondent)|fellow|founder|host|reporter|correspondent"
    r")\b|^\W*(?:[A-Z][\w.'’-]*\s+){1,4}writes\s+(?:for|about|on)\b",
)
_COMMENTS_HEADING = re.compile(
    r"^\W*(?:\d+\s+)?(?:comments?|responses?|replies|leave\s+a\s+(?:reply|comment)|"
    r"join\s+the\s+discussion|discussion|comments?\s+are\s+closed)\W*$",
    re.IGNORECASE,
)


def boilerplate_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges (start, end) of ``text`` that are page furniture, not article text.

    Share/subscribe/sign-up/donate lines, copyright notices, author bios near the end, and
    everything from a comment-section heading ("Comments", "Leave a Reply") on. The techniques
    stage never puts a span there: annotators never mark it, and a "propaganda" highlight on a
    newsletter prompt reads as nonsense.
    """
    out: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line)
        pos = end
        body = line.strip()
        if not body:
            continue
        if start > n // 3 and _COMMENTS_HEADING.match(body):
            out.append((start, n))
            break
        if (
            _BOILER_LINE.match(body)
            or (len(body) < 300 and _BOILER_ANYWHERE.search(body))
            or (start >= 2 * n // 3 and _BIO.match(body))
        ):
            out.append((start, end))
    return out


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """spaCy's English tokenizer with the rule-based sentencizer (what the nlp stage runs)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 5_000_000
    return nlp


def prepare_document(text: str, doc_id: str = "") -> Document:
    """A Document with the sentences and tokens the ``nlp`` stage would give it (no NER).

    Training and ``eval techniques`` use this instead of the full ``nlp`` stage: the tokenizer
    and the sentence rules are the same, and skipping NER makes evaluation several times faster.
    """
    from narrascope.nlp import NlpStage

    doc = Document(id=doc_id, text=text, language="en")
    NlpStage.set_annotations(doc, _tokenizer()(text), has_ner=False)
    return doc


def word_tokens(doc: Document) -> list[int]:
    """Indices into ``doc.tokens`` of the non-space tokens (the ones we tag)."""
    return [i for i, tok in enumerate(doc.tokens) if not tok.is_space and tok.text.strip()]


def sentence_of(sentences: list[Sentence], tokens: list[Token]) -> list[int]:
    """Sentence index of each token (-1 for tokens outside every sentence), in one sweep."""
    out: list[int] = []
    si = 0
    for tok in tokens:
        while si < len(sentences) and sentences[si].end <= tok.start:
            si += 1
        out.append(si if si < len(sentences) and sentences[si].start <= tok.start else -1)
    return out


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "UPPER"
    if word[:1].isupper():
        return "Title"
    if word.isdigit():
        return "digit"
    if word.isalpha():
        return "lower"
    return "other"


def token_features(doc: Document) -> tuple[list[int], list[list[str]]]:
    """Hashed-feature strings for every word token of ``doc``.

    Returns the indices of the tagged tokens into ``doc.tokens`` and, for each, a list of
    feature strings (``FeatureHasher(input_type="string")`` turns them into a sparse row).
    """
    idx = word_tokens(doc)
    toks = [doc.tokens[i] for i in idx]
    words = [t.text for t in toks]
    lower = [w.lower() for w in words]
    sent_ids = sentence_of(doc.sentences, toks)
    counts = Counter(w for w in lower if w.isalpha() and w not in _STOP and len(w) > 3)
    # per sentence: length, punctuation, position of each token
    sent_len: Counter[int] = Counter(sent_ids)
    sent_punct: dict[int, set[str]] = {}
    for sid, w in zip(sent_ids, words, strict=True):
        if w in ("!", "?") or w in QUOTES:
            sent_punct.setdefault(sid, set()).add("q" if w in QUOTES else w)
    in_quote = False
    pos_in_sent = 0
    prev_sid = -2
    feats: list[list[str]] = []
    n = len(words)
    for k, (w, lw, sid) in enumerate(zip(words, lower, sent_ids, strict=True)):
        if sid != prev_sid:
            pos_in_sent, prev_sid, in_quote = 0, sid, False
        if w in QUOTES and len(w) == 1:
            in_quote = not in_quote
        p1 = lower[k - 1] if k > 0 and sent_ids[k - 1] == sid else "<s>"
        p2 = lower[k - 2] if k > 1 and sent_ids[k - 2] == sid else "<s>"
        n1 = lower[k + 1] if k + 1 < n and sent_ids[k + 1] == sid else "</s>"
        n2 = lower[k + 2] if k + 2 < n and sent_ids[k + 2] == sid else "</s>"
        slen = sent_len[sid]
        f = [
            "b",
            "w=" + lw,
            "p1=" + p1,
            "n1=" + n1,
            "p2=" + p2,
            "n2=" + n2,
            "p1w=" + p1 + "|" + lw,
            "wn1=" + lw + "|" + n1,
            "suf3=" + lw[-3:],
            "pre3=" + lw[:3],
            "shape=" + _shape(w),
            "pos=" + str(min(pos_in_sent, 8)),
            "rpos=" + str(min(slen - pos_in_sent - 1, 8)),
            "slen=" + str(min(slen // 5, 10)),
            "title=" + str(sid == 0),
            "stop=" + str(lw in _STOP),
        ]
        if in_quote:
            f.append("inquote")
        for mark in sent_punct.get(sid, ()):
            f.append("sent" + mark)
        c = counts.get(lw, 0)
        if c:
            f.append("rep=" + str(min(c, 5)))
        for name, lex in _CUES.items():
            if lw in lex:
                f.append("cue=" + name)
            if p1 in lex or n1 in lex:
                f.append("cuectx=" + name)
        feats.append(f)
        pos_in_sent += 1
    return idx, feats


def span_cues(text: str, start: int, end: int, article_lower: str) -> list[str]:
    """Cue features of one span for the technique classifier (as hashed strings)."""
    span = text[start:end]
    low = span.lower()
    words = _WORD.findall(low)
    n_words = len(words)
    f = [
        "len=" + str(min(int(math.log2(1 + n_words)), 6)),
        "nchar=" + str(min(int(math.log2(1 + len(span))), 9)),
    ]
    occurrences = article_lower.count(low) if len(low) > 2 else 0
    f.append("occ=" + str(min(occurrences, 5)))
    if occurrences > 1:
        f.append("repeated")
    content = [w for w in words if w not in _STOP and len(w) > 3]
    if content:
        reps = sum(1 for w in content if article_lower.count(w) > 2) / len(content)
        f.append("wordrep=" + str(round(reps * 4)))
    if "!" in span:
        f.append("excl")
    if "?" in span:
        f.append("question")
    if any(ch in QUOTES for ch in text[max(0, start - 1) : end + 1]):
        f.append("quoted")
    if any(ch.isdigit() for ch in span):
        f.append("number")
    letters = [ch for ch in span if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) / len(letters) > 0.6:
        f.append("caps")
    if span[:1].isupper():
        f.append("initcap")
    if "\n" not in text[:start]:
        f.append("headline")
    return f
