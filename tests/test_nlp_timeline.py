"""Timeline (new developments in time order) and what each source adds."""

from test_nlp_summarize import story

from broadsheet.nlp.novelty import source_additions
from broadsheet.nlp.timeline import build_timeline


def test_timeline_has_one_line_per_new_development_in_time_order():
    lines = build_timeline(story())
    assert [line.article_id for line in lines] == ["br-1", "br-3"]  # br-2 repeats br-1's news, br-4 is a copy
    assert lines[0].published < lines[1].published
    assert "9 million crowns" in lines[1].text and lines[1].source == "Meridian Wire"


def test_each_source_adds_facts_no_other_source_reported():
    adds = {a.source: a for a in source_additions(story())}
    courier = " ".join(x.text for x in adds["Valley Courier"].additions)
    assert "Johan Vik" in courier or "footbridge" in courier
    herald = " ".join(x.text for x in adds["The Northgate Herald"].additions)
    assert "18,000" in herald or "40-minute" in herald
    for source in adds.values():
        for addition in source.additions:
            assert "9 million" not in addition.text or source.source == "Meridian Wire"


def test_a_single_source_adds_nothing_to_compare():
    assert source_additions(story()[:1]) == []
