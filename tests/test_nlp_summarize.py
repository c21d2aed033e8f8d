"""Key points and story summaries: extractive, non-redundant, cited, drawn from several sources."""

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from broadsheet.nlp.summarize import SourceText, cosine, distinct_sources, key_points, lead_sentences, summarize_story
from broadsheet.nlp.terms import content_words

FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"


def story() -> list[SourceText]:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    return [
        SourceText(r["id"], r["source"], r["title"], r["text"], datetime.fromisoformat(r["published"])) for r in rows
    ]


def test_key_points_are_three_to_five_sentences_traceable_to_the_text():
    doc = story()[0]
    points = key_points(doc.title, doc.text)
    assert 3 <= len(points) <= 5
    for point in points:
        assert doc.text[point.start : point.end] == point.text
    assert [p.start for p in points] == sorted(p.start for p in points)
    assert "TARNBY —" not in points[0].text  # the dateline is not part of the key point
    bags = [Counter(content_words(p.text)) for p in points]
    assert all(cosine(a, b) < 0.5 for i, a in enumerate(bags) for b in bags[i + 1 :])


def test_long_articles_get_more_key_points():
    syllables = ["ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze"]
    word = lambda n: syllables[n % 10] + syllables[n // 10 % 10] + syllables[n // 100 % 10] + "n"  # noqa: E731
    text = "\n\n".join(" ".join(word(6 * i + j) for j in range(7)).capitalize() + "." for i in range(25))
    assert len(key_points("Council spending", text)) == 5
    assert key_points("Empty", "") == []


def test_lead_baseline():
    assert [p.text for p in lead_sentences("One is here. Two is there. Three. Four.", 3)] == [
        "One is here.",
        "Two is there.",
        "Three.",
    ]


def test_story_summary_cites_several_sources_without_repeating():
    docs = story()
    summary = summarize_story(docs, words=80)
    assert 40 <= len(summary.text.split()) <= 110
    assert len({s.source for s in summary.sentences}) >= 2
    by_id = {d.id: d for d in docs}
    for sentence in summary.sentences:
        assert by_id[sentence.article_id].text[sentence.start : sentence.end] == sentence.text
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


def test_figures_are_counts_of_things():
    from broadsheet.nlp.summarize import figures

    assert figures("A bacterium was found in eleven patients.") == {(11.0, "patients")}
    assert figures("Screening has found ten more carriers since.") == {(10.0, "carriers")}
    assert figures("Forty-eight planned operations were postponed.") == {(48.0, "operations")}
    assert figures("An 81-year-old man died after three weeks in care, 4 percent said.") == set()


def _dated(day: int, source: str, text: str) -> SourceText:
    return SourceText(f"d{day}", source, f"Ferry update {day}", text, datetime(2026, 3, day, 9))


def test_a_revised_figure_is_given_as_the_newest_one_and_the_summary_reads_in_time_order():
    docs = [
        _dated(
            4,
            "Valley Courier",
            "Storms have now stranded 30 ferries in the harbour, the port said. Crews "
            "worked through the night to secure the moorings of the largest vessels.",
        ),
        _dated(
            2,
            "Harbour Times",
            "Storms stranded twelve ferries in the harbour overnight, the port said. The "
            "harbour master closed the outer channel to all traffic until the wind drops.",
        ),
        _dated(
            3,
            "Meridian Wire",
            "The port said 21 ferries were stranded by the storms. Passengers were "
            "offered hotel rooms in the town while the coastguard watched the channel.",
        ),
    ]
    summary = summarize_story(docs, words=120)
    text = summary.text
    assert "30 ferries" in text and "twelve ferries" not in text and "21 ferries" not in text
    days = [summary.published[s.article_id].day for s in summary.sentences]
    assert days == sorted(days) and len(set(days)) >= 2


def test_the_outbreak_summary_gives_the_newest_count_and_keeps_the_death_when_short():
    """The demo's St Aldric's story: eleven, then 19, then 21 patients; one patient died."""
    from broadsheet.demo.content import load_articles

    docs = [
        SourceText(
            a.slug,
            a.publisher,
            a.title,
            "\n\n".join(a.paragraphs),
            datetime(2026, 3, 1) + timedelta(minutes=10_000 - a.minutes_ago),
        )
        for a in load_articles()
        if a.story == "st-aldrics-hospital-outbreak"
    ]
    for words in (60, 120, 200):
        summary = summarize_story(docs, words)
        text = summary.text.lower()
        assert "21 patients" in text and "eleven patients" not in text and "19 patients" not in text, words
        times = [summary.published[s.article_id] for s in summary.sentences]
        assert times == sorted(times)
    assert "death" in summarize_story(docs, 60).text or "died" in summarize_story(docs, 60).text
