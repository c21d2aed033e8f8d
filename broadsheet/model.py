"""Plain dataclasses that flow between the stages. No behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

UNHEALTHY_AFTER = 5  # consecutive failures before a feed is marked unhealthy (the scheduler then waits a day)


def health_state(error_count: int, last_status: int | None) -> str:
    """A source's state as shown to readers: healthy, failing, unhealthy or gone."""
    if last_status == 410:
        return "gone"
    if error_count >= UNHEALTHY_AFTER:
        return "unhealthy"
    if error_count > 0:
        return "failing"
    return "healthy"


@dataclass
class Source:
    """A feed we poll, with its health as last observed."""

    id: int | None
    feed_url: str
    title: str = ""
    site_url: str = ""
    folder: str = ""  # the reader's folder for it (OPML outline groups), "" for none
    etag: str | None = None
    last_modified: str | None = None
    last_fetched_at: datetime | None = None
    last_status: int | None = None
    error_count: int = 0
    last_error: str | None = None
    next_check_at: datetime | None = None
    created_at: datetime | None = None
    websub_hub: str | None = None
    websub_secret: str | None = None
    websub_state: str | None = None  # requested | active | failed | ended
    websub_requested_at: datetime | None = None
    websub_expires_at: datetime | None = None
    websub_pushed_at: datetime | None = None
    websub_error: str | None = None
    article_count: int = 0

    @property
    def healthy(self) -> bool:
        """A source is healthy while its last fetch did not fail."""
        return self.error_count == 0

    @property
    def key(self) -> int:
        """The id of a stored source (every source read from the store has one)."""
        if self.id is None:
            raise ValueError(f"model: the source {self.feed_url} is not stored yet")
        return self.id

    @property
    def state(self) -> str:
        """healthy, failing, unhealthy (retried daily) or gone (410; retried monthly)."""
        return health_state(self.error_count, self.last_status)


@dataclass
class FeedEntry:
    """One item of a feed, before its page is fetched."""

    url: str
    title: str = ""
    published: datetime | None = None
    author: str = ""
    summary: str = ""
    content_html: str = ""  # full body when the feed carries one
    guid: str = ""


@dataclass
class ParsedFeed:
    """A parsed feed: its own metadata, usable entries, and what had to be skipped."""

    title: str
    site_url: str
    entries: list[FeedEntry]
    skipped: list[str] = field(default_factory=list)  # why entries were dropped (e.g. no link)
    format: str = ""
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps of a sitemap index
    hub: str = ""  # WebSub hub the feed advertises


@dataclass
class ExtractedArticle:
    """What extraction found in one HTML page."""

    title: str = ""
    byline: str = ""
    published: datetime | None = None
    language: str = ""
    site_name: str = ""
    image: str = ""
    image_alt: str = ""  # the page's alt text or caption for the lead image
    url: str = ""
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Body text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


@dataclass
class Article:
    """A stored article: identity (canonical URL hash), provenance and clean body."""

    id: str
    url: str
    title: str = ""
    text: str = ""
    source_id: int | None = None
    source_name: str = ""
    byline: str = ""
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    language: str = ""
    site_name: str = ""
    image: str = ""
    import_id: str | None = None
    status: str = "ok"  # ok | pending | error
    error_count: int = 0
    last_error: str | None = None
    next_try_at: datetime | None = None
    meta: dict = field(default_factory=dict)
    arrival: int | None = None  # order first seen, assigned by the store

    @property
    def paragraphs(self) -> list[str]:
        """The body split into paragraphs."""
        return [p for p in self.text.split("\n\n") if p.strip()]
