"""The demo newsroom through the real pipeline: wire copies are duplicates, stories hold together.

Its story keys and wire_of links are the project's own ground truth (fiction written for the demo)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from broadsheet.demo.run import ingest_newsroom
from broadsheet.demo.server import start_newsroom
from broadsheet.pipeline.related import KEPT, PAGE_SPAN, related_for_batch
from broadsheet.store import stories as story_store
from broadsheet.text.urls import url_id

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="module")
def placed(tmp_path_factory):
    from broadsheet.config import load_config
    from broadsheet.store.db import open_database

    config = load_config(
        environ={}, data_dir=str(tmp_path_factory.mktemp("demo-stories")), allow_private_addresses=True
    )
    engine = open_database(config.resolved_database_url)
    with start_newsroom() as newsroom:
        ingest_newsroom(engine, config, newsroom)
        live = [a for a in newsroom.articles if newsroom.is_live(a)]
        found = {a.slug: story_store.understood(engine, url_id(newsroom.article_url(a.slug))) for a in live}
        kept = {slug: story_store.stored_related(engine, item.id) for slug, item in found.items()}
        # Ranked again exactly as the refresh ranks a run of arrivals (one pool, one matrix product):
        # per-article ranking multiplies other matrix shapes, and near-ties may fall the other way.
        arrivals = sorted(item.arrival for item in found.values())
        batch = related_for_batch(engine, arrivals[0], arrivals[-1], KEPT, PAGE_SPAN)
        ranked = {slug: batch.get(item.id) for slug, item in found.items()}
    yield live, found, kept, ranked
    engine.dispose()


def test_wire_copies_are_marked_duplicate_of_the_wire_story(placed):
    live, found, *_ = placed
    ids = {slug: item.id for slug, item in found.items()}
    copies = [a for a in live if a.wire_of and a.wire_of in ids]
    assert copies
    for article in live:
        expected = ids.get(article.wire_of)
        assert found[article.slug].duplicate_of == expected, article.slug


def test_demo_stories_hold_together(placed):
    live, found, *_ = placed
    from bench.stories import bcubed

    labels = [a.story for a in live]
    precision, recall, f1 = bcubed(labels, [found[a.slug].story_id for a in live])
    # The first refresh fetches four days of news at once, in whatever order fetches finish; the
    # stories around each batch are clustered again in publication order, so the order does not
    # matter. Measured on the suite's lexical route: P 1.000, R 0.922, F1 0.959, 11 of 14 stories whole
    # (with MiniLM: F1 0.986, 13 of 14). The look-alike events (two breaches, two fires) never mix.
    assert f1 >= 0.959 - 0.01 and precision >= 1.0 - 0.01, (precision, recall, f1)
    stories: dict[str, set[str]] = {}
    for article in live:
        stories.setdefault(article.story, set()).add(found[article.slug].story_id)
    assert sum(len(ids) == 1 for ids in stories.values()) >= 11 - 1, stories


def test_the_refresh_keeps_every_new_articles_related_list(placed):
    # Ranked once after the pass, so that no reader's first view pays for it.
    live, found, kept, ranked = placed
    assert all(ids is not None and at is not None for ids, at in kept.values()), kept
    assert sum(bool(ids) for ids, _ in kept.values()) >= len(live) * 0.9
    by_id = {item.id: item for item in found.values()}
    for slug, (ids, _) in kept.items():
        own = found[slug]
        assert len(ids) <= KEPT and own.id not in ids and all(i in by_id for i in ids), slug
        assert not {own.duplicate_of or own.id} & {by_id[i].duplicate_of or i for i in ids}, slug  # no copy of itself
        outlets = [by_id[i].source_name for i in ids]
        assert max((outlets.count(o) for o in outlets), default=0) <= 2, slug  # at most two per outlet
    # Kept after every article of the pass was placed: ranking the same run again gives the same lists.
    assert {slug: ids for slug, (ids, _) in kept.items()} == ranked
