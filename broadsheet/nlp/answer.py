"""Questions answered from a story's sources: the best-supported sentences, with citations, or an
honest "the sources do not say".

Retrieval is BM25 over the story's sentences (each sentence, with its neighbour for context).
A passage supports an answer only when it covers most of the question's informative words (IDF
weighted, so "the" and "budget" in a budget story weigh little) and, for "when", "how many" and
"who" questions, carries a date, a number or a name. Below that threshold nothing is claimed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from broadsheet.nlp.summarize import Cited, SourceText, displayed, distinct_sources
from broadsheet.nlp.sentences import split_sentences
from broadsheet.nlp.terms import content_words

NOT_SAID = "The sources do not say."
SUPPORT = 0.5  # share of the question's IDF weight a passage must cover
MAX_PASSAGES = 2
K1, B = 1.2, 0.75
_QUESTION_WORDS = frozenset("what which who whom whose when where why how much many does did do is are was were "
                            "can could will would should happen happened".split())
_NUMBER = re.compile(r"\d")
_DATE = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)?|\d{4}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                   r"january|february|march|april|may|june|july|august|september|october|november|december|"
                   r"today|yesterday|tomorrow|morning|afternoon|evening|night|week|month|year|hours?|minutes?|"
                   r"days?|ago|later|earlier|since|until|before|after)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")


@dataclass
class Answer:
    """An answer: the supporting passages (each cited), or none with an honest statement."""

    question: str
    passages: list[Cited] = field(default_factory=list)
    support: float = 0.0

    @property
    def supported(self) -> bool:
        """Whether any source passage supports an answer."""
        return bool(self.passages)

    @property
    def text(self) -> str:
        """The answer as shown: the passages, or the honest statement."""
        return " ".join(p.text for p in self.passages) if self.passages else NOT_SAID


@dataclass
class _Passage:
    cited: Cited
    words: Counter
    raw: str


_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "ly", "es", "s")


def fold(word: str) -> str:
    """A crude suffix fold so "leader", "leads" and "leading" meet at "lead" (matching only)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[:-len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words_of(text: str) -> list[str]:
    """Folded content words of a text."""
    return [fold(w) for w in content_words(text)]


def question_words(question: str) -> list[str]:
    """The informative words of a question (stopwords and question words removed, folded)."""
    return [fold(w) for w in content_words(question) if w not in _QUESTION_WORDS]


def _kind(question: str) -> str:
    lowered = question.lower().strip()
    if lowered.startswith(("when", "what time", "what day", "what date")):
        return "when"
    if lowered.startswith(("how many", "how much", "what percentage", "what share")):
        return "number"
    if lowered.startswith(("who", "whom", "whose")):
        return "who"
    return "other"


def _fits_kind(kind: str, text: str) -> bool:
    if kind == "when":
        return bool(_DATE.search(text))
    if kind == "number":
        return bool(_NUMBER.search(text)) or bool(re.search(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
                                                             r"hundred|thousand|million|billion|half|dozen)\b",
                                                             text, re.IGNORECASE))
    if kind == "who":
        return bool(_NAME.search(text))
    return True


def passages_of(docs: Sequence[SourceText]) -> list[_Passage]:
    """Every sentence of the story's distinct sources, each a citable passage."""
    found: list[_Passage] = []
    seen: set[str] = set()
    for doc in distinct_sources(docs):
        for s in split_sentences(doc.text):
            start, shown = displayed(s)  # without a leading dateline
            key = " ".join(shown.lower().split())
            if key in seen:
                continue  # the same sentence in a lightly edited copy: cite the first
            seen.add(key)
            found.append(_Passage(Cited(shown, doc.id, doc.source, start, s.end, s.index),
                                  Counter(words_of(f"{doc.title} {shown}" if s.index == 0 else shown)), shown))
    return found


class PassageIndex:
    """BM25 over a story's passages, built once per story and reused for every question."""

    def __init__(self, docs: Sequence[SourceText]):
        self.passages = passages_of(docs)
        self.df: Counter = Counter()
        for p in self.passages:
            self.df.update(p.words.keys())
        self.n = len(self.passages)
        self.average = sum(sum(p.words.values()) for p in self.passages) / max(self.n, 1)

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency; a word the sources never use still weighs (it is unanswered)."""
        return math.log(1 + (self.n - self.df[word] + 0.5) / (self.df[word] + 0.5))

    def bm25(self, passage: _Passage, words: list[str]) -> float:
        """The BM25 score of one passage for the question's words."""
        length = sum(passage.words.values())
        total = 0.0
        for w in set(words):
            tf = passage.words.get(w, 0)
            if tf:
                total += self.idf(w) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / max(self.average, 1)))
        return total

    def coverage(self, passage: _Passage, words: list[str]) -> float:
        """Share of the question's IDF weight that the passage contains."""
        weights = {w: self.idf(w) for w in set(words)}
        total = sum(weights.values())
        return sum(v for w, v in weights.items() if w in passage.words) / total if total else 0.0

    def answer(self, question: str, limit: int = MAX_PASSAGES) -> Answer:
        """The best-supported passages for a question, or an unsupported Answer."""
        words = question_words(question)
        if not words or not self.passages:
            return Answer(question)
        kind = _kind(question)
        ranked = []
        for p in self.passages:
            cover = self.coverage(p, words)
            if cover >= SUPPORT and _fits_kind(kind, p.raw):
                lead = 1.0 + 0.2 / (1 + p.cited.sentence)  # a lead sentence states the core facts
                ranked.append((self.bm25(p, words) * (0.5 + cover) * lead, cover, p))
        ranked.sort(key=lambda item: -item[0])
        if not ranked:
            return Answer(question)
        best = ranked[0][0]
        chosen = [p.cited for score, _, p in ranked[:limit] if score >= 0.6 * best]
        return Answer(question, chosen, round(ranked[0][1], 3))


def answer_question(question: str, docs: Sequence[SourceText]) -> Answer:
    """Answer one question from a story's sources (builds the index; reuse PassageIndex for many)."""
    return PassageIndex(docs).answer(question)
