"""SQLite's second full-text index, of the newest articles only.

Search ranks the newest RECENT_ROWS articles' matches first (store/search.py). FTS5's bm25 counts,
on every query, how many documents in the whole index hold each term: on a desk of a million
articles that count alone took 130 ms for two common words, however few rows were ranked. So the
newest articles have an index of their own (migration 0024), where the count covers about
RECENT_ROWS documents. Triggers keep it in step with every article above its mark (a rowid);
`trim` moves the mark up as articles arrive, a tenth of the window at a time so that the deletes
(FTS5 reads each old text again to remove it) come in batches. PostgreSQL ranks without document
counts and has no such index.
"""

from __future__ import annotations

from sqlalchemy import Connection

RECENT_ROWS = 20_000  # searched first: with recency in the ranking, older matches rarely make the page
TABLE = "articles_recent_fts"


def trim(conn: Connection) -> None:
    """Drop from the index the articles below the newest RECENT_ROWS, once a tenth more than that
    have gathered (SQLite only, inside the caller's transaction)."""
    if conn.dialect.name != "sqlite":
        return
    low, newest = conn.exec_driver_sql(
        "SELECT (SELECT low FROM recent_search_mark), (SELECT coalesce(max(rowid), 0) FROM articles)"
    ).one()
    if newest - low <= RECENT_ROWS + RECENT_ROWS // 10:
        return
    cut = newest - RECENT_ROWS
    conn.exec_driver_sql(
        f"""INSERT INTO {TABLE}({TABLE}, rowid, title, text)
            SELECT 'delete', rowid, title, text FROM articles WHERE rowid > ? AND rowid <= ?""",
        (low, cut),
    )
    conn.exec_driver_sql("UPDATE recent_search_mark SET low = ?", (cut,))


def suspend(conn: Connection) -> None:
    """Index no new article until the next `rebuild` (SQLite only): for a load of many articles (a
    restore, a bench desk) whose newest are indexed once at its end, not each on the way."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE recent_search_mark SET low = 9223372036854775807")  # above any rowid


def rebuild(conn: Connection) -> None:
    """Index the newest RECENT_ROWS articles afresh (SQLite only): after a load that bypassed the
    triggers, or one so large that trimming it article by article would cost more."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('delete-all')")
    newest = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM articles").scalar_one()
    low = max(0, newest - RECENT_ROWS)
    conn.exec_driver_sql("UPDATE recent_search_mark SET low = ?", (low,))
    conn.exec_driver_sql(
        f"INSERT INTO {TABLE}(rowid, title, text) SELECT rowid, title, text FROM articles WHERE rowid > ?", (low,)
    )
