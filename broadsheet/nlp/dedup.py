"""Exact and near-duplicate detection: syndicated wire copy with small edits is one article.

Exact: the same normalised content hashes alike. Near: word 3-gram shingles, MinHash with LSH
banding for candidates among recent articles, then the exact shared share of shingles to
confirm (`NEAR_SHARE` of the shorter copy's shingles). State is bounded by a window of recent
articles, so the cost per article stays flat.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SHINGLE = 3
BANDS, ROWS = 20, 3  # 60 hashes: a pair sharing 50% of shingles is a candidate 93% of the time
NEAR_SHARE = 0.7  # share of the shorter copy's shingles found in the other (~85% shared words)
MIN_SHINGLES = 8  # shorter texts are compared exactly only
WINDOW = 20_000  # recent articles kept for near-duplicate search

_WORD = re.compile(r"\w+")
_rng = np.random.default_rng(20261126)
_A = _rng.integers(1, 2**62, size=BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**62, size=BANDS * ROWS, dtype=np.uint64)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


@dataclass
class Fingerprint:
    """What duplicate detection keeps about one text."""

    content_hash: str
    shingles: np.ndarray  # sorted unique uint32 shingle hashes
    signature: np.ndarray  # MinHash, BANDS * ROWS values


def normalised_words(text: str) -> list[str]:
    """Lower-case word tokens: punctuation, case and spacing edits do not count."""
    return _WORD.findall(text.lower())


def content_hash(text: str) -> str:
    """Hash of the normalised text: equal for exact copies whatever their markup or spacing."""
    return hashlib.sha256(" ".join(normalised_words(text)).encode("utf-8")).hexdigest()[:32]


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def shingles(words: list[str], size: int = SHINGLE) -> np.ndarray:
    """Sorted unique hashes of consecutive word n-grams (word hashes mixed with odd multipliers)."""
    if not words:
        return np.zeros(0, np.uint32)
    codes = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    if len(codes) < size:
        codes = np.concatenate([codes, np.zeros(size - len(codes), np.uint64)])
    mixed = np.zeros(len(codes) - size + 1, np.uint64)
    for offset, multiplier in enumerate(_MIX[:size]):
        mixed = mixed * multiplier + codes[offset : offset + len(mixed)]
    return np.unique((mixed ^ (mixed >> np.uint64(29))).astype(np.uint32))


def minhash(hashes: np.ndarray) -> np.ndarray:
    """MinHash signature of a shingle set (multiply-shift hashing, one row per permutation)."""
    if len(hashes) == 0:
        return np.full(BANDS * ROWS, np.iinfo(np.uint64).max, dtype=np.uint64)
    mixed = (hashes.astype(np.uint64)[None, :] * _A[:, None] + _B[:, None]) >> np.uint64(16)
    return mixed.min(axis=1)


def fingerprint(title: str, text: str) -> Fingerprint:
    """Fingerprint of an article's body (the headline is left out: desks rewrite headlines)."""
    words = normalised_words(text) or normalised_words(title)
    hashes = shingles(words)
    return Fingerprint(content_hash(text or title), hashes, minhash(hashes))


def shared_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the shorter set's shingles that the other one has too."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / min(len(a), len(b))


class DuplicateIndex:
    """Recent fingerprints: finds the first copy of an exact or near duplicate."""

    def __init__(self, window: int = WINDOW, near_share: float = NEAR_SHARE):
        self.window, self.near_share = window, near_share
        self.items: OrderedDict[str, Fingerprint] = OrderedDict()
        self.exact: dict[str, str] = {}
        self.buckets: defaultdict[tuple[int, bytes], set[str]] = defaultdict(set)
        self.when: dict[str, float | None] = {}  # publication time of each kept original

    def __len__(self) -> int:
        return len(self.items)

    @staticmethod
    def _bands(signature: np.ndarray) -> list[tuple[int, bytes]]:
        return [(band, signature[band * ROWS : (band + 1) * ROWS].tobytes()) for band in range(BANDS)]

    def find(self, print_: Fingerprint) -> tuple[str, float] | None:
        """The earliest kept article this one duplicates, with the shared share (1.0 for exact)."""
        if print_.content_hash in self.exact:
            return self.exact[print_.content_hash], 1.0
        if len(print_.shingles) < MIN_SHINGLES:
            return None
        candidates: set[str] = set()
        for band in self._bands(print_.signature):
            candidates |= self.buckets.get(band, set())
        best: tuple[str, float] | None = None
        for key in candidates:
            share = shared_share(print_.shingles, self.items[key].shingles)
            if share >= self.near_share and (best is None or share > best[1]):
                best = (key, share)
        return best

    def add(self, key: str, print_: Fingerprint, when: float | None = None) -> None:
        """Keep an original (never a duplicate) for later comparisons, forgetting the oldest."""
        if key in self.items:
            return
        self.items[key] = print_
        self.when[key] = when
        self.exact.setdefault(print_.content_hash, key)
        for band in self._bands(print_.signature):
            self.buckets[band].add(key)
        while len(self.items) > self.window:
            self._forget(next(iter(self.items)))

    def replace(self, old: str, new: str, print_: Fingerprint, when: float | None) -> None:
        """An earlier-published copy arrived late: it becomes the original copies are linked to."""
        if old in self.items:
            self._forget(old)
        self.add(new, print_, when)

    def _forget(self, key: str) -> None:
        self.when.pop(key, None)
        print_ = self.items.pop(key)
        if self.exact.get(print_.content_hash) == key:
            del self.exact[print_.content_hash]
        for band in self._bands(print_.signature):
            bucket = self.buckets.get(band)
            if bucket is not None:
                bucket.discard(key)
                if not bucket:
                    del self.buckets[band]
