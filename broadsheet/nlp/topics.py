"""Sections and tags: which of eight sections an article belongs to, and a few tags to show under it.

The section comes from a hand-written vocabulary per section (`data/sections.toml`), weighted by where
a word appears (headline above lead above the rest), optionally blended with the cosine between the
article's sentence embedding and an embedded description of each section. Nothing is trained on
evaluation data: the vocabulary is general knowledge, so the same rules serve every source.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from broadsheet.nlp.sections import DESCRIPTIONS, LEXICON, SECTIONS, examples
from broadsheet.nlp.terms import STOPWORDS, _stem

TITLE_WEIGHT = 3.0  # a headline word says more about the beat than a body word
LEAD_WORDS = 60  # the lead (first words of the body) counts double
BODY_WORDS = 600  # the tail of a long article adds little and costs time
MAX_NGRAM = 4
EMBEDDING_WEIGHT = 0.5  # share of the blended score that comes from the embedding, when there is one
HEADLINE_EMBEDDING_WEIGHT = 0.7  # a bare headline gives the vocabulary little to go on
HEADLINE_ONLY_WORDS = 30  # bodies shorter than this count as "headline only"
EMBEDDING_TEMPERATURE = 0.03
PROTOTYPE_NEIGHBOURS = 5  # a section's similarity: mean over its five nearest prototypes
DEFAULT_SECTION = "World"  # general news when no section's vocabulary is present

_TOKEN = re.compile(r"[a-z0-9][a-z0-9&'’\-]*[a-z0-9]|[a-z0-9]")


@dataclass(frozen=True)
class SectionResult:
    """The chosen section, how sure the rule is (0..1), and every section's share of the evidence."""

    section: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)


def tokens(text: str) -> list[str]:
    """Lower-cased, lightly stemmed tokens (digits and short words kept: "f1", "ai", "mp")."""
    return [_stem(t) for t in _TOKEN.findall(text.lower().replace("’", "'"))]


@lru_cache(maxsize=1)
def _vocabulary() -> dict[tuple[str, ...], dict[str, float]]:
    """n-gram -> {section: weight}, from the lexicon (the strongest weight wins on repeats)."""
    vocab: dict[tuple[str, ...], dict[str, float]] = {}
    for section, blocks in LEXICON.items():
        for weight, entries in blocks.items():
            for entry in entries.split(","):
                key = tuple(tokens(entry))
                if key and len(key) <= MAX_NGRAM:
                    slot = vocab.setdefault(key, {})
                    slot[section] = max(slot.get(section, 0.0), float(weight))
    return vocab


@lru_cache(maxsize=1)
def _prefixes() -> frozenset[tuple[str, ...]]:
    """Every leading part of a vocabulary n-gram: a run of tokens that is none of these cannot grow
    into an entry, so counting stops there."""
    return frozenset(gram[:n] for gram in _vocabulary() for n in range(1, len(gram) + 1))


def _weighted_counts(title: str, text: str) -> dict[tuple[str, ...], float]:
    """Counts of the vocabulary's n-grams, with the headline and the lead weighted above the rest of
    the body. Only n-grams the vocabulary holds are counted (no other count is ever read), in the
    order a plain count of every n-gram meets them, so the scores add up exactly as before."""
    vocab, prefixes = _vocabulary(), _prefixes()
    counts: defaultdict[tuple[str, ...], float] = defaultdict(float)
    body = tokens(" ".join(text.split()[:BODY_WORDS]))
    for part, weight in ((tokens(title), TITLE_WEIGHT), (body[:LEAD_WORDS], 2.0), (body[LEAD_WORDS:], 1.0)):
        found = []  # (n, position, gram)
        for i in range(len(part)):
            for n in range(1, min(MAX_NGRAM, len(part) - i) + 1):
                gram = tuple(part[i : i + n])
                if gram not in prefixes:
                    break
                if gram in vocab and not (n == 1 and gram[0] in STOPWORDS):
                    found.append((n, i, gram))
        for _, _, gram in sorted(found, key=lambda f: (f[0], f[1])):
            counts[gram] += weight
    return counts


def lexical_scores(title: str, text: str) -> dict[str, float]:
    """Each section's evidence: weight times damped frequency of its vocabulary."""
    vocab = _vocabulary()
    scores = dict.fromkeys(SECTIONS, 0.0)
    for gram, count in _weighted_counts(title, text).items():
        damped = 1.0 + math.log(count)
        for section, weight in vocab[gram].items():
            scores[section] += weight * damped
    return scores


def _shares(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {s: (v / total if total else 0.0) for s, v in scores.items()}


def prototype_texts() -> tuple[list[str], list[int]]:
    """Texts to embed once (each section's description and example headlines) and their section index."""
    texts, labels = [], []
    for index, section in enumerate(SECTIONS):
        for text in (DESCRIPTIONS[section], *examples(section)):
            texts.append(text)
            labels.append(index)
    return texts, labels


@dataclass(frozen=True)
class Prototypes:
    """Embedded prototypes: one unit row per text, with the section index of each row."""

    vectors: np.ndarray
    labels: np.ndarray


def embedding_shares(embedding: np.ndarray, prototypes: Prototypes) -> dict[str, float]:
    """Softmax over each section's mean similarity to its nearest prototypes."""
    sims = prototypes.vectors @ (embedding / (np.linalg.norm(embedding) or 1.0))
    per_section = np.array(
        [np.sort(sims[prototypes.labels == i])[-PROTOTYPE_NEIGHBOURS:].mean() for i in range(len(SECTIONS))]
    )
    weights = np.exp((per_section - per_section.max()) / EMBEDDING_TEMPERATURE)
    weights /= weights.sum()
    return dict(zip(SECTIONS, (float(w) for w in weights)))


def classify_section(
    title: str, text: str, embedding: np.ndarray | None = None, prototypes: Prototypes | None = None
) -> SectionResult:
    """The article's section; with an embedding and embedded prototypes, both signals are blended."""
    shares = _shares(lexical_scores(title, text))
    if embedding is not None and prototypes is not None and len(embedding) == prototypes.vectors.shape[1]:
        embedded = embedding_shares(embedding, prototypes)
        weight = HEADLINE_EMBEDDING_WEIGHT if len(text.split()) < HEADLINE_ONLY_WORDS else EMBEDDING_WEIGHT
        weight = weight if any(shares.values()) else 1.0
        shares = {s: (1 - weight) * shares[s] + weight * embedded[s] for s in SECTIONS}
    if not any(shares.values()):
        return SectionResult(DEFAULT_SECTION, 0.0, shares)
    best = max(SECTIONS, key=lambda s: shares[s])
    return SectionResult(best, round(shares[best], 3), {s: round(v, 4) for s, v in shares.items()})


def choose_tags(entity_counts: list[tuple[str, int]], title: str, limit: int = 5) -> list[str]:
    """Tags shown under an article: its most mentioned names, headline names first on ties."""
    lowered = title.lower()
    ranked = sorted(entity_counts, key=lambda item: (-(item[1] + (2 if item[0].lower() in lowered else 0)), item[0]))
    tags: list[str] = []
    for name, _count in ranked:
        words = set(name.lower().split())
        if not any(words <= set(t.lower().split()) or set(t.lower().split()) <= words for t in tags):
            tags.append(name)  # "Kessford council" after "Kessford city council" adds nothing
        if len(tags) == limit:
            break
    return tags
