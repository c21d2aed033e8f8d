"""Questions answered from the sources with citations, or an honest "the sources do not say"."""

from test_nlp_summarize import story

from broadsheet.nlp.answer import NOT_SAID, PassageIndex, answer_question, fold


def test_a_supported_answer_quotes_and_cites_its_source():
    index = PassageIndex(story())
    answer = index.answer("How much will the repairs cost?")
    assert answer.supported and "9 million crowns" in answer.text
    assert answer.passages[0].article_id == "br-3"
    assert index.answer("Who is the agency director?").passages[0].text.count("Freya Lindahl")
    when = index.answer("When will the bridge reopen?")
    assert "September" in when.text


def test_unsupported_questions_get_an_honest_answer():
    index = PassageIndex(story())
    for question in ("What did the mayor say about the football stadium?", "Who won the election?", "?"):
        answer = index.answer(question)
        assert not answer.supported and answer.text == NOT_SAID


def test_one_off_answer_and_folding():
    assert fold("leader") == fold("leads") == "lead"
    assert answer_question("How many vehicles cross the bridge each day?", story()).text.count("18,000")
