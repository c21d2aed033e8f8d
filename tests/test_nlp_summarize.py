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
