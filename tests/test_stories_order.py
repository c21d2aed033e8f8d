"""Story placement does not depend on arrival order, and look-alike events stay apart.

The demo newsroom's articles (fiction written for the project, with its own story labels) are
imported through `broadsheet import`'s parsing and the real understand stage (MiniLM, vectors cached
between runs) in five shuffled orders, one article per batch: the worst case for an online method,
since every article is placed before the next is seen. Two data breaches (Telvanta, Ostra) and two
fires (Halvern mill, Lindqvist cold store) are written alike on purpose.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from broadsheet.demo.content import load_articles
from broadsheet.pipeline import stages, understand
from broadsheet.store import articles as article_store
from broadsheet.store import stories as story_store

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = (0, 1, 2, 3, 4)
LOOK_ALIKE = ({"telvanta-customer-data-breach", "ostra-energy-cyberattack"},
              {"halvern-brackwater-mill-fire", "lindqvist-northmere-cold-store-fire"})
MIN_F1_PIN = 0.967  # the lowest BCubed F1 of the five orders when measured; the bar is 0.95
TOLERANCE = 0.01


def demo_records() -> list[dict]:
    """The demo's articles as import records, dated as the demo dates them, with their story label."""
    start = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    return [{"id": a.slug, "url": f"https://{a.publisher}.example/{a.slug}", "title": a.title,
             "text": "\n\n".join(a.paragraphs), "published": (start - timedelta(minutes=a.minutes_ago)).isoformat(),
             "source": a.publisher, "label": a.story} for a in load_articles()]


def place_one_by_one(engine, records: list[dict]) -> dict[str, str]:
    """Store and understand each record in its own batch, in the given order; import id -> story id."""
    for number, record in enumerate(records, start=1):
        article = stages.article_from_record(json.dumps(record), number)
        with engine.begin() as conn:
            article_store.save_articles(conn, [article])
            understand.understand_batch(engine, conn, [article])
    with engine.connect() as conn:
        placed = story_store.understood_range(conn, 0, 10**9)
    redirects = {}
    with engine.connect() as conn:
        redirects = story_store.redirect_map(conn, {u.story_id for u in placed})
    return {u.import_id: redirects.get(u.story_id, u.story_id) for u in placed}


@pytest.fixture(scope="module")
def embedder(request):
    from broadsheet.nlp.embed import CachedEmbedder, load_embedder
    return CachedEmbedder(load_embedder("minilm"), Path(request.config.cache.mkdir("broadsheet-minilm")))


def test_demo_placed_in_five_shuffled_orders(tmp_path, embedder):
    from bench.stories import bcubed
    from broadsheet.store.db import open_database
    records = demo_records()
    label = {r["id"]: r["label"] for r in records}
    scores = []
    for seed in SEEDS:
        order = list(records)
        random.Random(seed).shuffle(order)
        engine = open_database(f"sqlite:///{tmp_path}/order-{seed}.db")
        understand.configure(engine, embedder)
        story_of = place_one_by_one(engine, order)
        engine.dispose()
        ids = sorted(story_of)
        precision, recall, f1 = bcubed([label[i] for i in ids], [story_of[i] for i in ids])
        scores.append(f1)
        held: dict[str, set[str]] = {}
        for i in ids:
            held.setdefault(story_of[i], set()).add(label[i])
        for pair in LOOK_ALIKE:  # never one story holding both events of a look-alike pair
            assert not any(pair <= labels for labels in held.values()), (seed, pair)
        assert f1 >= 0.95, (seed, precision, recall, f1)
    assert min(scores) >= MIN_F1_PIN - TOLERANCE, scores
