"""Tables (SQLAlchemy Core). Changes go through a migration in migrations/versions."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        TypeDecorator)

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store: refusing a naive datetime; pass an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


sources = Table(
    "sources", metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_url", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False, default=""),
    Column("site_url", Text, nullable=False, default=""),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetched_at", UTCDateTime),
    Column("last_status", Integer),
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_check_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

articles = Table(
    "articles", metadata,
    Column("id", String(32), primary_key=True),  # hash of the canonical URL (or of the content)
    Column("url", Text, nullable=False),
    Column("arrival", Integer, nullable=False),  # order first seen: export and stories follow it
    Column("import_id", Text),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("source_name", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("byline", Text, nullable=False, default=""),
    Column("published_at", UTCDateTime),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("language", String(16), nullable=False, default=""),
    Column("site_name", Text, nullable=False, default=""),
    Column("image", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="ok"),  # ok | pending | error
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_try_at", UTCDateTime),
    Column("meta", JSON, nullable=False, default=dict),
    Index("ix_articles_status_published", "status", "published_at"),
    Index("ix_articles_source_published", "source_id", "published_at"),
    Index("ix_articles_import_id", "import_id"),
    Index("ix_articles_arrival", "arrival"),
)

# Site-level boilerplate: how many of a site's pages carried each paragraph fingerprint.
site_paragraphs = Table(
    "site_paragraphs", metadata,
    Column("site", Text, primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("sample", Text, nullable=False),
    Column("pages", Integer, nullable=False, default=0),
    Column("last_seen", UTCDateTime, nullable=False),
)

site_pages = Table(
    "site_pages", metadata,
    Column("site", Text, primary_key=True),
    Column("pages", Integer, nullable=False, default=0),
)
