"""The personal front page ("For you") and story cards as one reader sees them: ranked by what they
follow, with what they mute left out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from broadsheet.model import Article
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row
from broadsheet.store.chunks import in_chunks
from broadsheet.store.coverage import CANDIDATES, WINDOW, StoryCard, story_score
from broadsheet.store.db import Reader, connected
from broadsheet.store.follows import Interests, Mutes, hidden_ids
from broadsheet.store.schema import article_entities, articles, stories
from broadsheet.store.stories import Story

# How much each kind of followed thing raises a story that has it. The personal score is the front
# page's score (breadth of coverage times recency) multiplied by 1 + the sum of the weights of the
# kinds it matches, so:
# - what the reader follows rises, but a followed story still ages like any other: the multiplier is
#   bounded (10 at most, every kind matched), the decay is not, so after 60 hours (3.3 half-lives of
#   18 hours) a story matching everything falls behind a fresh one of the same breadth that matches nothing;
# - a storyline the reader follows by name is the strongest signal, a section (broad) the weakest;
# - stories matching nothing keep exactly the front page's order among themselves, so a reader who
#   follows nothing (or whose follows are quiet) sees the general front page.
WEIGHTS = {"storyline": 4.0, "entity": 2.0, "source": 2.0, "section": 1.0}


@dataclass
class PersonalCard(StoryCard):
    """A story card with the reasons it was raised for this reader ("Harbour Gazette", ...)."""

    because: list[str] = field(default_factory=list)


def _candidates(db: Reader, now: datetime) -> list[Story]:
    """The front page's candidate stories: recent ones, or the latest at any age on a quiet desk."""
    columns = [stories.c[name] for name in Story.__dataclass_fields__]
    with connected(db) as conn:
        rows = conn.execute(
            select(*columns)
            .where(stories.c.last_seen >= now - WINDOW)
            .order_by(stories.c.last_seen.desc())
            .limit(CANDIDATES)
        ).all()
        if len(rows) < CANDIDATES // 4:
            rows = conn.execute(select(*columns).order_by(stories.c.last_seen.desc()).limit(CANDIDATES)).all()
    return [Story(**r._mapping) for r in rows]


def _signals(db: Reader, ids: list[str], wanted: Interests) -> dict[str, dict[str, set]]:
    """For each story, the followed sources, sections and entities its readable articles have."""
    found: dict[str, dict[str, set]] = {i: {"source": set(), "section": set(), "entity": set()} for i in ids}
    with connected(db) as conn:
        for chunk in in_chunks(ids):
            rows = conn.execute(
                select(articles.c.story_id, articles.c.source_id, articles.c.section)
                .where(articles.c.story_id.in_(chunk))
                .where(articles.c.status == "ok")
            )
            for row in rows:
                if row.source_id in wanted.sources:
                    found[row.story_id]["source"].add(row.source_id)
                if row.section in wanted.sections:
                    found[row.story_id]["section"].add(row.section)
            if wanted.entities:
                named = conn.execute(
                    select(articles.c.story_id, article_entities.c.entity_id)
                    .join(article_entities, article_entities.c.article_id == articles.c.id)
                    .where(articles.c.story_id.in_(chunk), article_entities.c.entity_id.in_(sorted(wanted.entities)))
                )
                for story_id, entity_id in named:
                    found[story_id]["entity"].add(entity_id)
    return found


def _matched(story: Story, signals: dict[str, set], wanted: Interests) -> dict[str, set]:
    """The followed things a story has, by kind (only the kinds it matched)."""
    matched = {kind: values for kind, values in signals.items() if values}
    line = story.storyline_id or story.id
    if line in wanted.storylines:
        matched["storyline"] = {line}
    return matched


def rank_for_you(
    engine: Engine, wanted: Interests, now: datetime | None = None
) -> list[tuple[Story, float, dict[str, set]]]:
    """Every candidate story with its personal score and the followed things it has, best first."""
    now = now or datetime.now(UTC)
    candidates = _candidates(engine, now)
    signals = _signals(engine, [s.id for s in candidates], wanted) if wanted else {}
    scored = []
    for story in candidates:
        matched = _matched(story, signals.get(story.id, {}), wanted) if wanted else {}
        base = story_score(story, now)
        scored.append((story, base * (1 + sum(WEIGHTS[k] for k in matched)), matched, base))
    scored.sort(key=lambda item: (-item[1], -item[3], item[0].id))  # ties: the front page's order
    return [(story, score, matched) for story, score, matched, _ in scored]


def for_you(
    engine: Engine,
    wanted: Interests,
    found: Mutes,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
    labels: dict[tuple[str, str], str] | None = None,
) -> list[PersonalCard]:
    """A page of the reader's front page: ranked by what they follow, mutes left out. `labels`:
    names of the followed things, by (kind, key), for the cards' "because you follow" line."""
    ranked = rank_for_you(engine, wanted, now)[offset : offset + limit]
    cards = cards_for(engine, [s for s, _, _ in ranked], found, [score for _, score, _ in ranked])
    reasons = {s.id: matched for s, _, matched in ranked}
    for card in cards:
        matched = reasons.get(card.story.id, {})
        names = [
            labels.get((kind, str(key)), "") if labels else "" for kind in WEIGHTS for key in matched.get(kind, ())
        ]
        card.because = list(dict.fromkeys(n for n in names if n))[:4]
    return cards


def _members(db: Reader, ids: list[str]) -> dict[str, list[tuple[Article, str | None]]]:
    """Readable articles of these stories with their sections, oldest first."""
    grouped: dict[str, list[tuple[Article, str | None]]] = {}
    with connected(db) as conn:
        for chunk in in_chunks(ids):
            query = (
                select(*ARTICLE_COLUMNS, articles.c.story_id, articles.c.section)
                .where(articles.c.story_id.in_(chunk))
                .where(articles.c.status == "ok")
                .order_by(articles.c.arrival)
            )
            for row in conn.execute(query):
                grouped.setdefault(row.story_id, []).append((article_from_row(row), row.section))
    return grouped


def cards_for(db: Reader, page: list[Story], found: Mutes, scores: list[float]) -> list[PersonalCard]:
    """Cards for these stories as one reader sees them: muted articles left out (a story with
    nothing left is dropped), the lead (and the headline shown) taken from what remains."""
    members = _members(db, [s.id for s in page])
    every = [a for group in members.values() for a, _ in group]
    hidden = hidden_ids(db, found, every)
    cards = []
    for story, score in zip(page, scores):
        kept = [(a, section) for a, section in members.get(story.id, []) if a.id not in hidden]
        if not kept:
            continue
        by_id = {a.id: a for a, _ in kept}
        lead = by_id.get(story.article_id or "") or kept[-1][0]
        if story.article_id not in by_id:  # the headline was a muted article's: show the lead's
            story = replace(story, title=lead.title or story.title)
        outlets = list(dict.fromkeys(a.source_name or a.site_name for a, _ in kept if a.source_name or a.site_name))
        sections = Counter(section for _, section in kept if section)
        section = sections.most_common(1)[0][0] if sections else ""
        cards.append(PersonalCard(story, lead, outlets, section, score))
    return cards


def visible_cards(db: Reader, cards: list[StoryCard], found: Mutes) -> list[StoryCard]:
    """The front page's (or a section's) cards as a reader with mutes sees them."""
    if not found or not cards:
        return cards
    return list(cards_for(db, [c.story for c in cards], found, [c.score for c in cards]))
