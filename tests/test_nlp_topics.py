"""Sections from the hand-written vocabulary (no embeddings), and tags."""

import numpy as np
import pytest

from broadsheet.nlp.sections import SECTIONS
from broadsheet.nlp.topics import Prototypes, choose_tags, classify_section, prototype_texts

CASES = [
    (
        "Politics",
        "Coalition survives confidence vote",
        "The prime minister won the vote in parliament by 112 to "
        "104 after the opposition party failed to persuade coalition lawmakers to back its motion.",
    ),
    (
        "Business",
        "Harbour bank profits fall",
        "Shares in the bank fell 6 percent after it reported lower quarterly "
        "profits and warned investors that interest rates would squeeze lending margins.",
    ),
    (
        "Technology",
        "Phone maker patches security flaw",
        "The company released a software update for its "
        "smartphones after hackers exploited a flaw in the app store, exposing user passwords.",
    ),
    (
        "Science",
        "Fossil of giant reptile found",
        "Palaeontologists said the fossil skeleton of the marine reptile "
        "was 180 million years old, and researchers will study it at the museum.",
    ),
    (
        "Health",
        "Measles cases rise",
        "Doctors at the hospital confirmed 14 measles cases and urged parents to check "
        "their children's vaccinations as the outbreak spread.",
    ),
    (
        "Sports",
        "Rovers win the cup final",
        "The striker scored twice as Rovers beat Athletic 3-1 in the cup final, "
        "and the coach praised his players after the match.",
    ),
    (
        "Entertainment",
        "Singer announces album and tour",
        "The pop star will release her new album in June and "
        "tour with her band, playing concerts at festivals across the country.",
    ),
    (
        "World",
        "Ceasefire talks resume",
        "Diplomats said peace talks would resume in Geneva after troops and rebels "
        "agreed a ceasefire along the border, as refugees returned home.",
    ),
]


@pytest.mark.parametrize("expected,title,text", CASES)
def test_sections_from_vocabulary(expected, title, text):
    result = classify_section(title, text)
    assert result.section == expected, result.scores
    assert 0 < result.confidence <= 1


def test_no_evidence_falls_back_to_world():
    assert classify_section("", "").section == "World"


def test_embedding_signal_blends_in():
    texts, labels = prototype_texts()
    assert len(texts) >= 8 * 20 and set(labels) == set(range(len(SECTIONS)))
    rng = np.random.default_rng(0)
    vectors = np.eye(len(SECTIONS), dtype=np.float32)[labels] + rng.normal(scale=0.05, size=(len(texts), len(SECTIONS)))
    prototypes = Prototypes(vectors.astype(np.float32), np.array(labels))
    sports = np.eye(len(SECTIONS), dtype=np.float32)[SECTIONS.index("Sports")]
    assert classify_section("Untitled", "", sports, prototypes).section == "Sports"  # no words: the embedding decides
    mixed = classify_section("Shares and profits fall at the bank", "", sports, prototypes)
    assert mixed.section in {"Sports", "Business"}


def test_tags_prefer_frequent_and_headline_names_without_repeats():
    tags = choose_tags(
        [("Kessford city council", 3), ("Kessford council", 2), ("Ilse Varga", 2), ("Harbour TV", 1)],
        "Ilse Varga wins vote",
    )
    assert tags[0] == "Ilse Varga" and "Kessford council" not in tags and len(tags) == 3
