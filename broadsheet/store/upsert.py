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
    conn.execute(_in_few_statements(conn, statement, table, key, len(rows)), list(rows))


def _in_few_statements(conn: Connection, statement, table: Table, key: str, count: int):
    """SQLite: the statement made to run as a few multi-row INSERTs rather than one per row.

    SQLite runs an executemany as one statement per row, and FTS5 (the articles' search index, fed
    by a trigger) writes a new index segment at the end of every statement that touched it: a
    segment per article, then merges to undo them. SQLAlchemy sends an executemany that returns
    rows as multi-row INSERTs ("insertmanyvalues": 1,000 rows a statement, under SQLite's cap on
    variables) from one compiled statement, so asking for the key back is what buys the batching.
    PostgreSQL's driver batches on its own, and a SQLite without RETURNING (before 3.35) cannot."""
    if conn.dialect.name != "sqlite" or count < 2 or not conn.dialect.insert_executemany_returning:
        return statement
    return statement.returning(table.c[key])
