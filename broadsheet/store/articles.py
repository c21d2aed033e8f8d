"""Articles: idempotent writes keyed by id, and the reads the site and export need."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, exists, func, select, update

from broadsheet.errors import NotFound
from broadsheet.model import Article
from broadsheet.store import recent_index
from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected
from broadsheet.store.pictures import Shown, shown_columns, shown_from
from broadsheet.store.schema import articles, comments, sources, stories
from broadsheet.store.upsert import upsert

_COLUMNS = [f.name for f in fields(Article)]
# What an Article is made of: pages select these rather than whole rows, whose JSON columns and
# embedding (terms, vector, key points, entities) cost more to decode than the rest together.
ARTICLE_COLUMNS = [articles.c[name] for name in _COLUMNS]


_FIELDS = tuple(_COLUMNS)
_META = _COLUMNS.index("meta")


def article_from_row(row: Any) -> Article:
    """A row of the articles table (or a select of its columns) as an Article: the store's one row mapper."""
    if row._fields[: len(_FIELDS)] == _FIELDS:
        # A select that starts with ARTICLE_COLUMNS (every page's): the fields in order, without
        # a dict of every column (a fifth of a related list's read, five rows a page).
        values = list(row[: len(_FIELDS)])
        values[_META] = values[_META] or {}
        return Article(*values)
    data = {k: v for k, v in row._mapping.items() if k in _COLUMNS}
    data["meta"] = data.get("meta") or {}
    return Article(**data)


def _row(article: Article) -> dict:
    row = asdict(article)
    row["fetched_at"] = row["fetched_at"] or datetime.now(UTC)
    return row


def _numbered(conn: Connection, batch: Iterable[Article]) -> list[dict]:
    """Rows with arrival numbers continuing the stored sequence (kept for rows that exist)."""
    # One row per id: PostgreSQL refuses to upsert the same key twice in one statement.
    rows = list({a.id: _row(a) for a in batch}.values())
    next_arrival = conn.execute(select(func.coalesce(func.max(articles.c.arrival), 0))).scalar_one() + 1
    for row in rows:
        if row["arrival"] is None:
            row["arrival"], next_arrival = next_arrival, next_arrival + 1
    return rows


def save_articles(conn: Connection, batch: Iterable[Article]) -> None:
    """Insert or replace articles by id inside the caller's transaction (one commit per batch).

    A replaced row keeps its arrival number: it is the same article, seen again."""
    rows = _numbered(conn, batch)
    if rows:
        upsert(conn, articles, rows, key="id", update=[c for c in rows[0] if c not in ("id", "arrival")])
        recent_index.trim(conn)


def add_pending(conn: Connection, batch: Iterable[Article]) -> None:
    """Insert placeholder rows for entries whose page is not fetched yet; existing rows are kept."""
    rows = _numbered(conn, batch)
    if rows:
        upsert(conn, articles, rows, key="id", update=[])
        recent_index.trim(conn)


def known_ids(db: Reader, ids: Iterable[str]) -> set[str]:
    """Which of these ids are already stored (any status)."""
    wanted = list(set(ids))
    found: set[str] = set()
    with connected(db) as conn:
        for chunk in in_chunks(wanted):
            found.update(conn.execute(select(articles.c.id).where(articles.c.id.in_(chunk))).scalars())
    return found


def get_article(db: Reader, article_id: str) -> Article:
    """One article by id, or NotFound."""
    with connected(db) as conn:
        row = conn.execute(select(*ARTICLE_COLUMNS).where(articles.c.id == article_id)).first()
    if row is None:
        raise NotFound(f"store: no article with id {article_id}")
    return article_from_row(row)


@dataclass
class ArticleView:
    """One article as its page shows it, with what the pipeline stored beside it, read in one query:
    its placement (story, the copy it duplicates), its kept related list and its enrichment."""

    article: Article
    story_id: str | None = None
    duplicate_of: str | None = None
    related_ids: list[str] | None = None
    related_at: datetime | None = None
    enrichment: dict = field(default_factory=dict)  # the enrich stage's fields; empty until it has run
    story_sources: int = 0  # the story's distinct sources and articles ("Full coverage: N sources")
    story_articles: int = 0
    # Whether another article is a copy of this one, and whether it has any comment row: when not,
    # the page skips those two reads (a statement each, most articles have neither).
    has_copies: bool = True
    has_comments: bool = True
    picture: Shown | None = None  # its stored lead picture, read with it


ENRICHED_COLUMNS = (
    "section",
    "section_vote",
    "tags",
    "key_points",
    "excerpt",
    "entities",
    "enriched",
)  # the enrich stage's
_COPIES_OF = articles.alias("copies_of")
_VIEW_COLUMNS = [
    *ARTICLE_COLUMNS,
    *(articles.c[k] for k in ("story_id", "duplicate_of", "related_ids", "related_at", *ENRICHED_COLUMNS)),
    stories.c.source_count.label("story_sources"),
    stories.c.article_count.label("story_articles"),
    exists().where(_COPIES_OF.c.duplicate_of == articles.c.id).label("has_copies"),
    exists().where(comments.c.article_id == articles.c.id).label("has_comments"),
    *shown_columns(articles.c.id),
]
_VIEW_FROM = articles.outerjoin(stories, stories.c.id == articles.c.story_id)
# Built once: constructing a statement this wide costs more than SQLite takes to run it, on every
# page view (SQLAlchemy caches the compiled SQL, not the statement object).
_VIEW = select(*_VIEW_COLUMNS).select_from(_VIEW_FROM).where(articles.c.id == bindparam("id"))


def get_article_view(db: Reader, article_id: str) -> ArticleView:
    """An article with its stored placement, related list and enrichment, or NotFound."""
    with connected(db) as conn:
        row = conn.execute(_VIEW, {"id": article_id}).first()
    if row is None:
        raise NotFound(f"store: no article with id {article_id}")
    enrichment = {"id": row.id, **{k: row._mapping[k] for k in ENRICHED_COLUMNS}} if row.enriched is not None else {}
    return ArticleView(
        article_from_row(row),
        row.story_id,
        row.duplicate_of,
        row.related_ids,
        row.related_at,
        enrichment,
        row.story_sources or 0,
        row.story_articles or 0,
        bool(row.has_copies),
        bool(row.has_comments),
        shown_from(row.id, row.picture_sizes, row.picture_alt),
    )


def originals_of(db: Reader, ids: Iterable[str]) -> dict[str, str]:
    """The original of each of these articles that placement stored as a copy (the others are left out)."""
    found: dict[str, str] = {}
    with connected(db) as conn:
        for chunk in in_chunks(list(dict.fromkeys(ids))):
            query = select(articles.c.id, articles.c.duplicate_of).where(articles.c.id.in_(chunk))
            found.update(conn.execute(query.where(articles.c.duplicate_of.isnot(None))).all())
    return found


def placements(db: Reader, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """Each article's story and section, for lists that show where an article belongs."""
    found: dict[str, tuple[str | None, str | None]] = {}
    with connected(db) as conn:
        for chunk in in_chunks(list(dict.fromkeys(ids))):
            query = select(articles.c.id, articles.c.story_id, articles.c.section).where(articles.c.id.in_(chunk))
            found.update({r.id: (r.story_id, r.section) for r in conn.execute(query)})
    return found


def _sort_key():
    return func.coalesce(articles.c.published_at, articles.c.fetched_at)


def latest_articles(
    db: Reader, limit: int = 20, offset: int = 0, source_id: int | None = None, originals_only: bool = False
) -> list[Article]:
    """Readable articles, newest first; `originals_only` leaves out syndicated copies."""
    query = select(*ARTICLE_COLUMNS).where(articles.c.status == "ok")
    if originals_only:
        query = query.where(articles.c.duplicate_of.is_(None))
    if source_id is not None:
        query = query.where(articles.c.source_id == source_id)
    query = query.order_by(_sort_key().desc(), articles.c.id.desc()).limit(limit).offset(offset)
    with connected(db) as conn:
        return [article_from_row(r) for r in conn.execute(query)]


def count_articles(db: Reader, source_id: int | None = None, status: str = "ok", originals_only: bool = False) -> int:
    """How many articles have this status (optionally from one source, optionally no copies)."""
    query = select(func.count()).select_from(articles).where(articles.c.status == status)
    if originals_only:
        query = query.where(articles.c.duplicate_of.is_(None))
    if source_id is not None:
        query = query.where(articles.c.source_id == source_id)
    with connected(db) as conn:
        return conn.execute(query).scalar_one()


def recent_publish_times(db: Reader, source_id: int, limit: int = 50) -> list[datetime]:
    """Publication times of a source's latest articles (its publishing rate)."""
    query = (
        select(articles.c.published_at)
        .where(articles.c.source_id == source_id)
        .where(articles.c.published_at.isnot(None))
        .order_by(articles.c.published_at.desc())
        .limit(limit)
    )
    with connected(db) as conn:
        return list(conn.execute(query).scalars())


def due_pending(db: Reader, now: datetime | None = None, limit: int = 1000) -> list[Article]:
    """Articles whose page still has to be fetched (new, or failed and due for a retry)."""
    now = now or datetime.now(UTC)
    query = (
        select(articles)
        .where(articles.c.status.in_(["pending", "error"]))
        .where((articles.c.next_try_at.is_(None)) | (articles.c.next_try_at <= now))
        .order_by(articles.c.arrival)
        .limit(limit)
    )
    with connected(db) as conn:
        return [article_from_row(r) for r in conn.execute(query)]


def record_article_failure(engine: Engine, article_id: str, error: str, next_try: datetime) -> None:
    """Keep the failure on the row; the entry is retried later, never lost."""
    with engine.begin() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.id == article_id)
            .values(status="error", error_count=articles.c.error_count + 1, last_error=error, next_try_at=next_try)
        )


def failing_articles(db: Reader, source_id: int | None = None) -> list[Article]:
    """Articles whose page could not be fetched or extracted."""
    query = select(articles).where(articles.c.status == "error")
    if source_id is not None:
        query = query.where(articles.c.source_id == source_id)
    with connected(db) as conn:
        return [article_from_row(r) for r in conn.execute(query.order_by(articles.c.fetched_at))]


def iter_articles(db: Reader, batch_size: int = 1000) -> Iterator[Article]:
    """Every readable article in arrival order, streamed in batches (for export)."""
    last = 0
    while True:
        query = (
            select(articles, sources.c.title.label("source_title"))
            .outerjoin(sources, sources.c.id == articles.c.source_id)
            .where(articles.c.status == "ok")
            .where(articles.c.arrival > last)
            .order_by(articles.c.arrival)
            .limit(batch_size)
        )
        with connected(db) as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            article = article_from_row(row)
            article.source_name = article.source_name or row.source_title or ""
            yield article
        last = rows[-1].arrival
