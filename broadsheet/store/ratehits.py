"""Hit counters per key and time slot, shared by every process that uses the database (rate limits)."""

from __future__ import annotations

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from broadsheet.store.schema import rate_hits


def count_hit(engine: Engine, key: str, slot: int) -> int:
    """Add a hit to `key` in `slot` and return the slot's hits so far; older slots of the key go."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(rate_hits).values(key=key, slot=slot, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "slot"], set_={"hits": rate_hits.c.hits + 1}
    ).returning(rate_hits.c.hits)
    with engine.begin() as conn:
        hits = conn.execute(statement).scalar_one()
        conn.execute(delete(rate_hits).where(rate_hits.c.key == key).where(rate_hits.c.slot < slot))
    return hits
