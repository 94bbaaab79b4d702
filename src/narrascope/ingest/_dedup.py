"""Near-duplicate detection: MinHash signatures over word 2-shingles, LSH lookup.

A syndicated copy (new headline and byline, a few words edited) shares almost
all of its word bigrams with the original, so its Jaccard similarity stays far
above the threshold, while two outlets' own reports on the same story share
few bigrams. Signatures are plain bytes so the store can persist them and
rebuild the index on the next run without re-reading old articles.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

__all__ = ["NearDuplicateIndex"]

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 2
SEED = 1
#: datasketch's hashing scheme, pinned so persisted signatures stay comparable
SCHEME = "affine32"


def _shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return {w.encode("utf-8") for w in words}
    return {
        " ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)
    }


#: leading paragraphs shorter than this (bylines, datelines, "Source:" lines) are ignored
BYLINE_WORDS = 20
_PARAGRAPHS = re.compile(r"\n\s*\n")


def _core(text: str) -> str:
    """The part of an article that syndication keeps: no headline, no byline.

    Republishers rewrite exactly these (a new headline, "By Our Staff | Source:
    Wire"), and in a short article they alone can pull the similarity under
    the threshold.
    """
    paragraphs = [p for p in _PARAGRAPHS.split(text) if p.strip()]
    if len(paragraphs) < 3:
        return text
    body = paragraphs[1:]
    lead = [p for p in body[:3] if len(p.split()) >= BYLINE_WORDS]
    return "\n\n".join(lead + body[3:]) or text


class NearDuplicateIndex:
    """MinHash-LSH index of the articles seen so far.

    ``query`` answers with the id of the earliest added article whose estimated
    Jaccard similarity reaches ``threshold`` (LSH candidates are verified, so a
    bucket collision alone never links two articles).
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        # LSH banding tuned to a lower threshold than the one verified, so that a
        # true near-duplicate just above ``threshold`` is (almost) surely a candidate
        self._lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=num_perm)
        self._order: dict[str, int] = {}
        self._hashes: dict[str, LeanMinHash] = {}

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._order

    def signature(self, text: str) -> bytes:
        """MinHash of ``text`` (headline and byline aside) as ``num_perm`` little-endian uint64s."""
        minhash = MinHash(num_perm=self.num_perm, seed=SEED, scheme=SCHEME)
        minhash.update_batch(list(_shingles(_core(text))))
        return np.asarray(minhash.hashvalues, dtype="<u8").tobytes()

    def _lean(self, signature: bytes) -> LeanMinHash:
        values = np.frombuffer(signature, dtype="<u8")
        if values.shape[0] != self.num_perm:
            raise ValueError(
                f"signature has {values.shape[0]} permutations, index uses {self.num_perm}"
            )
        return LeanMinHash(seed=SEED, hashvalues=values.astype(np.uint64), scheme=SCHEME)

    def add(self, doc_id: str, signature: bytes) -> None:
        """Index ``doc_id``; adding an id twice keeps the first signature."""
        if doc_id in self._order:
            return
        lean = self._lean(signature)
        if lean.is_empty():
            return  # no words: nothing can be a copy of it
        self._lsh.insert(doc_id, lean)
        self._order[doc_id] = len(self._order)
        self._hashes[doc_id] = lean

    def query(self, signature: bytes) -> str | None:
        """Id of the earliest indexed near-duplicate of ``signature``, or None."""
        lean = self._lean(signature)
        if lean.is_empty():
            return None
        matches = [
            doc_id
            for doc_id in self._lsh.query(lean)
            if self._hashes[doc_id].jaccard(lean) >= self.threshold
        ]
        return min(matches, key=self._order.__getitem__) if matches else None
