"""Lead pictures: which articles still need theirs, the resized copies the pipeline stores, and what
pages read to show them (the copies of an article, the best picture of a story)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, String, and_, bindparam, cast, delete, func, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement, Label

from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import articles, picture_files, pictures
from broadsheet.store.upsert import upsert

if TYPE_CHECKING:  # the stage's output, only named here
    from broadsheet.extract.pictures import Picture

MAX_TRIES = 6  # a picture that failed this often is not tried again (its article shows none)


@dataclass(frozen=True)
class Wanted:
    """An article whose lead picture is still to be fetched."""

    article_id: str
    url: str
    alt: str
    error_count: int


@dataclass(frozen=True)
class Shown:
    """A stored picture as pages show it: its alt text and the widths it was kept in."""

    article_id: str
    alt: str
    sizes: tuple[tuple[int, int], ...]  # (width, height), narrowest first

    @property
    def largest(self) -> tuple[int, int]:
        """Width and height of the widest copy."""
        return self.sizes[-1]


def wanted(db: Reader, now: datetime, limit: int, ids: list[str] | None = None) -> list[Wanted]:
    """Readable articles with an image URL and no stored picture, or a failed one due again."""
    query = (
        select(articles.c.id, articles.c.image, articles.c.meta, pictures.c.error_count)
        .select_from(articles.outerjoin(pictures, pictures.c.article_id == articles.c.id))
        .where(articles.c.status == "ok", articles.c.image != "")
        .where(
            or_(
                pictures.c.article_id.is_(None),
                and_(pictures.c.status == "failed", pictures.c.next_try_at <= now, pictures.c.error_count < MAX_TRIES),
            )
        )
    )
    if ids is not None:
        query = query.where(articles.c.id.in_(ids))
    with connected(db) as conn:
        rows = conn.execute(query.order_by(articles.c.arrival.desc()).limit(limit)).all()
    return [Wanted(r.id, r.image, str((r.meta or {}).get("image_alt") or ""), r.error_count or 0) for r in rows]


def save_picture(conn: Connection, item: Wanted, picture: Picture, now: datetime) -> None:
    """Keep a picture and its copies (replacing any earlier attempt)."""
    row: dict[str, object] = {"article_id": item.article_id, "url": item.url, "alt": item.alt, "status": "ok"}
    row |= {"width": picture.width, "height": picture.height, "error_count": 0, "last_error": None}
    upsert(conn, pictures, [row | {"next_try_at": None, "fetched_at": now}], "article_id")
    conn.execute(delete(picture_files).where(picture_files.c.article_id == item.article_id))
    files = [
        {"article_id": item.article_id, "width": c.width, "height": c.height, "mime": c.mime, "data": c.data}
        for c in picture.copies
    ]
    conn.execute(insert(picture_files), files)


def record_failure(conn: Connection, item: Wanted, error: str, next_try: datetime, now: datetime) -> None:
    """Keep why a picture could not be had, and when to try again."""
    row: dict[str, object] = {"article_id": item.article_id, "url": item.url, "alt": item.alt, "status": "failed"}
    row |= {"error_count": item.error_count + 1, "last_error": error[:500], "next_try_at": next_try}
    upsert(conn, pictures, [row | {"fetched_at": now}], "article_id")


def shown_columns(article_id: ColumnElement[str]) -> tuple[Label[str], Label[str]]:
    """Two columns that carry an article's stored picture inside another read: its sizes ("WxH WxH",
    NULL when it has none) and its alt text. The article page reads its article and its related
    articles with them, so it needs no picture read of its own (`shown_from` makes them a Shown)."""
    size = cast(picture_files.c.width, String) + "x" + cast(picture_files.c.height, String)
    sizes = select(func.aggregate_strings(size, " ")).where(picture_files.c.article_id == article_id)
    alt = select(pictures.c.alt).where(pictures.c.article_id == article_id)
    return sizes.scalar_subquery().label("picture_sizes"), alt.scalar_subquery().label("picture_alt")


def shown_from(article_id: str, sizes: str | None, alt: str | None) -> Shown | None:
    """The picture `shown_columns` read (None when the article has none), narrowest first."""
    if not sizes:
        return None
    found = sorted((int(w), int(h)) for w, h in (pair.split("x") for pair in sizes.split()))
    return Shown(article_id, alt or "", tuple(found))


# Built once: every page with pictures reads it (see store/articles.py _VIEW).
_SHOWN = (
    select(picture_files.c.article_id, picture_files.c.width, picture_files.c.height, pictures.c.alt)
    .join(pictures, pictures.c.article_id == picture_files.c.article_id)
    .where(picture_files.c.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(picture_files.c.article_id, picture_files.c.width)
)


def shown(conn: Connection, ids: list[str]) -> dict[str, Shown]:
    """The stored pictures of these articles, keyed by article id."""
    sizes: dict[str, list[tuple[int, int]]] = {}
    alts: dict[str, str] = {}
    for chunk in in_chunks(list(dict.fromkeys(ids))):
        for row in conn.execute(_SHOWN, {"ids": chunk}):
            sizes.setdefault(row.article_id, []).append((row.width, row.height))
            alts[row.article_id] = row.alt
    return {key: Shown(key, alts[key], tuple(value)) for key, value in sizes.items()}


_STORY_PICTURES = (  # built once: every story page and front page reads it
    select(articles.c.story_id, articles.c.id, articles.c.arrival, pictures.c.width.label("full"))
    .add_columns(pictures.c.alt, picture_files.c.width, picture_files.c.height)
    .join(pictures, pictures.c.article_id == articles.c.id)
    .join(picture_files, picture_files.c.article_id == articles.c.id)
    .where(articles.c.story_id.in_(bindparam("ids", expanding=True)), pictures.c.status == "ok")
    .order_by(picture_files.c.width)
)


def story_pictures(conn: Connection, story_ids: list[str]) -> dict[str, Shown]:
    """The picture that stands for each story, in one read: among its articles' pictures, one wide
    enough for a story page (640 px) beats a smaller one, then the earliest arrival wins."""
    found: dict[str, dict[str, list]] = {}
    for chunk in in_chunks(list(dict.fromkeys(story_ids))):
        for row in conn.execute(_STORY_PICTURES, {"ids": chunk}):
            entry = found.setdefault(row.story_id, {}).setdefault(row.id, [row, []])
            entry[1].append((row.width, row.height))
    best = {}
    for story, candidates in found.items():
        row, sizes = min(candidates.values(), key=lambda c: (-min(c[0].full or 0, 640), c[0].arrival, c[0].id))
        best[story] = Shown(row.id, row.alt, tuple(sizes))
    return best


def picture_file(db: Reader, article_id: str, width: int) -> tuple[str, bytes] | None:
    """(MIME type, bytes) of one stored copy, or None."""
    query = select(picture_files.c.mime, picture_files.c.data).where(
        picture_files.c.article_id == article_id, picture_files.c.width == width
    )
    with connected(db) as conn:
        row = conn.execute(query).first()
    return (row.mime, bytes(row.data)) if row else None
