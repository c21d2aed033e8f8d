"""Cached story-level results (summaries, timelines, what each source adds) and readers' answers.

A digest is valid while its story's signature (a hash of its member articles) is unchanged, so a
story that grows gets a fresh summary on the next read; answers are keyed by the same signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, bindparam, func, null, select, type_coerce, union_all

from broadsheet.model import Article
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import answers, articles, story_digests
from broadsheet.store.upsert import upsert

STORY_LIMIT = 60  # newest originals of a story that feed its summary, timeline and answers


def _newest_originals(*columns: Any) -> Select:
    """These columns of a story's newest readable originals (copies left out), at most :limit:
    `story_articles` and `story_heads` read the same articles."""
    return (
        select(*columns)
        .where(articles.c.story_id == bindparam("story_id"))
        .where(articles.c.status == "ok")
        .where(articles.c.duplicate_of.is_(None))
        .order_by(articles.c.arrival.desc())
        .limit(bindparam("limit"))
    )


# Built once (every article and story page reads them): see store/articles.py _VIEW.
_STORY_ARTICLES = _newest_originals(*ARTICLE_COLUMNS)
_DIGEST = select(story_digests.c.signature, story_digests.c.data).where(story_digests.c.key == bindparam("key"))


def story_articles(db: Reader, story_id: str, limit: int = STORY_LIMIT) -> list[Article]:
    """A story's readable original articles (copies left out), oldest first."""
    with connected(db) as conn:
        rows = conn.execute(_STORY_ARTICLES, {"story_id": story_id, "limit": limit})
        return sorted((article_from_row(r) for r in rows), key=lambda a: a.arrival or 0)


@dataclass(frozen=True)
class Head:
    """What a page shows of one of a story's articles, and what the story's signature is made of:
    reading these, not the articles, spares a page view the story's whole text."""

    id: str
    title: str
    outlet: str  # the source's name, else the site's
    length: int  # characters of text
    arrival: int


def head_of(article: Article) -> Head:
    return Head(
        article.id, article.title, article.source_name or article.site_name, len(article.text), article.arrival or 0
    )


_STORY_HEADS = _newest_originals(
    articles.c.id,
    articles.c.title,
    articles.c.source_name,
    articles.c.site_name,
    func.length(articles.c.text).label("length"),
    articles.c.arrival,
)


def story_heads(db: Reader, story_id: str, limit: int = STORY_LIMIT) -> list[Head]:
    """The heads of `story_articles` (the same articles, in the same order), without their text."""
    with connected(db) as conn:
        return _heads(conn.execute(_STORY_HEADS, {"story_id": story_id, "limit": limit}).all())


def _heads(rows: Sequence[Any]) -> list[Head]:
    heads = [Head(r.id, r.title or "", r.source_name or r.site_name or "", r.length or 0, r.arrival or 0) for r in rows]
    return sorted(heads, key=lambda h: h.arrival)


_HEADS = _STORY_HEADS.subquery()
# The heads and one stored digest in one statement (a UNION ALL: rows with a signature are the
# digest's): every article page reads both, and on PostgreSQL each statement is a round trip (on
# SQLite the CPU is about that of the two reads). The first member's NULLs carry the digest
# columns' types (type_coerce: no SQL cast) for the result.
_HEADS_AND_DIGEST = union_all(
    select(
        *_HEADS.c,
        type_coerce(null(), story_digests.c.signature.type).label("signature"),
        type_coerce(null(), story_digests.c.data.type).label("data"),
    ),
    select(*(null().label(c.name) for c in _HEADS.c), story_digests.c.signature, story_digests.c.data).where(
        story_digests.c.key == bindparam("key")
    ),
)


def heads_and_digest(
    db: Reader, story_id: str, kind: str, limit: int = STORY_LIMIT
) -> tuple[list[Head], tuple[str, dict] | None]:
    """`story_heads`, and the stored digest of this kind as (signature, data) when there is one."""
    with connected(db) as conn:
        rows = conn.execute(
            _HEADS_AND_DIGEST, {"story_id": story_id, "limit": limit, "key": f"{story_id}:{kind}"}
        ).all()
    stored = next(((r.signature, r.data) for r in rows if r.signature is not None), None)
    return _heads([r for r in rows if r.signature is None]), stored


def signature(items: list[Head]) -> str:
    """A short hash of a set of articles (ids and text lengths): changes when the story grows or is edited."""
    parts = sorted(f"{h.id}:{h.length}" for h in items)
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


def read_digest(db: Reader, story_id: str, kind: str, sig: str) -> dict | None:
    """A cached digest when it was made for this signature."""
    with connected(db) as conn:
        row = conn.execute(_DIGEST, {"key": f"{story_id}:{kind}"}).first()
    return row.data if row is not None and row.signature == sig else None


def write_digest(engine: Engine, story_id: str, kind: str, sig: str, data: dict) -> None:
    """Cache a digest for a story (replacing an older one)."""
    write_digests(engine, [(story_id, kind, sig, data)])


def write_digests(engine: Engine, made: list[tuple[str, str, str, dict]]) -> None:
    """Cache digests, each (story id, kind, signature, data), in one transaction."""
    if not made:
        return
    now = datetime.now(UTC)
    rows = [
        {"key": f"{story_id}:{kind}", "story_id": story_id, "signature": sig, "data": data, "updated_at": now}
        for story_id, kind, sig, data in made
    ]
    with engine.begin() as conn:
        upsert(conn, story_digests, rows, key="key")


def answer_key(scope: str, sig: str, question: str) -> str:
    """The cache key of a question asked of a scope (a story or an article) in a given state."""
    normal = " ".join(question.lower().split()).rstrip("?. ")
    return hashlib.sha256(f"{scope}|{sig}|{normal}".encode()).hexdigest()


def read_answer(db: Reader, key: str) -> dict | None:
    """A cached answer."""
    with connected(db) as conn:
        return conn.execute(select(answers.c.data).where(answers.c.key == key)).scalar()


def write_answer(engine: Engine, key: str, scope: str, question: str, data: dict) -> None:
    """Cache an answer."""
    with engine.begin() as conn:
        upsert(
            conn,
            answers,
            [{"key": key, "scope": scope, "question": question[:500], "data": data, "created_at": datetime.now(UTC)}],
            key="key",
        )
