"""Sources (feeds) and their health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Row, func, or_, select, update

from broadsheet.errors import NotFound
from broadsheet.model import Source
from broadsheet.store.db import Reader, connected
from broadsheet.store.leases import claim
from broadsheet.store.schema import articles, sources
from broadsheet.text.urls import canonical_url, feed_key


def _now() -> datetime:
    return datetime.now(UTC)


def _source(row: Row[Any], article_count: int = 0) -> Source:
    data = dict(row._mapping)
    data.pop("article_count", None)
    data.pop("lease_owner", None)  # the claim is the poller's business, not the source's
    data.pop("lease_until", None)
    return Source(**data, article_count=article_count)


def add_source(
    engine: Engine, feed_url: str, title: str = "", site_url: str = "", folder: str = ""
) -> tuple[Source, bool]:
    """Add a feed (idempotent: a variant of a followed feed's URL, http/https, host case, trailing
    slash, tracking parameters, is that feed). Returns the source and whether it was new."""
    feed_url = canonical_url(feed_url)
    with engine.begin() as conn:
        same = _same_feed(conn, feed_url)
        if same is not None:
            return _source(conn.execute(select(sources).where(sources.c.id == same)).one()), False
        conn.execute(
            sources.insert().values(
                feed_url=feed_url,
                title=title,
                site_url=site_url,
                folder=folder.strip(),
                created_at=_now(),
                error_count=0,
            )
        )
        row = conn.execute(select(sources).where(sources.c.feed_url == feed_url)).one()
        return _source(row), True


def _same_feed(conn: Connection, feed_url: str) -> int | None:
    """The id of a followed source that is this feed under another spelling (sources are few: a scan)."""
    key = feed_key(feed_url)
    return next(
        (r.id for r in conn.execute(select(sources.c.id, sources.c.feed_url)) if feed_key(r.feed_url) == key), None
    )


def _with_counts():
    counts = (
        select(articles.c.source_id, func.count().label("n"))
        .where(articles.c.status == "ok")
        .group_by(articles.c.source_id)
        .subquery()
    )
    return select(sources, func.coalesce(counts.c.n, 0).label("article_count")).outerjoin(
        counts, counts.c.source_id == sources.c.id
    )


def list_sources(db: Reader) -> list[Source]:
    """All sources with their article counts, by title."""
    with connected(db) as conn:
        rows = conn.execute(_with_counts().order_by(sources.c.title, sources.c.id)).all()
    return [_source(r, r.article_count) for r in rows]


class SourceChoice(NamedTuple):
    """A source as a filter offers it."""

    id: int
    title: str
    feed_url: str


_CHOICES = select(sources.c.id, sources.c.title, sources.c.feed_url).order_by(sources.c.title, sources.c.id)


def source_choices(db: Reader) -> list[SourceChoice]:
    """All sources by title, as a filter's choices: only what the choice shows (the search page
    reads them on every view; whole sources with their article counts would cost more than it)."""
    with connected(db) as conn:
        return [SourceChoice(r.id, r.title or "", r.feed_url) for r in conn.execute(_CHOICES)]


def get_source(db: Reader, source_id: int) -> Source:
    """One source by id, or NotFound."""
    with connected(db) as conn:
        count = (
            select(func.count())
            .select_from(articles)
            .where(articles.c.source_id == source_id)
            .where(articles.c.status == "ok")
            .scalar_subquery()
        )
        row = conn.execute(select(sources, count.label("article_count")).where(sources.c.id == source_id)).first()
    if row is None:
        raise NotFound(f"store: no source with id {source_id}")
    return _source(row, row.article_count)


def due_sources(db: Reader, now: datetime | None = None) -> list[Source]:
    """Sources whose next check time has come (or was never set)."""
    now = now or _now()
    with connected(db) as conn:
        rows = conn.execute(
            select(sources)
            .where(or_(sources.c.next_check_at.is_(None), sources.c.next_check_at <= now))
            .order_by(sources.c.next_check_at.is_(None).desc(), sources.c.next_check_at)
        ).all()
    return [_source(r) for r in rows]


def claim_due_sources(engine: Engine, owner: str, now: datetime | None = None) -> list[Source]:
    """The due sources this process now holds a lease on; another live process's are left to it."""
    due = due_sources(engine, now)
    held = set(claim(engine, sources, [s.id for s in due if s.id is not None], owner))
    return [s for s in due if s.id in held]


def record_success(engine: Engine, source_id: int, status: int, next_check: datetime, **fields: Any) -> None:
    """Store a successful poll: health reset, validators and next check kept."""
    with engine.begin() as conn:
        save_success(conn, source_id, status, next_check, **fields)


def save_success(
    conn: Connection,
    source_id: int,
    status: int,
    next_check: datetime,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    title: str = "",
    site_url: str = "",
    warning: str | None = None,
) -> None:
    """record_success inside the caller's transaction (with the entries the poll found, so the
    validators never say "seen" for entries that were not stored)."""
    values: dict = {
        "last_fetched_at": _now(),
        "last_status": status,
        "error_count": 0,
        "last_error": warning,
        "next_check_at": next_check,
    }
    if status != 304:
        values.update(etag=etag, last_modified=last_modified)
    if title:
        values["title"] = title
    if site_url:
        values["site_url"] = site_url
    conn.execute(update(sources).where(sources.c.id == source_id).values(**values))


def record_failure(engine: Engine, source_id: int, error: str, next_check: datetime, status: int | None = None) -> None:
    """Store a failed poll: the error is kept on the source, never dropped silently."""
    with engine.begin() as conn:
        conn.execute(
            update(sources)
            .where(sources.c.id == source_id)
            .values(
                last_fetched_at=_now(),
                last_status=status,
                error_count=sources.c.error_count + 1,
                last_error=error,
                next_check_at=next_check,
            )
        )


_UNSET = object()


def record_websub(
    engine: Engine,
    source_id: int,
    *,
    hub: str | None = None,
    secret: str | None = None,
    state: str | None = None,
    expires_at: datetime | None = None,
    requested_at: datetime | None = None,
    pushed_at: datetime | None = None,
    error: object = _UNSET,
) -> None:
    """Update a source's WebSub subscription; only the given fields change (error=None clears it)."""
    values: dict[str, Any] = {
        k: v
        for k, v in {
            "websub_hub": hub,
            "websub_secret": secret,
            "websub_state": state,
            "websub_expires_at": expires_at,
            "websub_requested_at": requested_at,
            "websub_pushed_at": pushed_at,
        }.items()
        if v is not None
    }
    if error is not _UNSET:
        values["websub_error"] = error
    if values:
        with engine.begin() as conn:
            conn.execute(update(sources).where(sources.c.id == source_id).values(**values))


def delete_source(engine: Engine, source_id: int) -> None:
    """Remove a source; its articles stay, detached."""
    with engine.begin() as conn:
        result = conn.execute(sources.delete().where(sources.c.id == source_id))
    if result.rowcount == 0:
        raise NotFound(f"store: no source with id {source_id}")
