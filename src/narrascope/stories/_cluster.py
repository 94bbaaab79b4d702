"""Incremental story clustering over an abstract candidate index.

Each new article is compared with a bounded set of candidates only, never with
the whole corpus: articles that share a key with it in a :class:`CandidateIndex`.
Keys are of three kinds, so that every way two reports of one event resemble
each other can find them:

* ``e``: its rarest capitalised tokens/numbers (shared names in one script);
* ``m``: MinHash LSH bands of its hashed character grams (copies and
  near-duplicates, also when ``original_of`` does not say so);
* ``v``: random-hyperplane (SimHash) bands of its multilingual lead embedding
  (the only key that crosses languages).

Every posting list keeps only its most recent ``max_postings`` articles, so a
common key costs bounded memory and time and "recent" is what is compared.
Candidates are ranked by how many keys they share, the best ``limit`` are scored
with the learnt :class:`~narrascope.stories._similarity.SameStoryModel`, and a
pair of dated articles further apart than ``window_days`` is never a match
(undated articles are matched by content alone).

Story ids are stable: a story is named by the id of its first member (within one
call, articles are taken earliest published first, undated last) and keeps it;
when a new article matches members of two stories, the later-founded story
merges into the earlier one and ``(from, into)`` is recorded. Adding articles
never renames a story except through a recorded merge.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from narrascope.stories._similarity import (
    MODEL_PATH,
    DocFrequencies,
    Encoder,
    SameStoryModel,
    Signature,
    StoryArticle,
    pair_features,
    signatures,
)

__all__ = ["CandidateIndex", "ClusterUpdate", "MemoryCandidateIndex", "StoryClusterer", "keys_of"]

_PRIME = (1 << 61) - 1
_RNG = np.random.default_rng(20221)
#: MinHash: 6 bands of 4 rows catch pairs with gram Jaccard 0.8 at ~96%, 0.3 at ~5%.
_MH_BANDS, _MH_ROWS = 6, 4
_MH_A = _RNG.integers(1, 1 << 31, size=_MH_BANDS * _MH_ROWS, dtype=np.int64)
_MH_B = _RNG.integers(0, 1 << 31, size=_MH_BANDS * _MH_ROWS, dtype=np.int64)
#: SimHash: 8 tables of 10 bits catch lead embeddings at cosine 0.8 at ~80%.
_SH_TABLES, _SH_BITS = 8, 10
_SH_PLANES = _RNG.standard_normal((_SH_TABLES * _SH_BITS, 512)).astype(np.float32)
#: Rarest entities used as keys per article.
_ENTITY_KEYS = 6


def _key(kind: str, *parts: object) -> int:
    """A 63-bit integer key: small in memory, stable across runs (no ``hash()`` salt)."""
    raw = "\x1f".join([kind, *map(str, parts)]).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 1


def _cross_lingual(a: Signature, b: Signature) -> bool:
    """Both languages known and different (``en`` and ``en-GB`` are one language)."""
    if not a.language or not b.language:
        return False
    return a.language.lower()[:2] != b.language.lower()[:2]


def keys_of(sig: Signature, freq: DocFrequencies) -> list[int]:
    """The candidate keys of an article (see the module docstring)."""
    keys: list[int] = []
    if sig.entities:
        rare = sorted(sig.entities, key=lambda e: (-freq.entity_idf(e), e))[:_ENTITY_KEYS]
        keys += [_key("e", e) for e in rare]
    if len(sig.grams):
        g = sig.grams.astype(np.int64)[:, None]
        mins = ((g * _MH_A + _MH_B) % ((1 << 31) - 1)).min(axis=0)
        for b in range(_MH_BANDS):
            keys.append(_key("m", b, *mins[b * _MH_ROWS : (b + 1) * _MH_ROWS].tolist()))
    if sig.vector is not None and len(sig.vector) == _SH_PLANES.shape[1]:
        bits = (_SH_PLANES @ sig.vector.astype(np.float32)) > 0
        for t in range(_SH_TABLES):
            code = int(np.packbits(bits[t * _SH_BITS : (t + 1) * _SH_BITS]).view(">u2")[0])
            keys.append(_key("v", t, code))
    return keys


class CandidateIndex(Protocol):
    """What the clusterer needs of an index; a database table can back it later.

    ``freq`` holds the document frequencies of everything added.
    """

    freq: DocFrequencies

    def add(self, article_id: str, sig: Signature, keys: Sequence[int]) -> None:
        """Index an article under its keys and keep its signature."""
        ...

    def candidates(self, keys: Sequence[int], limit: int) -> list[str]:
        """Up to ``limit`` indexed articles sharing most keys (recent first among ties)."""
        ...

    def signature(self, article_id: str) -> Signature | None:
        """The kept signature of an indexed article."""
        ...


class MemoryCandidateIndex:
    """In-memory :class:`CandidateIndex`: integer postings capped per key."""

    def __init__(self, max_postings: int = 200) -> None:
        self.max_postings = max_postings
        self.freq = DocFrequencies()
        self._ids: list[str] = []
        self._sigs: list[Signature] = []
        self._postings: dict[int, list[int]] = {}
        self._index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, article_id: str, sig: Signature, keys: Sequence[int]) -> None:
        """Index an article; a posting list longer than twice the cap drops its oldest."""
        n = len(self._ids)
        self._ids.append(article_id)
        self._sigs.append(sig)
        self._index[article_id] = n
        for k in keys:
            plist = self._postings.setdefault(k, [])
            plist.append(n)
            if len(plist) > 2 * self.max_postings:
                del plist[: len(plist) - self.max_postings]

    def candidates(self, keys: Sequence[int], limit: int) -> list[str]:
        """Ranked by shared keys, then most recent first; fewer than ``limit`` are topped
        up with the most recently indexed articles.

        Why the top-up: keys are a recall device for large corpora (a report of the same
        event in other words may share no rare name and miss every SimHash band), and the
        comparison budget is ``limit`` anyway; the most recent articles are the ones a
        time window lets match. In a corpus smaller than ``limit`` every article is
        compared, so whether two reports share a key never decides a story there.
        """
        hits: Counter[int] = Counter()
        for k in keys:
            plist = self._postings.get(k)
            if plist:
                hits.update(plist[-self.max_postings :])
        best = [n for n, _ in sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))[:limit]]
        n = len(self._ids) - 1
        seen = set(best)
        while len(best) < limit and n >= 0:
            if n not in seen:
                best.append(n)
            n -= 1
        return [self._ids[n] for n in best]

    def signature(self, article_id: str) -> Signature | None:
        """The kept signature, or None for an article never indexed."""
        n = self._index.get(article_id)
        return None if n is None else self._sigs[n]


@dataclass
class ClusterUpdate:
    """What one :meth:`StoryClusterer.add` call did."""

    assigned: dict[str, str] = field(default_factory=dict)
    new_stories: list[str] = field(default_factory=list)
    merges: list[tuple[str, str]] = field(default_factory=list)


class StoryClusterer:
    """Assigns every article to exactly one story, incrementally (see the module docstring).

    ``threshold`` defaults to the model's learnt ``threshold_``; ``encoder`` to
    :func:`~narrascope.stories._similarity.load_encoder` (loaded on first use);
    pass ``encoder=False`` to cluster on lexical features alone. ``cross_model``
    (with its own threshold) decides pairs of two different known languages;
    without it ``model`` decides every pair. An article joins the story of its
    best match; another story it also matches merges in only where that match
    reaches ``merge_threshold`` (a stricter bar: one loose link must not chain
    two events into one story).
    """

    @classmethod
    def shipped(cls, index: CandidateIndex | None = None, **kwargs: object) -> StoryClusterer:
        """A clusterer with the trained same- and cross-language models of ``MODEL_PATH``."""
        return cls(
            SameStoryModel.load(MODEL_PATH),
            index,
            cross_model=SameStoryModel.load(MODEL_PATH, "cross_language"),
            **kwargs,  # type: ignore[arg-type]
        )

    def __init__(
        self,
        model: SameStoryModel,
        index: CandidateIndex | None = None,
        encoder: Encoder | bool | None = None,
        threshold: float | None = None,
        window_days: int = 7,
        limit: int = 48,
        cross_model: SameStoryModel | None = None,
        merge_threshold: float = 0.9,
    ) -> None:
        self.model = model
        self.merge_threshold = merge_threshold
        self.cross_model = cross_model
        self.index: CandidateIndex = index if index is not None else MemoryCandidateIndex()
        self._encoder = encoder
        self.threshold = model.threshold_ if threshold is None else threshold
        self.window_days = window_days
        self.limit = limit
        self.merges: list[tuple[str, str]] = []
        self._story_of: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._founded: dict[str, int] = {}

    @property
    def encoder(self) -> Encoder | None:
        """The lead encoder, loaded on first use (None when disabled)."""
        if self._encoder is None:
            from narrascope.stories._similarity import load_encoder

            self._encoder = load_encoder()[1]
        return None if self._encoder is False else self._encoder  # type: ignore[return-value]

    def story_of(self, article_id: str) -> str:
        """The current story id of an added article (KeyError if never added)."""
        return self._story_of[article_id]

    def stories(self) -> dict[str, list[str]]:
        """Story id -> member article ids, in the order they were added."""
        return {s: list(m) for s, m in self._members.items()}

    def restore(self, article_id: str, sig: Signature, story: str, indexed: bool = True) -> None:
        """Put back an article clustered by an earlier run, without comparing it.

        Why: a store keeps each article's sketched signature and story, and a new
        run rebuilds the clusterer from them (oldest first) instead of re-reading
        texts. ``indexed=False`` restores a copy's membership only.
        """
        if article_id in self._story_of:
            return
        if indexed:
            self.index.freq.add(sig)
            self.index.add(article_id, sig, keys_of(sig, self.index.freq))
        if story not in self._members:
            self._found(story)
        self._join(article_id, story)

    def _within_window(self, a: Signature, b: Signature) -> bool:
        if a.published is None or b.published is None:
            return True
        return abs((a.published - b.published).days) <= self.window_days

    def _found(self, article_id: str) -> str:
        self._founded[article_id] = len(self._founded)
        self._members[article_id] = []
        return article_id

    def _join(self, article_id: str, story: str) -> None:
        self._story_of[article_id] = story
        self._members[story].append(article_id)

    def _merge(self, stories: set[str], update: ClusterUpdate) -> str:
        into = min(stories, key=self._founded.__getitem__)
        for src in sorted(stories - {into}, key=self._founded.__getitem__):
            for aid in self._members.pop(src):
                self._join(aid, into)
            self.merges.append((src, into))
            update.merges.append((src, into))
            for aid, s in update.assigned.items():
                if s == src:
                    update.assigned[aid] = into
        return into

    def _match(self, sig: Signature, keys: Sequence[int]) -> list[tuple[float, str]]:
        cands: list[Signature] = []
        ids: list[str] = []
        for cid in self.index.candidates(keys, self.limit):
            csig = self.index.signature(cid)
            if csig is not None and self._within_window(sig, csig):
                cands.append(csig)
                ids.append(cid)
        if not cands:
            return []
        X = np.array([pair_features(sig, c, self.index.freq) for c in cands])
        p = self.model.predict_proba(X)[:, 1]
        need = np.full(len(cands), self.threshold)
        if self.cross_model is not None:
            cross = np.array([_cross_lingual(sig, c) for c in cands])
            if cross.any():
                p[cross] = self.cross_model.predict_proba(X[cross])[:, 1]
                need[cross] = self.cross_model.threshold_
        return sorted(
            ((float(pi), cid) for pi, ni, cid in zip(p, need, ids, strict=True) if pi >= ni),
            reverse=True,
        )

    def add(
        self, articles: Iterable[StoryArticle], original_of: Mapping[str, str] | None = None
    ) -> ClusterUpdate:
        """Cluster new articles; returns their stories and the merges this call made.

        ``original_of`` maps a copy's id to its original's: the copy joins the
        original's story without being compared (and is not indexed: the original
        stands for it). Articles already added are skipped.
        """
        original_of = original_of or {}
        arts = [a for a in articles if a.id not in self._story_of]
        copies = [a for a in arts if original_of.get(a.id, a.id) != a.id]
        fresh = [a for a in arts if original_of.get(a.id, a.id) == a.id]
        # Earliest published first (undated last), so a story is founded by its first report.
        fresh.sort(key=lambda a: (a.published is None, a.published or date.min))
        update = ClusterUpdate()
        for art, sig in zip(fresh, signatures(fresh, self.encoder), strict=True):
            self.index.freq.add(sig)
            sig = sig.sketch(self.index.freq)
            keys = keys_of(sig, self.index.freq)
            matches = self._match(sig, keys)
            self.index.add(art.id, sig, keys)
            if not matches:
                story = self._found(art.id)
                update.new_stories.append(story)
            else:
                linked = {self._story_of[matches[0][1]]}
                linked |= {self._story_of[c] for p, c in matches if p >= self.merge_threshold}
                story = self._merge(linked, update)
            self._join(art.id, story)
            update.assigned[art.id] = story
        pending = list(copies)
        while pending:  # copies of copies resolve once their original is placed
            left = []
            for art in pending:
                orig = original_of[art.id]
                if orig in self._story_of:
                    self._join(art.id, self._story_of[orig])
                    update.assigned[art.id] = self._story_of[orig]
                else:
                    left.append(art)
            if len(left) == len(pending):  # originals never seen: cluster them on content
                later = self.add(left)
                update.assigned.update(later.assigned)
                update.new_stories += later.new_stories
                update.merges += later.merges
                break
            pending = left
        return update
