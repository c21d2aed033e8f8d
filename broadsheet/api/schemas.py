"""Response shapes of the JSON API (pydantic models: they are also the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from broadsheet.model import Article, Source


class SourceOut(BaseModel):
    """A followed feed and its health."""

    id: int
    title: str
    feed_url: str
    site_url: str
    state: str = Field(description="healthy, failing, unhealthy (retried daily) or gone")
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
            state=source.state,
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

    @classmethod
    def of(cls, article: Article) -> ArticleSummaryOut:
        paragraphs = article.paragraphs
        excerpt = paragraphs[0][:300] if paragraphs else ""
        return cls(
            id=article.id,
            url=article.url,
            title=article.title,
            source=article.source_name or article.site_name,
            source_id=article.source_id,
            byline=article.byline,
            published_at=article.published_at,
            excerpt=excerpt,
        )


class ArticleOut(ArticleSummaryOut):
    """One article with its clean body."""

    language: str
    image: str
    paragraphs: list[str]

    @classmethod
    def of(cls, article: Article) -> ArticleOut:
        base = ArticleSummaryOut.of(article).model_dump()
        return cls(**base, language=article.language, image=article.image, paragraphs=article.paragraphs)


class Page(BaseModel):
    """Pagination of a list: pass `next_offset` as `offset` for the next page."""

    limit: int
    offset: int
    total: int | None = None
    next_offset: int | None = None


class ArticleList(BaseModel):
    items: list[ArticleSummaryOut]
    page: Page


class SourceList(BaseModel):
    items: list[SourceOut]


class SearchHitOut(BaseModel):
    article: ArticleSummaryOut
    score: float
    snippet: str
    also_published_by: list[str] = []  # the other outlets of a syndicated text, collapsed into this result


class SearchResults(BaseModel):
    query: str
    items: list[SearchHitOut]
    page: Page


class ErrorOut(BaseModel):
    """Every error: one clear sentence."""

    error: str


class StoryOut(BaseModel):
    """A story: all coverage of one event."""

    id: str
    title: str
    first_seen: datetime | None
    last_seen: datetime | None
    article_count: int
    source_count: int
    section: str = ""
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
    kind: str
    name: str
    article_count: int
    last_seen: datetime | None
    articles: list[ArticleSummaryOut] = []


class EntityList(BaseModel):
    items: list[EntityOut]


class CommentOut(BaseModel):
    """A comment (hidden and deleted ones keep their place in the thread, without text)."""

    id: int
    parent_id: int | None
    author: str | None
    body: str | None
    created_at: datetime
    edited_at: datetime | None
    state: str
    replies: list[CommentOut] = []


class CommentList(BaseModel):
    target: str
    items: list[CommentOut]
