"""Timeline (new developments in time order) and what each source adds."""

from hypothesis import given, settings
from hypothesis import strategies as st
from test_nlp_summarize import story

from broadsheet.nlp.novelty import SIMILAR, _details, source_additions
from broadsheet.nlp.summarize import SourceText, candidates, cosine, distinct_sources
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


WORDS = ["harbour", "council", "ferry", "strike", "budget", "vote", "river", "Kessford", "court", "mayor", "12", "mill"]


def _pairwise_additions(docs, per_source=3):
    """The stage's definition, comparing every sentence with every other source's one by one."""
    kept = distinct_sources(docs)
    by_source: dict[str, list[int]] = {}
    for i, doc in enumerate(kept):
        by_source.setdefault(doc.source or doc.id, []).append(i)
    if len(by_source) < 2:
        return []
    pools = [candidates(doc.text, i) for i, doc in enumerate(kept)]
    out = []
    for source, members in by_source.items():
        others = [i for i in range(len(kept)) if i not in members]
        other_text = " ".join(kept[i].text + " " + kept[i].title for i in others)
        other_bags = [c.words for i in others for c in pools[i]]
        other_words = {w for bag in other_bags for w in bag}
        found = [
            (len(d), c, kept[i].id, d)
            for i in members
            for c in pools[i]
            if not any(cosine(c.words, bag) > SIMILAR for bag in other_bags)
            and (d := _details(c, other_text, other_words))
        ]
        found.sort(key=lambda item: (-item[0], item[1].start))
        adds = [(c.text, a, c.start, tuple(dict.fromkeys(d))[:6]) for _, c, a, d in found[:per_source]]
        if adds:
            out.append((source, adds))
    return out


sentence = st.lists(st.sampled_from(WORDS), min_size=8, max_size=14).map(lambda w: " ".join(w).capitalize() + ".")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.lists(sentence, min_size=1, max_size=5)), min_size=2, max_size=6))
def test_what_each_source_adds_is_what_the_pairwise_definition_gives(articles):
    """source_additions compares each sentence with all others through one index; on a small
    vocabulary (many near and exact ties at the threshold) it keeps exactly what the pairwise cosine
    keeps. Fails if the index drops a word, mixes up sources or rounds differently."""
    docs = [SourceText(f"a{n}", f"s{src}", "", " ".join(lines), None) for n, (src, lines) in enumerate(articles)]
    got = [
        (a.source, [(x.text, x.article_id, x.start, x.details) for x in a.additions]) for a in source_additions(docs)
    ]
    assert got == _pairwise_additions(docs)
