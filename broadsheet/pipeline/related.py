"""Related articles from the store: candidates near in arrival order plus the article's story.

Shared by the article page (one article) and export (a batch at a time, one query per batch),
so the cost per article stays flat however large the store grows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine

from broadsheet.model import Article
from broadsheet.nlp.related import Candidate, RelatedPool
from broadsheet.pipeline.understand import vectors_of
from broadsheet.store import stories as story_store
from broadsheet.store.stories import Understood

KEPT = 10  # related ids ranked and kept per article; pages show five
SPAN = 1000  # articles arriving this many places before or after are candidates (export)
PAGE_SPAN = 400  # the same for one article page: a quicker read, the story's own articles still all in


def candidate(item: Understood, originals: dict[str, Understood], lines: dict[str, str] | None = None) -> Candidate:
    """An article as ranking sees it; a copy borrows its original's vectors."""
    source = originals.get(item.duplicate_of, item) if item.duplicate_of else item
    lex, _, embedding = vectors_of(source.terms, source.vector)
    return Candidate(
        key=item.id,
        story=item.story_id,
        group=item.duplicate_of or item.id,
        source=item.source_name,
        lexical=lex,
        embedding=embedding,
        storyline=(lines or {}).get(item.story_id or "", item.story_id),
    )


def related_for_batch(engine: Engine, low: int, high: int, limit: int = 5, span: int = SPAN) -> dict[str, list[str]]:
    """Related article ids for every placed article with arrival in [low, high]: candidates are the
    articles that arrived near it, its story's, and those of its storyline's other stories at any
    time (a subject covered for months reaches back to its first developments)."""
    with engine.connect() as conn:
        pool = story_store.understood_range(conn, low - span, high + span)
        by_id = {u.id: u for u in pool}
        stories = {u.story_id for u in pool if low <= u.arrival <= high}
        extra = story_store.originals_of_stories(conn, stories, exclude=set(by_id))
        by_id.update({u.id: u for u in extra})
        earlier = story_store.storyline_originals(conn, stories, exclude=set(by_id))
        by_id.update({u.id: u for u in earlier})
        members = pool + extra + earlier
        lines = story_store.storylines_of(conn, {u.story_id for u in members if u.story_id})
    ranking = RelatedPool([candidate(u, by_id, lines) for u in members])
    arrivals = np.array([u.arrival for u in members])
    codes: dict[str | None, int] = {}
    lines_of = np.array([codes.setdefault(lines.get(u.story_id, u.story_id), len(codes)) for u in members])
    targets = [u for u in pool if low <= u.arrival <= high]
    allowed = (np.abs(arrivals[None, :] - np.array([u.arrival for u in targets])[:, None]) <= span) | (
        lines_of[None, :] == np.array([codes[lines.get(u.story_id, u.story_id)] for u in targets])[:, None]
    )
    return ranking.rank_many([u.id for u in targets], allowed, limit)


def related_for(engine: Engine, article_id: str, limit: int = 5) -> list[str]:
    """Related article ids for one article (empty until the understand stage has placed it)."""
    item = story_store.understood(engine, article_id)
    if item is None:
        return []
    return related_for_batch(engine, item.arrival, item.arrival, limit, PAGE_SPAN).get(article_id, [])


def keep_related(engine: Engine, ids: list[str], limit: int = KEPT) -> int:
    """Rank and keep the related lists of freshly understood articles, so that no reader's first
    view pays for the ranking. Nearby arrivals share one ranking pool; returns the lists kept."""
    wanted, kept = set(ids), 0
    arrivals = story_store.placed_arrivals(engine, ids)
    runs: list[list[int]] = []
    for arrival in arrivals:  # runs of arrivals no further apart than the page's window
        if runs and arrival - runs[-1][-1] <= PAGE_SPAN:
            runs[-1].append(arrival)
        else:
            runs.append([arrival])
    now = datetime.now(UTC)
    for run in runs:
        lists = related_for_batch(engine, run[0], run[-1], limit, PAGE_SPAN)
        lists = {i: related for i, related in lists.items() if i in wanted}
        story_store.store_related_many(engine, lists, now)
        kept += len(lists)
    return kept


def export_fields(engine: Engine, chunk: list[Article]) -> dict[str, dict]:
    """story_id, duplicate_of and related (export ids, in order) for a chunk of articles."""
    arrivals = [a.arrival for a in chunk if a.arrival is not None]
    if not arrivals:
        return {}
    related = related_for_batch(engine, min(arrivals), max(arrivals))
    with engine.connect() as conn:
        placed = {u.id: u for u in story_store.understood_range(conn, min(arrivals), max(arrivals))}
        redirects = story_store.redirect_map(conn, {u.story_id for u in placed.values()})
        lines = story_store.storylines_of(conn, {redirects.get(u.story_id, u.story_id) for u in placed.values()})
        wanted = {i for ids in related.values() for i in ids}
        wanted |= {u.duplicate_of for u in placed.values() if u.duplicate_of}
        public = story_store.export_ids(conn, wanted)
    out = {}
    for article in chunk:
        item = placed.get(article.id)
        if item is None:
            continue
        story = redirects.get(item.story_id, item.story_id)
        out[article.id] = {
            "story_id": story,
            "storyline_id": lines.get(story, story),
            "duplicate_of": public.get(item.duplicate_of) if item.duplicate_of else None,
            "related": [public.get(i, i) for i in related.get(article.id, [])],
        }
    return out
