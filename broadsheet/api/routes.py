"""JSON API routes. Reads go through the store; lists are paginated; every GET carries an
ETag and answers If-None-Match with 304, so clients and caches poll cheaply."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import Engine

from broadsheet.api.params import MAX_ID, MAX_OFFSET, SECTION_PATTERN, TIME_SCHEMA, parse_time, section_of
from broadsheet.api.schemas import (
    ArticleList,
    ArticleOut,
    ArticleSummaryOut,
    CommentList,
    CommentOut,
    CoverageOut,
    EntityList,
    EntityOut,
    ErrorOut,
    Page,
    SearchHitOut,
    SearchResults,
    SourceList,
    SourceOut,
    StoryDetailOut,
    StoryList,
    StoryOut,
)
from broadsheet.errors import NotFound
from broadsheet.store import articles as article_store
from broadsheet.store import comments as comment_store
from broadsheet.store import coverage
from broadsheet.store import enrichment as enrichment_store
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store
from broadsheet.store.search import read_filters, search_articles

MAX_LIMIT = 100
ERRORS = {404: {"model": ErrorOut, "description": "Not found"}}
# Every route may answer these: a cached copy (ETag), or a request refused at the edge.
COMMON = {
    304: {"description": "Not modified: the client's copy (If-None-Match) is current"},
    400: {"model": ErrorOut, "description": "Bad request: a parameter is out of range or unknown"},
    422: {"model": ErrorOut, "description": "A parameter does not have the declared type or bounds"},
}
Offset = Query(0, ge=0, le=MAX_OFFSET)
# The pattern is documented, and checked by section_of, whose 400 names the sections.
Section = Query(
    None, json_schema_extra={"pattern": SECTION_PATTERN}, description="A section, in any case (business, Business)"
)
Time = Query(None, json_schema_extra=TIME_SCHEMA, description="A date-time (RFC 3339) or a date, UTC when no offset")


def json_body(model: BaseModel) -> Response:
    """A model as JSON; the site's ConditionalGet (web/edge.py) tags it with an ETag and answers 304."""
    return Response(model.model_dump_json().encode("utf-8"), media_type="application/json")


def _page(limit: int, offset: int, count: int, total: int | None = None) -> Page:
    has_more = offset + count < total if total is not None else count == limit
    return Page(limit=limit, offset=offset, total=total, next_offset=offset + count if has_more else None)


router = APIRouter(prefix="/api", tags=["api"], responses=COMMON)  # the JSON API; its state comes through Depends


def engine_of(request: Request) -> Engine:
    """The database of the site a request is for."""
    return request.app.state.engine


Embed = Callable[[str], np.ndarray] | None


def embed_of(request: Request) -> Embed:
    """The query encoder search uses to match questions by meaning (None: words only)."""
    return request.app.state.embed


@router.get("/articles", response_model=ArticleList, summary="Latest readable articles, newest first")
def list_articles(
    request: Request,
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Offset,
    source_id: int | None = Query(None, ge=0, le=MAX_ID),
    engine: Engine = Depends(engine_of),
) -> Response:
    items = article_store.latest_articles(engine, limit=limit, offset=offset, source_id=source_id)
    total = article_store.count_articles(engine, source_id=source_id)
    return json_body(
        ArticleList(items=[ArticleSummaryOut.of(a) for a in items], page=_page(limit, offset, len(items), total))
    )


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=ERRORS, summary="One article")
def get_article(request: Request, article_id: str, engine: Engine = Depends(engine_of)) -> Response:
    article = article_store.get_article(engine, article_id)
    if article.status != "ok":
        raise NotFound(f"api: article {article_id} is not readable yet")
    return json_body(ArticleOut.of(article))


@router.get("/sources", response_model=SourceList, summary="Followed feeds with their health")
def list_sources(request: Request, engine: Engine = Depends(engine_of)) -> Response:
    return json_body(SourceList(items=[SourceOut.of(s) for s in source_store.list_sources(engine)]))


@router.get("/sources/{source_id}", response_model=SourceOut, responses=ERRORS, summary="One feed and its health")
def get_source(
    request: Request, source_id: int = Path(ge=0, le=MAX_ID), engine: Engine = Depends(engine_of)
) -> Response:
    return json_body(SourceOut.of(source_store.get_source(engine, source_id)))


@router.get(
    "/search",
    response_model=SearchResults,
    responses=ERRORS,
    summary="Search, ranked by relevance and recency; questions are also matched by meaning",
)
def search(
    request: Request,
    embed: Embed = Depends(embed_of),
    q: str = Query(..., min_length=1, max_length=500),
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Offset,
    source_id: int | None = Query(None, ge=0, le=MAX_ID),
    source: str | None = Query(None, max_length=200, description="A source's id or name, in any case"),
    since: str | None = Time,
    until: str | None = Time,
    section: str | None = Section,
    engine: Engine = Depends(engine_of),
) -> Response:
    filters = read_filters(
        engine,
        source if source is not None else source_id,
        section_of(section, strict=True),
        parse_time(since, "since"),
        parse_time(until, "until"),
    )
    hits = search_articles(engine, q, filters, limit=limit + 1, offset=offset, embed=embed)
    items = [
        SearchHitOut(
            article=ArticleSummaryOut.of(h.article), score=h.score, snippet=h.snippet, also_published_by=h.also
        )
        for h in hits[:limit]
    ]
    page = Page(limit=limit, offset=offset, next_offset=offset + limit if len(hits) > limit else None)
    return json_body(SearchResults(query=q, items=items, page=page))


@router.get("/stories", response_model=StoryList, summary="Top stories, ranked by breadth of coverage and recency")
def list_stories(
    request: Request,
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Offset,
    section: str | None = Section,
    engine: Engine = Depends(engine_of),
) -> Response:
    cards = coverage.top_stories(engine, limit=limit + 1, offset=offset, section=section_of(section, strict=True))
    items = [_story_out(c.story, c.section, c.sources) for c in cards[:limit]]
    page = Page(limit=limit, offset=offset, next_offset=offset + limit if len(cards) > limit else None)
    return json_body(StoryList(items=items, page=page))


@router.get(
    "/stories/{story_id}",
    response_model=StoryDetailOut,
    responses=ERRORS,
    summary="One story with its coverage grouped by source (merged ids resolve)",
)
def get_story(request: Request, story_id: str, engine: Engine = Depends(engine_of)) -> Response:
    story = story_store.get_story(engine, story_id)
    groups = coverage.story_coverage(engine, story.id)
    detail = StoryDetailOut(
        **_story_out(story, "", [g.name for g in groups]).model_dump(exclude={"coverage"}),
        coverage=[
            CoverageOut(
                source=g.name, articles=[ArticleSummaryOut.of(a) for a in g.articles], also_published_by=g.copies
            )
            for g in groups
        ],
    )
    return json_body(detail)


@router.get("/entities", response_model=EntityList, summary="The most mentioned people, organisations and places")
def list_entities(
    request: Request, limit: int = Query(30, ge=1, le=MAX_LIMIT), engine: Engine = Depends(engine_of)
) -> Response:
    items = [_entity_out(e) for e in enrichment_store.top_entities(engine, limit=limit)]
    return json_body(EntityList(items=items))


@router.get("/entities/{entity_id}", response_model=EntityOut, responses=ERRORS, summary="One entity and its articles")
def get_entity(
    request: Request, entity_id: int = Path(ge=0, le=MAX_ID), engine: Engine = Depends(engine_of)
) -> Response:
    entity = enrichment_store.get_entity(engine, entity_id)
    found = [ArticleSummaryOut.of(a) for a, _, _ in enrichment_store.entity_articles(engine, entity_id, limit=50)]
    return json_body(EntityOut(**_entity_out(entity).model_dump(exclude={"articles"}), articles=found))


@router.get("/comments", response_model=CommentList, summary="The comment thread of an article or a story")
def list_comments(
    request: Request,
    target: str = Query(..., pattern=r"^(article|story):[A-Za-z0-9_-]{1,64}$", description="article:ID or story:ID"),
    engine: Engine = Depends(engine_of),
) -> Response:
    kind, _, target_id = target.partition(":")
    items = [_comment_out(c) for c in comment_store.thread(engine, comment_store.Target(kind, target_id))]
    return json_body(CommentList(target=target, items=items))


def _story_out(story: object, section: str, sources: list[str]) -> StoryOut:
    return StoryOut(
        id=story.id,
        title=story.title,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        article_count=story.article_count,
        source_count=story.source_count,
        section=section,
        sources=sources,
    )


def _entity_out(entity: object) -> EntityOut:
    return EntityOut(
        id=entity.id, kind=entity.kind, name=entity.name, article_count=entity.article_count, last_seen=entity.last_seen
    )


def _comment_out(comment: object) -> CommentOut:
    state = "deleted" if comment.deleted else "hidden" if comment.hidden_at else "visible"
    return CommentOut(
        id=comment.id,
        parent_id=comment.parent_id,
        author=None if comment.deleted else comment.author,
        body=comment.body if state == "visible" else None,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        state=state,
        replies=[_comment_out(r) for r in comment.replies],
    )


def api_error(status: int, message: str) -> JSONResponse:
    """The API's error body."""
    return JSONResponse({"error": message}, status_code=status)


def api_openapi(app: FastAPI) -> Callable[[], dict]:
    """The app's `openapi` function, describing only the JSON API (the HTML pages and WebSub callbacks
    are not part of it: a client generated from the document must not call them)."""

    def openapi() -> dict:
        document = FastAPI.openapi(app)  # FastAPI's own, cached until routes change; filtered in place
        document["paths"] = {path: item for path, item in document["paths"].items() if path.startswith("/api/")}
        return document

    return openapi
