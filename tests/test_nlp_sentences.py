"""Sentence splitting keeps exact offsets and does not break on abbreviations, initials or decimals."""

from broadsheet.nlp.sentences import split_sentences


def test_offsets_point_at_the_sentence_text():
    text = 'KESSFORD — Mr. Brannock said the U.S. deal was "fair." He left at 3.30 p.m. on Monday.\n\nPrices rose 2.5%!'
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        'KESSFORD — Mr. Brannock said the U.S. deal was "fair."',
        "He left at 3.30 p.m. on Monday.",
        "Prices rose 2.5%!",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.paragraph for s in sentences] == [0, 0, 1]
    assert [s.index for s in sentences] == [0, 1, 2]


def test_initials_questions_and_line_breaks():
    text = "J. K. Lund wrote it. Was it good? Yes.\nA new line starts here"
    assert [s.text for s in split_sentences(text)] == [
        "J. K. Lund wrote it.",
        "Was it good?",
        "Yes.",
        "A new line starts here",
    ]


def test_empty_text_has_no_sentences():
    assert split_sentences("") == [] and split_sentences("  \n\n ") == []
