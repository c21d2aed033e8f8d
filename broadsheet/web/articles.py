"""The reader's article pages: latest news, one article (its text, story, copies, related articles,
AI panel and comments), and the latest-news Atom feed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from broadsheet.api.params import page_number
from broadsheet.errors import NotFound
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import articles as article_store
from broadsheet.store.articles import ArticleView
from broadsheet.store.pictures import Shown
from broadsheet.web import pictures
from broadsheet.web import related as story_pages
from broadsheet.web.ai import article_panel
from broadsheet.web.atom import newest_time
from broadsheet.web.edge import last_modified
from broadsheet.web.feeds import feed_response
from broadsheet.web.following import hidden_for_reader, visible_articles
from broadsheet.web.saved import opened, reading_states
from broadsheet.web.site import ItemId, Site, site_of

router = APIRouter()


@router.get("/latest", response_class=HTMLResponse)
async def latest(request: Request, page: str | None = None, site: Site = Depends(site_of)) -> Response:
    return await site.page(lambda: _latest_page(request, site, page))


def _latest_page(request: Request, site: Site, page: str | None) -> Response:
    number, size = page_number(page), site.config.page_size
    with site.engine.connect() as db:  # every read of the page on one connection
        # One row more than a page tells whether there is a next page, without counting every article.
        items = article_store.latest_articles(db, limit=size + 1, offset=(number - 1) * size, originals_only=True)
        if not items and number > 1:
            raise NotFound(f"web: page {number} is past the end")
        shown = visible_articles(request, db, items[:size])  # a reader's mutes left out
        copies = story_pages.copy_sources(db, shown)
        states = reading_states(request, db, [a.id for a in shown])
        pics = pictures.article_pictures(db, shown)
    rendered = site.render(
        request,
        "front.html",
        articles=shown,
        page=number,
        sections=SECTIONS,
        section=None,
        copies=copies,
        pics=pics,
        states=states,
        has_next=len(items) > size,
    )
    return last_modified(rendered, newest_time(shown))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article(
    request: Request, article_id: ItemId, q: str | None = None, length: str | None = None, site: Site = Depends(site_of)
) -> HTMLResponse:
    # A question is answered now when its answer is not stored: the model's work, off the loop.
    return await site.page(lambda: _read_article(request, site, article_id, q, length), waits=bool(q))


def _read_article(request: Request, site: Site, article_id: str, q: str | None, length: str | None) -> HTMLResponse:
    with site.engine.connect() as db:  # every read of the page on one connection (store/db.py Reader)
        return _article_page(request, site, db, article_id, q, length)


def _article_page(
    request: Request, site: Site, db: Connection, article_id: str, q: str | None, length: str | None
) -> HTMLResponse:
    # One read for the article and what the pipeline stored beside it; the parts below use it.
    view = article_store.get_article_view(db, article_id)
    item = view.article
    if item.status != "ok":
        raise NotFound(f"web: article {article_id} is not readable yet")
    opened(request, item.id)  # a signed-in reader has read it now (marked off the request)
    related = story_pages.related_items(db, item, kept=(view.related_ids, view.related_at))
    hidden = hidden_for_reader(request, db, [r.article for r in related])  # a reader's mutes
    related = [r for r in related if r.article.id not in hidden]
    return site.render(
        request,
        "article.html",
        article=item,
        related=related,
        pics=_pictures(view, related),
        also=story_pages.copy_links(db, item, view.duplicate_of) if view.duplicate_of or view.has_copies else [],
        coverage_story=story_pages.coverage_of(view),
        comments=site.comments(request, "article", item.id, db, none=not view.has_comments),
        ai=article_panel(db, site.config, item, q, length, view=view),
        state=_opened_state(request, db, item.id),
    )


def _pictures(view: ArticleView, related: list[story_pages.RelatedItem]) -> dict[str, Shown]:
    """The page's pictures by article id, as its two reads brought them (no read of their own)."""
    found = [(view.article.id, view.picture), *((r.article.id, r.picture) for r in related)]
    return {article_id: shown for article_id, shown in found if shown is not None}


def _opened_state(request: Request, db: Connection, article_id: str) -> tuple[bool, bool]:
    """(read, saved) as the page shows it: read, since opening it marks it so."""
    return True, reading_states(request, db, [article_id]).get(article_id, (False, False))[1]


@router.get("/feed.atom", include_in_schema=False)
@router.get("/feed.json", include_in_schema=False)
def front_feed(request: Request, site: Site = Depends(site_of)) -> Response:
    return feed_response(request, "Broadsheet: latest news", article_store.latest_articles(site.engine, limit=50), "/")
