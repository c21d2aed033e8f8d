"""What each signed-in reader has read and saved: the one state the site, the Google Reader API and
the Fever API share, so an article read in a reader app shows as read on the site and the other way.

An article is unread for a reader until a row says otherwise; "saved" (starred in reader apps) is
`starred_at`. Reader apps number articles: their item id is the article's `arrival` number."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from broadsheet.model import Article
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row
from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import article_states, articles, sources

MAX_ITEMS = 1000  # items per page of a stream, whatever a client asks for


@dataclass(frozen=True)
class Selection:
    """Which articles a stream holds: any combination of a source, a folder, a story, saved only,
    read or unread only, arrival numbers after or before one, and times newer or older than."""

    source_id: int | None = None
    folder: str | None = None
    story_id: str | None = None
    starred: bool = False
    read: bool | None = None  # None: both; False: unread only; True: read only
    after: int | None = None  # arrival numbers above this
    before: int | None = None  # arrival numbers below this
    newer_than: datetime | None = None
    older_than: datetime | None = None
    oldest_first: bool = False


@dataclass
class Item:
    """An article with one reader's state, its folder and story."""

    article: Article
    read: bool
    starred: bool
    folder: str
    story_id: str | None
    starred_at: datetime | None = None

    @property
    def when(self) -> datetime:
        """The article's time as reader apps see it: published, else collected."""
        return self.article.published_at or self.article.fetched_at or datetime.now(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _when() -> Any:
    return func.coalesce(articles.c.published_at, articles.c.fetched_at)


def _joined(user_id: int) -> Any:
    mine = and_(article_states.c.article_id == articles.c.id, article_states.c.user_id == user_id)
    return articles.outerjoin(article_states, mine).outerjoin(sources, sources.c.id == articles.c.source_id)


def _where(query: Any, s: Selection) -> Any:
    """The selection's conditions on a query over `_joined`."""
    conditions = [articles.c.status == "ok"]
    if s.source_id is not None:
        conditions.append(articles.c.source_id == s.source_id)
    if s.folder is not None:
        conditions.append(sources.c.folder == s.folder)
    if s.story_id is not None:
        conditions.append(articles.c.story_id == s.story_id)
    if s.starred:
        conditions.append(article_states.c.starred_at.is_not(None))
    if s.read is not None:
        conditions.append(article_states.c.read_at.is_not(None) if s.read else article_states.c.read_at.is_(None))
    if s.after is not None:
        conditions.append(articles.c.arrival > s.after)
    if s.before is not None:
        conditions.append(articles.c.arrival < s.before)
    if s.newer_than is not None:
        conditions.append(_when() >= s.newer_than)
    if s.older_than is not None:
        conditions.append(_when() <= s.older_than)
    return query.where(*conditions)


def _item(row: Any) -> Item:
    return Item(
        article=article_from_row(row),
        read=row.read_at is not None,
        starred=row.starred_at is not None,
        folder=row.folder or "",
        story_id=row.story_id,
        starred_at=row.starred_at,
    )


def _item_columns() -> list[Any]:
    return [
        *ARTICLE_COLUMNS,
        articles.c.story_id,
        article_states.c.read_at,
        article_states.c.starred_at,
        sources.c.folder,
    ]


def items(db: Reader, user_id: int, selection: Selection, limit: int = 20) -> list[Item]:
    """One page of a stream, newest arrival first (oldest first when the selection says so)."""
    order = articles.c.arrival.asc() if selection.oldest_first else articles.c.arrival.desc()
    query = _where(select(*_item_columns()).select_from(_joined(user_id)), selection)
    with connected(db) as conn:
        rows = conn.execute(query.order_by(order).limit(max(1, min(limit, MAX_ITEMS)))).all()
    return [_item(r) for r in rows]


def item_numbers(db: Reader, user_id: int, selection: Selection, limit: int = MAX_ITEMS) -> list[int]:
    """The arrival numbers a stream holds (Fever's unread and saved id lists), newest first."""
    order = articles.c.arrival.asc() if selection.oldest_first else articles.c.arrival.desc()
    query = _where(select(articles.c.arrival).select_from(_joined(user_id)), selection)
    with connected(db) as conn:
        return list(conn.execute(query.order_by(order).limit(limit)).scalars())


def count_items(db: Reader, user_id: int, selection: Selection) -> int:
    """How many articles a stream holds."""
    query = _where(select(func.count()).select_from(_joined(user_id)), selection)
    with connected(db) as conn:
        return conn.execute(query).scalar_one()


def items_by_number(db: Reader, user_id: int, numbers: Iterable[int]) -> list[Item]:
    """The readable articles with these arrival numbers, newest first."""
    wanted, found = sorted(set(numbers)), list[Item]()
    with connected(db) as conn:
        for chunk in in_chunks(wanted):
            query = select(*_item_columns()).select_from(_joined(user_id))
            query = _where(query, Selection()).where(articles.c.arrival.in_(chunk))
            found.extend(_item(r) for r in conn.execute(query))
    return sorted(found, key=lambda i: i.article.arrival or 0, reverse=True)


def ids_for_numbers(db: Reader, numbers: Iterable[int]) -> list[str]:
    """Article ids for arrival numbers (unknown numbers are left out)."""
    wanted, found = sorted(set(numbers)), list[str]()
    with connected(db) as conn:
        for chunk in in_chunks(wanted):
            found.extend(conn.execute(select(articles.c.id).where(articles.c.arrival.in_(chunk))).scalars())
    return found


def _write(conn: Connection, rows: Sequence[dict], column: str) -> None:
    """Insert state rows; on an existing (reader, article) row change only `column`."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(article_states)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "article_id"], set_={column: statement.excluded[column]}
    )
    for chunk in in_chunks(list(rows)):
        conn.execute(statement, chunk)


def _existing(conn: Connection, ids: Iterable[str]) -> list[str]:
    wanted, found = sorted(set(ids)), list[str]()
    for chunk in in_chunks(wanted):
        found.extend(conn.execute(select(articles.c.id).where(articles.c.id.in_(chunk))).scalars())
    return found


def set_read(engine: Engine, user_id: int, article_ids: Iterable[str], read: bool = True) -> int:
    """Mark articles read (or unread again) for one reader; unknown ids are ignored. Returns how many."""
    when = _now() if read else None
    with engine.begin() as conn:
        ids = _existing(conn, article_ids)
        _write(
            conn, [{"user_id": user_id, "article_id": i, "read_at": when, "starred_at": None} for i in ids], "read_at"
        )
    return len(ids)


def set_starred(engine: Engine, user_id: int, article_ids: Iterable[str], starred: bool = True) -> int:
    """Save articles (starred in reader apps) or unsave them; unknown ids are ignored. Returns how many."""
    when = _now() if starred else None
    with engine.begin() as conn:
        ids = _existing(conn, article_ids)
        rows = [{"user_id": user_id, "article_id": i, "read_at": None, "starred_at": when} for i in ids]
        _write(conn, rows, "starred_at")
    return len(ids)


def mark_read_before(engine: Engine, user_id: int, before: datetime, selection: Selection = Selection()) -> int:
    """Mark read every unread article of a selection (a source, a folder, a story, or all) whose time
    is not after `before` ("mark all as read" as of when the reader looked). Returns how many."""
    chosen = Selection(
        source_id=selection.source_id,
        folder=selection.folder,
        story_id=selection.story_id,
        starred=selection.starred,
        read=False,
        older_than=before,
    )
    query = _where(select(articles.c.id).select_from(_joined(user_id)), chosen)
    now = _now()
    with engine.begin() as conn:
        ids = list(conn.execute(query).scalars())
        _write(
            conn, [{"user_id": user_id, "article_id": i, "read_at": now, "starred_at": None} for i in ids], "read_at"
        )
    return len(ids)


def states(db: Reader, user_id: int, article_ids: Iterable[str]) -> dict[str, tuple[bool, bool]]:
    """(read, saved) of the articles a page shows, by id; articles without a row are left out."""
    wanted, found = sorted(set(article_ids)), {}
    with connected(db) as conn:
        for chunk in in_chunks(wanted):
            query = select(article_states).where(
                article_states.c.user_id == user_id, article_states.c.article_id.in_(chunk)
            )
            for row in conn.execute(query):
                found[row.article_id] = (row.read_at is not None, row.starred_at is not None)
    return found


def saved(db: Reader, user_id: int, limit: int = 50, offset: int = 0) -> list[Item]:
    """A reader's saved articles, most recently saved first."""
    query = _where(select(*_item_columns()).select_from(_joined(user_id)), Selection(starred=True))
    query = query.order_by(article_states.c.starred_at.desc(), articles.c.arrival.desc())
    with connected(db) as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [_item(r) for r in rows]


@dataclass
class Unread:
    """Unread articles of one source for one reader, and the time of the newest."""

    source_id: int | None
    count: int
    newest: datetime | None


def unread_counts(db: Reader, user_id: int) -> list[Unread]:
    """Unread articles per source (None: articles imported without a source)."""
    query = _where(
        select(articles.c.source_id, func.count(), func.max(_when())).select_from(_joined(user_id)),
        Selection(read=False),
    ).group_by(articles.c.source_id)
    with connected(db) as conn:
        return [Unread(source_id=r[0], count=r[1], newest=_aware(r[2])) for r in conn.execute(query)]


def _aware(value: datetime | None) -> datetime | None:
    """A time read through an aggregate, which skips the column's type: aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands an aggregate's time back as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
