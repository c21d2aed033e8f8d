"""The search page and its Atom feed: relevance and recency, filters by source, section and date."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from broadsheet.api.params import page_number
from broadsheet.errors import InputError
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import sources as source_store
from broadsheet.store.search import SearchFilters, read_filters, search_articles
from broadsheet.web import pictures
from broadsheet.web.feeds import feed_response
from broadsheet.web.following import hidden_for_reader
from broadsheet.web.site import Site, site_of

router = APIRouter()


def feed_query(q: str, filters: SearchFilters, since: str | None) -> str:
    """The query string of the Atom feed of a filtered search."""
    params = {
        "q": q,
        "source": filters.source_id,
        "section": filters.section,
        "since": since if filters.since else None,
    }
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/search.atom", include_in_schema=False)
@router.get("/search.json", include_in_schema=False)
def search_feed(
    request: Request,
    q: str = "",
    source: str | None = None,
    section: str | None = None,
    since: str | None = None,
    site: Site = Depends(site_of),
) -> Response:
    hits = search_articles(
        site.engine, q, read_filters(site.engine, source, section, since), limit=50, embed=site.embed
    )
    return feed_response(request, f"Broadsheet: search for {q}", [h.article for h in hits], f"/search?q={quote(q)}")


def _filters_or_error(
    db: Connection, source: str | None, section: str | None, since: str | None
) -> tuple[SearchFilters, str | None, int]:
    """The search's filters, or none with the message and status of what was wrong with them."""
    try:
        return read_filters(db, source, section, since), None, 200
    except InputError as exc:  # the form stays usable, and says which values would work
        return SearchFilters(), str(exc), exc.status


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = "",
    page: str | None = None,
    source: str | None = None,
    section: str | None = None,
    since: str | None = None,
    site: Site = Depends(site_of),
) -> HTMLResponse:
    number, size = page_number(page), site.config.page_size
    with site.engine.connect() as db:  # every read of the page on one connection
        filters, error, error_status = _filters_or_error(db, source, section, since)
        hits = (
            search_articles(db, q, filters, limit=size + 1, offset=(number - 1) * size, embed=site.embed)
            if q and not error
            else []
        )
        hidden = hidden_for_reader(request, db, [h.article for h in hits[:size]])  # a reader's mutes
        choices = source_store.source_choices(db)
        pics = pictures.article_pictures(db, [h.article for h in hits[:size] if h.article.id not in hidden])
    since = (since or "").strip().lower() if filters.since else ""
    return site.render(
        request,
        "search.html",
        status=error_status,
        q=q,
        hits=[h for h in hits[:size] if h.article.id not in hidden],
        page=number,
        has_next=len(hits) > size,
        sources=choices,
        pics=pics,
        source=filters.source_id,
        sections=SECTIONS,
        section=filters.section or "",
        since=since,
        error=error,
        feed_query=feed_query(q, filters, since),
    )
