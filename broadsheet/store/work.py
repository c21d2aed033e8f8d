"""Stored articles still waiting for a stage: never placed, enriched by an older (or no) enrich
stage, or placed but never ranked. Whatever stopped the pass that stored them, the next pass (or
import) finds them here; the partial indexes of migration 0012 keep these reads cheap."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, func, or_, select

from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import articles


def _ids(db: Reader, query: Select[Any], limit: int) -> list[str]:
    with connected(db) as conn:
        return list(conn.execute(query.order_by(articles.c.arrival).limit(limit)).scalars())


def unplaced_ids(engine: Engine, limit: int) -> list[str]:
    """Readable articles the understand stage never placed, oldest arrival first."""
    return _ids(
        engine, select(articles.c.id).where(articles.c.status == "ok").where(articles.c.story_id.is_(None)), limit
    )


def unenriched_ids(engine: Engine, version: int, limit: int) -> list[str]:
    """Placed articles the current enrich stage has not seen, oldest arrival first."""
    query = (
        select(articles.c.id)
        .where(articles.c.status == "ok")
        .where(articles.c.story_id.is_not(None))
        .where(or_(articles.c.enriched.is_(None), articles.c.enriched < version))
    )
    return _ids(engine, query, limit)


def unranked_ids(engine: Engine, limit: int) -> list[str]:
    """Placed articles whose related list was never ranked, oldest arrival first."""
    query = (
        select(articles.c.id)
        .where(articles.c.status == "ok")
        .where(articles.c.story_id.is_not(None))
        .where(articles.c.related_at.is_(None))
    )
    return _ids(engine, query, limit)


def waiting_counts(db: Reader, version: int) -> dict[str, int]:
    """How many articles wait for each stage: their page fetched, placed in a story, enriched by the
    current enrich stage (`version`), their related list ranked (the queues /metrics shows)."""
    ok, placed = articles.c.status == "ok", articles.c.story_id.is_not(None)
    waiting = {
        "fetch": articles.c.status == "pending",
        "place": ok & articles.c.story_id.is_(None),
        "enrich": ok & placed & or_(articles.c.enriched.is_(None), articles.c.enriched < version),
        "related": ok & placed & articles.c.related_at.is_(None),
    }
    with connected(db) as conn:
        return {
            stage: conn.execute(select(func.count()).select_from(articles).where(where)).scalar_one()
            for stage, where in waiting.items()
        }
