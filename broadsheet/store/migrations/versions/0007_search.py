"""Full-text search: FTS5 on SQLite (kept in sync by triggers), a GIN expression index on PostgreSQL.

Revision ID: 0007_search
Revises: 0002
"""

from alembic import op

revision = "0007_search"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE = [
    # External-content FTS5 table over articles: no second copy of the text; porter stemming.
    """CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='rowid',
       tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
         INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
         INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text); END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
         INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
         INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
POSTGRES = [
    """CREATE INDEX ix_articles_search ON articles USING GIN (
         (setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
          setweight(to_tsvector('english', coalesce(text, '')), 'B')))""",
]


def upgrade() -> None:
    statements = SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
