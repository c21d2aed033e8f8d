"""JSON API routes. Reads go through the store; lists are paginated; every GET carries an
ETag and answers If-None-Match with 304, so clients and caches poll cheaply."""

from __future__ import annotations

import hashlib
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import Engine

from broadsheet.api.schemas import (ArticleList, ArticleOut, ArticleSummaryOut, ErrorOut, Page, SearchHitOut,
                                    SearchResults, SourceList, SourceOut)
from broadsheet.errors import NotFound
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store.search import SearchFilters, search_articles

MAX_LIMIT = 100
ERRORS = {404: {"model": ErrorOut, "description": "Not found"}}


def json_with_etag(request: Request, model: BaseModel) -> Response:
    """Serialise, tag with a strong ETag of the body, and answer 304 when the client has it."""
    body = model.model_dump_json().encode("utf-8")
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _page(limit: int, offset: int, count: int, total: int | None = None) -> Page:
    has_more = offset + count < total if total is not None else count == limit
    return Page(limit=limit, offset=offset, total=total, next_offset=offset + count if has_more else None)


def api_router(engine: Engine) -> APIRouter:
    """The /api routes for one database."""
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/articles", response_model=ArticleList, summary="Latest readable articles, newest first")
    def list_articles(request: Request, limit: int = Query(20, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0),
                      source_id: int | None = None) -> Response:
        items = article_store.latest_articles(engine, limit=limit, offset=offset, source_id=source_id)
        total = article_store.count_articles(engine, source_id=source_id)
        return json_with_etag(request, ArticleList(items=[ArticleSummaryOut.of(a) for a in items],
                                                   page=_page(limit, offset, len(items), total)))

    @router.get("/articles/{article_id}", response_model=ArticleOut, responses=ERRORS, summary="One article")
    def get_article(request: Request, article_id: str) -> Response:
        article = article_store.get_article(engine, article_id)
        if article.status != "ok":
            raise NotFound(f"api: article {article_id} is not readable yet")
        return json_with_etag(request, ArticleOut.of(article))

    @router.get("/sources", response_model=SourceList, summary="Followed feeds with their health")
    def list_sources(request: Request) -> Response:
        return json_with_etag(request, SourceList(items=[SourceOut.of(s) for s in source_store.list_sources(engine)]))

    @router.get("/sources/{source_id}", response_model=SourceOut, responses=ERRORS, summary="One feed and its health")
    def get_source(request: Request, source_id: int) -> Response:
        return json_with_etag(request, SourceOut.of(source_store.get_source(engine, source_id)))

    @router.get("/search", response_model=SearchResults, summary="Full-text search, ranked by relevance and recency")
    def search(request: Request, q: str = Query(..., min_length=1, max_length=500), limit: int = Query(20, ge=1, le=MAX_LIMIT),
               offset: int = Query(0, ge=0), source_id: int | None = None, since: datetime | None = None,
               until: datetime | None = None) -> Response:
        filters = SearchFilters(source_id=source_id, since=since, until=until)
        hits = search_articles(engine, q, filters, limit=limit + 1, offset=offset)
        items = [SearchHitOut(article=ArticleSummaryOut.of(h.article), score=h.score, snippet=h.snippet)
                 for h in hits[:limit]]
        page = Page(limit=limit, offset=offset, next_offset=offset + limit if len(hits) > limit else None)
        return json_with_etag(request, SearchResults(query=q, items=items, page=page))

    return router


def api_error(status: int, message: str) -> JSONResponse:
    """The API's error body."""
    return JSONResponse({"error": message}, status_code=status)
