"""Response shapes of the JSON API (pydantic models: they are also the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from broadsheet.model import Article, Source
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store.articles import ArticleView

# Closed sets, as enums in the OpenAPI document.
# The section names of nlp/data/sections.toml, read at start-up (a type only at run time, hence Any for mypy).
SectionName: Any = Literal[tuple(SECTIONS)]
StorySection: Any = Literal[("", *SECTIONS)]  # "": its articles have no section yet
SourceState = Literal["healthy", "failing", "unhealthy", "gone"]
EntityKind = Literal["person", "organisation", "place"]
CommentState = Literal["visible", "hidden", "deleted"]
Role = Literal["reader", "moderator", "admin"]


class SourceOut(BaseModel):
    """A followed feed and its health."""

    id: int
    title: str
    feed_url: str
    site_url: str
    state: SourceState = Field(description="healthy, failing, unhealthy (retried daily) or gone")
    article_count: int
    last_fetched_at: datetime | None
    last_status: int | None
    error_count: int
    last_error: str | None
    next_check_at: datetime | None
    websub: str | None = Field(None, description="WebSub subscription state, when the feed has a hub")

    @classmethod
    def of(cls, source: Source) -> SourceOut:
        return cls(
            id=source.key,
            title=source.title,
            feed_url=source.feed_url,
            site_url=source.site_url,
            state=cast(SourceState, source.state),
            article_count=source.article_count,
            last_fetched_at=source.last_fetched_at,
            last_status=source.last_status,
            error_count=source.error_count,
            last_error=source.last_error,
            next_check_at=source.next_check_at,
            websub=getattr(source, "websub_state", None),
        )


class ArticleSummaryOut(BaseModel):
    """An article in a list: enough to show a card."""

    id: str
    url: str
    title: str
    source: str
    source_id: int | None
    byline: str
    published_at: datetime | None
    excerpt: str
    story_id: str | None = Field(None, description="The story it belongs to, once placed")
    section: SectionName | None = Field(None, description="Its section, once enriched")

    @classmethod
    def of(cls, article: Article, placement: tuple[str | None, str | None] = (None, None)) -> ArticleSummaryOut:
        paragraphs = article.paragraphs
        excerpt = paragraphs[0][:300] if paragraphs else ""
        story_id, section = placement
        return cls(
            story_id=story_id,
            section=section if section in SECTIONS else None,
            id=article.id,
            url=article.url,
            title=article.title,
            source=article.source_name or article.site_name,
            source_id=article.source_id,
            byline=article.byline,
            published_at=article.published_at,
            excerpt=excerpt,
        )


class EntityRef(BaseModel):
    """An entity an article names."""

    id: int
    name: str
    kind: EntityKind


class ArticleOut(ArticleSummaryOut):
    """One article with its clean body and what the enrich stage found (empty until it has run)."""

    language: str
    image: str
    paragraphs: list[str]
    key_points: list[str] = Field([], description="The sentences that carry the article, in order")
    tags: list[str] = []
    entities: list[EntityRef] = []

    @classmethod
    def of(cls, view: ArticleView) -> ArticleOut:  # type: ignore[override]
        article, found = view.article, view.enrichment
        base = ArticleSummaryOut.of(article, (view.story_id, found.get("section"))).model_dump()
        return cls(
            **base,
            language=article.language,
            image=article.image,
            paragraphs=article.paragraphs,
            key_points=[p["text"] for p in found.get("key_points") or [] if isinstance(p, dict) and "text" in p],
            tags=[t for t in found.get("tags") or [] if isinstance(t, str)],
            entities=[
                EntityRef(id=e["id"], name=e["name"], kind=e["kind"])
                for e in found.get("entities") or []
                if isinstance(e, dict) and e.get("id") is not None
            ],
        )


class Page(BaseModel):
    """Pagination of a list: pass `next_offset` as `offset` for the next page."""

    limit: int
    offset: int
    total: int = Field(description="How many items the whole list holds")
    next_offset: int | None = None


class ArticleList(BaseModel):
    items: list[ArticleSummaryOut]
    page: Page


class SourceList(BaseModel):
    items: list[SourceOut]
    total: int


class SearchHitOut(BaseModel):
    article: ArticleSummaryOut
    score: float
    snippet: str
    also_published_by: list[str] = []  # the other outlets of a syndicated text, collapsed into this result


class SearchResults(BaseModel):
    query: str
    items: list[SearchHitOut]
    page: Page


class StoryOut(BaseModel):
    """A story: all coverage of one event."""

    id: str
    title: str
    first_seen: datetime | None
    last_seen: datetime | None
    article_count: int
    source_count: int
    section: StorySection = Field("", description="The most common section of its articles")
    sources: list[str] = []


class StoryList(BaseModel):
    items: list[StoryOut]
    page: Page


class CoverageOut(BaseModel):
    """One outlet's articles in a story, with the outlets that syndicated each."""

    source: str
    articles: list[ArticleSummaryOut]
    also_published_by: dict[str, list[str]]


class StoryDetailOut(StoryOut):
    coverage: list[CoverageOut]


class EntityOut(BaseModel):
    """A person, organisation or place and the articles naming it."""

    id: int
    kind: EntityKind
    name: str
    article_count: int
    last_seen: datetime | None
    articles: list[ArticleSummaryOut] = []


class EntityList(BaseModel):
    items: list[EntityOut]
    total: int = Field(description="How many entities are named by any article")


class CommentOut(BaseModel):
    """A comment (hidden and deleted ones keep their place in the thread, without text)."""

    id: int
    parent_id: int | None
    author: str | None
    body: str | None
    created_at: datetime
    edited_at: datetime | None
    state: CommentState
    replies: list[CommentOut] = []


class CommentList(BaseModel):
    target: str
    items: list[CommentOut]
    total: int = Field(description="How many comments the thread holds, replies included")


class ReaderOut(BaseModel):
    """The reader an API key belongs to."""

    username: str
    role: Role
