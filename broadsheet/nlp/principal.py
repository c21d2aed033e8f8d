"""Principal names: who and where an article is about, the event instance that tells two events of
one kind apart (two data breaches, two fires) where their vocabulary does not.

Capitalised names counted by salience (the headline's and the lead's mentions counting more),
folded so that variants meet, and ranked by salience times inverse document frequency.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping

from broadsheet.nlp import terms as lexical

_LEAD = re.compile(r"\n\s*\n")
_DATELINE_CREDIT = re.compile(r"^\s*([A-Z][A-Z .'\-]{1,40}?)\s*\([^)]{1,40}\)\s*[-\u2013\u2014]")
_SIGN_OFF = re.compile(r"^\s*[-\u2013\u2014]\s*\S+(?:\s+\S+){0,3}\s*$")  # "- Meridian Wire" closing a wire copy
HEADLINE_MENTIONS = 3  # a name in the headline counts as three mentions, one in the lead paragraph as two
LEAD_MENTIONS = 2
NAME_WORDS = True
PRINCIPAL_SHARE = 0.4  # a principal name is at least this salient relative to the most salient one


def name_mentions(title: str, text: str) -> Counter:
    """Capitalised names with their salience: mentions, the headline's and the lead's counting more.

    Possessives and a leading "the" fold into the name ("Ostra's", "the Esterland Cyber Defence
    Agency"); each word of a longer name also counts on its own, so "Telvanta Communications" and
    "Telvanta" meet."""
    paragraphs = [p for p in _LEAD.split(text or "") if p.strip() and not _SIGN_OFF.match(p)]
    if paragraphs:  # "PORT VARROW (Meridian Wire) - ...": the place counts, the agency is no subject
        paragraphs[0] = _DATELINE_CREDIT.sub(r"\1 -", paragraphs[0], count=1)
    parts = [] if _title_case(title or "") else [(title or "", HEADLINE_MENTIONS)]
    if paragraphs:
        parts += [(paragraphs[0], LEAD_MENTIONS), ("\n".join(paragraphs[1:]), 1)]
    found: Counter = Counter()
    opening: list[tuple[str, int]] = []  # one capitalised word opening a sentence: a name only if seen as one
    for chunk, weight in parts:
        for sentence in lexical._SENTENCE.split(chunk):
            for match in lexical._NAME.finditer(sentence):
                phrase = " ".join(match.group(0).split())
                if match.start() == 0 and " " not in phrase:
                    opening.append((phrase, weight))
                    continue
                for name in _name_units(phrase):
                    found[name] += weight
    for phrase, weight in opening:
        for name in _name_units(phrase):
            if name in found:
                found[name] += weight
    return found


def principal_names(mentions: Counter, df: Mapping[str, int], documents: int, count: int = 3) -> tuple[str, ...]:
    """The names an article is about: salience (mentions, headline and lead counting more) times
    inverse document frequency, so that a name repeated through the article beats both a country
    every article names and a photographer credited once."""
    score = {n: mentions[n] * (math.log((documents + 1) / (df.get(n, 0) + 1)) + 1.0) for n in mentions}
    ranked = sorted(score, key=lambda n: (-score[n], n))[:count]
    return tuple(n for n in ranked if score[n] >= PRINCIPAL_SHARE * score[ranked[0]])


def _title_case(title: str) -> bool:
    """A headline in Title Case: its capitals say nothing about names."""
    words = [w for w in title.split() if w[:1].isalpha()]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _name_units(phrase: str) -> list[str]:
    name = phrase.lower().replace("\u2019", "'")
    name = name[:-2] if name.endswith("'s") else name
    name = name[4:] if name.startswith("the ") else name
    if len(name) < 3 or name in lexical.STOPWORDS:
        return []
    if not NAME_WORDS:
        return [name]
    words = [w for w in name.split() if len(w) >= 3 and w not in lexical.STOPWORDS]
    return [name] + (words if len(words) > 1 or (words and words[0] != name) else [])
