"""Sentence splitting with character offsets, so every key point, citation and answer can point at
its exact place in the article text.

A rule-based splitter: news prose is regular enough that a boundary is a full stop, question or
exclamation mark (optionally followed by closing quotes or brackets) before whitespace and a
capital, digit or opening quote, unless the word before the stop is a known abbreviation, an
initial or part of a dotted acronym. Paragraph breaks always end a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "pres",
        "supt",
        "insp",
        "det",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "no",
        "nos",
        "vol",
        "vols",
        "fig",
        "figs",
        "approx",
        "est",
        "dept",
        "univ",
        "assn",
        "bros",
        "inc",
        "ltd",
        "co",
        "corp",
        "plc",
        "llc",
        "cie",
        "vs",
        "etc",
        "al",
        "cf",
        "ca",
        "p",
        "pp",
        "ed",
        "eds",
        "op",
    ]
)
# After these a stop ends the sentence only when the next word could not continue it.
_BOUNDARY = re.compile(r"""([.!?]+|\.\.\.|…)(["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9À-Ý])""")
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.'’-]*)$")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text and where it sits (character offsets into the text, paragraph)."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str


def _is_abbreviation(before: str) -> bool:
    """True when the stop closes an abbreviation, an initial or a dotted acronym, not a sentence."""
    match = _WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1)
    bare = word.rstrip(".").lower()
    if bare in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return True
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]?", word))  # "U.S", "e.g"


def _split_paragraph(text: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of one paragraph, offsets into the whole text."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        stop = match.group(1)
        if stop == "." and _is_abbreviation(text[start : match.start(1)]):
            continue
        end = match.end(2)
        if text[start:end].strip():
            spans.append((offset + start, offset + end))
        start = match.end(3)
    if text[start:].strip():
        spans.append((offset + start, offset + len(text.rstrip())))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of a text with their offsets; paragraph breaks are boundaries."""
    out: list[Sentence] = []
    position, paragraph = 0, 0
    for piece in [*_PARAGRAPH.finditer(text), None]:
        end = piece.start() if piece else len(text)
        block = text[position:end]
        lead = len(block) - len(block.lstrip())
        if block.strip():
            for start, stop in _split_paragraph(block.strip(), position + lead):
                out.append(Sentence(len(out), paragraph, start, stop, text[start:stop]))
            paragraph += 1
        if piece:
            position = piece.end()
    return out


def word_count(text: str) -> int:
    """Words in a text (whitespace-separated)."""
    return len(text.split())
