"""The reader's news pages: top stories (front page), sections, latest, and story pages
with full coverage grouped by source."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from broadsheet.api.params import page_number
from broadsheet.errors import NotFound
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import coverage, digests
from broadsheet.store import stories as story_store
from broadsheet.store.db import Reader
from broadsheet.store.digests import story_articles
from broadsheet.web import pictures
from broadsheet.web.ai import story_panel
from broadsheet.web.edge import last_modified
from broadsheet.web.feeds import feed_response
from broadsheet.web.following import hidden_for_reader, visible_cards
from broadsheet.web.saved import reading_states
from broadsheet.web.site import ItemId, Site, site_of

SECTION_SLUGS = {s.lower(): s for s in SECTIONS}


def section_name(slug: str) -> str:
    """The section for a URL slug ("business" -> "Business"), or NotFound."""
    try:
        return SECTION_SLUGS[slug.lower()]
    except KeyError as exc:
        raise NotFound(f"web: no section {slug!r}") from exc


router = APIRouter()  # /, /sections/{name}, /stories/{id} and their Atom feeds


def _stories_page(request: Request, site: Site, page: str | None, section: str | None, title: str) -> Response:
    number, size = page_number(page), site.config.page_size
    with site.engine.connect() as db:  # every read of the page on one connection
        cards = coverage.top_stories(db, limit=size + 1, offset=(number - 1) * size, section=section)
        if not cards and number > 1:
            raise NotFound(f"web: page {number} is past the end")
        shown = visible_cards(request, db, cards[:size])  # a reader's mutes left out
        story_pics = pictures.story_pictures(db, [c.story.id for c in shown])
    rendered = site.render(
        request,
        "top.html",
        cards=shown,
        story_pics=story_pics,
        page=number,
        has_next=len(cards) > size,
        heading=title,
        section=section,
        sections=SECTIONS,
    )
    seen = [c.story.last_seen for c in cards[:size] if c.story.last_seen]
    return last_modified(rendered, max(seen) if seen else None)  # the newest article of the stories shown


@router.get("/", response_class=HTMLResponse)
async def front(request: Request, page: str | None = None, site: Site = Depends(site_of)) -> Response:
    return await site.page(lambda: _stories_page(request, site, page, None, "Top stories"))


@router.get("/sections/{slug}", response_class=HTMLResponse)
async def section(request: Request, slug: str, page: str | None = None, site: Site = Depends(site_of)) -> Response:
    name = section_name(slug)
    return await site.page(lambda: _stories_page(request, site, page, name, name))


@router.get("/stories/{story_id}", response_class=HTMLResponse)
async def story(
    request: Request, story_id: ItemId, q: str | None = None, length: str | None = None, site: Site = Depends(site_of)
) -> Response:
    # A question is answered now when its answer is not stored: the model's work, off the loop.
    return await site.page(lambda: _read_story(request, site, story_id, q, length), waits=bool(q))


def _read_story(request: Request, site: Site, story_id: str, q: str | None, length: str | None) -> Response:
    with site.engine.connect() as db:  # every read of the page on one connection (store/db.py Reader)
        return _story_page(request, site, db, story_id, q, length)


def _story_page(
    request: Request, site: Site, db: Connection, story_id: str, q: str | None, length: str | None
) -> Response:
    head = story_store.story_head(db, story_id)
    if head.redirect is not None and head.redirect != story_id:  # merged into another story: old links keep working
        return RedirectResponse(f"/stories/{head.redirect}", status_code=301)
    if head.story is None:
        raise NotFound(f"store: no story with id {story_id}")
    item = head.story
    storyline = coverage.storyline_timeline(db, item)
    members = coverage.story_members(db, story_id)  # one read for the coverage and the panel
    earlier = sum(
        1
        for d in storyline
        if not d.current and d.story.first_seen and item.first_seen and d.story.first_seen < item.first_seen
    )
    groups = coverage.story_coverage(db, story_id, _unmuted(request, db, members))
    return site.render(
        request,
        "story.html",
        story=item,
        groups=groups,
        states=reading_states(request, db, [a.id for g in groups for a in g.articles]),
        storyline=storyline,
        earlier=earlier,
        ai=story_panel(db, site.config, story_id, q, length, coverage.originals(members, digests.STORY_LIMIT)),
        comments=site.comments(request, "story", story_id, db, none=not head.has_comments),
        lead_picture=pictures.story_pictures(db, [story_id]).get(story_id),
    )


def _unmuted(request: Request, db: Reader, members: list[coverage.Member]) -> list[coverage.Member]:
    """A story's members less the articles the reader muted (the coverage list shows no others)."""
    hidden = hidden_for_reader(request, db, [m.article for m in members])
    return [m for m in members if m.article.id not in hidden] if hidden else members


@router.get("/stories/{story_id}/feed.atom", include_in_schema=False)
@router.get("/stories/{story_id}/feed.json", include_in_schema=False)
def story_feed(request: Request, story_id: ItemId, site: Site = Depends(site_of)) -> Response:
    item = story_store.get_story(site.engine, story_id)
    items = list(reversed(story_articles(site.engine, item.id)))
    return feed_response(request, f"Broadsheet: {item.title}", items, f"/stories/{item.id}")


@router.get("/sections/{slug}/feed.atom", include_in_schema=False)
@router.get("/sections/{slug}/feed.json", include_in_schema=False)
def section_feed(request: Request, slug: str, site: Site = Depends(site_of)) -> Response:
    name = section_name(slug)
    cards = coverage.top_stories(site.engine, limit=50, section=name)
    return feed_response(request, f"Broadsheet: {name}", [c.lead for c in cards if c.lead], f"/sections/{slug}")
