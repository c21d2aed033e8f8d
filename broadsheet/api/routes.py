"""JSON API routes. Reads go through the store; lists are paginated and counted; every GET carries
an ETag (and, where its articles say when they came, a Last-Modified) and answers a client's current
copy with 304, so clients and caches poll cheaply. Every error is problem details (api/problems.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import cast

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine

from broadsheet.api.params import MAX_ID, MAX_OFFSET, SECTION_SCHEMA, TIME_SCHEMA, parse_time, section_of
from broadsheet.api.problems import as_problem_media, declared, problem
from broadsheet.api.schemas import (
    ArticleList,
    ArticleOut,
    ArticleSummaryOut,
    CommentList,
    CommentOut,
    CommentState,
    CoverageOut,
    EntityKind,
    EntityList,
    EntityOut,
    Page,
    ReaderOut,
    Role,
    SearchHitOut,
    SearchResults,
    SourceList,
    SourceOut,
    StoryDetailOut,
    StoryList,
    StoryOut,
)
from broadsheet.errors import NotFound, Unauthorized
from broadsheet.model import Article
from broadsheet.store import apikeys as key_store
from broadsheet.store import articles as article_store
from broadsheet.store import comments as comment_store
from broadsheet.store import coverage
from broadsheet.store import enrichment as enrichment_store
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store
from broadsheet.store.comments import Comment
from broadsheet.store.enrichment import StoredEntity
from broadsheet.store.search import read_filters, search_counted
from broadsheet.store.stories import Story
from broadsheet.store.users import User

MAX_LIMIT = 100
ERRORS = declared(404)
# Every route may answer these: a cached copy (ETag, Last-Modified), or a request refused at the edge.
COMMON: dict[int | str, dict] = {
    304: {"description": "Not modified: the client's copy (If-None-Match, If-Modified-Since) is current"},
    **declared(400, 422, 500),
}
Offset = Query(0, ge=0, le=MAX_OFFSET)
# The sections as an enum, and the same in any case as a pattern: checked by section_of, whose 400
# names the sections.
Section = Query(None, json_schema_extra=SECTION_SCHEMA, description="A section, in any case (business, Business)")
Time = Query(None, json_schema_extra=TIME_SCHEMA, description="A date-time (RFC 3339) or a date, UTC when no offset")


def json_body(model: BaseModel, newest: datetime | None = None) -> Response:
    """A model as JSON; the site's ConditionalGet (web/edge.py) tags it with an ETag and answers 304,
    also to If-Modified-Since when `newest` (the newest article time of the response) is known."""
    response = Response(model.model_dump_json().encode("utf-8"), media_type="application/json")
    if newest is not None:
        aware = newest if newest.tzinfo else newest.replace(tzinfo=UTC)  # store times are UTC
        response.headers["last-modified"] = format_datetime(aware.astimezone(UTC), usegmt=True)
    return response


def _newest(times: Iterable[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _article_times(items: Iterable[Article]) -> list[datetime | None]:
    return [t for a in items for t in (a.published_at, a.fetched_at)]


def _summaries(engine: Engine, items: list[Article]) -> list[ArticleSummaryOut]:
    """Articles as list items, each with its story and section (one read for the whole list)."""
    placed = article_store.placements(engine, [a.id for a in items])
    return [ArticleSummaryOut.of(a, placed.get(a.id, (None, None))) for a in items]


def _page(limit: int, offset: int, count: int, total: int) -> Page:
    return Page(limit=limit, offset=offset, total=total, next_offset=offset + count if offset + count < total else None)


router = APIRouter(prefix="/api", tags=["api"], responses=COMMON)  # the JSON API; its state comes through Depends


async def engine_of(request: Request) -> Engine:
    """The database of the site a request is for (async: see web/site.py site_of)."""
    return request.app.state.engine


Embed = Callable[[str], np.ndarray] | None


async def embed_of(request: Request) -> Embed:
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
    listed = ArticleList(items=_summaries(engine, items), page=_page(limit, offset, len(items), total))
    return json_body(listed, _newest(_article_times(items)))


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=ERRORS, summary="One article")
def get_article(request: Request, article_id: str, engine: Engine = Depends(engine_of)) -> Response:
    view = article_store.get_article_view(engine, article_id)
    if view.article.status != "ok":
        raise NotFound(f"api: article {article_id} is not readable yet")
    return json_body(ArticleOut.of(view), _newest(_article_times([view.article])))


@router.get("/sources", response_model=SourceList, summary="Followed feeds with their health")
def list_sources(request: Request, engine: Engine = Depends(engine_of)) -> Response:
    items = [SourceOut.of(s) for s in source_store.list_sources(engine)]
    return json_body(SourceList(items=items, total=len(items)))  # every source, always


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
    hits, total = search_counted(engine, q, filters, limit=limit, offset=offset, embed=embed)
    summaries = _summaries(engine, [h.article for h in hits])
    items = [
        SearchHitOut(article=summary, score=h.score, snippet=h.snippet, also_published_by=h.also)
        for h, summary in zip(hits, summaries)
    ]
    found = SearchResults(query=q, items=items, page=_page(limit, offset, len(items), total))
    return json_body(found, _newest(_article_times(h.article for h in hits)))


@router.get("/stories", response_model=StoryList, summary="Top stories, ranked by breadth of coverage and recency")
def list_stories(
    request: Request,
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Offset,
    section: str | None = Section,
    engine: Engine = Depends(engine_of),
) -> Response:
    cards, total = coverage.top_stories_counted(
        engine, limit=limit, offset=offset, section=section_of(section, strict=True)
    )
    items = [_story_out(c.story, c.section, c.sources) for c in cards]
    stories = StoryList(items=items, page=_page(limit, offset, len(items), total))
    return json_body(stories, _newest(c.story.last_seen for c in cards))


@router.get(
    "/stories/{story_id}",
    response_model=StoryDetailOut,
    responses=ERRORS,
    summary="One story with its coverage grouped by source (merged ids resolve)",
)
def get_story(request: Request, story_id: str, engine: Engine = Depends(engine_of)) -> Response:
    story = story_store.get_story(engine, story_id)
    groups = coverage.story_coverage(engine, story.id)
    section = coverage.story_section(engine, story.id)  # as the list's card names it
    detail = StoryDetailOut(
        **_story_out(story, section, [g.name for g in groups]).model_dump(exclude={"coverage"}),
        coverage=[
            CoverageOut(source=g.name, articles=_summaries(engine, g.articles), also_published_by=g.copies)
            for g in groups
        ],
    )
    return json_body(detail, _newest(_article_times(a for g in groups for a in g.articles)))


@router.get("/entities", response_model=EntityList, summary="The most mentioned people, organisations and places")
def list_entities(
    request: Request, limit: int = Query(30, ge=1, le=MAX_LIMIT), engine: Engine = Depends(engine_of)
) -> Response:
    items = [_entity_out(e) for e in enrichment_store.top_entities(engine, limit=limit)]
    return json_body(EntityList(items=items, total=enrichment_store.count_entities(engine)))


@router.get("/entities/{entity_id}", response_model=EntityOut, responses=ERRORS, summary="One entity and its articles")
def get_entity(
    request: Request, entity_id: int = Path(ge=0, le=MAX_ID), engine: Engine = Depends(engine_of)
) -> Response:
    entity = enrichment_store.get_entity(engine, entity_id)
    found = _summaries(engine, [a for a, _, _ in enrichment_store.entity_articles(engine, entity_id, limit=50)])
    return json_body(EntityOut(**_entity_out(entity).model_dump(exclude={"articles"}), articles=found))


@router.get("/comments", response_model=CommentList, summary="The comment thread of an article or a story")
def list_comments(
    request: Request,
    target: str = Query(..., pattern=r"^(article|story):[A-Za-z0-9_-]{1,64}$", description="article:ID or story:ID"),
    engine: Engine = Depends(engine_of),
) -> Response:
    kind, _, target_id = target.partition(":")
    items = [_comment_out(c) for c in comment_store.thread(engine, comment_store.Target(kind, target_id))]
    return json_body(CommentList(target=target, items=items, total=_count_comments(items)))


bearer = HTTPBearer(auto_error=False, description="An API key, made on the account page (/account/keys)")


def reader_of(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer), engine: Engine = Depends(engine_of)
) -> User:
    """The reader whose API key the request carries (`Authorization: Bearer KEY`), or 401."""
    if credentials is None:
        raise Unauthorized("api: send an API key as Authorization: Bearer KEY (make one at /account/keys)")
    user = key_store.user_for_key(engine, credentials.credentials)
    if user is None:
        raise Unauthorized("api: that API key is unknown or was revoked")
    return user


@router.get("/me", response_model=ReaderOut, responses=declared(401), summary="The reader an API key belongs to")
def me(request: Request, reader: User = Depends(reader_of)) -> Response:
    return json_body(ReaderOut(username=reader.username, role=cast(Role, reader.role)))


def _story_out(story: Story, section: str, sources: list[str]) -> StoryOut:
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


def _entity_out(entity: StoredEntity) -> EntityOut:
    return EntityOut(
        id=entity.id,
        kind=cast(EntityKind, entity.kind),
        name=entity.name,
        article_count=entity.article_count,
        last_seen=entity.last_seen,
    )


def _comment_out(comment: Comment) -> CommentOut:
    state: CommentState = "deleted" if comment.deleted else "hidden" if comment.hidden_at else "visible"
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


def _count_comments(items: list[CommentOut]) -> int:
    return sum(1 + _count_comments(c.replies) for c in items)


def api_error(status: int, message: str) -> JSONResponse:
    """The API's error body: problem details (a 401 names the scheme it wants, RFC 6750)."""
    return problem(status, message, headers={"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else None)


def api_openapi(app: FastAPI) -> Callable[[], dict]:
    """The app's `openapi` function, describing only the JSON API (the HTML pages and WebSub callbacks
    are not part of it: a client generated from the document must not call them)."""

    def openapi() -> dict:
        document = FastAPI.openapi(app)  # FastAPI's own, cached until routes change; filtered in place
        document["paths"] = {path: item for path, item in document["paths"].items() if path.startswith("/api/")}
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's; our 422 is problem details
            schemas.pop(unused, None)
        return as_problem_media(document)

    return openapi
