"""What each source adds: for every source in a story, the facts no other source reported.

A fact is carried by a sentence. A sentence counts as new when no other source has a similar
sentence (word overlap below a threshold) and it holds something the others never mention: a
number, a name, or several content words. The newest-information sentences come first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from broadsheet.nlp.summarize import Candidate, Overlaps, SourceText, candidates, distinct_sources

PER_SOURCE = 3
SIMILAR = 0.4  # cosine above which another source already said it
_NUMBER = re.compile(r"\d[\d,.]*")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


@dataclass(frozen=True)
class Addition:
    """A fact only this source reported: the sentence, its place, and the new details in it."""

    text: str
    article_id: str
    start: int
    end: int
    details: tuple[str, ...]


@dataclass(frozen=True)
class SourceAdds:
    """Everything one source adds to a story."""

    source: str
    additions: tuple[Addition, ...]


def _details(candidate: Candidate, other_text: str, other_words: set[str]) -> list[str]:
    """Numbers and names in the sentence that the other sources never mention, plus new words."""
    found = [n.rstrip(".,") for n in _NUMBER.findall(candidate.text) if n.rstrip(".,") not in other_text]
    names = [m.group(0) for m in _NAME.finditer(candidate.text) if m.start() > 0 and m.group(0) not in other_text]
    words = [w for w in candidate.words if w not in other_words]
    return found + names + (words if len(words) >= 3 else [])


def by_source_key(doc: SourceText) -> str:
    """What groups a story's articles by source: its outlet, else the article itself."""
    return doc.source or doc.id


def source_additions(docs: Sequence[SourceText], per_source: int = PER_SOURCE) -> list[SourceAdds]:
    """For each source of a story (two or more needed), the facts it alone reported."""
    kept = distinct_sources(docs)
    by_source: dict[str, list[int]] = {}
    for i, doc in enumerate(kept):
        by_source.setdefault(by_source_key(doc), []).append(i)
    if len(by_source) < 2:
        return []
    pools = [candidates(doc.text, i) for i, doc in enumerate(kept)]
    every = [c for pool in pools for c in pool]
    overlaps = Overlaps(every)  # each sentence against all others at once (exactly `cosine`'s values)
    source_of = np.array([by_source_key(kept[c.doc]) for c in every], dtype=object)
    out = []
    for source, members in by_source.items():
        others = [i for i in range(len(kept)) if i not in members]
        other_text = " ".join(kept[i].text + " " + kept[i].title for i in others)
        other_words = {w for i in others for c in pools[i] for w in c.words}
        elsewhere = source_of != source
        found = []
        for i in members:
            for c in pools[i]:
                if (overlaps.cosines(c.words)[elsewhere] > SIMILAR).any():
                    continue  # another source already has a similar sentence
                details = _details(c, other_text, other_words)
                if details:
                    found.append((len(details), c, kept[i].id, details))
        found.sort(key=lambda item: (-item[0], item[1].start))
        additions = tuple(
            Addition(c.text, article_id, c.start, c.end, tuple(dict.fromkeys(d))[:6])
            for _, c, article_id, d in found[:per_source]
        )
        if additions:
            out.append(SourceAdds(source, additions))
    return out
