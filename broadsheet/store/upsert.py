"""Dialect-aware INSERT ... ON CONFLICT, so every stage can be re-run without duplicates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Table, rows: Sequence[dict], key: str, update: Sequence[str] | None = None) -> None:
    """Insert rows; on a key conflict update the given columns (all but the key by default)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    columns = update if update is not None else [c for c in rows[0] if c != key]
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=[key], set_={c: statement.excluded[c] for c in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[key])
    conn.execute(statement, list(rows))
