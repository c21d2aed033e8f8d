"""Entities: spaCy's small model (NER only), outlets recognised by shape, names normalised."""

import json
from pathlib import Path

import pytest

from broadsheet.nlp.entities import (
    ORGANISATION,
    PERSON,
    PLACE,
    Entity,
    entity_key,
    extract_entities,
    extract_entities_batch,
    is_name,
    link_short_names,
    load_model,
    mentions_of,
    normalise,
)

GOLD = Path(__file__).parent / "fixtures" / "entities_gold.jsonl"
# More fictional text written for the datelines, scores, genera and common words of issue 11.
GOLD_EXTRA = Path(__file__).parent / "fixtures" / "entities_gold_extra.jsonl"
FIELDS = ((PERSON, "people"), (ORGANISATION, "organisations"), (PLACE, "places"))
# Reached on the project's own test sets (measured: 0.964 / 0.908 on the first, 0.949 / 0.904 on
# both together); a drop fails.
MIN_PRECISION, MIN_RECALL = 0.96, 0.90
MIN_PRECISION_ALL, MIN_RECALL_ALL = 0.94, 0.90


def gold_key(name: str) -> str:
    return entity_key(name[4:] if name.lower().startswith("the ") else name)


def score(rows: list[dict], predicted: list[list[Entity]]) -> tuple[float, float]:
    """Micro precision and recall of (kind, name) pairs per document."""
    tp = fp = fn = 0
    for row, found in zip(rows, predicted):
        gold = {(kind, gold_key(n)) for kind, field in FIELDS for n in row[field]}
        got = {(e.kind, e.key) for e in found}
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    return tp / (tp + fp), tp / (tp + fn)


def rows_of(*paths: Path) -> list[dict]:
    return [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()]


def test_precision_and_recall_on_our_test_set():
    rows = rows_of(GOLD)
    precision, recall = score(rows, extract_entities_batch([r["text"] for r in rows]))
    print(f"entities: precision {precision:.3f} recall {recall:.3f}")
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL


def test_precision_and_recall_on_the_extended_test_set():
    rows = rows_of(GOLD, GOLD_EXTRA)
    precision, recall = score(rows, extract_entities_batch([r["text"] for r in rows]))
    assert precision >= MIN_PRECISION_ALL and recall >= MIN_RECALL_ALL


OUTBREAK = (
    "Superbug outbreak at Port Varrow hospital\n\n"
    "PORT VARROW - St Aldric's Hospital has closed its intensive care unit after a strain of Klebsiella "
    "pneumoniae was found in eleven patients. St Aldric's is the largest hospital in the town.\n\n"
    "Radar checks of the plumbing found nothing. Turnout at the public meeting was high.\n\n"
    "In football, Halvern Athletic beat Port Varrow Mariners 2-1. The Mariners had led at half-time."
)


def test_junk_is_not_a_name():
    """Issue 11's junk: a fragment of a possessive name ("Aldric", "Hospital"), a genus
    ("Klebsiella"), a dateline run into a name ("VARROW - St Aldric"), a score ("Mariners 2-1") and
    capitalised common words at a sentence start ("Radar", "Turnout")."""
    found = {e.key: e.kind for e in extract_entities("", OUTBREAK)}
    for junk in ("aldric", "hospital", "klebsiella", "radar", "turnout", "mariners"):
        assert junk not in found, found
    assert not any(any(c.isdigit() for c in key) or " - " in key for key in found), found
    assert found["st aldric hospital"] == ORGANISATION
    assert found["port varrow"] == PLACE and found["port varrow mariners"] == ORGANISATION
    assert found["halvern athletic"] == ORGANISATION


def test_a_dateline_is_the_place_it_names():
    found = {
        e.key: e.kind
        for e in extract_entities(
            "Budget passes", "KESSFORD — The Kessford Stock Exchange rose on Monday. Traders in Kessford cheered."
        )
    }
    assert found == {"kessford": PLACE, "kessford stock exchange": ORGANISATION}


def test_is_name_judges_from_the_name_alone():
    assert all(is_name(n) for n in ("Kessford", "St Aldric's Hospital", "Ward 7", "Channel 9 News"))
    assert not any(is_name(n) for n in ("Hospital", "State", "Port Varrow Mariners 2-1", "VARROW - St Aldric"))


def test_short_forms_join_the_full_name_and_outlets_are_organisations():
    found = {
        e.key: e
        for e in extract_entities(
            "Talks in Moscow",
            "President Vladimir Putin met officials in Moscow. Putin told Harbour TV and Channel 9 News "
            "that the National Health Service (NHS) would help. The NHS said it would.",
        )
    }
    assert found["vladimir putin"].kind == PERSON and found["vladimir putin"].count == 2
    assert "putin" not in found
    assert found["harbour tv"].kind == ORGANISATION and found["channel 9 news"].kind == ORGANISATION
    assert found["national health service"].count >= 2 and "nhs" not in found
    assert found["moscow"].kind == PLACE


def test_normalise_votes_kinds_and_strips_titles():
    entities = normalise(
        [
            ("Mira Solberg", PERSON),
            ("Solberg", PERSON),
            ("Aldercrest Holdings", ORGANISATION),
            ("Aldercrest", PLACE),
            ("Agrarian League", ORGANISATION),
            ("League", ORGANISATION),
        ]
    )
    keys = {e.key: e for e in entities}
    assert keys["mira solberg"].count == 2 and keys["aldercrest holdings"].count == 2
    assert keys["agrarian league"].count == 2 and keys["aldercrest holdings"].kind == ORGANISATION
    assert set(keys) == {"mira solberg", "aldercrest holdings", "agrarian league"}


def labelled(text: str, spans: dict[str, str]):
    """The text tokenised, with these names labelled as given (what the small model might have said)."""
    doc = load_model().make_doc(text)
    doc.ents = [
        doc.char_span(text.index(name), text.index(name) + len(name), label=label) for name, label in spans.items()
    ]
    return doc


@pytest.mark.parametrize(
    "text, name, label",
    [
        ("Chief executive Rune Calloway said the mill would reopen.", "Rune Calloway", "ORG"),
        ("The council's treasurer, Edda Morrow, signed the accounts.", "Edda Morrow", "ORG"),
        ("Hallam Brisk, 64, was on the quay when the crane fell.", "Hallam Brisk", "GPE"),
        ('"We are patient," said Nadia Quell, head of security at the bank.', "Nadia Quell", "ORG"),
    ],
)
def test_a_role_or_an_age_beside_a_name_makes_it_a_person(text, name, label):
    assert (name, PERSON) in mentions_of(labelled(text, {name: label}))


@pytest.mark.parametrize(
    "text, name, label, kind",
    [
        ("In North Esterby, attorney general Ola Brun said the law stood.", "North Esterby", "GPE", PLACE),
        ("North Esterby, who beat Kessford 77-66, play again on Friday.", "North Esterby", "GPE", PLACE),
        ("They trailed North Esterby, 5-2, in the ninth inning.", "North Esterby", "GPE", PLACE),
        ("The launch was delayed, the official People's Courier said.", "People's Courier", "ORG", ORGANISATION),
        ("Residents of Harrow Lane were moved to a rest centre.", "Harrow Lane", "PERSON", PLACE),
        ("Nathan Lane said the play would tour.", "Nathan Lane", "PERSON", PERSON),
    ],
)
def test_a_place_a_team_or_an_outlet_keeps_its_kind_and_a_street_is_a_place(text, name, label, kind):
    assert mentions_of(labelled(text, {name: label})) == [(name, kind)]


def test_a_lone_word_taken_for_a_person_is_the_site_that_holds_it():
    site = {e.key: e for e in normalise([("Grensby Quarry", PLACE), ("Grensby", PERSON), ("Grensby", PERSON)])}
    assert set(site) == {"grensby quarry"} and site["grensby quarry"].count == 3
    junk = {e.key: e.kind for e in normalise([("Nuclear Button", PLACE), ("Button", PERSON)])}
    assert junk == {"nuclear button": PLACE, "button": PERSON}  # no word of a site in that "place"


def test_link_short_names_across_articles():
    linked = link_short_names([Entity("Putin", PERSON, 3)], {(PERSON, "putin"): "vladimir putin"})
    assert linked[0].key == "vladimir putin" and linked[0].count == 3
    assert link_short_names([Entity("Putin", PERSON, 1)], {})[0].key == "putin"


@pytest.mark.parametrize(
    "text,name",
    [
        ("She spoke to Valley Radio on Monday.", "valley radio"),
        ("The Kessford Post reported the news first.", "kessford post"),
        ("In an interview with ESTV, the minister denied it.", "estv"),
    ],
)
def test_outlet_shapes(text, name):
    found = {e.key: e.kind for e in extract_entities("", text)}
    assert found.get(name) == ORGANISATION, found
