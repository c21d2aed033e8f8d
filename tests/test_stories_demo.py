"""The demo newsroom through the real pipeline: wire copies are duplicates, stories hold together."""

from __future__ import annotations

import pytest

from broadsheet.demo.run import ingest_newsroom
from broadsheet.demo.server import start_newsroom
from broadsheet.extract.urls import url_id
from broadsheet.store import stories as story_store


@pytest.fixture(scope="module")
def placed(tmp_path_factory):
    from broadsheet.config import load_config
    from broadsheet.store.db import open_database
    config = load_config(environ={}, data_dir=str(tmp_path_factory.mktemp("demo-stories")), allow_private_addresses=True)
    engine = open_database(config.resolved_database_url)
    with start_newsroom() as newsroom:
        ingest_newsroom(engine, config, newsroom)
        live = [a for a in newsroom.articles if newsroom.is_live(a)]
        found = {a.slug: story_store.understood(engine, url_id(newsroom.article_url(a.slug))) for a in live}
    yield live, found
    engine.dispose()


def test_wire_copies_are_marked_duplicate_of_the_wire_story(placed):
    live, found = placed
    ids = {slug: item.id for slug, item in found.items()}
    copies = [a for a in live if a.wire_of and a.wire_of in ids]
    assert copies
    for article in live:
        expected = ids[article.wire_of] if article.wire_of in ids else None
        assert found[article.slug].duplicate_of == expected, article.slug


def test_each_demo_story_is_one_story(placed):
    live, found = placed
    stories: dict[str, set[str]] = {}
    owners: dict[str, set[str]] = {}
    for article in live:
        story_id = found[article.slug].story_id
        stories.setdefault(article.story, set()).add(story_id)
        owners.setdefault(story_id, set()).add(article.story)
    assert all(len(keys) == 1 for keys in owners.values()), owners  # no story mixes two demo stories
    split = {key: ids for key, ids in stories.items() if len(ids) > 1}
    # The cheap route the suite runs splits one analysis piece off its story (see bench/stories.py).
    assert len(split) <= 1 and all(len(ids) == 2 for ids in split.values()), split
