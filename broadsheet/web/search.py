"""The search page and its Atom feed: relevance and recency, filters by source, section and date."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from broadsheet.api.params import page_number
from broadsheet.errors import InputError
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import sources as source_store
from broadsheet.store.search import SearchFilters, read_filters, search_articles
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
    try:
        filters, error, error_status = read_filters(site.engine, source, section, since), None, 200
    except InputError as exc:  # the form stays usable, and says which values would work
        filters, error, error_status = SearchFilters(), str(exc), exc.status
    hits = (
        search_articles(site.engine, q, filters, limit=size + 1, offset=(number - 1) * size, embed=site.embed)
        if q and not error
        else []
    )
    since = (since or "").strip().lower() if filters.since else ""
    hidden = hidden_for_reader(request, site.engine, [h.article for h in hits[:size]])  # a reader's mutes
    return site.render(
        request,
        "search.html",
        status=error_status,
        q=q,
        hits=[h for h in hits[:size] if h.article.id not in hidden],
        page=number,
        has_next=len(hits) > size,
        sources=source_store.source_choices(site.engine),
        source=filters.source_id,
        sections=SECTIONS,
        section=filters.section or "",
        since=since,
        error=error,
        feed_query=feed_query(q, filters, since),
    )
