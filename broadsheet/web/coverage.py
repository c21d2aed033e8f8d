"""The reader's news pages: top stories (front page), sections, latest, and story pages
with full coverage grouped by source."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from broadsheet.config import Config
from broadsheet.errors import NotFound
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import coverage, digests
from broadsheet.store import stories as story_store
from broadsheet.store.digests import story_articles
from broadsheet.web.ai import story_panel
from broadsheet.web.atom import atom_response

SECTION_SLUGS = {s.lower(): s for s in SECTIONS}


def section_name(slug: str) -> str:
    """The section for a URL slug ("business" -> "Business"), or NotFound."""
    try:
        return SECTION_SLUGS[slug.lower()]
    except KeyError as exc:
        raise NotFound(f"web: no section {slug!r}") from exc


def coverage_router(engine: Engine, config: Config, render: Callable[..., HTMLResponse],
                    comments_section: Callable[[Request, str, str], object], page_number: Callable) -> APIRouter:
    """Routes for /, /sections/{name}, /stories/{id} and their Atom feeds."""
    router = APIRouter()
    page_size = config.page_size

    def stories_page(request: Request, page: str | None, section: str | None, title: str) -> HTMLResponse:
        number = page_number(page)
        cards = coverage.top_stories(engine, limit=page_size + 1, offset=(number - 1) * page_size, section=section)
        if not cards and number > 1:
            raise NotFound(f"web: page {number} is past the end")
        return render(request, "top.html", cards=cards[:page_size], page=number, has_next=len(cards) > page_size,
                      heading=title, section=section, sections=SECTIONS)

    @router.get("/", response_class=HTMLResponse)
    def front(request: Request, page: str | None = None) -> HTMLResponse:
        return stories_page(request, page, None, "Top stories")

    @router.get("/sections/{slug}", response_class=HTMLResponse)
    def section(request: Request, slug: str, page: str | None = None) -> HTMLResponse:
        name = section_name(slug)
        return stories_page(request, page, name, name)

    @router.get("/stories/{story_id}", response_class=HTMLResponse)
    def story(request: Request, story_id: str, q: str | None = None, length: str | None = None) -> Response:
        current = story_store.resolve_story_id(engine, story_id)
        if current != story_id:  # merged into another story: old links keep working
            return RedirectResponse(f"/stories/{current}", status_code=301)
        item = story_store.get_story(engine, story_id, resolved=True)
        storyline = coverage.storyline_timeline(engine, item)
        members = coverage.story_members(engine, story_id)  # one read for the coverage and the panel
        return render(request, "story.html", story=item, groups=coverage.story_coverage(engine, story_id, members),
                      storyline=storyline, earlier=sum(1 for d in storyline if not d.current
                                                       and d.story.first_seen and item.first_seen
                                                       and d.story.first_seen < item.first_seen),
                      ai=story_panel(engine, config, story_id, q, length,
                                     coverage.originals(members, digests.STORY_LIMIT)),
                      comments=comments_section(request, "story", story_id))


    @router.get("/stories/{story_id}/feed.atom", include_in_schema=False)
    def story_feed(request: Request, story_id: str) -> Response:
        item = story_store.get_story(engine, story_id)
        items = list(reversed(story_articles(engine, item.id)))
        return atom_response(request, f"Broadsheet: {item.title}", items, f"/stories/{item.id}")

    @router.get("/sections/{slug}/feed.atom", include_in_schema=False)
    def section_feed(request: Request, slug: str) -> Response:
        name = section_name(slug)
        cards = coverage.top_stories(engine, limit=50, section=name)
        return atom_response(request, f"Broadsheet: {name}", [c.lead for c in cards if c.lead], f"/sections/{slug}")

    return router
