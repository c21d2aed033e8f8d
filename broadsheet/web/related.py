"""What the article page shows about an article's story: other copies and related articles."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from broadsheet.context import request_work
from broadsheet.model import Article
from broadsheet.nlp.related import excerpt
from broadsheet.pipeline.related import KEPT, related_for
from broadsheet.store import stories as story_store
from broadsheet.store.articles import ArticleView
from broadsheet.store.db import Reader, engine_behind
from broadsheet.store.pictures import Shown
from broadsheet.store.stories import UNREAD

log = logging.getLogger(__name__)


@dataclass
class RelatedItem:
    """One related article as listed: the article and a clean excerpt of its lead."""

    article: Article
    excerpt: str
    picture: Shown | None = None  # its stored lead picture


RELATED_FRESH = timedelta(hours=1)  # a kept ranking older than this is ranked again: later arrivals may join


def _related_ids(
    db: Reader, article_id: str, limit: int, kept: tuple[list[str] | None, datetime | None] | None = None
) -> list[str]:
    """Ranked related ids, kept with the article: ranking costs tens of milliseconds, reading it
    one query (none when the caller read it with the article: `kept`), and every web worker (and a
    restarted server) reads the same kept list. The refresh keeps them for new articles. A read
    never writes: a stale list is shown and a missing one ranked for this view only, while the
    pipeline is asked to rank and keep it."""
    ids, ranked_at = kept if kept is not None else story_store.stored_related(db, article_id)
    if ids is not None and ranked_at is not None:
        if datetime.now(UTC) - ranked_at >= RELATED_FRESH:
            request_work("related", article_id)
        return ids[:limit]
    ids = related_for(engine_behind(db), article_id, max(limit, KEPT))
    if ids or story_store.understood(db, article_id) is not None:  # nothing to keep before it is placed
        request_work("related", article_id)
    return ids[:limit]


def related_items(
    db: Reader, article: Article, limit: int = 5, kept: tuple[list[str] | None, datetime | None] | None = None
) -> list[RelatedItem]:
    """Related articles for the page, in ranking order, each with its excerpt (`kept`: the article's
    stored related list and when it was ranked, when the caller has read them)."""
    ids = _related_ids(db, article.id, limit, kept)
    found = story_store.listed_by_id(db, ids)
    listed = [found[i] for i in ids if i in found]  # the excerpt the enrich stage kept, else made now
    return [RelatedItem(a, kept if kept is not None else excerpt(a.title, a.text), shown) for a, kept, shown in listed]


def copy_links(db: Reader, article: Article, duplicate_of: str | object | None = UNREAD) -> list[tuple[str, str]]:
    """(outlet name, article id) of each other outlet that ran the same text, one link per outlet."""
    own, links, named = article.source_name or article.site_name, [], set()
    for copy in story_store.copies_of(db, article.id, duplicate_of):
        name = copy.source_name or copy.site_name
        if name and name != own and name not in named:
            named.add(name)
            links.append((name, copy.id))
    return links


@dataclass(frozen=True)
class Coverage:
    """The story an article page opens with: its id and how many sources and articles it has."""

    id: str
    source_count: int
    article_count: int


def coverage_of(view: ArticleView) -> Coverage | None:
    """The article's story as its page's full-coverage line shows it (None before placement)."""
    return Coverage(view.story_id, view.story_sources, view.story_articles) if view.story_id else None


def copy_sources(db: Reader, articles: list[Article]) -> dict[str, list[str]]:
    """For a list of originals, the outlets that syndicated each (front page cards)."""
    return story_store.duplicate_sources(db, [a.id for a in articles])
