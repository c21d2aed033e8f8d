"""Key points of an article and the multi-source summary of a story: extractive, so every sentence
shown is a sentence a publisher wrote, with its place in the text (character offsets) as citation.

Sentences are scored by how central their words are (within the article, or across the story's
sources, where a word counts by how many sources use it), by position (news puts the facts first)
and by overlap with the headlines; then picked greedily with MMR-style redundancy removal and, for
stories, a penalty on sources already quoted so the summary draws on several.

A story's summary reads in time order, each sentence dated by its article. A running story revises
its figures ("eleven patients", then 19, then 21): a sentence whose count of something a later
article gives differently ("N patients", "N cases" where the same article uses one number for both)
is superseded and left out, so the newest figure is the one given, with its date.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from broadsheet.nlp.sentences import Sentence, split_sentences
from broadsheet.nlp.terms import content_words

DEFAULT_WORDS = 120
MIN_WORDS, MAX_WORDS = 6, 70  # shorter or longer sentences make poor key points
REDUNDANT = 0.5  # cosine above which a candidate repeats a sentence already chosen
SOURCE_REPEAT = 0.7  # a story summary's score factor for each sentence already taken from that source
_DATELINE = re.compile(r"^(?:[A-Z][A-Z .,'’\-]{2,40}(?:\([^)]{1,40}\))?\s*[—–-]+\s*|\([A-Z][\w .]{1,30}\)\s*[—–-]+\s*)")
_DANGLING = re.compile(
    r"^(?:he|she|it|they|this|that|these|those|but|and|so|however|also|his|her|their|its)\b", re.IGNORECASE
)
_QUOTE_OPEN = re.compile(r"^[\"“‘']")


@dataclass(frozen=True)
class KeyPoint:
    """One key point: the sentence and where it is in the article text."""

    text: str
    start: int
    end: int
    sentence: int


@dataclass(frozen=True)
class SourceText:
    """One article of a story, as the summarizer needs it."""

    id: str
    source: str
    title: str
    text: str
    published: datetime | None = None


@dataclass(frozen=True)
class Cited:
    """A sentence taken from a source article, with its offsets in that article's text."""

    text: str
    article_id: str
    source: str
    start: int
    end: int
    sentence: int


@dataclass
class StorySummary:
    """A story's summary: its sentences in time order, each citing its article (dated in `published`)."""

    sentences: list[Cited] = field(default_factory=list)
    published: dict[str, datetime | None] = field(default_factory=dict)  # article id -> its date

    @property
    def text(self) -> str:
        """The summary as one paragraph."""
        return " ".join(s.text for s in self.sentences)

    @property
    def article_ids(self) -> list[str]:
        """Cited articles, in order of first citation."""
        return list(dict.fromkeys(s.article_id for s in self.sentences))


@dataclass
class Candidate:
    """A sentence under consideration, with its displayed span and its words."""

    doc: int
    sentence: Sentence
    start: int
    text: str
    words: Counter
    score: float = 0.0

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def length(self) -> int:
        return len(self.text.split())


def cosine(a: Counter, b: Counter) -> float:
    """Cosine similarity of two bags of words."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) < len(b) else (b, a)
    dot = sum(v * large.get(k, 0) for k, v in small.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def displayed(sentence: Sentence) -> tuple[int, str]:
    """The sentence without a leading dateline ("KESSFORD — "), and where that text starts."""
    match = _DATELINE.match(sentence.text)
    cut = match.end() if match and len(sentence.text) - match.end() > 20 else 0
    return sentence.start + cut, sentence.text[cut:]


def candidates(text: str, doc: int = 0) -> list[Candidate]:
    """Sentences fit to be shown on their own (not too short, not too long, not questions); when a
    text has none (unpunctuated copy, a list of fragments), every sentence of three words or more."""
    found, fallback = [], []
    for sentence in split_sentences(text):
        start, shown = displayed(sentence)
        length = len(shown.split())
        candidate = Candidate(doc, sentence, start, shown, Counter(content_words(shown)))
        if MIN_WORDS <= length <= MAX_WORDS and not shown.rstrip("\"”’' ").endswith("?"):
            found.append(candidate)
        elif length >= 3:
            fallback.append(candidate)
    return found or fallback


def _style(candidate: Candidate) -> float:
    """Down-weight sentences that read badly out of context: quotes and dangling openings."""
    factor = 1.0
    if _QUOTE_OPEN.match(candidate.text):
        factor *= 0.7
    if _DANGLING.match(candidate.text):
        factor *= 0.75
    return factor


def _position(index: int) -> float:
    return 1.0 / (1.0 + 0.3 * index)


def _centrality(words: Counter, weights: dict[str, float]) -> float:
    if not words:
        return 0.0
    return sum(weights.get(w, 0.0) for w in words) / math.sqrt(sum(words.values()))


def _score(pool: list[Candidate], weights: dict[str, float], title_words: Counter) -> None:
    """Centrality, position and headline overlap, each scaled to 0..1, times the style factor."""
    central = [_centrality(c.words, weights) for c in pool]
    top = max(central, default=0.0) or 1.0
    for c, value in zip(pool, central):
        headline = cosine(c.words, title_words)
        c.score = (0.55 * value / top + 0.3 * _position(c.sentence.index) + 0.15 * headline) * _style(c)


class Overlaps:
    """Running redundancy of every candidate with the sentences chosen so far: the largest word-bag
    cosine to any of them. Choosing a sentence adds one row, computed through an inverted index on
    integer counts (exactly `cosine`'s value, without comparing every pair of bags in Python)."""

    def __init__(self, pool: list[Candidate]):
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, c in enumerate(pool):
            for word, count in c.words.items():
                rows, counts = postings.setdefault(word, ([], []))
                rows.append(i)
                counts.append(count)
        self.postings = {w: (np.array(r), np.array(c, np.int64)) for w, (r, c) in postings.items()}
        self.norms = np.array([math.sqrt(sum(v * v for v in c.words.values())) for c in pool])
        self.largest = np.zeros(len(pool))

    def cosines(self, words: Counter) -> np.ndarray:
        """`cosine(words, bag)` for every bag of the pool, in pool order (words outside it add nothing)."""
        dots = np.zeros(len(self.norms), np.int64)
        if not words:
            return dots.astype(float)
        for word, count in words.items():
            posting = self.postings.get(word)
            if posting is not None:
                dots[posting[0]] += count * posting[1]
        norm = math.sqrt(sum(v * v for v in words.values()))
        scale = self.norms * norm
        return np.divide(dots, scale, out=np.zeros(len(dots)), where=scale != 0)

    def choose(self, candidate: Candidate) -> None:
        """Take a chosen sentence into account."""
        if candidate.words:
            np.maximum(self.largest, self.cosines(candidate.words), out=self.largest)


def _pick(pool: list[Candidate], enough, source_of=None) -> list[Candidate]:
    """Greedy MMR: best remaining score, minus redundancy with what is chosen, until `enough`."""
    chosen: list[Candidate] = []
    uses: Counter = Counter()
    overlaps = Overlaps(pool)
    remaining = sorted(range(len(pool)), key=lambda i: -pool[i].score)
    while remaining and not enough(chosen):
        best, best_value = None, -1.0
        largest = overlaps.largest.tolist()  # Python floats: the loop below reads one per candidate
        for i in remaining:
            c, overlap = pool[i], largest[i]
            if overlap > REDUNDANT:
                continue
            value = c.score * (1 - 0.5 * overlap)
            if source_of is not None:
                value *= SOURCE_REPEAT ** uses[source_of(c)]
            if value > best_value and enough(chosen + [c], fits=True):
                best, best_value = i, value
        if best is None:
            break
        chosen.append(pool[best])
        overlaps.choose(pool[best])
        remaining.remove(best)
        if source_of is not None:
            uses[source_of(pool[best])] += 1
    return chosen


def key_point_count(sentences: int) -> int:
    """Three key points for a short article, up to five for a long one."""
    return 3 if sentences <= 12 else 4 if sentences <= 24 else 5


def key_points(title: str, text: str, count: int | None = None) -> list[KeyPoint]:
    """3 to 5 non-redundant sentences of an article, in text order, with their offsets."""
    pool = candidates(text)
    if not pool:
        return []
    words = Counter(content_words(title) * 2)
    for c in pool:  # one running total: adding Counters pairwise copies them each time
        words.update(c.words)
    weights = {w: 1.0 + math.log(n) for w, n in words.items()}
    _score(pool, weights, Counter(content_words(title)))
    wanted = count or key_point_count(len(split_sentences(text)))

    def enough(chosen: list[Candidate], fits: bool = False) -> bool:
        return len(chosen) <= wanted if fits else len(chosen) >= wanted

    chosen = sorted(_pick(pool, enough), key=lambda c: c.start)
    return [KeyPoint(c.text, c.start, c.end, c.sentence.index) for c in chosen]


def paragraph_number(text: str, offset: int) -> int:
    """1-based number of the paragraph holding a character offset, paragraphs being what the article
    page shows: blank-line separated, empty ones skipped (as `Article.paragraphs`). A paragraph counts
    once its first character is at or before the offset, so a key point that opens a paragraph is
    placed in that paragraph, not the one before it."""
    number, position = 0, 0
    for piece in text.split("\n\n"):
        if piece.strip():
            if position + len(piece) - len(piece.lstrip()) > offset:
                break
            number += 1
        position += len(piece) + 2
    return max(number, 1)


def lead_sentences(text: str, count: int = 3) -> list[KeyPoint]:
    """The first sentences (the lead-N baseline)."""
    return [KeyPoint(s.text, s.start, s.end, s.index) for s in split_sentences(text)[:count]]


def distinct_sources(docs: Sequence[SourceText]) -> list[SourceText]:
    """Drop verbatim copies (syndicated wire text): the earliest copy stands for the rest."""
    seen: set[str] = set()
    kept = []
    for doc in sorted(docs, key=_when):
        key = " ".join(doc.text.split()).lower()
        if key not in seen:
            seen.add(key)
            kept.append(doc)
    return kept


def _when(doc: SourceText) -> tuple[float, str]:
    return (doc.published.timestamp() if doc.published else float("inf"), doc.id)


def story_weights(pools: list[list[Candidate]]) -> dict[str, float]:
    """Word weights for a story: how many of its sources use a word, damped by frequency."""
    df: Counter = Counter()
    tf: Counter = Counter()
    for pool in pools:
        words: Counter = Counter()
        for c in pool:
            words.update(c.words)
        df.update(words.keys())
        tf.update(words)
    n = max(len(pools), 1)
    return {w: (0.5 + df[w] / n) * (1.0 + math.log(tf[w])) for w in tf}


# Number words up to twenty, as publishers spell small counts ("eleven patients"); the answerer reads them too.
SMALL_NUMBERS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUMBER_WORDS = SMALL_NUMBERS | {
    w: 10 * n
    for n, w in enumerate(["_", "_", "_", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
    if w != "_"
}
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?(?![\w-])|[a-z]+(?:-[a-z]+)*")
_NOT_COUNTED = frozenset(
    [
        "seconds",
        "minutes",
        "hours",
        "days",
        "weeks",
        "months",
        "years",
        "decades",
        "centuries",
        "times",
        "percent",
        "points",
        "per",
        "cents",
        "metres",
        "meters",
        "kilometres",
        "miles",
        "tonnes",
        "kilos",
        "pounds",
        "dollars",
        "euros",
        "crowns",
    ]
)


def _number(token: str) -> float | None:
    """A figure written in digits or words ("19", "1,200", "eleven", "forty-eight")."""
    if token[0].isdigit():
        return float(token.replace(",", ""))
    parts = token.split("-")
    if all(p in _NUMBER_WORDS for p in parts) and len(parts) <= 2:
        return float(sum(_NUMBER_WORDS[p] for p in parts))
    return None


def figures(text: str) -> set[tuple[float, str]]:
    """(value, counted noun) pairs of a text: "eleven patients", "19 cases", "112 planned operations"."""
    tokens = _TOKEN.findall(text.lower())
    found = set()
    for i, token in enumerate(tokens):
        value = _number(token)
        if value is None or value <= 1:
            continue
        # the counted noun: the next word, or the one after a qualifier ("ten more carriers")
        noun = next((w for w in tokens[i + 1 : i + 3] if len(w) > 3 and w.endswith("s") and "-" not in w), None)
        if noun is not None and noun not in _NOT_COUNTED:
            found.add((value, noun))
    return found


def superseded(kept: Sequence[SourceText], pools: list[list[Candidate]]) -> set[tuple[int, float]]:
    """(document, value) pairs a later document revises: it counts one of the things this document
    counted with that value (one value's nouns are one thing within a document) differently."""
    counted: list[dict[str | float, set]] = [{} for _ in kept]  # per document: noun -> values, value -> nouns
    for doc, pool in enumerate(pools):
        for candidate in pool:
            for value, noun in figures(candidate.text):
                counted[doc].setdefault(noun, set()).add(value)
                counted[doc].setdefault(value, set()).add(noun)
    out = set()
    for doc, own in enumerate(counted):
        for value in (k for k in own if isinstance(k, float)):
            later = [d for d in range(len(kept)) if _when(kept[d]) > _when(kept[doc])]
            if any(noun in counted[d] and value not in counted[d][noun] for noun in own[value] for d in later):
                out.add((doc, value))
    return out


def summarize_story(docs: Sequence[SourceText], words: int = DEFAULT_WORDS) -> StorySummary:
    """A summary of about `words` words drawn from several sources, each sentence citing its article,
    in time order; sentences whose figures a later article revised are left out."""
    kept = distinct_sources(docs)
    pools = [candidates(doc.text, i) for i, doc in enumerate(kept)]
    stale = superseded(kept, pools)
    pool = [c for p in pools for c in p if not any((c.doc, v) in stale for v, _ in figures(c.text))]
    if not pool:
        return StorySummary()
    titles = Counter(w for doc in kept for w in content_words(doc.title))
    _score(pool, story_weights(pools), titles)

    def enough(chosen: list[Candidate], fits: bool = False) -> bool:
        total = sum(c.length for c in chosen)
        if fits:
            return len(chosen) == 1 or total <= words * 1.15
        return total >= words * 0.9

    chosen = _pick(pool, enough, source_of=lambda c: kept[c.doc].source or kept[c.doc].id)
    chosen = sorted(chosen, key=lambda c: (_when(kept[c.doc]), c.start))  # developments in the order they came
    return StorySummary(
        [Cited(c.text, kept[c.doc].id, kept[c.doc].source, c.start, c.end, c.sentence.index) for c in chosen],
        {kept[c.doc].id: kept[c.doc].published for c in chosen},
    )
