"""Key points and story summaries: extractive, non-redundant, cited, drawn from several sources."""

import json
from datetime import datetime
from pathlib import Path

from broadsheet.nlp.summarize import (SourceText, cosine, distinct_sources, key_points, lead_sentences,
                                      summarize_story)
from broadsheet.nlp.terms import content_words
from collections import Counter

FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"


def story() -> list[SourceText]:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    return [SourceText(r["id"], r["source"], r["title"], r["text"], datetime.fromisoformat(r["published"]))
            for r in rows]


def test_key_points_are_three_to_five_sentences_traceable_to_the_text():
    doc = story()[0]
    points = key_points(doc.title, doc.text)
    assert 3 <= len(points) <= 5
    for point in points:
        assert doc.text[point.start:point.end] == point.text
    assert [p.start for p in points] == sorted(p.start for p in points)
    assert "TARNBY —" not in points[0].text  # the dateline is not part of the key point
    bags = [Counter(content_words(p.text)) for p in points]
    assert all(cosine(a, b) < 0.5 for i, a in enumerate(bags) for b in bags[i + 1:])


def test_long_articles_get_more_key_points():
    syllables = ["ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze"]
    word = lambda n: syllables[n % 10] + syllables[n // 10 % 10] + syllables[n // 100 % 10] + "n"  # noqa: E731
    text = "\n\n".join(" ".join(word(6 * i + j) for j in range(7)).capitalize() + "." for i in range(25))
    assert len(key_points("Council spending", text)) == 5
    assert key_points("Empty", "") == []


def test_lead_baseline():
    assert [p.text for p in lead_sentences("One is here. Two is there. Three. Four.", 3)] == [
        "One is here.", "Two is there.", "Three."]


def test_story_summary_cites_several_sources_without_repeating():
    docs = story()
    summary = summarize_story(docs, words=80)
    assert 40 <= len(summary.text.split()) <= 110
    assert len({s.source for s in summary.sentences}) >= 2
    by_id = {d.id: d for d in docs}
    for sentence in summary.sentences:
        assert by_id[sentence.article_id].text[sentence.start:sentence.end] == sentence.text
    assert "br-4" not in summary.article_ids  # a verbatim wire copy is represented by its first publication
    texts = [s.text for s in summary.sentences]
    assert len(texts) == len(set(texts))


def test_summary_length_follows_the_budget():
    docs = story()
    short, long = summarize_story(docs, words=40), summarize_story(docs, words=160)
    assert len(short.text.split()) < len(long.text.split())
    assert summarize_story([], 100).sentences == []


def test_distinct_sources_keeps_the_earliest_copy():
    kept = distinct_sources(story())
    assert [d.id for d in kept] == ["br-1", "br-2", "br-3"]


def test_paragraph_number_places_a_sentence_that_opens_a_paragraph_in_that_paragraph():
    from broadsheet.nlp.summarize import paragraph_number
    text = "First one. Still first.\n\nSecond opens here. Second again.\n\n\nThird after two blank lines."
    starts = [text.index(s) for s in ("First one", "Still first", "Second opens", "Second again", "Third after")]
    assert [paragraph_number(text, s) for s in starts] == [1, 1, 2, 2, 3]


def test_key_points_name_the_paragraph_that_holds_them_on_every_demo_article():
    """The page's paragraph label for each key point is the paragraph that holds it (the St Aldric's
    article read "1, 1, 2, 2" where its points are in 1, 2, 2, 3: a point opening a paragraph was
    given the number of the paragraph before)."""
    from broadsheet.demo.content import load_articles
    from broadsheet.model import Article
    from broadsheet.nlp.summarize import paragraph_number
    openers = 0
    for demo in load_articles():
        article = Article(id="x", url="", title=demo.title, text="\n\n".join(demo.paragraphs))
        for point in key_points(article.title, article.text):
            shown = article.paragraphs[paragraph_number(article.text, point.start) - 1]
            assert point.text in shown, (demo.slug, point.text)
            openers += shown.endswith(point.text) or shown.startswith(point.text)
    assert openers > 20  # the case that was wrong is well represented
