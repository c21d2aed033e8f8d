"""SQLite: a second FTS5 index holding only the newest articles, so that ranking them does not
count each term's documents over the whole desk (see store/recent_index.py).

Revision ID: 0024_recent_search
Revises: 0023_excerpts
"""

from alembic import op

revision = "0024_recent_search"
down_revision = "0023_excerpts"
branch_labels = None
depends_on = None

# Articles above the mark (a rowid) are in the index; store/recent_index.py moves it up.
ABOVE_MARK = "(SELECT low FROM recent_search_mark)"
SQLITE = [
    "CREATE TABLE recent_search_mark (low INTEGER NOT NULL)",
    "INSERT INTO recent_search_mark (low) VALUES (0)",
    # The same columns and tokenizer as articles_fts (0007), so that the two rank alike.
    """CREATE VIRTUAL TABLE articles_recent_fts USING fts5(title, text, content='articles', content_rowid='rowid',
       tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER articles_recent_fts_insert AFTER INSERT ON articles WHEN new.rowid > {ABOVE_MARK} BEGIN
         INSERT INTO articles_recent_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
    f"""CREATE TRIGGER articles_recent_fts_delete AFTER DELETE ON articles WHEN old.rowid > {ABOVE_MARK} BEGIN
         INSERT INTO articles_recent_fts(articles_recent_fts, rowid, title, text)
         VALUES ('delete', old.rowid, old.title, old.text); END""",
    f"""CREATE TRIGGER articles_recent_fts_update AFTER UPDATE OF title, text ON articles
         WHEN old.rowid > {ABOVE_MARK} BEGIN
         INSERT INTO articles_recent_fts(articles_recent_fts, rowid, title, text)
         VALUES ('delete', old.rowid, old.title, old.text);
         INSERT INTO articles_recent_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE:
        op.execute(statement)
    from broadsheet.store import recent_index

    recent_index.rebuild(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS articles_recent_fts_{name}")
    op.execute("DROP TABLE IF EXISTS articles_recent_fts")
    op.execute("DROP TABLE IF EXISTS recent_search_mark")
