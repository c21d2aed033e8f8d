"""The reader's article pages: latest news, one article (its text, story, copies, related articles,
AI panel and comments), and the latest-news Atom feed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from broadsheet.api.params import page_number
from broadsheet.errors import NotFound
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import articles as article_store
from broadsheet.web import pictures
from broadsheet.web import related as story_pages
from broadsheet.web.ai import article_panel
from broadsheet.web.atom import atom_response
from broadsheet.web.site import ItemId, Site, site_of

router = APIRouter()


@router.get("/latest", response_class=HTMLResponse)
def latest(request: Request, page: str | None = None, site: Site = Depends(site_of)) -> HTMLResponse:
    number, size = page_number(page), site.config.page_size
    # One row more than a page tells whether there is a next page, without counting every article.
    items = article_store.latest_articles(site.engine, limit=size + 1, offset=(number - 1) * size, originals_only=True)
    if not items and number > 1:
        raise NotFound(f"web: page {number} is past the end")
    shown = items[:size]
    return site.render(
        request,
        "front.html",
        articles=shown,
        page=number,
        sections=SECTIONS,
        section=None,
        copies=story_pages.copy_sources(site.engine, shown),
        has_next=len(items) > size,
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article(
    request: Request, article_id: ItemId, q: str | None = None, length: str | None = None, site: Site = Depends(site_of)
) -> HTMLResponse:
    # One read for the article and what the pipeline stored beside it; the parts below use it.
    view = article_store.get_article_view(site.engine, article_id)
    item = view.article
    if item.status != "ok":
        raise NotFound(f"web: article {article_id} is not readable yet")
    related = story_pages.related_items(site.engine, item, kept=(view.related_ids, view.related_at))
    return site.render(
        request,
        "article.html",
        article=item,
        related=related,
        pics=pictures.article_pictures(site.engine, [item, *(r.article for r in related)]),  # one read
        also=story_pages.copy_links(site.engine, item, view.duplicate_of),
        coverage_story=story_pages.coverage_of(view),
        comments=site.comments(request, "article", item.id),
        ai=article_panel(site.engine, site.config, item, q, length, view=view),
    )


@router.get("/feed.atom", include_in_schema=False)
def front_feed(request: Request, site: Site = Depends(site_of)) -> Response:
    return atom_response(request, "Broadsheet: latest news", article_store.latest_articles(site.engine, limit=50), "/")
