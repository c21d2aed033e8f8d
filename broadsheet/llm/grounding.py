"""Generated text that may be shown only when every sentence rests on a cited source sentence.

The model is given numbered source sentences and asked to cite them as [n] after each sentence.
Each generated sentence must cite at least one given sentence, every number and name in it must
appear in what it cites, and nearly all its content words must too (lightly folded, so "voted"
meets "vote"). One failing sentence rejects the whole text: the extractive result is shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from broadsheet.llm.client import Generator
from broadsheet.nlp.answer import words_of
from broadsheet.nlp.sentences import split_sentences
from broadsheet.nlp.summarize import Cited

WORD_SUPPORT = 0.8  # share of a sentence's content words that its cited sentences must contain
_CITATION = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_TRAILING_CITATION = re.compile(r"([.!?])\s*((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)")  # "text. [2]" -> "text [2]."
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<=\s)[A-Z][a-zA-Z'’\-]+")


@dataclass(frozen=True)
class GroundedSentence:
    """A generated sentence and the source sentences that support it."""

    text: str
    citations: tuple[Cited, ...]


@dataclass(frozen=True)
class Grounded:
    """A generated text that passed the check, sentence by sentence."""

    sentences: tuple[GroundedSentence, ...]

    @property
    def text(self) -> str:
        """The generated text without its citation marks."""
        return " ".join(s.text for s in self.sentences)


def numbered(sources: Sequence[Cited]) -> str:
    """The source sentences as the model sees them: "[1] (Source) sentence"."""
    return "\n".join(f"[{i}] ({c.source or 'source'}) {c.text}" for i, c in enumerate(sources, start=1))


def summary_messages(sources: Sequence[Cited], words: int) -> list[dict]:
    """The chat messages asking for a cited summary of about `words` words."""
    return [
        {
            "role": "system",
            "content": "You summarise news using only the numbered source sentences given. "
            "Never add facts. After every sentence write the numbers of the source "
            "sentences it rests on, like [2] or [1, 3].",
        },
        {
            "role": "user",
            "content": f"Source sentences:\n{numbered(sources)}\n\nWrite a neutral summary of about {words} words.",
        },
    ]


def answer_messages(question: str, sources: Sequence[Cited]) -> list[dict]:
    """The chat messages asking for a short cited answer to a reader's question."""
    return [
        {
            "role": "system",
            "content": "You answer questions about news using only the numbered source sentences "
            "given. If they do not answer the question, say so. After every sentence "
            "write the numbers of the source sentences it rests on, like [2].",
        },
        {"role": "user", "content": f"Source sentences:\n{numbered(sources)}\n\nQuestion: {question}"},
    ]


def _supported(sentence: str, cited: Sequence[Cited]) -> bool:
    """Numbers, names and nearly all content words of the sentence appear in its cited sentences."""
    evidence = " ".join(c.text for c in cited)
    if any(n not in evidence for n in _NUMBER.findall(sentence)):
        return False
    names = [m.group(0) for m in _NAME.finditer(f" {sentence}") if m.start() > 1]  # not the opening word
    if any(name not in evidence for name in names):
        return False
    words = set(words_of(sentence))
    if not words:
        return False
    known = set(words_of(evidence))
    return len(words & known) / len(words) >= WORD_SUPPORT


def check_grounded(text: str, sources: Sequence[Cited]) -> Grounded | None:
    """The generated text split into supported, cited sentences, or None if any sentence fails."""
    out = []
    text = _TRAILING_CITATION.sub(lambda m: f" {m.group(2).strip()}{m.group(1)} ", text.strip())
    for sentence in split_sentences(text):
        numbers = [int(n) for group in _CITATION.findall(sentence.text) for n in group.split(",")]
        plain = " ".join(_CITATION.sub("", sentence.text).split())
        if not plain or plain in {".", "]"}:
            continue
        cited = [sources[n - 1] for n in numbers if 1 <= n <= len(sources)]
        if not cited or not _supported(plain, cited):
            return None
        out.append(GroundedSentence(plain, tuple(dict.fromkeys(cited))))
    return Grounded(tuple(out)) if out else None


def phrase_summary(
    generator: Generator | None, sources: Sequence[Cited], words: int, wait: float | None = None
) -> Grounded | None:
    """A generated summary of these source sentences when the endpoint answers in time and it checks out."""
    if generator is None or not sources:
        return None
    reply = generator.complete(summary_messages(sources, words), wait)
    return check_grounded(reply, sources) if reply else None


def phrase_answer(
    generator: Generator | None, question: str, sources: Sequence[Cited], wait: float | None = None
) -> Grounded | None:
    """A generated answer from the supporting passages, when it arrives in time and checks out."""
    if generator is None or not sources:
        return None
    reply = generator.complete(answer_messages(question, sources), wait)
    return check_grounded(reply, sources) if reply else None
