"""What a reader's question asks for: the kind of answer it expects (a number, a date, a place, a
person or organisation, a reason...), its informative words, and the details a supporting sentence
must not contradict (names, figures, a negation).

The kind comes from the question's wh-phrase ("how many" -> a number, "in what year" -> a date,
"which city" -> a place, "what was the source of" -> an origin); a sentence fits the kind when it
holds a token of that kind that the question does not already contain (a figure, a year or month, a
capitalised name, a phrase that introduces a cause).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBER, DATE, PLACE, PERSON, REASON, ORIGIN, OTHER = "number", "date", "place", "person", "reason", "origin", "other"
KINDS = (NUMBER, DATE, PERSON, PLACE, REASON, ORIGIN, OTHER)  # the kinds the fitted answer check knows
# Questions about the story as a whole ("What happened?", "What's the latest?"): no one sentence
# matches their words, so they are answered from the leads of the first and the newest report.
OVERVIEW, LATEST = "overview", "latest"

WH_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "much",
        "many",
        "does",
        "did",
        "do",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "will",
        "would",
        "should",
    ]
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half|twice|double|percent"
)
_NUMBERS = re.compile(r"\b(?:\d[\d,.]*%?|(?:" + _NUMBER_WORDS + r")(?:-\w+)?)\b", re.IGNORECASE)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATES = re.compile(
    rf"\b(?:1\d{{3}}|20\d{{2}}|\d{{3,4}}s|(?:{_MONTHS})|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|centur(?:y|ies)|decades?|bc|ad|today|yesterday|tomorrow|tonight|ago|\d+(?:st|nd|rd|th)|"
    r"(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\s+"
    r"(?:hours?|days?|weeks?|months?|years?)|morning|afternoon|evening|midnight|noon)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![.!?\"“]\s)(?<!^)\b[A-Z][\w'’-]+")
_NEGATION = re.compile(r"\b(?:not|never|no|none|nor|without|cannot)\b|n['’]t\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")
_KIND_PATTERNS = (
    (
        NUMBER,
        re.compile(
            r"\bhow (?:many|much|long|far|old|large|big|tall|high|often|few)\b|\b(?:what|which) "
            r"(?:percentage|percent|number|amount|proportion|share|figure|total|sum|price|cost)\b"
        ),
    ),
    (
        DATE,
        re.compile(
            r"\bwhen\b|\b(?:what|which) (?:year|years|date|day|time|century|decade|month|period|season|"
            r"hour)\b|\bhow soon\b|\bby when\b"
        ),
    ),
    (
        PERSON,
        re.compile(
            r"\bwho(?:m|se)?\b|\b(?:what|which) (?:person|people|man|woman|group|organi[sz]ation|"
            r"company|team|club|party|official|minister|player|coach|manager|leader|king|queen)\b"
        ),
    ),
    (
        PLACE,
        re.compile(
            r"\bwhere\b|\b(?:what|which) (?:country|countries|city|cities|place|region|state|town|"
            r"continent|location|area|province|island|river|street|district|ward|hospital|building)\b"
        ),
    ),
    (REASON, re.compile(r"\bwhy\b|\bwhat (?:caused|causes|led to)\b|\bfor what reason\b")),
    (
        ORIGIN,
        re.compile(
            r"\b(?:what|which) (?:was|is|were|are) the (?:main |likely |probable )?(?:source|origin|cause)s? of\b"
        ),
    ),
)
# A sentence gives an origin or a cause through a phrase that introduces it ("traced it to the drains",
# "came from", "because of"), seldom through the question's own "source" or "cause"
_CAUSES = re.compile(
    r"\b(?:traced(?:\s+\w+){0,3}\s+to|(?:came|come|comes|coming|spread|spreading|arose|arising|stem(?:s|med)?|"
    r"originat(?:ed|es|ing))\s+from|originat(?:ed|es|ing)\s+in|caused\s+by|due\s+to|because|blamed\s+on|"
    r"linked\s+to|attributed\s+to|result(?:ed|s)?\s+(?:of|from)|as\s+a\s+result|owing\s+to|led\s+to)\b",
    re.IGNORECASE,
)
# The words of a "what was the source of..." question that name the kind of answer: the sentence that
# answers says "traced to" or "came from" instead, so they are not matched as the question's content
FRAME_WORDS = {ORIGIN: frozenset({"source", "sources", "origin", "origins", "cause", "causes", "reason", "reasons"})}


@dataclass
class Question:
    """A parsed question: its text, expected kind and the details an answer is checked against."""

    text: str
    kind: str
    words: set[str] = field(default_factory=set)  # lower-cased words of the question, as written
    names: list[str] = field(default_factory=list)  # capitalised words after the first
    numbers: list[str] = field(default_factory=list)
    negated: bool = False


def question_kind(question: str) -> str:
    """The kind of answer a question expects: number, date, person, place, reason or other."""
    lowered = " ".join(question.lower().split())
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(lowered):
            return kind
    return OTHER


def parse_question(question: str) -> Question:
    """The question's kind, words, names, figures and whether it is negated."""
    text = " ".join(question.split())
    names = [w for w in _CAPITALISED.findall(text) if w.lower() not in WH_WORDS]
    return Question(
        text,
        question_kind(text),
        {w.lower() for w in _WORD.findall(text)},
        names,
        re.findall(r"\b\d[\d,.]*\b", text),
        bool(_NEGATION.search(text)),
    )


# Whole questions (after `_plain`) that ask what the story is, or what is newest in it; a question with
# any further word ("What happened in the final?") is an ordinary question.
_OVERVIEW_ASKED = frozenset(
    [
        "what happened",
        "what has happened",
        "what is happening",
        "what is going on",
        "what went on",
        "what is this about",
        "what is this story about",
        "what is the story",
        "what is it about",
        "what is it all about",
        "what do we know",
        "what is known",
        "summary",
        "summarize",
        "summarise",
        "summarize this",
        "summarise this",
        "summarize the story",
        "summarise the story",
        "give me a summary",
        "gist",
        "the gist",
        "give me the gist",
        "tldr",
        "overview",
        "recap",
        "rundown",
        "tell me more",
        "tell me what happened",
        "tell me about this",
        "tell me about it",
        "tell me about the story",
    ]
)
_LATEST_ASKED = frozenset(
    [
        "what is new",
        "what is the latest",
        "latest",
        "the latest",
        "what is the latest news",
        "what are the latest developments",
        "what are the latest updates",
        "what has changed",
        "what changed",
        "any news",
        "any updates",
        "any update",
        "any new developments",
        "updates",
    ]
)
_POLITE = re.compile(r"^(?:(?:so|ok|okay|please|briefly|and|then)\s+)+|\s+(?:so far|here|today|now|then|please)$")


def _plain(question: str) -> str:
    """A question lower-cased, without its punctuation, contractions spelled out ("what's" is
    "what is") and without polite padding ("so", "please", "so far")."""
    text = question.lower().replace("’", "'").replace("tl;dr", "tldr")
    text = re.sub(r"\b(what|who|it|that)'s\b", r"\1 is", text)
    text = " ".join(re.sub(r"[^\w' ]+", " ", text).split())
    while (shorter := _POLITE.sub("", text)) != text:
        text = shorter
    return text


def overview_asked(question: str) -> str | None:
    """LATEST for "what's the latest?", OVERVIEW for "what happened?" and its kin, else None."""
    plain = _plain(question)
    if plain in _LATEST_ASKED:
        return LATEST
    return OVERVIEW if plain in _OVERVIEW_ASKED else None


# spaCy entity labels that answer each kind of question, then labels that sometimes do ("who" may be
# answered by a group or a company, "where" by an institution)
ENTITY_LABELS = {
    NUMBER: (frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}), frozenset({"ORDINAL"})),
    DATE: (frozenset({"DATE"}), frozenset({"TIME"})),
    PERSON: (frozenset({"PERSON"}), frozenset({"ORG", "NORP"})),
    PLACE: (frozenset({"GPE", "LOC", "FAC"}), frozenset({"ORG"})),
}
_KIND_TOKENS = {NUMBER: _NUMBERS, DATE: _DATES, PERSON: _CAPITALISED, PLACE: _CAPITALISED, ORIGIN: _CAUSES}


def kind_tokens(kind: str, sentence: str) -> set[str] | None:
    """The lower-cased tokens of a sentence that can answer a question of that kind (figures for
    "how many", dates for "when", names for "who" and "where"); None for a kind any sentence fits."""
    pattern = _KIND_TOKENS.get(kind)
    return None if pattern is None else {m.group(0).lower() for m in pattern.finditer(sentence)}


def fits_kind(kind: str, sentence: str, question_words: set[str]) -> bool:
    """Whether a sentence holds a token of the expected kind that the question does not already hold."""
    tokens = kind_tokens(kind, sentence)
    return tokens is None or bool(tokens - question_words)


def is_negated(text: str) -> bool:
    """Whether a text holds a negation."""
    return bool(_NEGATION.search(text))


def figures(text: str) -> list[tuple[int, str]]:
    """The figures of a text (digits or number words) with their character offsets."""
    return [(m.start(), m.group(0)) for m in _NUMBERS.finditer(text)]
