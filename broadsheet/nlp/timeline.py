"""A story's developments in time order: one line per article that brought something new.

Articles are read oldest first. Each contributes its lead sentence (news states its development
first) when no earlier article's lead already said it (word overlap below a threshold); an article
whose lead repeats what came before (a wire copy, a rewrite) adds no line. Only leads are compared:
background paragraphs of a preview share words with the later result without having reported it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from broadsheet.nlp.summarize import SourceText, candidates, cosine, distinct_sources

LEAD_SENTENCES = 1  # where a news article states its development
ALREADY_SAID = 0.5  # cosine to an earlier lead above which a lead is not new
COMPARED = 2  # an earlier article's first sentences say what it reported


@dataclass(frozen=True)
class Development:
    """One line of a timeline: what happened, who reported it and when."""

    text: str
    article_id: str
    source: str
    published: datetime | None
    start: int
    end: int


def build_timeline(docs: Sequence[SourceText]) -> list[Development]:
    """The story's developments, oldest first."""
    earlier: list[Counter] = []
    lines: list[Development] = []
    for doc in distinct_sources(docs):
        pool = candidates(doc.text)
        for candidate in pool[:LEAD_SENTENCES]:
            if all(cosine(candidate.words, seen) <= ALREADY_SAID for seen in earlier):
                lines.append(
                    Development(candidate.text, doc.id, doc.source, doc.published, candidate.start, candidate.end)
                )
                break
        earlier.extend(c.words for c in pool[:COMPARED])  # leads, not background paragraphs
    return lines
