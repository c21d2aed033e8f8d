"""The sources pages: every followed feed with its health, one source's articles and failures, its
Atom feed, and the OPML export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from broadsheet.api.params import MAX_ID, page_number
from broadsheet.ingest.feeds import export_opml
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web import pictures
from broadsheet.web.feeds import feed_response
from broadsheet.web.following import visible_articles
from broadsheet.web.saved import reading_states
from broadsheet.web.site import Site, site_of

router = APIRouter()
SourceId = Annotated[int, PathParam(ge=0, le=MAX_ID)]


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, site: Site = Depends(site_of)) -> HTMLResponse:
    return site.render(request, "sources.html", sources=source_store.list_sources(site.engine))


@router.get("/sources.opml")
def sources_opml(site: Site = Depends(site_of)) -> Response:
    return Response(export_opml(source_store.list_sources(site.engine)), media_type="text/x-opml; charset=utf-8")


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source(
    request: Request, source_id: SourceId, page: str | None = None, site: Site = Depends(site_of)
) -> HTMLResponse:
    number, size = page_number(page), site.config.page_size
    with site.engine.connect() as db:  # every read of the page on one connection
        item = source_store.get_source(db, source_id)
        items = article_store.latest_articles(db, limit=size, offset=(number - 1) * size, source_id=source_id)
        items = visible_articles(request, db, items)  # a reader's mutes (this source's too)
        failing = article_store.failing_articles(db, source_id)
        states = reading_states(request, db, [a.id for a in items])
        pics = pictures.article_pictures(db, items)
    return site.render(
        request,
        "source.html",
        source=item,
        articles=items,
        pics=pics,
        states=states,
        page=number,
        failing=failing,
        has_next=number * size < item.article_count,
    )


@router.get("/sources/{source_id}/feed.atom", include_in_schema=False)
@router.get("/sources/{source_id}/feed.json", include_in_schema=False)
def source_feed(request: Request, source_id: SourceId, site: Site = Depends(site_of)) -> Response:
    item = source_store.get_source(site.engine, source_id)
    items = article_store.latest_articles(site.engine, limit=50, source_id=source_id)
    return feed_response(request, f"Broadsheet: {item.title or item.feed_url}", items, f"/sources/{source_id}")
