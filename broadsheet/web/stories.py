"""What the article page shows about an article's story: other copies and related articles."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine

from broadsheet.model import Article
from broadsheet.nlp.related import excerpt
from broadsheet.pipeline.related import related_for
from broadsheet.store import stories as story_store


@dataclass
class RelatedItem:
    """One related article as listed: the article and a clean excerpt of its lead."""

    article: Article
    excerpt: str


RELATED_TTL = 300.0  # seconds: related lists change as news arrives, but not per request
_related_cache: OrderedDict[tuple[str, int], tuple[float, list[str]]] = OrderedDict()
_related_lock = threading.Lock()


def _related_ids(engine: Engine, article_id: str, limit: int) -> list[str]:
    """Ranked related ids, from a small LRU: ranking costs tens of milliseconds, reading it none."""
    key = (article_id, limit)
    with _related_lock:
        hit = _related_cache.get(key)
        if hit and hit[0] > time.monotonic():
            _related_cache.move_to_end(key)
            return hit[1]
    ids = related_for(engine, article_id, limit)
    with _related_lock:
        _related_cache[key] = (time.monotonic() + RELATED_TTL, ids)
        while len(_related_cache) > 50_000:
            _related_cache.popitem(last=False)
    return ids


def related_items(engine: Engine, article: Article, limit: int = 5) -> list[RelatedItem]:
    """Related articles for the page, in ranking order, each with its excerpt."""
    ids = _related_ids(engine, article.id, limit)
    found = story_store.articles_by_id(engine, ids)
    return [RelatedItem(found[i], excerpt(found[i].title, found[i].text)) for i in ids if i in found]


def also_published_by(engine: Engine, article: Article) -> list[str]:
    """Names of the other outlets that ran the same text (first copy and syndicated copies)."""
    names: list[str] = []
    for copy in story_store.copies_of(engine, article.id):
        name = copy.source_name or copy.site_name
        if name and name != (article.source_name or article.site_name) and name not in names:
            names.append(name)
    return names


def copy_sources(engine: Engine, articles: list[Article]) -> dict[str, list[str]]:
    """For a list of originals, the outlets that syndicated each (front page cards)."""
    return story_store.duplicate_sources(engine, [a.id for a in articles])
