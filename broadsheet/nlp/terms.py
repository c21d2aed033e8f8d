"""Lexical signals: content words, capitalised names, and TF-IDF weights hashed into dense vectors.

Cheap to compute (no model), so they serve as the candidate route and as a confirming signal
next to the sentence embedding: on held-out news TF-IDF clustered better than MiniLM alone.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np

LEXICAL_DIM = 2048  # hashed TF-IDF width: collisions stay rare for news-sized vocabularies per story
ENTITY_DIM = 512
TITLE_WEIGHT = 2  # a headline word counts as much as two body words

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "said",
        "same",
        "says",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "mr",
        "mrs",
        "ms",
        "new",
        "one",
        "two",
        "three",
        "year",
        "years",
        "last",
        "first",
        "told",
        "say",
        "people",
        "time",
        "like",
        "get",
        "may",
        "might",
        "must",
        "per",
        "via",
        "week",
        "day",
        "days",
        "month",
        "according",
        "including",
        "since",
    ]
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_NAME = re.compile(r"[A-Z][\w'’\-]*(?:\s+(?:of|de|la|van|von|al|the)?\s*[A-Z][\w'’\-]*)*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A light plural/possessive folding: enough to join "strikes" and "strike"."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


@lru_cache(maxsize=200_000)
def _content_word(word: str) -> str | None:
    stemmed = _stem(word)
    return stemmed if len(stemmed) >= 3 and stemmed not in STOPWORDS else None


def content_words(text: str) -> list[str]:
    """Lower-cased, lightly stemmed words without stopwords, digits or very short tokens."""
    return [w for w in map(_content_word, _WORD.findall(text.lower())) if w is not None]


def term_counts(title: str, text: str) -> Counter:
    """Word counts of an article, the headline weighted above the body."""
    return Counter(content_words(title) * TITLE_WEIGHT + content_words(text))


def names(text: str) -> set[str]:
    """Capitalised phrases ("Port Varrow", "Ines Vale"): a cheap stand-in for named entities."""
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        for match in _NAME.finditer(sentence):
            phrase = " ".join(match.group(0).split())
            lowered = phrase.lower()
            if match.start() == 0 and " " not in phrase:
                continue  # a capital at the start of a sentence says nothing
            if len(lowered) >= 3 and lowered not in STOPWORDS:
                found.add(lowered)
    return found


def tfidf(counts: Mapping[str, float], df: Mapping[str, int], documents: int) -> dict[str, float]:
    """Sublinear TF times smoothed IDF, L2-normalised, as a sparse dict."""
    weights = {
        t: (1.0 + math.log(c)) * (math.log((documents + 1) / (df.get(t, 0) + 1)) + 1.0)
        for t, c in counts.items()
        if c > 0
    }
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


@lru_cache(maxsize=400_000)
def _slot(term: str, dim: int) -> tuple[int, float]:
    code = zlib.crc32(term.encode("utf-8"))
    return code % dim, (1.0 if (code >> 31) & 1 else -1.0)  # signed hashing keeps dot products unbiased


def hashed(weights: Mapping[str, float], dim: int = LEXICAL_DIM) -> np.ndarray:
    """A sparse weight dict folded into a dense unit vector (the feature-hashing trick)."""
    vector = np.zeros(dim, dtype=np.float32)
    for term, weight in weights.items():
        slot, sign = _slot(term, dim)
        vector[slot] += sign * weight
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def top_terms(weights: Mapping[str, float], limit: int = 80) -> dict[str, float]:
    """The heaviest terms, rounded: what is stored per article to rebuild its vector later."""
    best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return {t: round(w, 4) for t, w in best}


def update_counts(df: Counter, terms: Iterable[str]) -> None:
    """Add one document's distinct terms to document frequencies."""
    df.update(set(terms))
