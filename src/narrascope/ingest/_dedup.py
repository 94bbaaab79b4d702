"""Near-duplicate detection: MinHash signatures over word 2-shingles, LSH lookup.

A syndicated copy (new headline and byline, a few words edited) shares almost
all of its word bigrams with the original, so its Jaccard similarity stays far
above the threshold, while two outlets' own reports on the same story share
few bigrams. Signatures are plain bytes so the store can persist them; the store also keeps
each signature's LSH band keys (:func:`band_keys`) in an indexed table, so a run
looks up the candidates of a batch of new articles with one query instead of
loading every stored signature (issue 19: memory must not grow with the corpus).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

__all__ = ["NearDuplicateIndex", "band_keys", "jaccard"]

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 2
SEED = 1
#: datasketch's hashing scheme, pinned so persisted signatures stay comparable
SCHEME = "affine32"
#: what every hash value of an empty MinHash is (affine32: the largest 32-bit value)
_EMPTY = np.uint64((1 << 32) - 1)
#: the verified threshold and permutations of the index ``analyze`` uses
THRESHOLD = 0.8
NUM_PERM = 128


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


@functools.lru_cache(maxsize=16)
def lsh_shape(threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``(bands, rows)`` of the LSH banding for ``threshold``: datasketch's optimum for a
    threshold 0.2 lower than the one verified, so that a true near-duplicate just above
    ``threshold`` is (almost) surely a candidate. Cached: datasketch integrates the
    false positive and negative rates numerically for every shape (~80 ms)."""
    lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def _values(signature: bytes, num_perm: int) -> np.ndarray:
    values = np.frombuffer(signature, dtype="<u8")
    if values.shape[0] != num_perm:
        raise ValueError(f"signature has {values.shape[0]} permutations, index uses {num_perm}")
    return values


def band_keys(signature: bytes, shape: tuple[int, int] | None = None) -> list[int]:
    """The signature's LSH bucket keys, one per band, as signed 64-bit integers.

    Two signatures are LSH candidates when one band of hash values is equal in both,
    which is when their keys for that band are equal (a key hashes the band's number
    with its values: a 64-bit collision only adds a candidate, and every candidate is
    verified). Empty signatures (no words) have no keys. Signed, so that SQLite's
    INTEGER and PostgreSQL's BIGINT hold them.
    """
    bands, rows = shape or lsh_shape()
    if len(signature) % 8:
        return []
    values = np.frombuffer(signature, dtype="<u8")
    if len(values) < bands * rows or bool(np.all(values == _EMPTY)):
        return []
    raw = np.ascontiguousarray(values[: bands * rows], dtype="<u8").tobytes()
    width = rows * 8
    keys = []
    for band in range(bands):
        digest = hashlib.blake2b(
            raw[band * width : (band + 1) * width], digest_size=8, key=band.to_bytes(2, "little")
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def jaccard(first: bytes, second: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (the share of equal hash values,
    as datasketch's ``MinHash.jaccard``)."""
    a = np.frombuffer(first, dtype="<u8")
    b = np.frombuffer(second, dtype="<u8")
    if a.shape != b.shape:
        return 0.0
    return float(np.count_nonzero(a == b)) / float(len(a))


class NearDuplicateIndex:
    """MinHash-LSH index of the articles seen so far (in memory).

    ``query`` answers with the id of the earliest added article whose estimated
    Jaccard similarity reaches ``threshold`` (LSH candidates are verified, so a
    bucket collision alone never links two articles). ``analyze`` keeps only the
    articles of its own batches in flight here; stored ones are found through the
    store's band table (``Database.near_candidates``), by the same keys.
    """

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.shape = lsh_shape(threshold, num_perm)
        self._buckets: dict[int, list[str]] = {}
        self._order: dict[str, int] = {}
        self._signatures: dict[str, tuple[bytes, list[int]]] = {}
        self._added = 0

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._order

    def signature(self, text: str) -> bytes:
        """MinHash of ``text`` (headline and byline aside) as ``num_perm`` little-endian uint64s."""
        minhash = MinHash(num_perm=self.num_perm, seed=SEED, scheme=SCHEME)
        minhash.update_batch(list(_shingles(_core(text))))
        return np.asarray(minhash.hashvalues, dtype="<u8").tobytes()

    def keys(self, signature: bytes) -> list[int]:
        """:func:`band_keys` of ``signature`` for this index (checked for its length)."""
        _values(signature, self.num_perm)
        return band_keys(signature, self.shape)

    def add(self, doc_id: str, signature: bytes) -> None:
        """Index ``doc_id``; adding an id twice keeps the first signature."""
        if doc_id in self._order:
            return
        keys = self.keys(signature)
        if not keys:
            return  # no words: nothing can be a copy of it
        for key in keys:
            self._buckets.setdefault(key, []).append(doc_id)
        self._order[doc_id] = self._added
        self._added += 1
        self._signatures[doc_id] = (bytes(signature), keys)

    def remove(self, doc_id: str) -> None:
        """Forget ``doc_id`` (stored now: the store's band table finds it from here on)."""
        if doc_id not in self._order:
            return
        del self._order[doc_id]
        _, keys = self._signatures.pop(doc_id)
        for key in keys:
            bucket = self._buckets[key]
            bucket.remove(doc_id)
            if not bucket:
                del self._buckets[key]

    def candidates(self, keys: Iterable[int]) -> list[str]:
        """Indexed ids sharing a bucket with ``keys``, earliest added first (unverified)."""
        found = {doc_id for key in keys for doc_id in self._buckets.get(key, ())}
        return sorted(found, key=self._order.__getitem__)

    def similar(self, doc_id: str, signature: bytes) -> bool:
        """Whether indexed ``doc_id`` is a near-duplicate of ``signature``."""
        return jaccard(self._signatures[doc_id][0], signature) >= self.threshold

    def query(self, signature: bytes) -> str | None:
        """Id of the earliest indexed near-duplicate of ``signature``, or None."""
        for doc_id in self.candidates(self.keys(signature)):
            if self.similar(doc_id, signature):
                return doc_id
        return None
