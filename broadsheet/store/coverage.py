"""Reads for the reader's front page, section pages and story pages: which stories lead,
and a story's full coverage grouped by source with syndicated copies folded in."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, func, select

from broadsheet.model import Article
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import articles, stories
from broadsheet.store.stories import Story, storyline_stories

WINDOW = timedelta(days=4)  # stories quieter than this leave the front page
HALF_LIFE_HOURS = 18.0  # a story's weight halves every 18 hours without new coverage
CANDIDATES = 400


@dataclass
class StoryCard:
    """A story as the front page shows it."""

    story: Story
    lead: Article | None
    sources: list[str]
    section: str = ""
    score: float = 0.0


@dataclass
class SourceCoverage:
    """One outlet's articles in a story, each with the outlets that ran the same copy."""

    name: str
    articles: list[Article]
    copies: dict[str, list[str]] = field(default_factory=dict)
    copy_ids: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (outlet, article id) per original


def story_score(story: Story, now: datetime) -> float:
    """Breadth of coverage (distinct sources, diminishing) times recency of the last article."""
    return _score(story.last_seen, story.source_count, now)


def _score(last_seen: datetime | None, source_count: int, now: datetime) -> float:
    if last_seen is None:
        return 0.0
    hours = max(0.0, (now - last_seen).total_seconds() / 3600)
    return (1 + math.log2(max(1, source_count))) * math.pow(0.5, hours / HALF_LIFE_HOURS)


def _story(row: Any) -> Story:
    return Story(**{k: row._mapping[k] for k in Story.__dataclass_fields__})


@dataclass
class Member:
    """An article of a story with what the understand and enrich stages said about it."""

    article: Article
    duplicate_of: str | None
    section: str | None


# Built once: every story page reads it (see store/articles.py _VIEW).
_MEMBERS = (
    select(*ARTICLE_COLUMNS, articles.c.story_id, articles.c.duplicate_of, articles.c.section)
    .where(articles.c.story_id.in_(bindparam("ids", expanding=True)))
    .where(articles.c.status == "ok")
    .order_by(articles.c.arrival)
)


def _members(db: Reader, story_ids: list[str]) -> dict[str, list[Member]]:
    """Readable articles of the stories, oldest first."""
    if not story_ids:
        return {}
    grouped: dict[str, list[Member]] = {}
    with connected(db) as conn:
        for row in conn.execute(_MEMBERS, {"ids": list(story_ids)}):
            grouped.setdefault(row.story_id, []).append(
                Member(article_from_row(row), row.duplicate_of, row._mapping.get("section"))
            )
    return grouped


def _sections(db: Reader, ids: list[str]) -> dict[str, str]:
    """Each story's section: the most common section of its articles."""
    if not ids or "section" not in articles.c:
        return {}
    query = (
        select(articles.c.story_id, articles.c.section, func.count().label("n"))
        .where(articles.c.story_id.in_(ids))
        .where(articles.c.section.isnot(None))
        .group_by(articles.c.story_id, articles.c.section)
    )
    best: dict[str, tuple[int, str]] = {}
    with connected(db) as conn:
        for row in conn.execute(query):
            if row.n > best.get(row.story_id, (0, ""))[0]:
                best[row.story_id] = (row.n, row.section)
    return {k: v[1] for k, v in best.items()}


# What ranking needs of a candidate story: the page's stories are then read whole.
_RANKED = (stories.c.id, stories.c.last_seen, stories.c.source_count)


def top_stories(
    db: Reader, limit: int = 20, offset: int = 0, section: str | None = None, now: datetime | None = None
) -> list[StoryCard]:
    """Stories ranked by breadth of coverage and recency, optionally within one section."""
    return top_stories_counted(db, limit, offset, section, now)[0]


def story_section(engine: Engine, story_id: str) -> str:
    """A story's section as its card names it (the most common section of its articles), or ""."""
    return _sections(engine, [story_id]).get(story_id, "")


def top_stories_counted(
    db: Reader, limit: int = 20, offset: int = 0, section: str | None = None, now: datetime | None = None
) -> tuple[list[StoryCard], int]:
    """A page of top stories, and how many the ranking holds (what paging through it reaches)."""
    now = now or datetime.now(UTC)
    with connected(db) as conn:
        rows = conn.execute(
            select(*_RANKED)
            .where(stories.c.last_seen >= now - WINDOW)
            .order_by(stories.c.last_seen.desc())
            .limit(CANDIDATES)
        ).all()
        if len(rows) < limit + offset:  # a quiet desk: fall back to the most recent stories at any age
            rows = conn.execute(select(*_RANKED).order_by(stories.c.last_seen.desc()).limit(CANDIDATES)).all()
    ranked = [r.id for r in sorted(rows, key=lambda r: (-_score(r.last_seen, r.source_count, now), r.id))]
    if section:  # every candidate's section, to keep those of this one
        sections = _sections(db, ranked)
        ranked = [i for i in ranked if sections.get(i) == section]
    ids = ranked[offset : offset + limit]
    if not section:  # only the shown stories' sections: the card names them
        sections = _sections(db, ids)
    page = _stories(db, ids)
    members = _card_members(db, page)
    cards = [
        StoryCard(story, *members.get(story.id, (None, [])), sections.get(story.id, ""), story_score(story, now))
        for story in page
    ]
    return cards, len(ranked)


def _stories(db: Reader, ids: list[str]) -> list[Story]:
    """These stories, in this order."""
    if not ids:
        return []
    with connected(db) as conn:
        found = {r.id: _story(r) for r in conn.execute(select(stories).where(stories.c.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _card_members(db: Reader, page: list[Story]) -> dict[str, tuple[Article | None, list[str]]]:
    """For each story, what its card shows of its readable articles: the lead (the story's
    representative article when readable, else the latest to arrive) and the outlets' names in
    arrival order. Only the leads are read whole: a card shows no other article's text."""
    if not page:
        return {}
    representative = {s.id: s.article_id for s in page}
    query = (
        select(articles.c.id, articles.c.story_id, articles.c.source_name, articles.c.site_name)
        .where(articles.c.story_id.in_(list(representative)))
        .where(articles.c.status == "ok")
        .order_by(articles.c.arrival)
    )
    names: dict[str, list[str]] = {}
    lead: dict[str, str] = {}
    with connected(db) as conn:
        for row in conn.execute(query):
            outlets = names.setdefault(row.story_id, [])
            name = row.source_name or row.site_name
            if name and name not in outlets:
                outlets.append(name)
            if lead.get(row.story_id) != representative[row.story_id]:  # else the latest so far
                lead[row.story_id] = row.id
        full = {
            r.id: article_from_row(r)
            for r in conn.execute(select(*ARTICLE_COLUMNS).where(articles.c.id.in_(list(lead.values()))))
        }
    return {story_id: (full.get(lead.get(story_id, "")), outlets) for story_id, outlets in names.items()}


def story_members(db: Reader, story_id: str) -> list[Member]:
    """A story's readable articles, oldest first, with their placement and section."""
    return _members(db, [story_id]).get(story_id, [])


def originals(members: list[Member], limit: int) -> list[Article]:
    """The newest `limit` originals (copies left out) of a story's members, oldest first: what
    digests.story_articles reads, taken from members already read."""
    found = [m.article for m in members if m.duplicate_of is None]
    return found[len(found) - limit :] if len(found) > limit else found


def story_coverage(db: Reader, story_id: str, members: list[Member] | None = None) -> list[SourceCoverage]:
    """Every article of a story grouped by source (biggest contributors first); copies of
    syndicated text are folded under their original as "Also published by". `members`: the
    story's, when the caller has read them (`story_members`)."""
    members = story_members(db, story_id) if members is None else members
    present = {m.article.id for m in members}
    copies: dict[str, list[tuple[str, str]]] = {}
    originals = []
    for member in members:
        article = member.article
        if member.duplicate_of and member.duplicate_of in present:
            copies.setdefault(member.duplicate_of, []).append(
                (article.source_name or article.site_name or "another outlet", article.id)
            )
        else:
            originals.append(article)
    groups: dict[str, SourceCoverage] = {}
    for article in originals:
        name = article.source_name or article.site_name or "Unknown source"
        group = groups.setdefault(name, SourceCoverage(name, []))
        group.articles.append(article)
        if article.id in copies:
            group.copies[article.id] = [name for name, _ in copies[article.id]]
            group.copy_ids[article.id] = copies[article.id]
    return sorted(groups.values(), key=lambda g: (-len(g.articles), g.name))


@dataclass
class Development:
    """One story of a storyline, as the story page's storyline timeline shows it."""

    story: Story
    current: bool


def storyline_timeline(db: Reader, story: Story, limit: int = 30) -> list[Development]:
    """The stories of the story's storyline, oldest first, the story itself marked; empty when it
    stands alone."""
    stories = storyline_stories(db, story.storyline_id, limit)
    if not any(s.id != story.id for s in stories):
        return []
    if not any(s.id == story.id for s in stories):
        stories.append(story)
    stories.sort(key=lambda s: (s.first_seen is None, s.first_seen or story.first_seen, s.id))
    return [Development(s, s.id == story.id) for s in stories]
