"""Generation counters: a number every process of a site shares, bumped by each change others must see.

Web processes cache pages; a comment, a moderation action or a new article bumps "pages", and every
process that reads a new value drops its cached pages. One row per counter, read at most once a second."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import generations

PAGES = "pages"


def bump(engine: Engine, name: str = PAGES) -> None:
    """Add one to a counter (created at 1)."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(generations).values(name=name, value=1)
    statement = statement.on_conflict_do_update(index_elements=["name"], set_={"value": generations.c.value + 1})
    with engine.begin() as conn:
        conn.execute(statement)


def read(db: Reader, name: str = PAGES) -> int:
    """A counter's value (0 before its first bump)."""
    with connected(db) as conn:
        return conn.execute(select(generations.c.value).where(generations.c.name == name)).scalar() or 0
